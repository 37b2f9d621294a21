//! Alignment views: per-layer curves per language of MEXA and of the Language Ranker, the
//! English-adjusted MEXA score, and how each tracks a model's per-language Belebele and SIB-200
//! accuracy (Pearson and Spearman over languages).
//!
//! English-adjusted MEXA follows the cis-lmu/Mexa leaderboard (huggingface.co/spaces/cis-lmu/Mexa,
//! whose "Details" read: in the Belebele style, max pooling over layers, and each model's English
//! Belebele score adjusts the multilingual scores; the cisnlp/Mexa README adds that the alignment
//! estimates task performance "provided we know the English performance in the task"). The
//! adjustment is the product: a language's estimated Belebele accuracy is its MEXA score (the
//! maximum over layers, `mexa_weighted_mean_max`, weighted-mean embeddings as MEXA's default) times
//! the model's Belebele `eng_Latn` accuracy, in percent. It is computed here, not by the run,
//! because it joins two tasks; runs without `belebele_eng_Latn` have none. The leaderboard's
//! other style (mean over layers, scaled by English ARC) has no counterpart: babelbench has no
//! ARC task. Within one model the adjustment is a positive constant factor, so its Pearson and
//! Spearman against Belebele equal those of `mexa_weighted_mean_max`; what it adds is the level,
//! comparable with the accuracy itself and across models.

use std::collections::{BTreeMap, BTreeSet};

use crate::data::{LayerScore, PrimaryScore, ReportData};
use crate::metrics::Alignment;
use crate::stats::{pearson, spearman};

/// Groups whose per-language accuracy the alignment measures are correlated with, when present.
pub const CORRELATED_GROUPS: [&str; 2] = ["belebele", "sib200"];

/// The Language Ranker summary correlated with task accuracy: the mean over layers.
pub const RANKER_METRIC: &str = "ranker_last_mean";

/// The alignment score English-adjusted MEXA scales: the maximum over layers, weighted-mean
/// pooling.
pub const ADJUSTED_ALIGNMENT_METRIC: &str = "mexa_weighted_mean_max";

/// The task group whose English score adjusts MEXA, and the task it estimates.
pub const ADJUSTING_GROUP: &str = "belebele";

/// The English language code of [`ADJUSTING_GROUP`]'s task.
pub const ENGLISH: &str = "eng_Latn";

/// Metric name of English-adjusted MEXA in the site's `alignment.parquet`.
pub const ADJUSTED_METRIC: &str = "mexa_adjusted_belebele";

/// A per-language alignment score correlated with task accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// The alignment group's primary metric (`mexa_weighted_mean_mean`), percent.
    Mexa,
    /// [`RANKER_METRIC`], a cosine.
    Ranker,
    /// [`ADJUSTED_ALIGNMENT_METRIC`] × the model's Belebele `eng_Latn` accuracy, percent.
    EnglishAdjustedMexa,
}

impl Measure {
    /// Every measure, in report order.
    pub const ALL: [Measure; 3] = [Measure::Mexa, Measure::Ranker, Measure::EnglishAdjustedMexa];

    /// Its name in the reports.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Mexa => "MEXA",
            Measure::Ranker => "Language Ranker",
            Measure::EnglishAdjustedMexa => "English-adjusted MEXA",
        }
    }
}

/// The per-layer curves of one model, group and pooling.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerCurves {
    /// Run label.
    pub model: String,
    /// The alignment group.
    pub group: String,
    /// The measure the curves show.
    pub alignment: Alignment,
    /// Pooling, e.g. `weighted_mean`.
    pub pooling: String,
    /// Layer indices, ascending (the x axis).
    pub layers: Vec<usize>,
    /// Per language (sorted by code): one score per layer, `None` where missing.
    pub curves: Vec<(String, Vec<Option<f64>>)>,
}

/// Every model's curves, in run order, then group, measure (MEXA first) and pooling.
pub fn layer_curves(data: &ReportData) -> Vec<LayerCurves> {
    let mut keyed: BTreeMap<(usize, &str, Alignment, &str), Vec<&LayerScore>> = BTreeMap::new();
    for score in &data.layers {
        let run = data
            .runs
            .iter()
            .position(|r| r.label == score.model)
            .unwrap_or(usize::MAX);
        keyed
            .entry((
                run,
                score.group.as_str(),
                score.alignment,
                score.pooling.as_str(),
            ))
            .or_default()
            .push(score);
    }
    keyed
        .into_values()
        .map(|scores| {
            let layers: Vec<usize> = scores
                .iter()
                .map(|s| s.layer)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut curves: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
            for score in &scores {
                let position = layers.binary_search(&score.layer).unwrap_or_default();
                curves
                    .entry(score.language.as_str())
                    .or_insert_with(|| vec![None; layers.len()])[position] = Some(score.value);
            }
            LayerCurves {
                model: scores[0].model.clone(),
                group: scores[0].group.clone(),
                alignment: scores[0].alignment,
                pooling: scores[0].pooling.clone(),
                layers,
                curves: curves
                    .into_iter()
                    .map(|(l, v)| (l.to_string(), v))
                    .collect(),
            }
        })
        .collect()
}

/// One model's alignment measure against a task's accuracy over the languages both cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// Run label.
    pub model: String,
    /// The alignment group (x).
    pub mexa_group: String,
    /// The measure on x.
    pub measure: Measure,
    /// The correlated group (y), e.g. `belebele`.
    pub target_group: String,
    /// `(language, measure, target)` per language, sorted by language.
    pub points: Vec<(String, f64, f64)>,
    /// Pearson's r; `None` with fewer than two languages or a constant side.
    pub pearson: Option<f64>,
    /// Spearman's ρ; `None` like `pearson`.
    pub spearman: Option<f64>,
}

/// English-adjusted MEXA of one model and language.
#[derive(Debug, Clone, PartialEq)]
pub struct AdjustedScore {
    /// Run label.
    pub model: String,
    /// The alignment group.
    pub group: String,
    /// Language code.
    pub language: String,
    /// [`ADJUSTED_ALIGNMENT_METRIC`] as stored, a fraction (the mean over the language's tasks).
    pub alignment: f64,
    /// The model's Belebele `eng_Latn` accuracy, percent.
    pub english: f64,
    /// `alignment × english`, percent: the estimated Belebele accuracy in `language`.
    pub value: f64,
}

/// Mean per language of `values` (language, value).
fn mean_by_language<'a>(values: impl Iterator<Item = (&'a str, f64)>) -> BTreeMap<String, f64> {
    let mut sums: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (language, value) in values {
        let entry = sums.entry(language.to_string()).or_default();
        entry.0 += value;
        entry.1 += 1;
    }
    sums.into_iter()
        .map(|(l, (sum, n))| (l, sum / n as f64))
        .collect()
}

/// The per-language primary-metric value of `model` in `group`, averaged over its tasks.
fn primary_by_language(scores: &[PrimaryScore], model: &str, group: &str) -> BTreeMap<String, f64> {
    mean_by_language(
        scores
            .iter()
            .filter(|s| s.model == model && s.group == group)
            .map(|s| (s.language.as_str(), s.value)),
    )
}

/// The per-language value of summary `metric` of `model` in `group`, averaged over its tasks.
fn summary_by_language(
    data: &ReportData,
    model: &str,
    group: &str,
    metric: &str,
) -> BTreeMap<String, f64> {
    mean_by_language(
        data.summaries
            .iter()
            .filter(|s| s.model == model && s.group == group && s.metric == metric)
            .map(|s| (s.language.as_str(), s.value)),
    )
}

/// The groups that report per-layer alignment metrics.
fn alignment_groups(data: &ReportData) -> BTreeSet<&str> {
    data.layers.iter().map(|l| l.group.as_str()).collect()
}

/// English-adjusted MEXA for every model whose run has Belebele `eng_Latn` and every language of
/// its alignment groups that reports [`ADJUSTED_ALIGNMENT_METRIC`]; in run order, then group and
/// language.
pub fn english_adjusted(data: &ReportData, scores: &[PrimaryScore]) -> Vec<AdjustedScore> {
    let mut out = Vec::new();
    for model in data.models() {
        let Some(&english) = primary_by_language(scores, &model, ADJUSTING_GROUP).get(ENGLISH)
        else {
            continue;
        };
        for group in alignment_groups(data) {
            for (language, alignment) in
                summary_by_language(data, &model, group, ADJUSTED_ALIGNMENT_METRIC)
            {
                out.push(AdjustedScore {
                    model: model.clone(),
                    group: group.to_string(),
                    language,
                    alignment,
                    english,
                    value: alignment * english,
                });
            }
        }
    }
    out
}

/// For every model, alignment group (one that reports per-layer metrics), measure present and
/// correlated group present: the per-language pairs (each side averaged over the tasks of that
/// language) and their correlations. MEXA is the group's primary metric, the Language Ranker
/// [`RANKER_METRIC`], English-adjusted MEXA [`english_adjusted`].
pub fn correlations(data: &ReportData, scores: &[PrimaryScore]) -> Vec<Correlation> {
    let adjusted = english_adjusted(data, scores);
    let mut out = Vec::new();
    for model in data.models() {
        for mexa_group in alignment_groups(data) {
            for measure in Measure::ALL {
                let xs = match measure {
                    Measure::Mexa => primary_by_language(scores, &model, mexa_group),
                    Measure::Ranker => summary_by_language(data, &model, mexa_group, RANKER_METRIC),
                    Measure::EnglishAdjustedMexa => mean_by_language(
                        adjusted
                            .iter()
                            .filter(|a| a.model == model && a.group == mexa_group)
                            .map(|a| (a.language.as_str(), a.value)),
                    ),
                };
                if xs.is_empty() {
                    continue;
                }
                for target_group in CORRELATED_GROUPS {
                    let target = primary_by_language(scores, &model, target_group);
                    let points: Vec<(String, f64, f64)> = xs
                        .iter()
                        .filter_map(|(l, x)| Some((l.clone(), *x, *target.get(l)?)))
                        .collect();
                    if points.is_empty() {
                        continue;
                    }
                    let x: Vec<f64> = points.iter().map(|p| p.1).collect();
                    let y: Vec<f64> = points.iter().map(|p| p.2).collect();
                    out.push(Correlation {
                        model: model.clone(),
                        mexa_group: mexa_group.to_string(),
                        measure,
                        target_group: target_group.to_string(),
                        pearson: pearson(&x, &y),
                        spearman: spearman(&x, &y),
                        points,
                    });
                }
            }
        }
    }
    out
}
