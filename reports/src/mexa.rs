//! MEXA views: per-layer alignment curves per language, and how a model's per-language MEXA
//! score tracks its Belebele and SIB-200 accuracy (Pearson and Spearman over languages).

use std::collections::{BTreeMap, BTreeSet};

use crate::data::{LayerScore, PrimaryScore, ReportData};
use crate::stats::{pearson, spearman};

/// Groups whose per-language accuracy MEXA is correlated with, when present.
pub const CORRELATED_GROUPS: [&str; 2] = ["belebele", "sib200"];

/// The per-layer curves of one model, group and pooling.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerCurves {
    /// Run label.
    pub model: String,
    /// The MEXA-style group.
    pub group: String,
    /// Pooling, e.g. `weighted_mean`.
    pub pooling: String,
    /// Layer indices, ascending (the x axis).
    pub layers: Vec<usize>,
    /// Per language (sorted by code): one score per layer, `None` where missing.
    pub curves: Vec<(String, Vec<Option<f64>>)>,
}

/// Every model's curves, in run order, then group and pooling.
pub fn layer_curves(data: &ReportData) -> Vec<LayerCurves> {
    let mut keyed: BTreeMap<(usize, &str, &str), Vec<&LayerScore>> = BTreeMap::new();
    for score in &data.layers {
        let run = data
            .runs
            .iter()
            .position(|r| r.label == score.model)
            .unwrap_or(usize::MAX);
        keyed
            .entry((run, score.group.as_str(), score.pooling.as_str()))
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

/// One model's MEXA score against a task's accuracy over the languages both cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// Run label.
    pub model: String,
    /// The MEXA-style group (x).
    pub mexa_group: String,
    /// The correlated group (y), e.g. `belebele`.
    pub target_group: String,
    /// `(language, MEXA, target)` per language, sorted by language.
    pub points: Vec<(String, f64, f64)>,
    /// Pearson's r; `None` with fewer than two languages or a constant side.
    pub pearson: Option<f64>,
    /// Spearman's ρ; `None` like `pearson`.
    pub spearman: Option<f64>,
}

/// For every model, MEXA-style group (one that reports per-layer metrics) and correlated group
/// present: the per-language pairs of primary-metric values (averaged over the tasks of that
/// language) and their correlations.
pub fn correlations(data: &ReportData, scores: &[PrimaryScore]) -> Vec<Correlation> {
    let mexa_groups: BTreeSet<&str> = data.layers.iter().map(|l| l.group.as_str()).collect();
    let per_language = |model: &str, group: &str| -> BTreeMap<String, f64> {
        let mut sums: BTreeMap<String, (f64, usize)> = BTreeMap::new();
        for score in scores
            .iter()
            .filter(|s| s.model == model && s.group == group)
        {
            let entry = sums.entry(score.language.clone()).or_default();
            entry.0 += score.value;
            entry.1 += 1;
        }
        sums.into_iter()
            .map(|(l, (sum, n))| (l, sum / n as f64))
            .collect()
    };
    let mut out = Vec::new();
    for model in data.models() {
        for mexa_group in &mexa_groups {
            let mexa = per_language(&model, mexa_group);
            for target_group in CORRELATED_GROUPS {
                let target = per_language(&model, target_group);
                let points: Vec<(String, f64, f64)> = mexa
                    .iter()
                    .filter_map(|(l, x)| Some((l.clone(), *x, *target.get(l)?)))
                    .collect();
                if points.is_empty() {
                    continue;
                }
                let xs: Vec<f64> = points.iter().map(|p| p.1).collect();
                let ys: Vec<f64> = points.iter().map(|p| p.2).collect();
                out.push(Correlation {
                    model: model.clone(),
                    mexa_group: mexa_group.to_string(),
                    target_group: target_group.to_string(),
                    pearson: pearson(&xs, &ys),
                    spearman: spearman(&xs, &ys),
                    points,
                });
            }
        }
    }
    out
}
