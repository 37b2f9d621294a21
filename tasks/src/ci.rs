//! Bootstrap confidence intervals of task metrics, with [`harness::metric::Bootstrap`]: the
//! evaluated documents are resampled with replacement and the metric is recomputed from the
//! summed statistics of each resample (95% percentile interval).

use harness::metric::{Bootstrap, Mean, MeanStats, Metric, Signature, Statistics};

use crate::config::TaskConfig;

/// How intervals are resampled: the task configuration's seed and number of resamples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BootstrapSettings {
    bootstrap: Bootstrap,
}

impl BootstrapSettings {
    /// The settings of a task's configuration.
    pub fn from_config(config: &TaskConfig) -> Self {
        BootstrapSettings {
            bootstrap: Bootstrap {
                resamples: config.bootstrap_resamples,
                seed: config.seed,
            },
        }
    }

    /// `signature` with `bs:N|seed:S` inserted after `nrefs` (or at the front), as sacrebleu
    /// writes the signature of a score with an interval.
    pub fn stamp(&self, mut signature: Signature) -> String {
        if self.bootstrap.resamples > 0 {
            signature.insert_after("nrefs", "bs", self.bootstrap.resamples);
            signature.insert_after("bs", "seed", self.bootstrap.seed);
        }
        signature.to_string()
    }

    /// The corpus score of `segments` and its interval; no interval with 0 resamples.
    pub fn score<M: Metric>(&self, metric: &M, segments: &[M::Stats]) -> MetricScore {
        let value = metric.corpus_score(segments);
        let ci = if self.bootstrap.resamples == 0 {
            None
        } else {
            // Only an empty corpus fails here, and tasks refuse to score no documents.
            self.bootstrap
                .interval(metric, segments)
                .ok()
                .map(|ci| (ci.low, ci.high))
        };
        MetricScore {
            value,
            ci,
            signature: self.stamp(metric.signature()),
        }
    }
}

/// A corpus score with its interval and signature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetricScore {
    /// The score.
    pub value: f64,
    /// The 95% interval.
    pub ci: Option<(f64, f64)>,
    /// The metric's signature with the bootstrap settings.
    pub signature: String,
}

impl MetricScore {
    /// The result under metric name `name`.
    pub fn named(self, name: &str) -> harness::task::MetricValue {
        harness::task::MetricValue {
            name: name.to_string(),
            value: self.value,
            ci: self.ci,
            signature: Some(self.signature),
        }
    }
}

/// The mean of per-sample `values`.
pub(crate) fn mean(name: &str, values: &[f64], settings: &BootstrapSettings) -> MetricScore {
    let stats: Vec<MeanStats> = values.iter().map(|&v| MeanStats::item(v)).collect();
    settings.score(&Mean::new(name), &stats)
}

/// Sums of a numerator and a denominator.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct RatioStats {
    numerator: f64,
    denominator: f64,
}

impl Statistics for RatioStats {
    fn add_assign(&mut self, other: &Self) {
        self.numerator += other.numerator;
        self.denominator += other.denominator;
    }
}

/// `scale × Σ numerator / Σ denominator`, e.g. bits per byte from nats and bytes, or its
/// exponential (a perplexity).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RatioOfSums {
    name: String,
    scale: f64,
    exponentiate: bool,
}

impl Metric for RatioOfSums {
    type Stats = RatioStats;

    fn name(&self) -> String {
        self.name.clone()
    }

    /// `agg:ratio-of-sums`, or `agg:exp-ratio-of-sums`.
    fn signature(&self) -> Signature {
        let agg = if self.exponentiate {
            "exp-ratio-of-sums"
        } else {
            "ratio-of-sums"
        };
        Signature::new().with("agg", agg)
    }

    fn zero_stats(&self) -> RatioStats {
        RatioStats::default()
    }

    fn score(&self, total: &RatioStats) -> f64 {
        let ratio = self.scale * total.numerator / total.denominator;
        if self.exponentiate {
            ratio.exp()
        } else {
            ratio
        }
    }
}

/// `scale × Σ numerators / Σ denominators` over paired per-sample values.
pub(crate) fn ratio(
    name: &str,
    numerators: &[f64],
    denominators: &[f64],
    scale: f64,
    settings: &BootstrapSettings,
) -> MetricScore {
    ratio_score(name, numerators, denominators, scale, false, settings)
}

/// `exp(scale × Σ numerators / Σ denominators)`: a perplexity.
pub(crate) fn exp_ratio(
    name: &str,
    numerators: &[f64],
    denominators: &[f64],
    scale: f64,
    settings: &BootstrapSettings,
) -> MetricScore {
    ratio_score(name, numerators, denominators, scale, true, settings)
}

fn ratio_score(
    name: &str,
    numerators: &[f64],
    denominators: &[f64],
    scale: f64,
    exponentiate: bool,
    settings: &BootstrapSettings,
) -> MetricScore {
    let stats: Vec<RatioStats> = numerators
        .iter()
        .zip(denominators)
        .map(|(&numerator, &denominator)| RatioStats {
            numerator,
            denominator,
        })
        .collect();
    let metric = RatioOfSums {
        name: name.to_string(),
        scale,
        exponentiate,
    };
    settings.score(&metric, &stats)
}
