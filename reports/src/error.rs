//! The one error type of the reports crate.

use std::path::PathBuf;

/// Everything that can go wrong while reading run folders or writing reports. Every variant names
/// the file or folder at fault and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or folder could not be read, written or renamed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. `cannot create`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A folder given as a run folder holds no `manifest.json`.
    #[error(
        "{dir} is not a run folder: it has no manifest.json; pass a folder written by `babelbench run`"
    )]
    NotARun {
        /// The folder.
        dir: PathBuf,
    },
    /// `manifest.json` is not a valid run manifest.
    #[error("{path} is not a valid run manifest: {source}; re-run `babelbench run` to rewrite it")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A parquet file could not be written or read.
    #[error("{action} parquet file {path}: {source}")]
    Parquet {
        /// What was being done, e.g. `cannot read`.
        action: &'static str,
        /// The parquet file.
        path: PathBuf,
        /// The underlying polars error.
        source: polars::error::PolarsError,
    },
    /// A parquet file lacks a column or holds a null or a value of the wrong type in it.
    #[error(
        "{path}: column `{column}`: {message}; the file was not written by babelbench's run engine"
    )]
    Column {
        /// The parquet file.
        path: PathBuf,
        /// The column.
        column: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A `scores_json` cell of `samples.parquet` is not a JSON object of numbers.
    #[error(
        "{path}: task {task}, doc {doc_id}: scores_json is not a JSON object of numbers ({message}); re-run the task"
    )]
    Scores {
        /// The parquet file.
        path: PathBuf,
        /// The task of the row.
        task: String,
        /// The document of the row.
        doc_id: String,
        /// What is wrong.
        message: String,
    },
    /// A `labels_json` cell of `samples.parquet` is not a JSON object of strings.
    #[error(
        "{path}: task {task}, doc {doc_id}: labels_json is not a JSON object of strings ({message}); re-run the task"
    )]
    Labels {
        /// The parquet file.
        path: PathBuf,
        /// The task of the row.
        task: String,
        /// The document of the row.
        doc_id: String,
        /// What is wrong.
        message: String,
    },
    /// No run folders were given.
    #[error("no run folders given; pass at least one folder written by `babelbench run`")]
    NoRuns,
    /// The same run folder was given twice.
    #[error("{dir} is given twice; pass each run folder once")]
    DuplicateRun {
        /// The folder.
        dir: PathBuf,
    },
    /// Two runs evaluated the same task at different versions.
    #[error(
        "task {task} differs between runs: {dir_a} has task signature `{signature_a}`, {dir_b} has `{signature_b}`; compare only runs of the same task version (re-run the older one)"
    )]
    TaskVersionMismatch {
        /// The task.
        task: String,
        /// The first run folder.
        dir_a: PathBuf,
        /// Its signature of the task.
        signature_a: String,
        /// The second run folder.
        dir_b: PathBuf,
        /// Its signature of the task.
        signature_b: String,
    },
    /// Two runs share no task and language with per-sample scores.
    #[error(
        "{dir_a} and {dir_b} share no task and language with per-sample scores; compare runs of the same tasks"
    )]
    NothingInCommon {
        /// The first run folder.
        dir_a: PathBuf,
        /// The second run folder.
        dir_b: PathBuf,
    },
    /// A polars query over the run folders failed.
    #[error("cannot {action} over run folders {dirs}: {source}")]
    Query {
        /// What the query computes.
        action: &'static str,
        /// The run folders, comma-separated.
        dirs: String,
        /// The underlying polars error.
        source: polars::error::PolarsError,
    },
    /// An HTML template failed to render.
    #[error("cannot render template {template}: {source}")]
    Template {
        /// The template's name.
        template: String,
        /// The underlying minijinja error.
        source: minijinja::Error,
    },
}

impl ReportError {
    /// An [`ReportError::Io`] for `path`.
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        ReportError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}
