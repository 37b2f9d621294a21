//! What a task is: documents that carry requests, and an evaluation of the responses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::request::{Request, Response};

/// Why a task could not be built or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The task's data could not be read.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// A response does not have the kind the task asked for.
    #[error("task {task}: document {doc_id}: {message}")]
    BadResponse {
        /// Task name.
        task: String,
        /// Document id.
        doc_id: String,
        /// What was wrong.
        message: String,
    },
    /// The task's configuration is invalid (prompt template, few-shot count, ...).
    #[error("task {task}: {message}")]
    Config {
        /// Task name.
        task: String,
        /// What was wrong.
        message: String,
    },
}

/// One evaluation item and the model requests it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    /// Stable id, unique within the task (e.g. the FLORES line or Belebele question id).
    pub id: String,
    /// The prompt as a person would read it (for sample browsers).
    pub prompt: String,
    /// The reference answer.
    pub target: String,
    /// Requests, answered in this order.
    pub requests: Vec<Request>,
}

/// A scored item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// The document id.
    pub doc_id: String,
    /// The prompt.
    pub prompt: String,
    /// The reference.
    pub target: String,
    /// What the model answered (a choice, a translation, ...).
    pub prediction: String,
    /// Per-sample scores by metric name.
    pub scores: BTreeMap<String, f64>,
    /// Per-sample text labels by name, e.g. `detected_language: deu_Latn` and
    /// `detected_script: Latn` of a generation task's output-language check.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl Sample {
    /// The scored item of `doc`: its id, prompt and target, with what the model answered.
    pub fn of(doc: &Doc, prediction: String, scores: BTreeMap<String, f64>) -> Sample {
        Sample {
            doc_id: doc.id.clone(),
            prompt: doc.prompt.clone(),
            target: doc.target.clone(),
            prediction,
            scores,
            labels: BTreeMap::new(),
        }
    }
}

/// An aggregate metric of one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    /// Metric name, e.g. `acc`, `chrf++`.
    pub name: String,
    /// The score.
    pub value: f64,
    /// 95% confidence interval, when the metric has one.
    pub ci: Option<(f64, f64)>,
    /// Signature that pins how the number was computed.
    pub signature: Option<String>,
}

/// Everything a task produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskOutput {
    /// One record per document, in document order.
    pub samples: Vec<Sample>,
    /// Aggregates.
    pub metrics: Vec<MetricValue>,
}

/// An evaluation task for one language (or one translation direction).
pub trait Task: Send + Sync {
    /// Full name, e.g. `belebele_deu_Latn` or `flores_eng_Latn-deu_Latn`.
    fn name(&self) -> &str;
    /// Group name that selects this task among others, e.g. `belebele`.
    fn group(&self) -> &str;
    /// Language code this task reports under.
    fn language(&self) -> &str;
    /// Task version, prompt version and configuration, stamped into results.
    fn signature(&self) -> String;
    /// The documents, after `--limit` is applied.
    fn docs(&self) -> Result<Vec<Doc>, TaskError>;
    /// Scores the responses (`responses[i]` answers `docs[i].requests`, in order).
    fn evaluate(&self, docs: &[Doc], responses: &[Vec<Response>]) -> Result<TaskOutput, TaskError>;
    /// The data files the documents and their few-shot examples come from; the run manifest
    /// records their sha256.
    fn data_files(&self) -> Result<Vec<std::path::PathBuf>, TaskError> {
        Ok(Vec::new())
    }
}

/// A group of tasks whose metrics are also reported combined, as an lm-evaluation-harness
/// group file's `aggregate_metric_list` asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskGroup {
    /// The group's name.
    pub name: String,
    /// Its tasks (the leaves of nested groups), by name.
    pub tasks: Vec<String>,
    /// The metrics combined over the tasks.
    pub metrics: Vec<AggregateMetric>,
}

/// One entry of a group's `aggregate_metric_list`: a mean over the group's tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateMetric {
    /// The metric, e.g. `acc`.
    pub metric: String,
    /// The filters whose values are combined (`none` is the unfiltered value); `None` takes
    /// every filter the tasks report the metric under.
    pub filters: Option<Vec<String>>,
    /// Weigh each task by its number of documents (otherwise every task counts once).
    pub weight_by_size: bool,
}
