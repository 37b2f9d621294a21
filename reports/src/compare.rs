//! Comparing two runs (e.g. two checkpoints): per task and language the difference of the mean
//! per-sample score of the group's primary metric, with a paired bootstrap 95% interval over the
//! documents both runs scored, and the languages that improved or regressed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;

use crate::bootstrap::{PairedDifference, paired_bootstrap};
use crate::data::strings;
use crate::error::ReportError;
use crate::metrics::{display_scale, higher_is_better, primary_metric, sample_key};
use crate::run::{Run, check_task_versions, distinguish_labels};
use crate::run_files::{read_results_parquet, scan_parquet};
use crate::table::{Cell, Table};
use harness::languages::LanguageTable;
use harness::metric::Bootstrap;

/// Whether a difference is a significant improvement, a significant regression or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The interval excludes zero on the better side.
    Improved,
    /// The interval excludes zero on the worse side.
    Regressed,
    /// The interval contains zero.
    Unchanged,
}

impl Change {
    /// `▲` for an improvement, `▼` for a regression, empty otherwise.
    pub fn mark(&self) -> &'static str {
        match self {
            Change::Improved => "▲",
            Change::Regressed => "▼",
            Change::Unchanged => "",
        }
    }
}

/// The comparison of one task and language.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageDifference {
    /// Task name.
    pub task: String,
    /// Task group.
    pub group: String,
    /// Language code.
    pub language: String,
    /// The primary metric of the group.
    pub metric: String,
    /// The per-sample score compared (the metric itself, or what averages to it).
    pub sample_metric: String,
    /// Documents scored by both runs.
    pub pairs: usize,
    /// Mean per-sample score of run A on the reports' scale.
    pub mean_a: f64,
    /// Mean per-sample score of run B on the reports' scale.
    pub mean_b: f64,
    /// `B − A` and its interval, on the reports' scale.
    pub difference: PairedDifference,
    /// Significance and direction.
    pub change: Change,
}

/// The comparison of two runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The baseline.
    pub run_a: Run,
    /// The run compared against it.
    pub run_b: Run,
    /// One entry per task and language both runs scored, sorted by group, task and language.
    pub rows: Vec<LanguageDifference>,
    /// The bootstrap used.
    pub settings: Bootstrap,
}

/// Compares the run folders `run_a` (baseline) and `run_b` with [`Bootstrap::default`].
pub fn compare(run_a: &Path, run_b: &Path) -> Result<Comparison, ReportError> {
    compare_with(run_a, run_b, &Bootstrap::default())
}

/// Compares the run folders `run_a` (baseline) and `run_b` with the given bootstrap.
pub fn compare_with(
    run_a: &Path,
    run_b: &Path,
    settings: &Bootstrap,
) -> Result<Comparison, ReportError> {
    let mut runs = [Run::open(run_a)?, Run::open(run_b)?];
    check_task_versions(&runs)?;
    distinguish_labels(&mut runs);
    let [a, b] = runs;
    let mut metrics: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for run in [&a, &b] {
        for row in read_results_parquet(&run.results_path())? {
            metrics.entry(row.group).or_default().insert(row.metric);
        }
    }
    let samples_a = read_scores(&a)?;
    let samples_b = read_scores(&b)?;
    let mut rows = Vec::new();
    for ((group, task, language), scores_a) in &samples_a {
        let Some(scores_b) = samples_b.get(&(group.clone(), task.clone(), language.clone())) else {
            continue;
        };
        let Some(metric) = metrics
            .get(group)
            .and_then(|names| primary_metric(names.iter().map(String::as_str)))
        else {
            continue;
        };
        if let Some(row) = difference(group, task, language, &metric, scores_a, scores_b, settings)
        {
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err(ReportError::NothingInCommon {
            dir_a: a.dir,
            dir_b: b.dir,
        });
    }
    Ok(Comparison {
        run_a: a,
        run_b: b,
        rows,
        settings: *settings,
    })
}

/// Per-sample scores of one task and language: doc id → metric → value.
type DocScores = BTreeMap<String, BTreeMap<String, f64>>;

/// The paired difference of one task and language, when the samples carry the metric.
fn difference(
    group: &str,
    task: &str,
    language: &str,
    metric: &str,
    scores_a: &DocScores,
    scores_b: &DocScores,
    settings: &Bootstrap,
) -> Option<LanguageDifference> {
    let keys: BTreeSet<&str> = scores_a
        .values()
        .chain(scores_b.values())
        .flat_map(|scores| scores.keys().map(String::as_str))
        .collect();
    let key = sample_key(metric, keys)?;
    let scale = display_scale(&key);
    let pairs: Vec<(f64, f64)> = scores_a
        .iter()
        .filter_map(|(doc, a)| {
            let b = scores_b.get(doc)?;
            Some((a.get(&key)? * scale, b.get(&key)? * scale))
        })
        .collect();
    let difference = paired_bootstrap(&pairs, settings)?;
    let n = pairs.len() as f64;
    let change = match (
        difference.is_significant(),
        (difference.difference > 0.0) == higher_is_better(metric),
    ) {
        (false, _) => Change::Unchanged,
        (true, true) => Change::Improved,
        (true, false) => Change::Regressed,
    };
    Some(LanguageDifference {
        task: task.to_string(),
        group: group.to_string(),
        language: language.to_string(),
        metric: metric.to_string(),
        sample_metric: key,
        pairs: pairs.len(),
        mean_a: pairs.iter().map(|p| p.0).sum::<f64>() / n,
        mean_b: pairs.iter().map(|p| p.1).sum::<f64>() / n,
        difference,
        change,
    })
}

/// Reads `samples.parquet` of `run` lazily: (group, task, language) → doc id → scores.
fn read_scores(run: &Run) -> Result<BTreeMap<(String, String, String), DocScores>, ReportError> {
    let path = run.samples_path();
    let frame = scan_parquet(&path)?
        .select([
            col("task"),
            col("group"),
            col("language"),
            col("doc_id"),
            col("scores_json"),
        ])
        .collect()
        .map_err(|source| ReportError::Parquet {
            action: "cannot read",
            path: path.clone(),
            source,
        })?;
    let column = |name: &'static str| {
        strings(&frame, name).map_err(|error| ReportError::Column {
            path: path.clone(),
            column: name,
            message: error.to_string(),
        })
    };
    let (task, group, language, doc_id, scores) = (
        column("task")?,
        column("group")?,
        column("language")?,
        column("doc_id")?,
        column("scores_json")?,
    );
    let mut out: BTreeMap<(String, String, String), DocScores> = BTreeMap::new();
    for i in 0..frame.height() {
        let parsed: BTreeMap<String, f64> =
            serde_json::from_str(&scores[i]).map_err(|error| ReportError::Scores {
                path: path.clone(),
                task: task[i].clone(),
                doc_id: doc_id[i].clone(),
                message: error.to_string(),
            })?;
        let docs = out
            .entry((group[i].clone(), task[i].clone(), language[i].clone()))
            .or_default();
        if docs.insert(doc_id[i].clone(), parsed).is_some() {
            return Err(ReportError::Column {
                path,
                column: "doc_id",
                message: format!("doc `{}` of task {} appears twice", doc_id[i], task[i]),
            });
        }
    }
    Ok(out)
}

impl Comparison {
    /// Entries with a significant improvement.
    pub fn improved(&self) -> Vec<&LanguageDifference> {
        self.rows
            .iter()
            .filter(|r| r.change == Change::Improved)
            .collect()
    }

    /// Entries with a significant regression.
    pub fn regressed(&self) -> Vec<&LanguageDifference> {
        self.rows
            .iter()
            .filter(|r| r.change == Change::Regressed)
            .collect()
    }

    /// The comparison as a table: task, language (name), metric, pairs, A, B, B−A, CI, mark.
    pub fn table(&self, languages: &LanguageTable) -> Table {
        Table {
            columns: [
                "task", "language", "metric", "n", "A", "B", "B−A", "CI low", "CI high", "sig",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .rows
                .iter()
                .map(|row| {
                    vec![
                        Cell::Text(row.task.clone()),
                        Cell::Text(languages.name_of(&row.language)),
                        Cell::Text(row.metric.clone()),
                        Cell::Text(row.pairs.to_string()),
                        Cell::Number(Some(row.mean_a)),
                        Cell::Number(Some(row.mean_b)),
                        Cell::Number(Some(row.difference.difference)),
                        Cell::Number(Some(row.difference.ci_low)),
                        Cell::Number(Some(row.difference.ci_high)),
                        Cell::Text(row.change.mark().to_string()),
                    ]
                })
                .collect(),
            decimals: 2,
        }
    }

    /// The comparison for a terminal: which run is which, the table, then the languages that
    /// improved and regressed.
    pub fn to_terminal(&self, languages: &LanguageTable) -> String {
        let names = |rows: Vec<&LanguageDifference>| {
            if rows.is_empty() {
                "none".to_string()
            } else {
                rows.iter()
                    .map(|r| format!("{} ({})", languages.name_of(&r.language), r.task))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        format!(
            "A: {} ({})\nB: {} ({})\nB−A of the mean per-sample score, 95% paired bootstrap CI ({} resamples, seed {}); ▲ improved, ▼ regressed\n\n{}\nimproved: {}\nregressed: {}\n",
            self.run_a.label,
            self.run_a.dir.display(),
            self.run_b.label,
            self.run_b.dir.display(),
            self.settings.resamples,
            self.settings.seed,
            self.table(languages).to_terminal(),
            names(self.improved()),
            names(self.regressed()),
        )
    }
}
