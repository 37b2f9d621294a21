//! What the reports know about metric names: which metric headlines a task group, which way is
//! better, the 0–100 display scale, MEXA's per-layer names and the per-sample score behind an
//! aggregate.

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
const LOWER_IS_BETTER: [&str; 5] = ["bpb", "premium", "tokens", "english_tokens", "ter"];

/// Metrics in `[0, 1]` shown as percentage points.
const FRACTIONS: [&str; 4] = ["acc", "acc_norm", "exact_match", "f1"];

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
                .find(|name| layer_metric(name).is_none() && !name.ends_with("_best_layer"))
                .map(str::to_string)
        })
}

/// Whether a higher value of `metric` is better.
pub fn higher_is_better(metric: &str) -> bool {
    !LOWER_IS_BETTER.contains(&metric)
}

/// The factor that puts `metric` on the reports' scale: 100 for fractions (accuracy, MEXA
/// alignment, per-layer scores), 1 for metrics already on their own scale (chrF, BLEU, bits).
pub fn display_scale(metric: &str) -> f64 {
    let is_fraction = FRACTIONS.contains(&metric)
        || (metric.starts_with("mexa_") && !metric.ends_with("_best_layer"))
        || metric.ends_with("_aligned_fraction")
        || layer_metric(metric).is_some();
    if is_fraction { 100.0 } else { 1.0 }
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
/// aligned). `None` when the samples carry neither.
pub fn sample_key<'a>(
    metric: &str,
    sample_keys: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let keys: Vec<&str> = sample_keys.into_iter().collect();
    if keys.contains(&metric) {
        return Some(metric.to_string());
    }
    let pooling = metric.strip_prefix("mexa_")?.strip_suffix("_mean")?;
    let key = format!("{pooling}_aligned_fraction");
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
        assert_eq!(sample_key("chrf", ["acc"]), None);
    }
}
