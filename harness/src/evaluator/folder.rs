//! Taking an output folder: create it, lock it, check that it is empty, a run folder of the same
//! model, or holds only babelbench's files, and clear the previous run's result files.

use std::path::{Path, PathBuf};

use super::cache::CACHE_FILE;
use super::error::EvalError;
use super::files::read_json;
use super::lock::{LOCK_FILE, RunLock};
use super::output::{MANIFEST_FILE, OUTPUT_FILES};
use super::plan::PLAN_FILE;
use crate::results::RunManifest;

/// Prefix of the temporary files of atomic writes.
const TMP_PREFIX: &str = ".tmp-";

/// A locked output folder; the lock lasts as long as this value.
pub(crate) struct OutputFolder {
    /// The folder.
    pub dir: PathBuf,
    _lock: RunLock,
}

/// Whether babelbench writes files named `name` into run folders.
fn is_ours(name: &str) -> bool {
    name.starts_with(TMP_PREFIX)
        || [MANIFEST_FILE, PLAN_FILE, CACHE_FILE, LOCK_FILE].contains(&name)
        || OUTPUT_FILES.contains(&name)
}

/// Creates and locks `dir` for a run of the model `fingerprint`. Fails when another process
/// holds it, when its manifest belongs to another model, or when it has no manifest but holds
/// files babelbench did not write. Removes the previous run's result files and leftover
/// temporary files.
pub(crate) fn take_folder(dir: &Path, fingerprint: &str) -> Result<OutputFolder, EvalError> {
    std::fs::create_dir_all(dir).map_err(|e| EvalError::io(dir, e))?;
    let lock = RunLock::acquire(dir)?;
    let manifest_path = dir.join(MANIFEST_FILE);
    match read_json::<RunManifest>(&manifest_path)? {
        Some(manifest) if manifest.model_fingerprint != fingerprint => {
            return Err(EvalError::FingerprintMismatch {
                dir: dir.to_path_buf(),
                found: manifest.model_fingerprint,
                expected: fingerprint.to_string(),
            });
        }
        Some(_) => {}
        None => {
            for name in entry_names(dir)? {
                if !is_ours(&name) {
                    return Err(EvalError::ForeignFolder {
                        dir: dir.to_path_buf(),
                        entry: name,
                    });
                }
            }
        }
    }
    for name in entry_names(dir)? {
        let path = dir.join(&name);
        if (name.starts_with(TMP_PREFIX) || OUTPUT_FILES.contains(&name.as_str())) && path.is_file()
        {
            std::fs::remove_file(&path).map_err(|e| EvalError::io(&path, e))?;
        }
    }
    Ok(OutputFolder {
        dir: dir.to_path_buf(),
        _lock: lock,
    })
}

/// The names of the entries of `dir` (lossy for names that are not UTF-8).
fn entry_names(dir: &Path) -> Result<Vec<String>, EvalError> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| EvalError::io(dir, e))? {
        let entry = entry.map_err(|e| EvalError::io(dir, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}
