//! The rows of a run folder's tables, shared by the run engine (which writes them) and the
//! reports (which read them).
//!
//! A run folder holds `manifest.json` ([`RunManifest`]), `samples.parquet` (one
//! [`SampleRow`] per evaluated item), `results.parquet` (one [`ResultRow`] per task, language and
//! metric) and `results.json` (the same results shaped like lm-evaluation-harness's output).

use serde::{Deserialize, Serialize};

/// One evaluated item: a row of `samples.parquet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRow {
    /// Task name, e.g. `belebele_deu_Latn`.
    pub task: String,
    /// Task group, e.g. `belebele`.
    pub group: String,
    /// Language code the task reports under.
    pub language: String,
    /// Stable document id within the task.
    pub doc_id: String,
    /// The prompt.
    pub prompt: String,
    /// The reference answer.
    pub target: String,
    /// The model's answer.
    pub prediction: String,
    /// Per-sample scores as a JSON object `{metric: value}`.
    pub scores_json: String,
    /// Per-sample text labels as a JSON object `{name: text}` (e.g. the detected language
    /// and script of a generation); `{}` when there are none, and in files written before
    /// labels existed.
    #[serde(default = "no_labels")]
    pub labels_json: String,
}

/// `labels_json` of a row without labels.
fn no_labels() -> String {
    "{}".to_string()
}

/// One aggregate: a row of `results.parquet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    /// Task name.
    pub task: String,
    /// Task group.
    pub group: String,
    /// Language code.
    pub language: String,
    /// Metric name.
    pub metric: String,
    /// Metric value.
    pub value: f64,
    /// Lower end of the 95% confidence interval.
    pub ci_low: Option<f64>,
    /// Upper end of the 95% confidence interval.
    pub ci_high: Option<f64>,
    /// How the metric was computed (e.g. sacrebleu's signature).
    pub metric_signature: Option<String>,
    /// Task version, prompt version and configuration.
    pub task_signature: String,
    /// Number of samples aggregated.
    pub num_samples: u64,
}

/// What a run was: `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// babelbench version.
    pub babelbench_version: String,
    /// Git revision babelbench was built from, when known.
    pub git_revision: Option<String>,
    /// Model path as given.
    pub model_path: String,
    /// Display name of the model (file or folder name).
    pub model_name: String,
    /// sha256 over the weight files and tokenizer, plus backend and dtype.
    pub model_fingerprint: String,
    /// Backend, e.g. `flex+panels`.
    pub backend: String,
    /// Compute dtype, e.g. `f32`.
    pub dtype: String,
    /// Worker threads.
    pub threads: usize,
    /// Task name → task signature (includes the prompt-template hash).
    pub tasks: std::collections::BTreeMap<String, String>,
    /// Data file → sha256 of the files the tasks read.
    pub dataset_checksums: std::collections::BTreeMap<String, String>,
    /// Seed of the bootstrap resampling.
    pub seed: u64,
    /// Shard `i/n` this folder holds, or `None` for a whole run.
    pub shard: Option<(usize, usize)>,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// End time, RFC 3339 UTC.
    pub finished_at: Option<String>,
    /// Seconds spent per phase (load, loglikelihood, generate, ...).
    pub phase_seconds: std::collections::BTreeMap<String, f64>,
    /// The options the run was started with (`--tasks`, `--limit`, ...), as the command line
    /// recorded them: `merge` rebuilds the tasks from them, and `results.json` reports them.
    #[serde(default)]
    pub run_config: std::collections::BTreeMap<String, serde_json::Value>,
}
