//! What the reports know about metric names: which metric headlines a task group, which way is
//! better, the 0–100 display scale, the per-layer names of the alignment measures (MEXA and the
//! Language Ranker) and the per-sample score behind an aggregate.

/// Headline metrics in order of preference; a group's primary metric is the first of these it
/// reports, else its first other metric in name order that is neither per-layer nor a layer index.
const PREFERRED: [&str; 9] = [
    "acc",
    "chrf++",
    "chrf",
    "bleu",
    "mexa_weighted_mean_mean",
    "mexa_last_mean",
    "bpb",
    "premium",
    "acc_norm",
];

/// Metrics where a lower value is better.
const LOWER_IS_BETTER: [&str; 7] = [
    "bpb",
    "premium",
    "tokens",
    "english_tokens",
    "ter",
    "off_target",
    "wrong_script",
];

/// Metrics in `[0, 1]` shown as percentage points.
const FRACTIONS: [&str; 6] = [
    "acc",
    "acc_norm",
    "exact_match",
    "f1",
    "off_target",
    "wrong_script",
];

/// The primary metric among `metrics` (the names one group reports), if any qualifies.
pub fn primary_metric<'a>(metrics: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut names: Vec<&str> = metrics.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    PREFERRED
        .iter()
        .find(|preferred| names.contains(preferred))
        .map(|name| name.to_string())
        .or_else(|| {
            names
                .into_iter()
                .find(|name| {
                    alignment_layer_metric(name).is_none() && !name.ends_with("_best_layer")
                })
                .map(str::to_string)
        })
}

/// Whether a higher value of `metric` is better.
pub fn higher_is_better(metric: &str) -> bool {
    !LOWER_IS_BETTER.contains(&metric)
}

/// The factor that puts `metric` on the reports' scale: 100 for fractions (accuracy, MEXA
/// alignment, per-layer scores), 1 for metrics already on their own scale (chrF, BLEU, bits, the
/// Language Ranker's cosines).
pub fn display_scale(metric: &str) -> f64 {
    let is_fraction = FRACTIONS.contains(&metric)
        || (metric.starts_with("mexa_") && !metric.ends_with("_best_layer"))
        || metric.ends_with("_aligned_fraction")
        || layer_metric(metric).is_some();
    if is_fraction { 100.0 } else { 1.0 }
}

/// The alignment measures the alignment tasks (`output_type: alignment`) report per layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Alignment {
    /// MEXA: the fraction of sentences whose English translation is their most similar
    /// English sentence (`layer_LL/P`, `mexa_P_mean`), a fraction shown in percent.
    Mexa,
    /// The Language Ranker: the mean cosine similarity of each sentence with its English
    /// translation (`ranker_layer_LL/P`, `ranker_P_mean`), a cosine in `[-1, 1]` shown as is.
    Ranker,
}

impl Alignment {
    /// Both measures, MEXA first.
    pub const ALL: [Alignment; 2] = [Alignment::Mexa, Alignment::Ranker];

    /// The prefix of its model-level metrics: `mexa` or `ranker`.
    pub fn prefix(self) -> &'static str {
        match self {
            Alignment::Mexa => "mexa",
            Alignment::Ranker => "ranker",
        }
    }

    /// Its name in the reports.
    pub fn label(self) -> &'static str {
        match self {
            Alignment::Mexa => "MEXA",
            Alignment::Ranker => "Language Ranker",
        }
    }

    /// The factor from its stored per-layer values to the shown ones.
    pub fn scale(self) -> f64 {
        match self {
            Alignment::Mexa => 100.0,
            Alignment::Ranker => 1.0,
        }
    }
}

/// `(measure, layer, pooling)` of a per-layer alignment metric: MEXA's `layer_LL/POOLING` or the
/// Language Ranker's `ranker_layer_LL/POOLING`.
pub fn alignment_layer_metric(metric: &str) -> Option<(Alignment, usize, &str)> {
    match metric.strip_prefix("ranker_") {
        Some(rest) => {
            layer_metric(rest).map(|(layer, pooling)| (Alignment::Ranker, layer, pooling))
        }
        None => layer_metric(metric).map(|(layer, pooling)| (Alignment::Mexa, layer, pooling)),
    }
}

/// Whether `metric` is a model-level alignment summary over layers (`mexa_P_mean`,
/// `ranker_P_max`, …): per-language inputs of the alignment correlations.
pub fn is_alignment_summary(metric: &str) -> bool {
    Alignment::ALL.iter().any(|a| {
        metric
            .strip_prefix(a.prefix())
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|rest| rest.ends_with("_mean") || rest.ends_with("_max"))
    })
}

/// `(layer, pooling)` of a per-layer metric name `layer_LL/POOLING`, e.g. `layer_03/weighted_mean`.
pub fn layer_metric(metric: &str) -> Option<(usize, &str)> {
    let (layer, pooling) = metric.strip_prefix("layer_")?.split_once('/')?;
    let is_index = !layer.is_empty() && layer.bytes().all(|b| b.is_ascii_digit());
    match (is_index, pooling.is_empty()) {
        (true, false) => Some((layer.parse().ok()?, pooling)),
        _ => None,
    }
}

/// The key in `scores_json` whose mean over samples is `metric`: the metric itself when the
/// samples carry it, else for MEXA's `mexa_P_mean` the per-pair `P_aligned_fraction` (the mean over
/// pairs of the fraction of layers aligned equals the mean over layers of the fraction of pairs
/// aligned), and for the Language Ranker's `ranker_P_mean` the per-pair `P_parallel_cosine` (its
/// cosine averaged over layers). `None` when the samples carry neither.
pub fn sample_key<'a>(
    metric: &str,
    sample_keys: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let keys: Vec<&str> = sample_keys.into_iter().collect();
    if keys.contains(&metric) {
        return Some(metric.to_string());
    }
    let key = if let Some(pooling) = metric.strip_prefix("ranker_") {
        format!("{}_parallel_cosine", pooling.strip_suffix("_mean")?)
    } else {
        let pooling = metric.strip_prefix("mexa_")?.strip_suffix("_mean")?;
        format!("{pooling}_aligned_fraction")
    };
    keys.contains(&key.as_str()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_metric_follows_preference_then_name_order() {
        assert_eq!(primary_metric(["acc_norm", "acc"]).as_deref(), Some("acc"));
        assert_eq!(
            primary_metric(["layer_00/last", "mexa_last_max", "mexa_weighted_mean_mean"])
                .as_deref(),
            Some("mexa_weighted_mean_mean")
        );
        assert_eq!(
            primary_metric(["layer_01/x", "zeta_best_layer", "omega", "alpha"]).as_deref(),
            Some("alpha")
        );
        assert_eq!(primary_metric(["layer_01/x"]), None);
        assert_eq!(
            primary_metric([
                "ranker_layer_00/last",
                "ranker_last_best_layer",
                "ranker_last_mean"
            ])
            .as_deref(),
            Some("ranker_last_mean")
        );
    }

    #[test]
    fn alignment_layer_metrics_name_their_measure() {
        assert_eq!(
            alignment_layer_metric("layer_03/weighted_mean"),
            Some((Alignment::Mexa, 3, "weighted_mean"))
        );
        assert_eq!(
            alignment_layer_metric("ranker_layer_17/last"),
            Some((Alignment::Ranker, 17, "last"))
        );
        assert_eq!(alignment_layer_metric("ranker_last_mean"), None);
        assert_eq!(layer_metric("ranker_layer_17/last"), None);
        assert!(is_alignment_summary("ranker_last_mean"));
        assert!(is_alignment_summary("mexa_weighted_mean_max"));
        assert!(!is_alignment_summary("mexa_last_best_layer"));
        assert!(!is_alignment_summary("ranker_layer_01/last"));
        assert!(!is_alignment_summary("acc"));
    }

    #[test]
    fn layer_metrics_parse_index_and_pooling() {
        assert_eq!(
            layer_metric("layer_03/weighted_mean"),
            Some((3, "weighted_mean"))
        );
        assert_eq!(layer_metric("layer_12/last"), Some((12, "last")));
        assert_eq!(layer_metric("layer_x/last"), None);
        assert_eq!(layer_metric("layer_03/"), None);
        assert_eq!(layer_metric("acc"), None);
    }

    #[test]
    fn scales_and_directions() {
        assert_eq!(display_scale("acc"), 100.0);
        assert_eq!(display_scale("mexa_last_max"), 100.0);
        assert_eq!(display_scale("mexa_last_best_layer"), 1.0);
        assert_eq!(display_scale("chrf++"), 1.0);
        assert_eq!(display_scale("ranker_last_mean"), 1.0);
        assert_eq!(display_scale("ranker_layer_03/last"), 1.0);
        assert!(higher_is_better("acc"));
        assert!(!higher_is_better("bpb"));
    }

    #[test]
    fn sample_key_maps_mexa_mean_to_aligned_fraction() {
        assert_eq!(
            sample_key("acc", ["acc", "acc_norm"]).as_deref(),
            Some("acc")
        );
        assert_eq!(
            sample_key("mexa_last_mean", ["last_aligned_fraction"]).as_deref(),
            Some("last_aligned_fraction")
        );
        assert_eq!(
            sample_key(
                "ranker_last_mean",
                ["last_aligned_fraction", "last_parallel_cosine"]
            )
            .as_deref(),
            Some("last_parallel_cosine")
        );
        assert_eq!(
            sample_key("ranker_last_max", ["last_parallel_cosine"]),
            None
        );
        assert_eq!(sample_key("chrf", ["acc"]), None);
    }
}
