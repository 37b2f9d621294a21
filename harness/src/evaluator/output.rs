//! The files of a finished run: `results.json`, the samples and results as JSON Lines, and the
//! same tables through a [`TableWriter`] (parquet in the babelbench binary).

use std::path::Path;
use std::time::SystemTime;

use super::error::EvalError;
use super::evaluate::{Evaluation, result_rows, sample_rows};
use super::files::{persist_with, write_json, write_jsonl};
use super::lm_eval::{RunContext, results_json};
use crate::results::{ResultRow, SampleRow};

/// File name of the run manifest.
pub const MANIFEST_FILE: &str = "manifest.json";
/// File name of the lm-evaluation-harness-shaped results.
pub const RESULTS_JSON: &str = "results.json";
/// File name of the samples as JSON Lines.
pub const SAMPLES_JSONL: &str = "samples.jsonl";
/// File name of the results as JSON Lines.
pub const RESULTS_JSONL: &str = "results.jsonl";
/// File name of the samples table a [`TableWriter`] writes.
pub const SAMPLES_TABLE: &str = "samples.parquet";
/// File name of the results table a [`TableWriter`] writes.
pub const RESULTS_TABLE: &str = "results.parquet";

/// The files a finished run writes; a run removes them from its folder when it starts, so they
/// exist only when the manifest says the run finished.
pub(crate) const OUTPUT_FILES: [&str; 5] = [
    RESULTS_JSON,
    SAMPLES_JSONL,
    RESULTS_JSONL,
    SAMPLES_TABLE,
    RESULTS_TABLE,
];

/// An error a [`TableWriter`] returns.
pub type TableError = Box<dyn std::error::Error + Send + Sync>;

/// Writes the run tables in a columnar format; the babelbench binary implements it with the
/// reports crate's parquet writers. The engine calls it with a temporary path in the run folder
/// and renames the file into place, so implementations just create the file at `path`.
pub trait TableWriter {
    /// Writes `rows` as the samples table at `path`.
    fn write_samples(&self, path: &Path, rows: &[SampleRow]) -> Result<(), TableError>;
    /// Writes `rows` as the results table at `path`.
    fn write_results(&self, path: &Path, rows: &[ResultRow]) -> Result<(), TableError>;
}

/// The rows of an evaluated run.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// One row per scored item, tasks by name, items in document order.
    pub samples: Vec<SampleRow>,
    /// One row per task and metric.
    pub results: Vec<ResultRow>,
}

/// Writes `results.json`, the JSON Lines tables and, with a writer, the columnar tables into
/// `dir`; returns the rows.
pub(crate) fn write_outputs(
    dir: &Path,
    context: &RunContext<'_>,
    evaluations: &[Evaluation<'_>],
    tables: Option<&dyn TableWriter>,
) -> Result<Evaluated, EvalError> {
    let evaluated = Evaluated {
        samples: sample_rows(evaluations),
        results: result_rows(evaluations),
    };
    write_json(&dir.join(RESULTS_JSON), &results_json(context, evaluations))?;
    write_jsonl(&dir.join(SAMPLES_JSONL), &evaluated.samples)?;
    write_jsonl(&dir.join(RESULTS_JSONL), &evaluated.results)?;
    if let Some(tables) = tables {
        persist_with(&dir.join(SAMPLES_TABLE), |path| {
            tables.write_samples(path, &evaluated.samples)
        })?;
        persist_with(&dir.join(RESULTS_TABLE), |path| {
            tables.write_results(path, &evaluated.results)
        })?;
    }
    Ok(evaluated)
}

/// `time` as RFC 3339 UTC with whole seconds, e.g. `2025-01-31T12:00:00Z`.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// `time` in seconds since the Unix epoch.
pub(crate) fn unix_seconds(time: SystemTime) -> f64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
