//! The results of several runs in one polars frame: each task group's primary metric per model,
//! task and language on the reports' 0–100 scale, joined with the language table, plus the
//! alignment measures' per-layer scores and per-language summaries (MEXA, Language Ranker).

use std::collections::BTreeSet;

use polars::prelude::*;

use crate::error::ReportError;
use crate::metrics::{
    Alignment, alignment_layer_metric, display_scale, higher_is_better, is_alignment_summary,
    primary_metric,
};
use crate::run::Run;
use crate::run_files::scan_parquet;
use harness::languages::LanguageTable;

/// A task group and the metric that headlines it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMetric {
    /// The group, e.g. `belebele`.
    pub group: String,
    /// Its primary metric, e.g. `acc`.
    pub metric: String,
    /// Factor from the stored value to the shown value (100 for fractions).
    pub scale: f64,
    /// Whether higher values are better.
    pub higher_is_better: bool,
}

/// One per-layer score of an alignment group: MEXA on the 0–100 scale, the Language Ranker's
/// cosine as is ([`Alignment::scale`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerScore {
    /// Run label.
    pub model: String,
    /// Task group.
    pub group: String,
    /// The measure.
    pub alignment: Alignment,
    /// Language code.
    pub language: String,
    /// Pooling, e.g. `weighted_mean`.
    pub pooling: String,
    /// Layer index.
    pub layer: usize,
    /// Score (percent for MEXA, cosine for the Language Ranker).
    pub value: f64,
}

/// One model-level alignment summary of one task (`mexa_P_mean`, `ranker_P_max`, …), as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignmentSummary {
    /// Run label.
    pub model: String,
    /// Task group.
    pub group: String,
    /// Task name.
    pub task: String,
    /// Language code.
    pub language: String,
    /// Metric name, e.g. `ranker_last_mean`.
    pub metric: String,
    /// Value as stored (a fraction for MEXA, a cosine for the Language Ranker).
    pub value: f64,
}

/// One row of the primary-metric frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimaryScore {
    /// Run label.
    pub model: String,
    /// Task group.
    pub group: String,
    /// Task name.
    pub task: String,
    /// Language code.
    pub language: String,
    /// Script of the language.
    pub script: String,
    /// Resource class of the language, when listed.
    pub resource_class: Option<u8>,
    /// Value on the reports' scale.
    pub value: f64,
    /// Lower end of the 95% interval, on the same scale.
    pub ci_low: Option<f64>,
    /// Upper end of the 95% interval, on the same scale.
    pub ci_high: Option<f64>,
    /// Samples aggregated.
    pub num_samples: u64,
}

/// Everything the leaderboard and the site compute from.
#[derive(Debug, Clone)]
pub struct ReportData {
    /// The runs, in the order given.
    pub runs: Vec<Run>,
    /// Task groups, sorted by name, with their primary metrics.
    pub groups: Vec<GroupMetric>,
    /// Primary-metric rows: columns `model group task language script class value ci_low ci_high
    /// num_samples`.
    pub primary: DataFrame,
    /// Per-layer scores of groups that report `layer_LL/POOLING` or `ranker_layer_LL/POOLING`
    /// metrics.
    pub layers: Vec<LayerScore>,
    /// Alignment summaries over layers (`mexa_*_mean|max`, `ranker_*_mean|max`), in run order.
    pub summaries: Vec<AlignmentSummary>,
}

impl ReportData {
    /// Scans `results.parquet` of every run lazily and computes the frames.
    pub fn load(runs: Vec<Run>, languages: &LanguageTable) -> Result<Self, ReportError> {
        if runs.is_empty() {
            return Err(ReportError::NoRuns);
        }
        let dirs = runs
            .iter()
            .map(|run| run.dir.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let query = |action: &'static str| {
            let dirs = dirs.clone();
            move |source: PolarsError| ReportError::Query {
                action,
                dirs,
                source,
            }
        };
        let scans = runs
            .iter()
            .map(|run| {
                Ok(scan_parquet(&run.results_path())?
                    .select([
                        col("task"),
                        col("group"),
                        col("language"),
                        col("metric"),
                        col("value"),
                        col("ci_low"),
                        col("ci_high"),
                        col("num_samples"),
                    ])
                    .with_column(lit(run.label.as_str()).alias("model")))
            })
            .collect::<Result<Vec<_>, ReportError>>()?;
        let all = concat(scans, UnionArgs::default()).map_err(query("combine the results"))?;

        let pairs = all
            .clone()
            .select([col("group"), col("metric")])
            .unique_stable(None, UniqueKeepStrategy::First)
            .collect()
            .map_err(query("list the metrics"))?;
        let pair_groups = strings(&pairs, "group").map_err(query("list the metrics"))?;
        let pair_metrics = strings(&pairs, "metric").map_err(query("list the metrics"))?;
        let groups = group_metrics(&pair_groups, &pair_metrics);

        let primary =
            primary_frame(&all, &groups, languages).map_err(query("select primary metrics"))?;
        let layers =
            layer_scores(&all, &pair_metrics, &runs).map_err(query("collect per-layer scores"))?;
        let summaries = alignment_summaries(&all, &pair_metrics, &runs)
            .map_err(query("collect alignment summaries"))?;
        Ok(ReportData {
            runs,
            groups,
            primary,
            layers,
            summaries,
        })
    }

    /// The run labels, in run order.
    pub fn models(&self) -> Vec<String> {
        self.runs.iter().map(|run| run.label.clone()).collect()
    }

    /// The group's metric description.
    pub fn group(&self, group: &str) -> Option<&GroupMetric> {
        self.groups.iter().find(|g| g.group == group)
    }

    /// Every primary-metric row, in frame order.
    pub fn primary_scores(&self) -> Result<Vec<PrimaryScore>, PolarsError> {
        let frame = &self.primary;
        let (model, group, task, language, script) = (
            strings(frame, "model")?,
            strings(frame, "group")?,
            strings(frame, "task")?,
            strings(frame, "language")?,
            strings(frame, "script")?,
        );
        let class: Vec<Option<u32>> = frame.column("class")?.u32()?.iter().collect();
        let value = floats(frame, "value")?;
        let (ci_low, ci_high) = (floats(frame, "ci_low")?, floats(frame, "ci_high")?);
        let count: Vec<Option<u64>> = frame.column("num_samples")?.u64()?.iter().collect();
        Ok((0..frame.height())
            .map(|i| PrimaryScore {
                model: model[i].clone(),
                group: group[i].clone(),
                task: task[i].clone(),
                language: language[i].clone(),
                script: script[i].clone(),
                resource_class: class[i].and_then(|c| u8::try_from(c).ok()),
                value: value[i].unwrap_or(f64::NAN),
                ci_low: ci_low[i],
                ci_high: ci_high[i],
                num_samples: count[i].unwrap_or(0),
            })
            .collect())
    }

    /// Resource classes present among the scored languages, ascending.
    pub fn classes(&self) -> Result<Vec<u8>, PolarsError> {
        let classes: BTreeSet<u8> = self
            .primary
            .column("class")?
            .u32()?
            .iter()
            .flatten()
            .filter_map(|c| u8::try_from(c).ok())
            .collect();
        Ok(classes.into_iter().collect())
    }

    /// Scripts present among the scored languages, sorted.
    pub fn scripts(&self) -> Result<Vec<String>, PolarsError> {
        let scripts: BTreeSet<String> = strings(&self.primary, "script")?.into_iter().collect();
        Ok(scripts.into_iter().collect())
    }
}

/// The primary metric of each group, from its `(group, metric)` pairs.
fn group_metrics(groups: &[String], metrics: &[String]) -> Vec<GroupMetric> {
    let names: BTreeSet<&str> = groups.iter().map(String::as_str).collect();
    names
        .into_iter()
        .filter_map(|group| {
            let metric = primary_metric(
                groups
                    .iter()
                    .zip(metrics)
                    .filter(|(g, _)| g.as_str() == group)
                    .map(|(_, m)| m.as_str()),
            )?;
            Some(GroupMetric {
                group: group.to_string(),
                scale: display_scale(&metric),
                higher_is_better: higher_is_better(&metric),
                metric,
            })
        })
        .collect()
}

/// Rows of each group's primary metric, scaled, with each language's script and class.
fn primary_frame(
    all: &LazyFrame,
    groups: &[GroupMetric],
    languages: &LanguageTable,
) -> PolarsResult<DataFrame> {
    let selection = DataFrame::new(
        groups.len(),
        vec![
            Column::new(
                "group".into(),
                groups.iter().map(|g| g.group.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "metric".into(),
                groups.iter().map(|g| g.metric.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "scale".into(),
                groups.iter().map(|g| g.scale).collect::<Vec<_>>(),
            ),
        ],
    )?;
    let codes = all
        .clone()
        .select([col("language")])
        .unique_stable(None, UniqueKeepStrategy::First)
        .collect()?;
    let codes = strings(&codes, "language")?;
    let attributes = DataFrame::new(
        codes.len(),
        vec![
            Column::new("language".into(), codes.clone()),
            Column::new(
                "script".into(),
                codes
                    .iter()
                    .map(|c| languages.script_of(c))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "class".into(),
                codes
                    .iter()
                    .map(|c| languages.class_of(c).map(u32::from))
                    .collect::<Vec<_>>(),
            ),
        ],
    )?;
    all.clone()
        .join(
            selection.lazy(),
            [col("group"), col("metric")],
            [col("group"), col("metric")],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            attributes.lazy(),
            [col("language")],
            [col("language")],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col("model"),
            col("group"),
            col("task"),
            col("language"),
            col("script"),
            col("class"),
            (col("value") * col("scale")).alias("value"),
            (col("ci_low") * col("scale")).alias("ci_low"),
            (col("ci_high") * col("scale")).alias("ci_high"),
            col("num_samples"),
        ])
        .collect()
}

/// The rows of `all` whose metric is in `selection`'s `metric` column, with its other columns.
fn rows_of(all: &LazyFrame, selection: DataFrame) -> PolarsResult<DataFrame> {
    all.clone()
        .join(
            selection.lazy(),
            [col("metric")],
            [col("metric")],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()
}

/// The per-layer rows, scaled, in run order then measure and layer order.
fn layer_scores(
    all: &LazyFrame,
    metrics: &[String],
    runs: &[Run],
) -> PolarsResult<Vec<LayerScore>> {
    let layered: Vec<(&str, Alignment, usize, &str)> = metrics
        .iter()
        .filter_map(|m| {
            alignment_layer_metric(m)
                .map(|(alignment, layer, pooling)| (m.as_str(), alignment, layer, pooling))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if layered.is_empty() {
        return Ok(Vec::new());
    }
    let selection = DataFrame::new(
        layered.len(),
        vec![
            Column::new(
                "metric".into(),
                layered.iter().map(|l| l.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "ranker".into(),
                layered
                    .iter()
                    .map(|l| l.1 == Alignment::Ranker)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "layer".into(),
                layered.iter().map(|l| l.2 as u64).collect::<Vec<_>>(),
            ),
            Column::new(
                "pooling".into(),
                layered.iter().map(|l| l.3).collect::<Vec<_>>(),
            ),
        ],
    )?;
    let frame = rows_of(all, selection)?;
    let (model, group, language, pooling) = (
        strings(&frame, "model")?,
        strings(&frame, "group")?,
        strings(&frame, "language")?,
        strings(&frame, "pooling")?,
    );
    let ranker: Vec<Option<bool>> = frame.column("ranker")?.bool()?.iter().collect();
    let layer: Vec<Option<u64>> = frame.column("layer")?.u64()?.iter().collect();
    let value = floats(&frame, "value")?;
    let mut rows: Vec<LayerScore> = (0..frame.height())
        .filter_map(|i| {
            let alignment = if ranker[i]? {
                Alignment::Ranker
            } else {
                Alignment::Mexa
            };
            Some(LayerScore {
                model: model[i].clone(),
                group: group[i].clone(),
                alignment,
                language: language[i].clone(),
                pooling: pooling[i].clone(),
                layer: usize::try_from(layer[i]?).ok()?,
                value: value[i]? * alignment.scale(),
            })
        })
        .collect();
    let order = |label: &str| runs.iter().position(|run| run.label == label);
    rows.sort_by(|a, b| {
        (
            order(&a.model),
            &a.group,
            a.alignment,
            &a.language,
            &a.pooling,
            a.layer,
        )
            .cmp(&(
                order(&b.model),
                &b.group,
                b.alignment,
                &b.language,
                &b.pooling,
                b.layer,
            ))
    });
    Ok(rows)
}

/// The alignment summary rows, unscaled, in run order then group, language and metric.
fn alignment_summaries(
    all: &LazyFrame,
    metrics: &[String],
    runs: &[Run],
) -> PolarsResult<Vec<AlignmentSummary>> {
    let names: Vec<&str> = metrics
        .iter()
        .map(String::as_str)
        .filter(|m| is_alignment_summary(m))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let selection = DataFrame::new(names.len(), vec![Column::new("metric".into(), names)])?;
    let frame = rows_of(all, selection)?;
    let (model, group, task, language, metric) = (
        strings(&frame, "model")?,
        strings(&frame, "group")?,
        strings(&frame, "task")?,
        strings(&frame, "language")?,
        strings(&frame, "metric")?,
    );
    let value = floats(&frame, "value")?;
    let mut rows: Vec<AlignmentSummary> = (0..frame.height())
        .filter_map(|i| {
            Some(AlignmentSummary {
                model: model[i].clone(),
                group: group[i].clone(),
                task: task[i].clone(),
                language: language[i].clone(),
                metric: metric[i].clone(),
                value: value[i]?,
            })
        })
        .collect();
    let order = |label: &str| runs.iter().position(|run| run.label == label);
    rows.sort_by(|a, b| {
        (order(&a.model), &a.group, &a.language, &a.task, &a.metric).cmp(&(
            order(&b.model),
            &b.group,
            &b.language,
            &b.task,
            &b.metric,
        ))
    });
    Ok(rows)
}

/// A text column as strings, nulls as empty strings.
pub(crate) fn strings(frame: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(frame
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

/// A float column.
pub(crate) fn floats(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    Ok(frame.column(name)?.f64()?.iter().collect())
}
