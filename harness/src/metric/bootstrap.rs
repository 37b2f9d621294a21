//! Seeded bootstrap confidence intervals over segments, for one system or a paired difference.
//!
//! Algorithm: draw `resamples` sets of segment indices, each as many indices as there are
//! segments, uniformly with replacement; for each set, sum the statistics of the drawn segments
//! and score the sum. The interval is the 2.5th and 97.5th percentile of these scores, taken as
//! sacrebleu takes them: after sorting the `n` scores, `low = scores[n / 40]` and
//! `high = scores[n - 1 - n / 40]` (the 26th and 975th of 1000). The mean of the resampled
//! scores is reported too.
//!
//! Resample `r` draws its indices from a [`SplitMix64`] seeded with the `r`-th output of a
//! [`SplitMix64`] seeded with [`Bootstrap::seed`], so the index sets do not depend on thread
//! scheduling, and a paired bootstrap scores two systems on exactly the same index sets.

use rayon::prelude::*;
use thiserror::Error;

use super::Metric;
use super::rng::SplitMix64;

/// Why a bootstrap could not run.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BootstrapError {
    /// No segments to resample.
    #[error("cannot bootstrap an empty corpus: give at least one segment")]
    Empty,
    /// Zero resamples were requested.
    #[error(
        "a bootstrap needs at least one resample: set the number of resamples to 1 or more (1000 is usual)"
    )]
    NoResamples,
    /// The two systems of a paired bootstrap have different numbers of segments.
    #[error(
        "paired bootstrap: system A has {a} segments but system B has {b}; score both systems on the same segments"
    )]
    LengthMismatch {
        /// Segments of system A.
        a: usize,
        /// Segments of system B.
        b: usize,
    },
}

/// A 95% bootstrap confidence interval and the mean of the resampled scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfidenceInterval {
    /// The 2.5th percentile of the resampled scores.
    pub low: f64,
    /// The 97.5th percentile of the resampled scores.
    pub high: f64,
    /// The mean of the resampled scores.
    pub mean: f64,
}

impl ConfidenceInterval {
    /// Half the interval's width, what sacrebleu prints after `±`.
    pub fn half_width(&self) -> f64 {
        0.5 * (self.high - self.low)
    }

    /// The interval of `scores` by the percentile rule in the module documentation; `None`
    /// when `scores` is empty.
    pub fn from_scores(mut scores: Vec<f64>) -> Option<Self> {
        if scores.is_empty() {
            return None;
        }
        scores.sort_by(f64::total_cmp);
        let n = scores.len();
        let tail = n / 40;
        let mean = scores.iter().sum::<f64>() / n as f64;
        Some(ConfidenceInterval {
            low: scores[tail],
            high: scores[n - 1 - tail],
            mean,
        })
    }
}

/// Settings of a seeded bootstrap over segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap {
    /// Number of resamples.
    pub resamples: usize,
    /// Seed of the index draws.
    pub seed: u64,
}

impl Default for Bootstrap {
    /// [`Bootstrap::DEFAULT_RESAMPLES`] resamples with seed [`Bootstrap::DEFAULT_SEED`].
    fn default() -> Self {
        Bootstrap {
            resamples: Self::DEFAULT_RESAMPLES,
            seed: Self::DEFAULT_SEED,
        }
    }
}

impl Bootstrap {
    /// The number of resamples when none is given: 1000, sacrebleu's default.
    pub const DEFAULT_RESAMPLES: usize = 1000;

    /// The seed when none is given, everywhere babelbench resamples (task intervals,
    /// `mt-score`, `compare`): 12345, sacrebleu's default.
    pub const DEFAULT_SEED: u64 = 12345;

    /// The segment indices of every resample of `n` segments, in resample order.
    pub fn resample_indices(&self, n: usize) -> Vec<Vec<usize>> {
        self.map_resamples(n, <[usize]>::to_vec)
    }

    /// The score of every resample of `segments`, in resample order.
    pub fn resample_scores<M: Metric>(
        &self,
        metric: &M,
        segments: &[M::Stats],
    ) -> Result<Vec<f64>, BootstrapError> {
        self.check(segments.len())?;
        Ok(self.map_resamples(segments.len(), |indices| {
            metric.score(&metric.aggregate(indices.iter().map(|&i| &segments[i])))
        }))
    }

    /// The 95% confidence interval of the corpus score of `segments`.
    pub fn interval<M: Metric>(
        &self,
        metric: &M,
        segments: &[M::Stats],
    ) -> Result<ConfidenceInterval, BootstrapError> {
        let scores = self.resample_scores(metric, segments)?;
        ConfidenceInterval::from_scores(scores).ok_or(BootstrapError::NoResamples)
    }

    /// The 95% confidence interval of `score(b) - score(a)`, with both systems resampled on the
    /// same segment indices. `a` and `b` hold the statistics of the same segments, in order.
    pub fn paired_interval<M: Metric>(
        &self,
        metric: &M,
        a: &[M::Stats],
        b: &[M::Stats],
    ) -> Result<ConfidenceInterval, BootstrapError> {
        if a.len() != b.len() {
            return Err(BootstrapError::LengthMismatch {
                a: a.len(),
                b: b.len(),
            });
        }
        self.check(a.len())?;
        let differences = self.map_resamples(a.len(), |indices| {
            let score_a = metric.score(&metric.aggregate(indices.iter().map(|&i| &a[i])));
            let score_b = metric.score(&metric.aggregate(indices.iter().map(|&i| &b[i])));
            score_b - score_a
        });
        ConfidenceInterval::from_scores(differences).ok_or(BootstrapError::NoResamples)
    }

    fn check(&self, n: usize) -> Result<(), BootstrapError> {
        if n == 0 {
            return Err(BootstrapError::Empty);
        }
        if self.resamples == 0 {
            return Err(BootstrapError::NoResamples);
        }
        Ok(())
    }

    /// Applies `f` to the indices of every resample, in parallel, results in resample order.
    fn map_resamples<T, F>(&self, n: usize, f: F) -> Vec<T>
    where
        T: Send,
        F: Fn(&[usize]) -> T + Sync,
    {
        let mut master = SplitMix64::new(self.seed);
        let seeds: Vec<u64> = (0..self.resamples).map(|_| master.next_u64()).collect();
        seeds
            .par_iter()
            .map_init(Vec::new, |indices: &mut Vec<usize>, &seed| {
                let mut rng = SplitMix64::new(seed);
                indices.clear();
                indices.extend((0..n).map(|_| rng.below(n as u64) as usize));
                f(indices)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::{Mean, MeanStats};

    fn items(values: &[f64]) -> Vec<MeanStats> {
        values.iter().map(|&v| MeanStats::item(v)).collect()
    }

    #[test]
    fn percentiles_follow_sacrebleus_index_rule() {
        let scores: Vec<f64> = (0..1000).rev().map(f64::from).collect();
        let ci = ConfidenceInterval::from_scores(scores).unwrap();
        assert_eq!(ci.low, 25.0);
        assert_eq!(ci.high, 974.0);
        assert_eq!(ci.mean, 499.5);
        assert_eq!(ci.half_width(), 474.5);
        assert_eq!(ConfidenceInterval::from_scores(Vec::new()), None);
    }

    #[test]
    fn resamples_are_seeded_and_draw_with_replacement() {
        let bootstrap = Bootstrap {
            resamples: 50,
            seed: 3,
        };
        let first = bootstrap.resample_indices(20);
        assert_eq!(first, bootstrap.resample_indices(20));
        assert_eq!(first.len(), 50);
        assert!(
            first
                .iter()
                .all(|set| set.len() == 20 && set.iter().all(|&i| i < 20))
        );
        // With replacement: some set repeats an index (P(no repeat) = 20!/20^20 per set).
        assert!(first.iter().any(|set| {
            let mut sorted = set.clone();
            sorted.sort_unstable();
            sorted.windows(2).any(|w| w[0] == w[1])
        }));
        let other = Bootstrap {
            seed: 4,
            ..bootstrap
        };
        assert_ne!(first, other.resample_indices(20));
    }

    #[test]
    fn interval_brackets_the_accuracy_of_a_mean_metric() {
        let metric = Mean::new("acc");
        let values: Vec<f64> = (0..200).map(|i| f64::from(u8::from(i % 4 != 0))).collect();
        let stats = items(&values);
        assert_eq!(metric.corpus_score(&stats), 0.75);
        let ci = Bootstrap::default().interval(&metric, &stats).unwrap();
        assert!(ci.low < 0.75 && 0.75 < ci.high, "{ci:?}");
        assert!(ci.low > 0.6 && ci.high < 0.9, "{ci:?}");
        assert!((ci.mean - 0.75).abs() < 0.01, "{ci:?}");
    }

    #[test]
    fn constant_scores_give_a_zero_width_interval() {
        let metric = Mean::new("acc");
        let stats = items(&[1.0; 30]);
        let ci = Bootstrap::default().interval(&metric, &stats).unwrap();
        assert_eq!((ci.low, ci.high, ci.mean), (1.0, 1.0, 1.0));
    }

    #[test]
    fn paired_interval_of_a_constant_shift_is_that_shift() {
        let metric = Mean::new("acc");
        let a: Vec<f64> = (0..100).map(|i| f64::from(i % 7) / 7.0).collect();
        let b: Vec<f64> = a.iter().map(|v| v + 0.5).collect();
        let ci = Bootstrap::default()
            .paired_interval(&metric, &items(&a), &items(&b))
            .unwrap();
        assert!(
            (ci.low - 0.5).abs() < 1e-12 && (ci.high - 0.5).abs() < 1e-12,
            "{ci:?}"
        );
    }

    #[test]
    fn bad_inputs_are_errors() {
        let metric = Mean::new("acc");
        let bootstrap = Bootstrap::default();
        assert_eq!(bootstrap.interval(&metric, &[]), Err(BootstrapError::Empty));
        let none = Bootstrap {
            resamples: 0,
            seed: 1,
        };
        assert_eq!(
            none.interval(&metric, &items(&[1.0])),
            Err(BootstrapError::NoResamples)
        );
        assert_eq!(
            bootstrap.paired_interval(&metric, &items(&[1.0]), &items(&[1.0, 0.0])),
            Err(BootstrapError::LengthMismatch { a: 1, b: 2 })
        );
    }
}
