//! Errors of task files: each names the file and line (or the data file and row) at fault and
//! says what to do.

use std::path::PathBuf;

use harness::data::DataError;

/// A task file, or the data it names, cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TaskFileError {
    /// A file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Something is wrong at a line of a task file.
    #[error("{}:{line}: {message}", path.display())]
    At {
        /// The task file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// A document cannot be turned into a prompt.
    #[error("task {task} ({}): document {row} of split {split}: {message}", file.display())]
    Row {
        /// The task.
        task: String,
        /// Its task file.
        file: PathBuf,
        /// The split.
        split: String,
        /// The 0-based row.
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// The task's data could not be read.
    #[error("task {task} ({}): {source}", file.display())]
    Data {
        /// The task.
        task: String,
        /// Its task file.
        file: PathBuf,
        /// What went wrong.
        source: Box<DataError>,
    },
}
