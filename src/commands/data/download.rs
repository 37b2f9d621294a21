//! Downloading an archive over HTTP(S) into a temporary file.

use std::io::Write;

use anyhow::{Context, Result};
use tempfile::NamedTempFile;

/// Downloads `url` into a new temporary file (removed when dropped). HTTP errors, such as a
/// 404, fail with the status.
pub fn to_temp_file(url: &str) -> Result<NamedTempFile> {
    eprintln!("downloading {url}");
    let mut file = NamedTempFile::new().context("creating a temporary file for the download")?;
    let response = ureq::get(url)
        .call()
        .with_context(|| format!("{url}: download failed; check the URL and the network"))?;
    let mut body = response.into_body().into_reader();
    let bytes = std::io::copy(&mut body, file.as_file_mut())
        .with_context(|| format!("{url}: download interrupted; try again"))?;
    file.as_file_mut()
        .flush()
        .with_context(|| format!("writing the download of {url} to {}", file.path().display()))?;
    eprintln!("downloaded {bytes} bytes");
    Ok(file)
}
