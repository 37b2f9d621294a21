//! Corpus metrics in sacrebleu's shape: every segment (or item) yields sufficient
//! [`Statistics`], the statistics of a corpus are their sum, and a [`Metric`] turns a sum into a
//! score. Because scores come from summed statistics, a [`Bootstrap`] can resample segments and
//! rescore cheaply, for one system ([`Bootstrap::interval`]) or for the difference of two systems
//! over the same resampled segments ([`Bootstrap::paired_interval`]).
//!
//! Translation metrics (chrF, BLEU) implement [`Metric`] in the `tasks` crate; accuracy-style
//! metrics, a mean of per-item values, are served by [`Mean`].

mod bootstrap;
mod mean;
mod rng;
mod signature;

pub use bootstrap::{Bootstrap, BootstrapError, ConfidenceInterval};
pub use mean::{Mean, MeanStats};
pub use rng::SplitMix64;
pub use signature::Signature;

/// Sufficient statistics of one segment, or of a sum of segments.
pub trait Statistics: Clone + Send + Sync {
    /// Adds `other` into `self`, field by field.
    fn add_assign(&mut self, other: &Self);
}

/// A corpus metric computed from summed per-segment statistics.
pub trait Metric: Sync {
    /// The per-segment sufficient statistics.
    type Stats: Statistics;

    /// The score's display name, e.g. `BLEU` or `chrF2++`.
    fn name(&self) -> String;

    /// The reproducibility signature of the metric's settings.
    fn signature(&self) -> Signature;

    /// The statistics of an empty corpus, the starting point of a sum.
    fn zero_stats(&self) -> Self::Stats;

    /// The score of summed statistics.
    fn score(&self, total: &Self::Stats) -> f64;

    /// The sum of `segments`' statistics.
    fn aggregate<'a, I>(&self, segments: I) -> Self::Stats
    where
        I: IntoIterator<Item = &'a Self::Stats>,
        Self::Stats: 'a,
    {
        let mut total = self.zero_stats();
        for stats in segments {
            total.add_assign(stats);
        }
        total
    }

    /// The corpus score: the score of the sum of all segments' statistics.
    fn corpus_score(&self, segments: &[Self::Stats]) -> f64 {
        self.score(&self.aggregate(segments))
    }
}
