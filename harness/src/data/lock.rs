//! `datasets.lock`: the sha256 of every dataset file, by dataset and path under the data root.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::DataError;
use super::registry::Sha256Hex;
use super::verify::DatasetReport;

/// The comment at the top of a written lock.
const HEADER: &str = "\
# The sha256 of every dataset file, by dataset, keyed by path relative to the data root.
# Written by `babelbench data verify --update`; `babelbench data verify` checks the files against it.
";

/// A parsed `datasets.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    path: PathBuf,
    datasets: BTreeMap<String, BTreeMap<String, String>>,
}

impl Lock {
    /// Reads the lock at `path`; [`DataError::LockMissing`] when there is none.
    pub fn load(path: &Path) -> Result<Lock, DataError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Lock::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(DataError::LockMissing {
                path: path.to_path_buf(),
            }),
            Err(e) => Err(DataError::io(path, e)),
        }
    }

    /// Reads the lock at `path`, or starts an empty one when there is none (for `--update`).
    pub fn load_or_new(path: &Path) -> Result<Lock, DataError> {
        match Lock::load(path) {
            Err(DataError::LockMissing { .. }) => Ok(Lock {
                path: path.to_path_buf(),
                datasets: BTreeMap::new(),
            }),
            other => other,
        }
    }

    /// Parses lock `text` read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Lock, DataError> {
        let parsed: BTreeMap<String, BTreeMap<String, Sha256Hex>> =
            toml::from_str(text).map_err(|e| DataError::Lock {
                path: path.to_path_buf(),
                line: e.span().map_or(1, |s| {
                    text.as_bytes()[..s.start.min(text.len())]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count()
                        + 1
                }),
                message: e.message().trim_end().to_string(),
            })?;
        let datasets = parsed
            .into_iter()
            .map(|(name, files)| {
                let files = files
                    .into_iter()
                    .map(|(file, sha)| (file, sha.as_str().to_string()))
                    .collect();
                (name, files)
            })
            .collect();
        Ok(Lock {
            path: path.to_path_buf(),
            datasets,
        })
    }

    /// The lock's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded sha256 of the files of `dataset`, by relative path.
    pub fn files(&self, dataset: &str) -> Option<&BTreeMap<String, String>> {
        self.datasets.get(dataset)
    }

    /// Compares what `verify` hashed under `root` with the lock: every locked file must exist
    /// with its sha256, and every file read must be locked. Files `verify` already reported
    /// missing are not reported again.
    pub fn check(&self, report: &DatasetReport, root: &Path) -> Vec<DataError> {
        let Some(locked) = self.datasets.get(&report.name) else {
            return vec![DataError::LockLacksDataset {
                lock: self.path.clone(),
                dataset: report.name.clone(),
            }];
        };
        let under_root = |relative: &str| {
            relative
                .split('/')
                .fold(root.to_path_buf(), |p, c| p.join(c))
        };
        let mut problems = Vec::new();
        for (relative, expected) in locked {
            match report.checksums.get(relative) {
                Some(actual) if actual != expected => problems.push(DataError::ChecksumMismatch {
                    what: under_root(relative).display().to_string(),
                    expected: expected.clone(),
                    actual: actual.clone(),
                }),
                Some(_) => {}
                None if report.missing.contains(relative) => {}
                None => problems.push(DataError::MissingFile {
                    dataset: report.name.clone(),
                    path: under_root(relative),
                }),
            }
        }
        for relative in report.checksums.keys().filter(|r| !locked.contains_key(*r)) {
            problems.push(DataError::NotInLock {
                path: under_root(relative),
                lock: self.path.clone(),
                dataset: report.name.clone(),
            });
        }
        problems
    }

    /// Records the checksums of `report`, replacing what the lock held for that dataset.
    pub fn record(&mut self, report: &DatasetReport) {
        self.datasets
            .insert(report.name.clone(), report.checksums.clone());
    }

    /// Writes the lock atomically: to a temporary file in the same folder, then renamed.
    pub fn save(&self) -> Result<(), DataError> {
        let body = toml::to_string(&self.datasets).map_err(|e| DataError::Lock {
            path: self.path.clone(),
            line: 1,
            message: format!("cannot serialize: {e}"),
        })?;
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".datasets.lock.");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let mut tmp = builder
            .tempfile_in(&dir)
            .map_err(|e| DataError::io(&dir, e))?;
        tmp.write_all(HEADER.as_bytes())
            .and_then(|()| tmp.write_all(body.as_bytes()))
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| DataError::io(tmp.path(), e))?;
        tmp.persist(&self.path)
            .map_err(|e| DataError::io(&self.path, e.error))?;
        Ok(())
    }
}
