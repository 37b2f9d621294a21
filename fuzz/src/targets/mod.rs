//! The targets, one per parser, and the scratch files they write inputs to (parsers that take
//! a path read the bytes from a file in a per-thread temporary folder).

mod data;
mod model;
mod task;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use crate::Target;

/// Every target.
pub(crate) static ALL: &[Target] = &[
    model::GGUF,
    model::SAFETENSORS,
    model::SAFETENSORS_INDEX,
    model::TOKENIZER,
    model::TOKENIZER_CONFIG,
    task::TASK_YAML,
    task::JINJA,
    data::DATASETS_TOML,
    data::ROWS_JSON,
    data::ROWS_CSV,
    data::ROWS_TSV,
    data::ROWS_PARQUET,
    data::RESPONSE_CACHE,
    task::MT_SCORE,
];

thread_local! {
    static SCRATCH: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// This thread's scratch folder for `target` (created on first use).
pub(crate) fn scratch(target: &str) -> PathBuf {
    SCRATCH.with(|cell| {
        let mut cell = cell.borrow_mut();
        let root = cell.get_or_insert_with(|| {
            tempfile::Builder::new()
                .prefix("babelbench-fuzz-")
                .tempdir()
                .expect("a temporary folder for the fuzz inputs")
        });
        let dir = root.path().join(target);
        std::fs::create_dir_all(&dir).expect("a scratch folder for the fuzz inputs");
        dir
    })
}

/// Writes `bytes` to `name` in `dir` and returns its path.
pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("writing a fuzz input to the scratch folder");
    path
}

/// The outcome label of a result: `ok`, or the error's message.
pub(crate) fn outcome<T, E: std::fmt::Display>(result: &Result<T, E>) -> String {
    match result {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
    }
}
