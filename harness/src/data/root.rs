//! Where the data lives: `--data-dir`, else `$BABELBENCH_DATA`, else `./data`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::DataError;

/// The environment variable naming the data root.
pub const DATA_ENV: &str = "BABELBENCH_DATA";

/// The data root used when neither a flag nor [`DATA_ENV`] names one.
pub const DEFAULT_DATA_DIR: &str = "data";

/// The data root: `flag` (from `--data-dir`) if given, else `$BABELBENCH_DATA` if set and
/// non-empty, else `./data`. The path is not checked; see [`check_data_root`].
pub fn resolve_data_root(flag: Option<&Path>) -> PathBuf {
    resolve_data_root_with(flag, std::env::var_os(DATA_ENV))
}

/// [`resolve_data_root`] with the environment variable's value passed in.
pub fn resolve_data_root_with(flag: Option<&Path>, env: Option<OsString>) -> PathBuf {
    match (flag, env) {
        (Some(flag), _) => flag.to_path_buf(),
        (None, Some(env)) if !env.is_empty() => PathBuf::from(env),
        _ => PathBuf::from(DEFAULT_DATA_DIR),
    }
}

/// Fails with [`DataError::MissingRoot`] unless `root` is a folder.
pub fn check_data_root(root: &Path) -> Result<(), DataError> {
    if root.is_dir() {
        Ok(())
    } else {
        Err(DataError::MissingRoot {
            path: root.to_path_buf(),
        })
    }
}
