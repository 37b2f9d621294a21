//! The output-language check of generation tasks (FLORES translation): per run and task, corpus
//! chrF++ beside chrF++ with off-target outputs counted as empty (`chrf++_off_target_zeroed`),
//! and the off-target and wrong-script rates, read from each run's `results.parquet`. A task
//! appears when it reports `off_target` or `wrong_script`.

use std::collections::BTreeMap;

use crate::error::ReportError;
use crate::run::Run;
use crate::run_files::read_results_parquet;
use crate::table::{Cell, Table};

/// The metrics shown, in column order.
pub const METRICS: [&str; 4] = [
    "chrf++",
    "chrf++_off_target_zeroed",
    "off_target",
    "wrong_script",
];

/// The column headers of [`METRICS`]; rates are in percent.
const HEADERS: [&str; 4] = [
    "chrF++",
    "chrF++ (off-target = 0)",
    "off-target %",
    "wrong script %",
];

/// The output-language results of one task of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputLanguageRow {
    /// Run label.
    pub model: String,
    /// Task group.
    pub group: String,
    /// Task name, e.g. `flores_eng_Latn-deu_Latn`.
    pub task: String,
    /// The values of [`METRICS`] as stored (rates as fractions); `None` when absent (an
    /// off-target rate for a target the identifier does not cover).
    pub values: [Option<f64>; 4],
}

/// The rows of every task of `runs` that reports an output-language rate, in run order, then
/// by task name.
pub fn output_language_rows(runs: &[Run]) -> Result<Vec<OutputLanguageRow>, ReportError> {
    let mut rows = Vec::new();
    for run in runs {
        let mut tasks: BTreeMap<(String, String), [Option<f64>; 4]> = BTreeMap::new();
        for result in read_results_parquet(&run.results_path())? {
            if let Some(column) = METRICS.iter().position(|m| *m == result.metric) {
                tasks.entry((result.task, result.group)).or_default()[column] = Some(result.value);
            }
        }
        rows.extend(
            tasks
                .into_iter()
                .filter(|(_, values)| values[2].is_some() || values[3].is_some())
                .map(|((task, group), values)| OutputLanguageRow {
                    model: run.label.clone(),
                    group,
                    task,
                    values,
                }),
        );
    }
    Ok(rows)
}

/// The rows of `group` as a table: task, model, then [`METRICS`] with rates in percent.
pub fn output_language_table(rows: &[OutputLanguageRow], group: &str) -> Table {
    let mut columns: Vec<String> = vec!["task".into(), "model".into()];
    columns.extend(HEADERS.map(String::from));
    let scale = [1.0, 1.0, 100.0, 100.0];
    Table {
        columns,
        rows: rows
            .iter()
            .filter(|row| row.group == group)
            .map(|row| {
                let mut cells = vec![Cell::Text(row.task.clone()), Cell::Text(row.model.clone())];
                cells.extend(
                    row.values
                        .iter()
                        .zip(scale)
                        .map(|(value, scale)| Cell::Number(value.map(|v| v * scale))),
                );
                cells
            })
            .collect(),
        decimals: 1,
    }
}
