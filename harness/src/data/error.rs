//! Errors raised while reading datasets; each names the file (and line or field) at fault and
//! says what to do about it.

use std::path::PathBuf;

/// A dataset file is missing, malformed or inconsistent, or the registry or lock is.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// No local snapshot of a Hugging Face Hub dataset was found.
    #[error(
        "no local snapshot of Hub dataset {repo} (looked in {searched}); pass --hf-data DIR \
         (a Hub cache, or a folder holding {repo}/), set HF_HUB_CACHE, or run \
         `babelbench data fetch hf:{repo}@REVISION`"
    )]
    HubSnapshotMissing {
        /// `org/name`.
        repo: String,
        /// The folders searched.
        searched: String,
    },
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The data root does not exist.
    #[error(
        "data root {} does not exist: pass --data-dir DIR, set BABELBENCH_DATA, \
         or run `babelbench data fetch NAME` to download a dataset there",
        path.display()
    )]
    MissingRoot {
        /// The data root.
        path: PathBuf,
    },
    /// A file that the registry layout or the lock names is absent.
    #[error(
        "{}: missing file of dataset {dataset}; run `babelbench data fetch {dataset}` \
         or restore it",
        path.display()
    )]
    MissingFile {
        /// The dataset.
        dataset: String,
        /// The absent file.
        path: PathBuf,
    },
    /// No file of a dataset is under the data root.
    #[error(
        "dataset {dataset} is not under {}: no file fits {pattern}; run \
         `babelbench data fetch {dataset}`",
        root.display()
    )]
    DatasetAbsent {
        /// The dataset.
        dataset: String,
        /// The data root.
        root: PathBuf,
        /// The dataset's first per-language pattern.
        pattern: String,
    },
    /// No file holds the requested language.
    #[error(
        "{}: no {dataset} file for language `{lang}`; `babelbench data list` shows the languages \
         on disk, `babelbench data fetch {dataset}` downloads the dataset",
        path.display()
    )]
    UnknownLanguage {
        /// The dataset.
        dataset: String,
        /// The requested language code.
        lang: String,
        /// Where the file was expected.
        path: PathBuf,
    },
    /// A language code is not of the form `fra_Latn`.
    #[error(
        "invalid language code `{lang}`: expected an ISO 639-3 code, `_` and an ISO 15924 \
         script, e.g. `fra_Latn`"
    )]
    InvalidLanguageCode {
        /// The code as given.
        lang: String,
    },
    /// A file is not valid UTF-8.
    #[error("{}:{line}: invalid UTF-8; re-download the file or convert it to UTF-8", path.display())]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// The 1-based line holding the first invalid byte.
        line: usize,
    },
    /// A line of a data file cannot be parsed.
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line in the file.
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A file holds a different number of records than it should.
    #[error(
        "{}: {found} records, but {expected} expected ({reason}); the file is truncated or \
         corrupt: restore it or run `babelbench data fetch`",
        path.display()
    )]
    RecordCount {
        /// The file.
        path: PathBuf,
        /// Records found.
        found: usize,
        /// Records expected.
        expected: usize,
        /// Where the expectation comes from.
        reason: String,
    },
    /// A file's records are not the same ids, in the same order, as its parallel files.
    #[error(
        "{}: its {what} differ from those of its {siblings} parallel files ({example}); \
         restore the file",
        path.display()
    )]
    NotParallel {
        /// The file.
        path: PathBuf,
        /// What is compared, e.g. `index_id values`.
        what: &'static str,
        /// How many parallel files agree with each other.
        siblings: usize,
        /// One parallel file, for comparison.
        example: String,
    },
    /// No dataset of that name is in the registry.
    #[error("unknown dataset `{name}`; known datasets: {known}")]
    UnknownDataset {
        /// The requested name.
        name: String,
        /// The registry's dataset names, comma-separated.
        known: String,
    },
    /// A dataset has no file of that name in the registry.
    #[error("dataset {dataset} has no file `{file}` in the registry; its files: {known}")]
    UnknownFile {
        /// The dataset.
        dataset: String,
        /// The requested file name.
        file: String,
        /// The dataset's file names, comma-separated.
        known: String,
    },
    /// The registry (`datasets.toml`) is malformed.
    #[error("{}:{line}: {message}", path.display())]
    Registry {
        /// The registry file.
        path: PathBuf,
        /// The 1-based line at fault.
        line: usize,
        /// What is wrong, naming the table and field.
        message: String,
    },
    /// The lock (`datasets.lock`) is malformed.
    #[error("{}:{line}: {message}; fix it or rewrite it with `babelbench data verify --update`", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The 1-based line at fault.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The lock file does not exist.
    #[error(
        "lock file {} not found: pass --lock FILE, run from the repository root, or write it \
         with `babelbench data verify --update`",
        path.display()
    )]
    LockMissing {
        /// The lock file.
        path: PathBuf,
    },
    /// The lock records nothing for a dataset.
    #[error(
        "{}: no checksums for dataset {dataset}; record them with \
         `babelbench data verify --update {dataset}`",
        lock.display()
    )]
    LockLacksDataset {
        /// The lock file.
        lock: PathBuf,
        /// The dataset.
        dataset: String,
    },
    /// A file on disk is not listed in the lock.
    #[error(
        "{}: not listed in {} for dataset {dataset}; if the file is genuine, record it with \
         `babelbench data verify --update {dataset}`",
        path.display(),
        lock.display()
    )]
    NotInLock {
        /// The file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The dataset.
        dataset: String,
    },
    /// A file or download has another sha256 than the one recorded.
    #[error(
        "{what}: sha256 mismatch: expected {expected}, found {actual}; the file is corrupt or \
         was changed: restore or re-download it"
    )]
    ChecksumMismatch {
        /// The file path or URL.
        what: String,
        /// The recorded sha256.
        expected: String,
        /// The sha256 computed.
        actual: String,
    },
    /// An archive's sha256 is recorded nowhere, so it cannot be trusted yet.
    #[error(
        "{url}: datasets.toml records no sha256 for {dataset}, and none was given; the download \
         has sha256 {actual}: check it against the publisher, then run `babelbench data fetch \
         {dataset} --sha256 {actual}` (and record it in datasets.toml)"
    )]
    ChecksumUnknown {
        /// The dataset.
        dataset: String,
        /// Where the archive came from.
        url: String,
        /// The sha256 of the download.
        actual: String,
    },
    /// An archive cannot be read or holds something that cannot be installed.
    #[error("{origin}: {message}")]
    Archive {
        /// Where the archive came from (URL or path).
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// Installing would overwrite existing data.
    #[error(
        "{} already exists; pass --force to replace it, or remove it first",
        path.display()
    )]
    TargetExists {
        /// The existing path.
        path: PathBuf,
    },
    /// A dataset cannot be installed the way that was asked.
    #[error("dataset {dataset}: {message}")]
    Fetch {
        /// The dataset.
        dataset: String,
        /// What is wrong and what to do.
        message: String,
    },
}

impl DataError {
    /// An [`DataError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }
}
