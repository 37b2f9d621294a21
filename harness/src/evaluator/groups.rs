//! Group rows of `results.json`, as lm-evaluation-harness 0.4.13 combines a group's tasks
//! (`Group.aggregate` with `aggregate_subtask_metrics`): per metric and filter, the mean of
//! the tasks' values, weighted by their document counts when `weight_by_size`; the standard
//! error is lm-eval's pooled-sample formula for the weighted mean and
//! `sqrt(Σ se²) / k` for the unweighted one. A task's standard error is its 95% interval's
//! width over 3.92 (what `results.json` reports for it); when a task has no interval the
//! group's standard error is `N/A`, as lm-eval writes it.

use serde_json::{Map, Value};

use super::evaluate::Evaluation;
use crate::task::TaskGroup;

/// Width of a 95% normal interval in standard errors.
pub(crate) const CI95_WIDTH_IN_STDERR: f64 = 2.0 * 1.959_963_984_540_054;

/// The `results.json` key of metric `name` (babelbench's `metric` or `metric,filter`) with
/// `suffix` (`""` or `_stderr`) appended to the metric part: lm-eval's `metric<suffix>,filter`.
pub(crate) fn result_key(name: &str, suffix: &str) -> String {
    let (metric, filter) = split_metric(name);
    format!("{metric}{suffix},{filter}")
}

/// `metric,filter` split; `none` when unfiltered.
fn split_metric(name: &str) -> (&str, &str) {
    name.split_once(',').unwrap_or((name, "none"))
}

/// One task's value of a metric: value, documents, standard error.
struct Member {
    value: f64,
    size: f64,
    stderr: Option<f64>,
}

/// The combined metrics of `group` over the evaluated tasks, keyed as lm-eval keys them;
/// `None` when none of its tasks was evaluated.
pub(crate) fn group_entry(group: &TaskGroup, evaluations: &[Evaluation<'_>]) -> Option<Value> {
    let members: Vec<&Evaluation<'_>> = group
        .tasks
        .iter()
        .filter_map(|name| evaluations.iter().find(|e| e.task.name() == name))
        .collect();
    if members.is_empty() {
        return None;
    }
    let mut entry = Map::new();
    entry.insert("alias".into(), Value::from(group.name.as_str()));
    let sample_len: usize = members.iter().map(|e| e.num_docs).sum();
    entry.insert("sample_len".into(), Value::from(sample_len));
    for aggregate in &group.metrics {
        for filter in filters(&aggregate.metric, aggregate.filters.as_deref(), &members) {
            let values: Vec<Member> = members
                .iter()
                .filter_map(|e| {
                    let metric = e.output.metrics.iter().find(|m| {
                        split_metric(&m.name) == (aggregate.metric.as_str(), filter.as_str())
                    })?;
                    Some(Member {
                        value: metric.value,
                        size: e.num_docs as f64,
                        stderr: metric
                            .ci
                            .map(|(low, high)| (high - low) / CI95_WIDTH_IN_STDERR),
                    })
                })
                .collect();
            if values.is_empty() {
                continue;
            }
            let name = format!("{},{filter}", aggregate.metric);
            entry.insert(
                result_key(&name, ""),
                Value::from(mean(&values, aggregate.weight_by_size)),
            );
            let stderr =
                stderr(&values, aggregate.weight_by_size).map_or(Value::from("N/A"), Value::from);
            entry.insert(result_key(&name, "_stderr"), stderr);
        }
    }
    Some(Value::Object(entry))
}

/// The filters `metric` is combined under: the given ones, or every filter a member reports
/// it under, in order of first appearance.
fn filters(metric: &str, given: Option<&[String]>, members: &[&Evaluation<'_>]) -> Vec<String> {
    if let Some(given) = given {
        return given.to_vec();
    }
    let mut found: Vec<String> = Vec::new();
    for e in members {
        for m in &e.output.metrics {
            let (name, filter) = split_metric(&m.name);
            if name == metric && !found.iter().any(|f| f == filter) {
                found.push(filter.to_string());
            }
        }
    }
    found
}

/// lm-eval's `aggregate_subtask_metrics`.
fn mean(members: &[Member], weight_by_size: bool) -> f64 {
    let weight = |m: &Member| if weight_by_size { m.size } else { 1.0 };
    members.iter().map(|m| m.value * weight(m)).sum::<f64>()
        / members.iter().map(weight).sum::<f64>()
}

/// lm-eval's `pooled_sample_stderr` (weighted) or `unweighted_mean_stderr`; `None` when a
/// member has no standard error.
fn stderr(members: &[Member], weight_by_size: bool) -> Option<f64> {
    let errors: Vec<f64> = members.iter().map(|m| m.stderr).collect::<Option<_>>()?;
    if !weight_by_size {
        return Some(errors.iter().map(|e| e * e).sum::<f64>().sqrt() / errors.len() as f64);
    }
    let total: f64 = members.iter().map(|m| m.size).sum();
    let pooled: f64 = members
        .iter()
        .zip(&errors)
        .map(|(m, e)| (m.size - 1.0) * e * e * m.size)
        .sum::<f64>()
        / (total - members.len() as f64);
    Some((pooled / total).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(value: f64, size: f64, stderr: f64) -> Member {
        Member {
            value,
            size,
            stderr: Some(stderr),
        }
    }

    #[test]
    fn means_and_errors_follow_lm_eval() {
        let members = [member(0.5, 100.0, 0.05), member(0.8, 300.0, 0.02)];
        // (0.5·100 + 0.8·300) / 400 and (0.5 + 0.8) / 2.
        assert!((mean(&members, true) - 0.725).abs() < 1e-12);
        assert!((mean(&members, false) - 0.65).abs() < 1e-12);
        // Pooled: (99·0.0025·100 + 299·0.0004·300) / 398 / 400.
        let pooled = ((99.0_f64 * 0.0025 * 100.0 + 299.0 * 0.0004 * 300.0) / 398.0 / 400.0).sqrt();
        assert!((stderr(&members, true).unwrap() - pooled).abs() < 1e-15);
        // sqrt(0.0025 + 0.0004) / 2.
        let unweighted = 0.0029_f64.sqrt() / 2.0;
        assert!((stderr(&members, false).unwrap() - unweighted).abs() < 1e-15);
        let without = [
            member(0.5, 10.0, 0.1),
            Member {
                value: 0.2,
                size: 10.0,
                stderr: None,
            },
        ];
        assert_eq!(stderr(&without, true), None);
    }

    #[test]
    fn keys_put_the_suffix_before_the_filter() {
        assert_eq!(result_key("acc", ""), "acc,none");
        assert_eq!(result_key("acc", "_stderr"), "acc_stderr,none");
        assert_eq!(
            result_key("exact_match,flexible-extract", "_stderr"),
            "exact_match_stderr,flexible-extract"
        );
    }
}
