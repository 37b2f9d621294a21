//! A group file's `aggregate_metric_list`, as lm-evaluation-harness 0.4.13's `AggMetricConfig`
//! reads it: one entry or a list, each with `metric`, `aggregation` (only `mean`),
//! `weight_by_size` (default true) and `filter_list` (one filter or a list; absent takes every
//! filter the tasks report). The combining itself is the run engine's
//! (`harness::evaluator`, `results.json`'s `groups`).

use harness::task::AggregateMetric;
use serde::Deserialize;
use serde_json::Value;

use super::error::TaskFileError;
use super::source::TaskSource;

/// One entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    metric: String,
    #[serde(default = "mean")]
    aggregation: String,
    #[serde(default = "yes")]
    weight_by_size: bool,
    #[serde(default)]
    filter_list: Option<OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn mean() -> String {
    "mean".to_string()
}

fn yes() -> bool {
    true
}

/// The metrics the group file `source` combines; empty when it has no
/// `aggregate_metric_list`.
pub fn aggregate_metrics(source: &TaskSource) -> Result<Vec<AggregateMetric>, TaskFileError> {
    const FIELD: &str = "aggregate_metric_list";
    let entries = match source.fields.get(FIELD) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.clone(),
        Some(item) => vec![item.clone()],
    };
    entries
        .into_iter()
        .map(|entry| {
            let entry: Entry = serde_json::from_value(entry).map_err(|e| {
                source.error_at(
                    FIELD,
                    format!("{e}; an entry is `metric`, `aggregation: mean`, `weight_by_size`, `filter_list`"),
                )
            })?;
            if entry.aggregation != "mean" {
                return Err(source.error_at(
                    FIELD,
                    format!(
                        "metric {}: aggregation `{}`; groups combine tasks by `mean` only, as \
                         lm-eval does",
                        entry.metric, entry.aggregation
                    ),
                ));
            }
            Ok(AggregateMetric {
                metric: entry.metric,
                filters: entry.filter_list.map(|f| match f {
                    OneOrMany::One(filter) => vec![filter],
                    OneOrMany::Many(filters) => filters,
                }),
                weight_by_size: entry.weight_by_size,
            })
        })
        .collect()
}
