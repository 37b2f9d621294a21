//! The paired bootstrap: a 95% confidence interval of the difference of two systems' mean
//! per-sample scores, resampling documents with replacement under a fixed seed.

use crate::stats::{mean, quantile};

/// Resamples and seed of a paired bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapSettings {
    /// Number of resamples.
    pub resamples: usize,
    /// Seed of the random generator.
    pub seed: u64,
}

impl Default for BootstrapSettings {
    /// 1000 resamples, seed 1234 (babelbench's default seed).
    fn default() -> Self {
        BootstrapSettings {
            resamples: 1000,
            seed: 1234,
        }
    }
}

/// The mean difference `b − a` of paired scores and its 95% percentile interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedDifference {
    /// Mean of `b[i] − a[i]`.
    pub difference: f64,
    /// 2.5th percentile of the resampled mean differences.
    pub ci_low: f64,
    /// 97.5th percentile of the resampled mean differences.
    pub ci_high: f64,
}

impl PairedDifference {
    /// Whether the interval excludes zero.
    pub fn is_significant(&self) -> bool {
        self.ci_low > 0.0 || self.ci_high < 0.0
    }
}

/// The paired bootstrap over `pairs` of `(a, b)` scores of the same document; `None` for no pairs.
/// Each resample draws `pairs.len()` documents with replacement and takes the mean of `b − a`.
pub fn paired_bootstrap(
    pairs: &[(f64, f64)],
    settings: &BootstrapSettings,
) -> Option<PairedDifference> {
    let differences: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
    let difference = mean(&differences)?;
    let mut rng = SplitMix64::new(settings.seed);
    let mut resampled: Vec<f64> = (0..settings.resamples.max(1))
        .map(|_| {
            let total: f64 = (0..differences.len())
                .map(|_| differences[rng.below(differences.len())])
                .sum();
            total / differences.len() as f64
        })
        .collect();
    resampled.sort_by(f64::total_cmp);
    Some(PairedDifference {
        difference,
        ci_low: quantile(&resampled, 0.025)?,
        ci_high: quantile(&resampled, 0.975)?,
    })
}

/// SplitMix64 (Steele, Lea and Flood 2014): a small, fast generator whose stream depends only on
/// the seed, so intervals are reproducible across platforms.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index in `0..n` (`n > 0`), by Lemire's multiply-shift.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference_stream() {
        // First outputs of SplitMix64 seeded with 1234567 (the reference implementation's example).
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next(), 6457827717110365317);
        assert_eq!(rng.next(), 3203168211198807973);
    }

    #[test]
    fn constant_difference_has_a_point_interval() {
        let pairs = [(0.0, 1.0), (1.0, 2.0), (0.5, 1.5)];
        let result = paired_bootstrap(&pairs, &BootstrapSettings::default()).unwrap();
        assert_eq!(result.difference, 1.0);
        assert_eq!((result.ci_low, result.ci_high), (1.0, 1.0));
        assert!(result.is_significant());
    }

    #[test]
    fn two_documents_span_zero_to_one() {
        // Differences 0 and 1: a resample's mean is 0, 0.5 or 1 with probabilities 1/4, 1/2, 1/4,
        // so the 2.5th and 97.5th percentiles of 1000 resamples are 0 and 1.
        let pairs = [(1.0, 1.0), (0.0, 1.0)];
        let result = paired_bootstrap(&pairs, &BootstrapSettings::default()).unwrap();
        assert_eq!(result.difference, 0.5);
        assert_eq!((result.ci_low, result.ci_high), (0.0, 1.0));
        assert!(!result.is_significant());
    }

    #[test]
    fn same_seed_same_interval_and_no_pairs_no_result() {
        let pairs = [(0.0, 1.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.0, 0.0)];
        let settings = BootstrapSettings::default();
        assert_eq!(
            paired_bootstrap(&pairs, &settings),
            paired_bootstrap(&pairs, &settings)
        );
        assert_eq!(paired_bootstrap(&[], &settings), None);
    }
}
