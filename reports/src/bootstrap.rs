//! The paired bootstrap of two runs' per-document scores: the mean of their differences and its
//! 95% interval from [`Bootstrap::interval`], the resampling every babelbench interval uses
//! (same seeding, same index sets, sacrebleu's percentile rule).

use harness::metric::{Bootstrap, Mean, MeanStats};

use crate::stats::mean;

/// The mean difference `b − a` of paired scores and its 95% interval.
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

/// The paired bootstrap over `pairs` of `(a, b)` scores of the same document; `None` for no
/// pairs or no resamples. Each resample draws `pairs.len()` documents with replacement and
/// takes the mean of their `b − a`.
pub fn paired_bootstrap(pairs: &[(f64, f64)], bootstrap: &Bootstrap) -> Option<PairedDifference> {
    let differences: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
    let difference = mean(&differences)?;
    let stats: Vec<MeanStats> = differences.iter().map(|&d| MeanStats::item(d)).collect();
    let interval = bootstrap.interval(&Mean::new("difference"), &stats).ok()?;
    Some(PairedDifference {
        difference,
        ci_low: interval.low,
        ci_high: interval.high,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_difference_has_a_point_interval() {
        let pairs = [(0.0, 1.0), (1.0, 2.0), (0.5, 1.5)];
        let result = paired_bootstrap(&pairs, &Bootstrap::default()).unwrap();
        assert_eq!(result.difference, 1.0);
        assert_eq!((result.ci_low, result.ci_high), (1.0, 1.0));
        assert!(result.is_significant());
    }

    #[test]
    fn two_documents_span_zero_to_one() {
        // Differences 0 and 1: a resample's mean is 0, 0.5 or 1 with probabilities 1/4, 1/2, 1/4,
        // so the 26th and 975th of 1000 sorted resamples are 0 and 1.
        let pairs = [(1.0, 1.0), (0.0, 1.0)];
        let result = paired_bootstrap(&pairs, &Bootstrap::default()).unwrap();
        assert_eq!(result.difference, 0.5);
        assert_eq!((result.ci_low, result.ci_high), (0.0, 1.0));
        assert!(!result.is_significant());
    }

    #[test]
    fn no_pairs_or_no_resamples_no_result() {
        let pairs = [(0.0, 1.0), (1.0, 0.0)];
        assert_eq!(paired_bootstrap(&[], &Bootstrap::default()), None);
        let none = Bootstrap {
            resamples: 0,
            ..Bootstrap::default()
        };
        assert_eq!(paired_bootstrap(&pairs, &none), None);
    }
}
