//! The model fingerprint: what the response cache and run folders are keyed by.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::EvalError;

/// sha256 (64 hex digits) over the bytes of `files` (weights, tokenizer, configuration), read in
/// order of file name (then full path), followed by `backend` and `dtype`. Every part is followed
/// by its length, so no two different inputs share a byte stream. The same weights give the same
/// fingerprint wherever they lie; another backend or dtype gives another one.
pub fn model_fingerprint(
    files: &[PathBuf],
    backend: &str,
    dtype: &str,
) -> Result<String, EvalError> {
    if files.is_empty() {
        return Err(EvalError::NoFingerprintFiles);
    }
    let mut sorted: Vec<&PathBuf> = files.iter().collect();
    sorted.sort_by(|a, b| a.file_name().cmp(&b.file_name()).then_with(|| a.cmp(b)));
    let mut hasher = Sha256::new();
    for path in sorted {
        let length = hash_file(&mut hasher, path)?;
        hasher.update(length.to_le_bytes());
    }
    for text in [backend, dtype] {
        hasher.update(text.as_bytes());
        hasher.update((text.len() as u64).to_le_bytes());
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Streams the file at `path` into `hasher`; its length in bytes.
fn hash_file(hasher: &mut Sha256, path: &Path) -> Result<u64, EvalError> {
    let mut file = File::open(path).map_err(|e| EvalError::io(path, e))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut length = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => return Ok(length),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(EvalError::io(path, e)),
        };
        hasher.update(&buf[..n]);
        length += n as u64;
    }
}
