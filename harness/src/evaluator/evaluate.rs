//! Scoring: each task evaluates all its documents' responses, and the outputs become the rows of
//! `samples.*` and `results.*`.

use std::collections::BTreeMap;

use super::error::EvalError;
use super::progress::{PHASE_EVALUATE, Phase, Progress};
use crate::request::Response;
use crate::results::{ResultRow, SampleRow};
use crate::task::{Doc, Task, TaskOutput};

/// One task's evaluation.
pub(crate) struct Evaluation<'t> {
    /// The task.
    pub task: &'t dyn Task,
    /// Its number of documents.
    pub num_docs: usize,
    /// What it produced.
    pub output: TaskOutput,
}

/// Evaluates every task on its documents and responses (`responses[t][d]` answers `docs[t][d]`).
pub(crate) fn evaluate_all<'t>(
    tasks: &[&'t dyn Task],
    docs: &[Vec<Doc>],
    responses: Vec<Vec<Vec<Response>>>,
    progress: &dyn Progress,
    timings: &mut BTreeMap<String, f64>,
) -> Result<Vec<Evaluation<'t>>, EvalError> {
    let mut phase = Phase::start(progress, PHASE_EVALUATE, tasks.len());
    let mut evaluations = Vec::with_capacity(tasks.len());
    for ((task, docs), responses) in tasks.iter().zip(docs).zip(responses) {
        let output = task.evaluate(docs, &responses)?;
        evaluations.push(Evaluation {
            task: *task,
            num_docs: docs.len(),
            output,
        });
        phase.advance(1, None);
    }
    phase.finish(timings);
    Ok(evaluations)
}

/// One [`SampleRow`] per scored item, task by task.
pub(crate) fn sample_rows(evaluations: &[Evaluation<'_>]) -> Vec<SampleRow> {
    evaluations
        .iter()
        .flat_map(|e| {
            e.output.samples.iter().map(|s| SampleRow {
                task: e.task.name().to_string(),
                group: e.task.group().to_string(),
                language: e.task.language().to_string(),
                doc_id: s.doc_id.clone(),
                prompt: s.prompt.clone(),
                target: s.target.clone(),
                prediction: s.prediction.clone(),
                scores_json: serde_json::Value::from(
                    s.scores
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
                        .collect::<serde_json::Map<_, _>>(),
                )
                .to_string(),
                labels_json: serde_json::Value::from(
                    s.labels
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                        .collect::<serde_json::Map<_, _>>(),
                )
                .to_string(),
            })
        })
        .collect()
}

/// One [`ResultRow`] per task and metric.
pub(crate) fn result_rows(evaluations: &[Evaluation<'_>]) -> Vec<ResultRow> {
    evaluations
        .iter()
        .flat_map(|e| {
            e.output.metrics.iter().map(|m| ResultRow {
                task: e.task.name().to_string(),
                group: e.task.group().to_string(),
                language: e.task.language().to_string(),
                metric: m.name.clone(),
                value: m.value,
                ci_low: m.ci.map(|(low, _)| low),
                ci_high: m.ci.map(|(_, high)| high),
                metric_signature: m.signature.clone(),
                task_signature: e.task.signature(),
                num_samples: e.output.samples.len() as u64,
            })
        })
        .collect()
}
