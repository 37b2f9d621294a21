//! Atomic file writes (a temporary file in the same folder, fsync, rename, fsync of the folder)
//! and JSON reads for run folders.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::EvalError;

/// The folder of `path` (`.` for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), EvalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| EvalError::io(dir, e))
}

/// Replaces `path` with what `write` writes, atomically.
pub(crate) fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), EvalError> {
    let dir = parent_of(path);
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(&dir)
        .map_err(|e| EvalError::io(&dir, e))?;
    let mut out = BufWriter::new(tmp);
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| EvalError::io(path, e))?;
    let tmp = out
        .into_inner()
        .map_err(|e| EvalError::io(path, e.into_error()))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| EvalError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| EvalError::io(path, e.error))?;
    sync_dir(&dir)
}

/// Writes `value` as pretty JSON to `path`, atomically.
pub(crate) fn write_json(path: &Path, value: &impl Serialize) -> Result<(), EvalError> {
    write_atomic(path, |out| {
        serde_json::to_writer_pretty(&mut *out, value)?;
        out.write_all(b"\n")
    })
}

/// Writes `rows` as JSON Lines to `path`, atomically.
pub(crate) fn write_jsonl<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), EvalError> {
    write_atomic(path, |out| {
        for row in rows {
            serde_json::to_writer(&mut *out, row)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Lets `write` create the file at a temporary path in `path`'s folder, then syncs it and
/// renames it to `path`.
pub(crate) fn persist_with(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), Box<dyn std::error::Error + Send + Sync>>,
) -> Result<(), EvalError> {
    let dir = parent_of(path);
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(&dir)
        .map_err(|e| EvalError::io(&dir, e))?
        .into_temp_path();
    write(&tmp).map_err(|source| EvalError::Table {
        path: path.to_path_buf(),
        source,
    })?;
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| EvalError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| EvalError::io(path, e.error))?;
    sync_dir(&dir)
}

/// Reads the JSON file `path`; `None` when it does not exist.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, EvalError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(EvalError::io(path, e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| EvalError::InvalidFile {
            path: path.to_path_buf(),
            message: format!("invalid JSON: {e}"),
        })
}
