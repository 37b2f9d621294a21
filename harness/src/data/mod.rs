//! The dataset registry (`datasets.toml`), loaders for the official formats, and the checks and
//! installers behind `babelbench data`.
//!
//! Paths: every loader takes the data root (see [`resolve_data_root`]) and finds its file with
//! the layout of the built-in registry ([`Registry::builtin`]). Errors name the file and line.

mod archive;
mod belebele;
mod derive;
mod error;
mod flores;
mod hub;
mod install;
mod load;
mod lock;
mod parquet_rows;
mod pattern;
mod registry;
mod root;
mod rows;
mod sib;
mod text;
mod verify;

pub use archive::{ArchiveKind, install_archive, sha256_file};
pub use belebele::{BELEBELE, BelebeleItem, load_belebele};
pub use derive::derive_dataset;
pub use error::DataError;
pub use flores::{
    FLORES_DEV_PARTIAL, FLORES_DEVTEST, FloresMetadata, FloresSentence, load_flores_dev_partial,
    load_flores_devtest, load_flores_devtest_metadata,
};
pub use hub::{
    DataFilesEntry, DataFilesSpec, HF_HUB_CACHE_ENV, OneOrMany, find_snapshot, glob_path_matches,
    hub_search_dirs, matching, split_files,
};
pub use lock::Lock;
pub use pattern::{FilePattern, LANG_PLACEHOLDER, RelPath, glob_matches, is_lang_code};
pub use registry::{DatasetSpec, FileFormat, FileSpec, Registry, Sha256Hex, Source};
pub use root::{
    DATA_ENV, DEFAULT_DATA_DIR, check_data_root, resolve_data_root, resolve_data_root_with,
};
pub use rows::{CsvOptions, Row, RowFormat, read_rows, read_rows_with};
pub use sib::{SIB200, SibItem, SibSplit, load_sib200, load_sib200_labels};
pub use verify::{DatasetReport, VerifyReport, verify_datasets};
