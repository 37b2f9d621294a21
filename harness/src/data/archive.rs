//! Installing a downloaded dataset archive (`.tar.gz` or `.zip`) after checking its sha256.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::DataError;
use super::install::Staging;
use super::registry::{Registry, Source};

/// The kinds of archive `babelbench data fetch` unpacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// A gzip-compressed tar file.
    TarGz,
    /// A zip file.
    Zip,
}

impl ArchiveKind {
    /// The kind named by the end of `url` (`.tar.gz`, `.tgz` or `.zip`; a query is ignored).
    pub fn from_url(url: &str) -> Option<ArchiveKind> {
        let name = url
            .split(['?', '#'])
            .next()
            .unwrap_or(url)
            .to_ascii_lowercase();
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(ArchiveKind::TarGz)
        } else if name.ends_with(".zip") {
            Some(ArchiveKind::Zip)
        } else {
            None
        }
    }
}

/// The lowercase hex sha256 of the file at `path`.
pub fn sha256_file(path: &Path) -> Result<String, DataError> {
    let mut file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| DataError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Installs `archive`, downloaded from `origin`, as dataset `dataset` under `root`.
///
/// The archive's sha256 must equal `expected_sha256` if given, else the `sha256` in the
/// registry; with neither, nothing is installed and [`DataError::ChecksumUnknown`] reports the
/// download's sha256. The contents of the archive's folder `strip` are unpacked into a staging
/// folder inside `root`, then each top-level entry is renamed into the folder `into`; an
/// existing entry there is an error unless `force`. Returns the installed paths.
pub fn install_archive(
    registry: &Registry,
    dataset: &str,
    archive: &Path,
    origin: &str,
    expected_sha256: Option<&str>,
    root: &Path,
    force: bool,
) -> Result<Vec<PathBuf>, DataError> {
    let spec = registry.dataset(dataset)?;
    let Source::Archive {
        sha256,
        strip,
        into,
        ..
    } = &spec.source
    else {
        return Err(DataError::Fetch {
            dataset: dataset.to_string(),
            message: "it is derived from another dataset, not downloaded as an archive".into(),
        });
    };
    let actual = sha256_file(archive)?;
    let expected = expected_sha256
        .map(str::to_ascii_lowercase)
        .or_else(|| sha256.as_ref().map(|s| s.as_str().to_string()));
    match expected {
        None => {
            return Err(DataError::ChecksumUnknown {
                dataset: dataset.to_string(),
                url: origin.to_string(),
                actual,
            });
        }
        Some(expected) if expected != actual => {
            return Err(DataError::ChecksumMismatch {
                what: origin.to_string(),
                expected,
                actual,
            });
        }
        Some(_) => {}
    }
    let kind = ArchiveKind::from_url(origin).ok_or_else(|| DataError::Archive {
        origin: origin.to_string(),
        message: "cannot tell the archive type: the name must end in .tar.gz, .tgz or .zip".into(),
    })?;
    let staging = Staging::new(root)?;
    let strip = Path::new(strip.as_str());
    let unpacked = match kind {
        ArchiveKind::TarGz => unpack_tar_gz(archive, origin, strip, &staging.new_dir())?,
        ArchiveKind::Zip => unpack_zip(archive, origin, strip, &staging.new_dir())?,
    };
    if unpacked == 0 {
        return Err(DataError::Archive {
            origin: origin.to_string(),
            message: format!(
                "holds no files under `{}/`; check the URL or `strip` in datasets.toml",
                strip.display()
            ),
        });
    }
    staging.install_into(&into.under(root), force)
}

/// `path` with `.` components dropped, made relative to `strip`; `None` outside `strip` or for
/// `strip` itself. Errors on `..`, absolute or prefixed paths.
fn relative_to(path: &Path, strip: &Path, origin: &str) -> Result<Option<PathBuf>, DataError> {
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => clean.push(name),
            Component::CurDir => {}
            _ => {
                return Err(DataError::Archive {
                    origin: origin.to_string(),
                    message: format!(
                        "entry `{}` leaves the archive's folder; refusing to unpack it",
                        path.display()
                    ),
                });
            }
        }
    }
    Ok(clean
        .strip_prefix(strip)
        .ok()
        .filter(|rel| !rel.as_os_str().is_empty())
        .map(Path::to_path_buf))
}

/// An [`DataError::Archive`] for an unreadable archive.
fn unreadable(origin: &str, err: impl std::fmt::Display) -> DataError {
    DataError::Archive {
        origin: origin.to_string(),
        message: format!("cannot read the archive: {err}"),
    }
}

/// An [`DataError::Archive`] for an entry that is neither a file nor a folder.
fn not_a_file(origin: &str, path: &Path) -> DataError {
    DataError::Archive {
        origin: origin.to_string(),
        message: format!(
            "entry `{}` is a link or special file; only files and folders are installed",
            path.display()
        ),
    }
}

/// Unpacks the files under `strip` of a `.tar.gz` into `dest`; returns how many files.
fn unpack_tar_gz(
    archive: &Path,
    origin: &str,
    strip: &Path,
    dest: &Path,
) -> Result<usize, DataError> {
    let file = File::open(archive).map_err(|e| DataError::io(archive, e))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = 0;
    for entry in tar.entries().map_err(|e| unreadable(origin, e))? {
        let mut entry = entry.map_err(|e| unreadable(origin, e))?;
        let path = entry
            .path()
            .map_err(|e| unreadable(origin, e))?
            .into_owned();
        let Some(relative) = relative_to(&path, strip, origin)? else {
            continue;
        };
        let out = dest.join(&relative);
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            std::fs::create_dir_all(&out).map_err(|e| DataError::io(&out, e))?;
        } else if kind.is_file() || kind.is_contiguous() {
            create_parent(&out)?;
            entry.unpack(&out).map_err(|e| DataError::io(&out, e))?;
            files += 1;
        } else if !kind.is_pax_global_extensions() && !kind.is_pax_local_extensions() {
            return Err(not_a_file(origin, &path));
        }
    }
    Ok(files)
}

/// Unpacks the files under `strip` of a `.zip` into `dest`; returns how many files.
fn unpack_zip(archive: &Path, origin: &str, strip: &Path, dest: &Path) -> Result<usize, DataError> {
    let file = File::open(archive).map_err(|e| DataError::io(archive, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| unreadable(origin, e))?;
    let mut files = 0;
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).map_err(|e| unreadable(origin, e))?;
        let path = entry.enclosed_name().ok_or_else(|| DataError::Archive {
            origin: origin.to_string(),
            message: format!(
                "entry {index} (`{}`) leaves the archive's folder; refusing to unpack it",
                String::from_utf8_lossy(entry.name_raw())
            ),
        })?;
        let Some(relative) = relative_to(&path, strip, origin)? else {
            continue;
        };
        let out = dest.join(&relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&out).map_err(|e| DataError::io(&out, e))?;
        } else if entry.is_file() {
            create_parent(&out)?;
            let mut writer = File::create(&out).map_err(|e| DataError::io(&out, e))?;
            std::io::copy(&mut entry, &mut writer).map_err(|e| DataError::io(&out, e))?;
            files += 1;
        } else {
            return Err(not_a_file(origin, &path));
        }
    }
    Ok(files)
}

/// Creates the parent folder of `path`.
fn create_parent(path: &Path) -> Result<(), DataError> {
    match path.parent() {
        Some(parent) => std::fs::create_dir_all(parent).map_err(|e| DataError::io(parent, e)),
        None => Ok(()),
    }
}
