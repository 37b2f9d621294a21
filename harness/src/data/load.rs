//! Reading one dataset file named by the registry, for the loaders.

use std::path::{Path, PathBuf};

use super::DataError;
use super::pattern::check_lang_code;
use super::registry::{FileSpec, Registry};
use super::root::check_data_root;
use super::text::decode;

/// A dataset file read into memory.
pub(crate) struct Loaded<'r> {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// Its registry entry.
    pub spec: &'r FileSpec,
}

impl Loaded<'_> {
    /// Fails with [`DataError::RecordCount`] when the registry fixes the number of records and
    /// `found` differs.
    pub fn check_records(&self, found: usize) -> Result<(), DataError> {
        match self.spec.records {
            Some(expected) if expected != found => Err(DataError::RecordCount {
                path: self.path.clone(),
                found,
                expected,
                reason: format!("datasets.toml sets records = {expected}"),
            }),
            _ => Ok(()),
        }
    }
}

/// Reads file `file` of dataset `dataset` for `lang` (`None` for a shared file) under `root`.
pub(crate) fn read_dataset_file<'r>(
    registry: &'r Registry,
    dataset: &str,
    file: &str,
    root: &Path,
    lang: Option<&str>,
) -> Result<Loaded<'r>, DataError> {
    check_data_root(root)?;
    if let Some(lang) = lang {
        check_lang_code(lang)?;
    }
    let spec = registry.dataset(dataset)?.file(file)?;
    let path = spec.pattern.path(root, lang.unwrap_or(""));
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(match lang {
                Some(lang) => DataError::UnknownLanguage {
                    dataset: dataset.to_string(),
                    lang: lang.to_string(),
                    path,
                },
                None => DataError::MissingFile {
                    dataset: dataset.to_string(),
                    path,
                },
            });
        }
        Err(e) => return Err(DataError::io(&path, e)),
    };
    let text = decode(bytes, &path)?;
    Ok(Loaded { path, text, spec })
}
