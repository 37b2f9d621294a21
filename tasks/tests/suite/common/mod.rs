//! Helpers shared by the integration tests: the data roots (from `testdata`) and hand-made
//! responses.

#![allow(dead_code)]

use std::path::PathBuf;

use harness::request::{LoglikelihoodResponse, Response};
use tasks::config::TaskConfig;

pub use testdata::full_data;

/// The committed data subset (`testdata/data/`): the first rows of a few languages, which is
/// all the task tests read unless they need a whole file (then [`full_data`]).
pub fn data_root() -> PathBuf {
    testdata::data()
}

/// A configuration over the committed data subset.
pub fn config(limit: Option<usize>, num_fewshot: Option<usize>) -> TaskConfig {
    config_in(data_root(), limit, num_fewshot)
}

/// A configuration over the data root `root`.
pub fn config_in(root: PathBuf, limit: Option<usize>, num_fewshot: Option<usize>) -> TaskConfig {
    TaskConfig {
        limit,
        num_fewshot,
        ..TaskConfig::new(root)
    }
}

/// The metrics of a built-in FLORES task, in order.
pub const FLORES_METRICS: [&str; 6] = [
    "chrf++",
    "chrf",
    "bleu",
    "off_target",
    "wrong_script",
    "chrf++_off_target_zeroed",
];

/// A loglikelihood response with log-probability `logprob`.
pub fn ll(logprob: f64) -> Response {
    Response::Loglikelihood(LoglikelihoodResponse {
        logprob,
        is_greedy: false,
        num_tokens: 1,
        num_bytes: 2,
    })
}

/// The value of metric `name`, failing the test when it is absent.
pub fn metric(output: &harness::task::TaskOutput, name: &str) -> harness::task::MetricValue {
    output
        .metrics
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric {name} in {:?}", output.metrics))
        .clone()
}

/// Asserts `a` and `b` agree to 1e-12.
pub fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

/// The task `name` of the registry (the built-in task files) under `config`.
pub fn task(name: &str, config: TaskConfig) -> Box<dyn harness::task::Task> {
    let registry = tasks::registry::TaskRegistry::new(config).expect("registry");
    let mut tasks = registry.select(&[name], &[]).expect(name);
    assert_eq!(tasks.len(), 1, "{name}");
    tasks.remove(0)
}
