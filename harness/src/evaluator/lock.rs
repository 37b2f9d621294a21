//! One process per run folder: an exclusive advisory lock on `<folder>/.lock`.
//!
//! The operating system releases the lock when the holder exits, however it exits, so a killed
//! run never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::Path;

use super::error::EvalError;

/// File name of the lock in a run folder.
pub const LOCK_FILE: &str = ".lock";

/// The held lock of a run folder; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Locks the existing folder `dir`, or fails with [`EvalError::Locked`] while another
    /// process holds it. The holder's pid is written into the lock file for the error message.
    pub fn acquire(dir: &Path) -> Result<RunLock, EvalError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| EvalError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let holder = match file.read_to_string(&mut pid) {
                    Ok(_) if !pid.trim().is_empty() => format!(" (pid {})", pid.trim()),
                    _ => String::new(),
                };
                return Err(EvalError::Locked {
                    dir: dir.to_path_buf(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => return Err(EvalError::io(&path, e)),
        }
        file.set_len(0)
            .and_then(|()| file.write_all(std::process::id().to_string().as_bytes()))
            .map_err(|e| EvalError::io(&path, e))?;
        Ok(RunLock { _file: file })
    }
}
