//! Settings every task is built with.

use std::path::PathBuf;

/// The seed of the bootstrap resampling when none is given (sacrebleu's).
pub const DEFAULT_SEED: u64 = 12345;

/// The number of bootstrap resamples when none is given (sacrebleu's).
pub const DEFAULT_BOOTSTRAP_RESAMPLES: usize = 1000;

/// Settings shared by every task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskConfig {
    /// Folder holding the datasets (`flores200/`, `belebele/`, `sib200/`).
    pub data_root: PathBuf,
    /// Evaluate only the first `limit` documents (for MEXA: align the first `limit` sentences).
    pub limit: Option<usize>,
    /// Few-shot examples per prompt; `None` takes each task's default.
    pub num_fewshot: Option<usize>,
    /// Most tokens a generation task may generate per prompt; `None` takes each task's default.
    pub max_new_tokens: Option<usize>,
    /// Seed of the bootstrap confidence intervals.
    pub seed: u64,
    /// Bootstrap resamples per confidence interval; 0 computes no intervals.
    pub bootstrap_resamples: usize,
}

impl TaskConfig {
    /// Defaults for data under `data_root`: no limit, each task's default few-shot count,
    /// [`DEFAULT_SEED`] and [`DEFAULT_BOOTSTRAP_RESAMPLES`].
    pub fn new(data_root: impl Into<PathBuf>) -> Self {
        TaskConfig {
            data_root: data_root.into(),
            limit: None,
            num_fewshot: None,
            max_new_tokens: None,
            seed: DEFAULT_SEED,
            bootstrap_resamples: DEFAULT_BOOTSTRAP_RESAMPLES,
        }
    }

    /// `limit=N` or `limit=none`, for task signatures.
    pub(crate) fn limit_label(&self) -> String {
        match self.limit {
            Some(limit) => format!("limit={limit}"),
            None => "limit=none".to_string(),
        }
    }
}
