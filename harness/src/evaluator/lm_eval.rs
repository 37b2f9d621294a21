//! `results.json` in the shape of lm-evaluation-harness's results file, so tools that read
//! lm-eval's output read babelbench's.
//!
//! Per task, `results` holds `"<metric>,<filter>"` (`none` unfiltered): the value. A metric
//! with a 95% confidence interval also gets `"<metric>_ci_low,<filter>"` and
//! `"<metric>_ci_high,<filter>"`, and `"<metric>_stderr,<filter>"`, the normal-approximation
//! standard error `(high - low) / 3.92`; without an interval the standard error is `"N/A"`, as
//! lm-eval writes it. Groups with an `aggregate_metric_list` get an entry in `results` and in
//! `groups` (see [`super::groups`]).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::evaluate::Evaluation;
use super::groups::{CI95_WIDTH_IN_STDERR, group_entry, result_key};
use crate::model::ModelInfo;
use crate::results::RunManifest;
use crate::task::TaskGroup;

/// What `results.json` reports about the run besides the tasks' metrics.
pub(crate) struct RunContext<'a> {
    /// The run's manifest.
    pub manifest: &'a RunManifest,
    /// What the model is.
    pub model: &'a ModelInfo,
    /// Requests per model call.
    pub batch_size: usize,
    /// Seconds since the Unix epoch when the run started.
    pub date: f64,
    /// Seconds the run took.
    pub total_seconds: f64,
    /// The groups whose metrics are combined.
    pub groups: &'a [TaskGroup],
}

/// The `results.json` document.
pub(crate) fn results_json(context: &RunContext<'_>, evaluations: &[Evaluation<'_>]) -> Value {
    let mut results = Map::new();
    let mut configs = Map::new();
    let mut versions = Map::new();
    let mut n_samples = Map::new();
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in evaluations {
        let name = e.task.name();
        let mut entry = Map::new();
        entry.insert("alias".into(), Value::from(name));
        for metric in &e.output.metrics {
            let m = &metric.name;
            entry.insert(result_key(m, ""), Value::from(metric.value));
            match metric.ci {
                Some((low, high)) => {
                    let stderr = (high - low) / CI95_WIDTH_IN_STDERR;
                    entry.insert(result_key(m, "_stderr"), Value::from(stderr));
                    entry.insert(result_key(m, "_ci_low"), Value::from(low));
                    entry.insert(result_key(m, "_ci_high"), Value::from(high));
                }
                None => {
                    entry.insert(result_key(m, "_stderr"), Value::from("N/A"));
                }
            }
        }
        results.insert(name.into(), Value::Object(entry));
        let signature = e.task.signature();
        configs.insert(
            name.into(),
            json!({
                "task": name,
                "tag": e.task.group(),
                "language": e.task.language(),
                "metadata": { "version": signature.clone() },
            }),
        );
        versions.insert(name.into(), Value::from(signature));
        n_samples.insert(
            name.into(),
            json!({ "original": e.num_docs, "effective": e.num_docs }),
        );
        groups.entry(e.task.group()).or_default().push(name);
    }
    let mut group_results = Map::new();
    for group in context.groups {
        if let Some(entry) = group_entry(group, evaluations) {
            results.insert(group.name.clone(), entry.clone());
            group_results.insert(group.name.clone(), entry);
        }
        groups.insert(
            &group.name,
            group.tasks.iter().map(String::as_str).collect(),
        );
    }
    let manifest = context.manifest;
    json!({
        "results": results,
        "groups": group_results,
        "group_subtasks": groups,
        "configs": configs,
        "versions": versions,
        "n-samples": n_samples,
        "config": {
            "model": "babelbench",
            "model_name": manifest.model_name,
            "model_args": format!("pretrained={}", manifest.model_path),
            "model_fingerprint": manifest.model_fingerprint,
            "model_info": context.model,
            "batch_size": context.batch_size,
            "backend": manifest.backend,
            "dtype": manifest.dtype,
            "threads": manifest.threads,
            "bootstrap_seed": manifest.seed,
            "run": manifest.run_config,
        },
        "git_hash": manifest.git_revision,
        "date": context.date,
        "model_name": manifest.model_name,
        "babelbench_version": manifest.babelbench_version,
        "total_evaluation_time_seconds": format!("{:.3}", context.total_seconds),
    })
}
