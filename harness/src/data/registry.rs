//! The dataset registry: `datasets.toml` parsed into typed specs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

use super::DataError;
use super::pattern::{FilePattern, RelPath};

/// The repository's `datasets.toml`, built into the library.
const BUILTIN_TOML: &str = include_str!("../../../datasets.toml");

/// What [`Registry::builtin`] reports as the registry's file in error messages.
const BUILTIN_ORIGIN: &str = "datasets.toml (built in)";

/// The datasets babelbench knows (a parsed `datasets.toml`).
#[derive(Debug, Clone)]
pub struct Registry {
    origin: PathBuf,
    datasets: BTreeMap<String, DatasetSpec>,
}

/// One dataset: license, source and files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// The dataset's name, the key of its table in `datasets.toml`.
    #[serde(skip)]
    pub name: String,
    /// One line about the dataset.
    pub description: String,
    /// SPDX license of the data.
    pub license: String,
    /// The dataset's home page.
    pub homepage: String,
    /// The dataset's id on the Hugging Face Hub, if any.
    #[serde(default)]
    pub hf_dataset: Option<String>,
    /// The Hub revision (commit) meant, if pinned.
    #[serde(default)]
    pub hf_revision: Option<String>,
    /// The files, in the order of `datasets.toml`.
    pub files: Vec<FileSpec>,
    /// How `babelbench data fetch` gets the dataset.
    pub source: Source,
}

/// One file pattern of a dataset.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Short name, unique within the dataset (e.g. `train`).
    pub name: String,
    /// Path under the data root, with a `{lang}` placeholder for per-language files.
    pub pattern: FilePattern,
    /// How the file is read.
    pub format: FileFormat,
    /// The number of records every file of this pattern holds, when fixed.
    #[serde(default)]
    pub records: Option<usize>,
}

/// How a dataset file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileFormat {
    /// UTF-8 text, one non-empty record per line (FLORES sentences).
    Lines,
    /// FLORES metadata TSV: URL, domain, topic, has_image, has_hyperlink.
    FloresMetadata,
    /// TSV `line<TAB>text` with a header; `line` is a 0-based line of the full split.
    LineTextTsv,
    /// Belebele questions, one JSON object per line.
    BelebeleJsonl,
    /// SIB-200 TSV: index_id, category, text.
    SibTsv,
    /// One label per line.
    Labels,
}

/// How `babelbench data fetch` gets a dataset.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawSource")]
pub enum Source {
    /// An archive (`.tar.gz` or `.zip`) to download and unpack.
    Archive {
        /// Where to download it.
        url: String,
        /// Its sha256, when known; see `datasets.toml` for what happens without it.
        sha256: Option<Sha256Hex>,
        /// The folder in the archive whose contents are installed.
        strip: RelPath,
        /// The folder under the data root that receives them.
        into: RelPath,
    },
    /// Built from another dataset on disk: the FLORES dev-split lines that SIB-200 holds.
    Derived {
        /// The dataset it is built from.
        from: String,
        /// SIB-200 rows whose index_id is below this are dev-split lines.
        dev_lines: u32,
    },
}

/// The kinds of [`Source`], as written in `datasets.toml`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum SourceKind {
    Archive,
    Derived,
}

/// A `[NAME.source]` table as written; a plain struct, so that errors in a field point at it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    kind: SourceKind,
    url: Option<String>,
    sha256: Option<Sha256Hex>,
    strip: Option<RelPath>,
    into: Option<RelPath>,
    from: Option<String>,
    dev_lines: Option<u32>,
}

impl TryFrom<RawSource> for Source {
    type Error = String;

    fn try_from(raw: RawSource) -> Result<Self, String> {
        let needs =
            |kind: &str, field: &str| format!("kind = \"{kind}\" needs the field `{field}`");
        let forbids = |kind: &str, field: &str| {
            format!("the field `{field}` does not apply to kind = \"{kind}\"")
        };
        match raw.kind {
            SourceKind::Archive => {
                if raw.from.is_some() {
                    return Err(forbids("archive", "from"));
                }
                if raw.dev_lines.is_some() {
                    return Err(forbids("archive", "dev_lines"));
                }
                Ok(Source::Archive {
                    url: raw.url.ok_or_else(|| needs("archive", "url"))?,
                    sha256: raw.sha256,
                    strip: raw.strip.ok_or_else(|| needs("archive", "strip"))?,
                    into: raw.into.ok_or_else(|| needs("archive", "into"))?,
                })
            }
            SourceKind::Derived => {
                for (field, present) in [
                    ("url", raw.url.is_some()),
                    ("sha256", raw.sha256.is_some()),
                    ("strip", raw.strip.is_some()),
                    ("into", raw.into.is_some()),
                ] {
                    if present {
                        return Err(forbids("derived", field));
                    }
                }
                Ok(Source::Derived {
                    from: raw.from.ok_or_else(|| needs("derived", "from"))?,
                    dev_lines: raw.dev_lines.ok_or_else(|| needs("derived", "dev_lines"))?,
                })
            }
        }
    }
}

/// A sha256 as 64 lowercase hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Sha256Hex(String);

impl TryFrom<String> for Sha256Hex {
    type Error = String;

    fn try_from(hex: String) -> Result<Self, String> {
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Sha256Hex(hex.to_ascii_lowercase()))
        } else {
            Err(format!(
                "`{hex}` is not a sha256: expected 64 hexadecimal digits"
            ))
        }
    }
}

impl Sha256Hex {
    /// The digest in lowercase hex.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Registry {
    /// Reads and checks the registry at `path`.
    pub fn load(path: &Path) -> Result<Registry, DataError> {
        let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
        Registry::parse(&text, path)
    }

    /// Parses and checks registry `text`; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Registry, DataError> {
        let error = |offset: usize, message: String| DataError::Registry {
            path: origin.to_path_buf(),
            line: line_of(text, offset),
            message: match enclosing_table(text, offset) {
                Some(table) => format!("in {table}: {message}"),
                None => message,
            },
        };
        let raw: BTreeMap<String, toml::Spanned<DatasetSpec>> =
            toml::from_str(text).map_err(|e| {
                let offset = e.span().map_or(0, |s| s.start);
                error(offset, e.message().trim_end().to_string())
            })?;
        if raw.is_empty() {
            return Err(error(
                0,
                "no datasets: expected at least one [NAME] table".into(),
            ));
        }
        let names: BTreeSet<&str> = raw.keys().map(String::as_str).collect();
        for (name, spanned) in &raw {
            let offset = spanned.span().start;
            check_dataset(name, spanned.get_ref(), &names).map_err(|m| error(offset, m))?;
        }
        let datasets = raw
            .into_iter()
            .map(|(name, spanned)| {
                let mut spec = spanned.into_inner();
                spec.name = name.clone();
                (name, spec)
            })
            .collect();
        Ok(Registry {
            origin: origin.to_path_buf(),
            datasets,
        })
    }

    /// The repository's `datasets.toml`, built into the library so that babelbench works from
    /// any folder.
    pub fn builtin() -> Registry {
        builtin_ref().clone()
    }

    /// Where the registry was read from.
    pub fn origin(&self) -> &Path {
        &self.origin
    }

    /// The datasets, sorted by name.
    pub fn datasets(&self) -> impl Iterator<Item = &DatasetSpec> {
        self.datasets.values()
    }

    /// The dataset `name`; the error lists the known names.
    pub fn dataset(&self, name: &str) -> Result<&DatasetSpec, DataError> {
        self.datasets
            .get(name)
            .ok_or_else(|| DataError::UnknownDataset {
                name: name.to_string(),
                known: self.datasets.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    /// The sorted language codes of dataset `name` found under the data root `root`.
    pub fn languages(&self, name: &str, root: &Path) -> Result<Vec<String>, DataError> {
        super::root::check_data_root(root)?;
        self.dataset(name)?.languages(root)
    }
}

/// The built-in registry, parsed once.
pub(crate) fn builtin_ref() -> &'static Registry {
    static BUILTIN: OnceLock<Registry> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        Registry::parse(BUILTIN_TOML, Path::new(BUILTIN_ORIGIN))
            .unwrap_or_else(|e| panic!("the built-in datasets.toml is checked by tests: {e}"))
    })
}

impl DatasetSpec {
    /// The file named `name`; the error lists the dataset's file names.
    pub fn file(&self, name: &str) -> Result<&FileSpec, DataError> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| DataError::UnknownFile {
                dataset: self.name.clone(),
                file: name.to_string(),
                known: self
                    .files
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The sorted language codes found under `root` for any of the per-language patterns.
    pub fn languages(&self, root: &Path) -> Result<Vec<String>, DataError> {
        let mut langs = BTreeSet::new();
        for file in self.files.iter().filter(|f| f.pattern.has_lang()) {
            langs.extend(file.pattern.languages_on_disk(root)?);
        }
        Ok(langs.into_iter().collect())
    }
}

/// Checks what serde cannot: names, files, and the `from` of a derived source.
fn check_dataset(name: &str, spec: &DatasetSpec, names: &BTreeSet<&str>) -> Result<(), String> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!(
            "dataset name `{name}`: use lowercase letters, digits and `_`"
        ));
    }
    if !spec.files.iter().any(|f| f.pattern.has_lang()) {
        return Err(
            "field `files`: at least one file pattern needs a `{lang}` placeholder".to_string(),
        );
    }
    let mut seen = BTreeSet::new();
    for file in &spec.files {
        if !seen.insert(file.name.as_str()) {
            return Err(format!(
                "field `files`: two files are named `{}`",
                file.name
            ));
        }
        if file.records == Some(0) {
            return Err(format!(
                "file `{}`, field `records`: must be at least 1 (or left out)",
                file.name
            ));
        }
    }
    if let Source::Derived { from, .. } = &spec.source
        && (!names.contains(from.as_str()) || from == name)
    {
        return Err(format!(
            "field `source.from`: `{from}` is not another dataset of this registry"
        ));
    }
    Ok(())
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The `[table]` or `[[table]]` header in force at byte `offset`.
fn enclosing_table(text: &str, offset: usize) -> Option<String> {
    let end = text[offset.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| offset + i);
    text.get(..end)?
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.split('#').next().unwrap_or(l).trim_end().to_string())
}
