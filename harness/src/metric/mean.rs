//! Accuracy-style metrics: the mean of per-item values.

use super::{Metric, Signature, Statistics};

/// The sum and count of per-item values.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MeanStats {
    /// Sum of the values.
    pub sum: f64,
    /// Number of items.
    pub count: u64,
}

impl MeanStats {
    /// The statistics of one item with value `value` (1.0 or 0.0 for accuracy).
    pub fn item(value: f64) -> Self {
        MeanStats {
            sum: value,
            count: 1,
        }
    }
}

impl Statistics for MeanStats {
    fn add_assign(&mut self, other: &Self) {
        self.sum += other.sum;
        self.count += other.count;
    }
}

/// The mean of per-item values under a given name, e.g. accuracy as `acc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mean {
    name: String,
}

impl Mean {
    /// A mean named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Mean { name: name.into() }
    }
}

impl Metric for Mean {
    type Stats = MeanStats;

    fn name(&self) -> String {
        self.name.clone()
    }

    /// `agg:mean`.
    fn signature(&self) -> Signature {
        Signature::new().with("agg", "mean")
    }

    fn zero_stats(&self) -> MeanStats {
        MeanStats::default()
    }

    /// The mean; 0.0 for no items.
    fn score(&self, total: &MeanStats) -> f64 {
        if total.count == 0 {
            0.0
        } else {
            total.sum / total.count as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_items_and_of_nothing() {
        let metric = Mean::new("acc");
        let stats: Vec<MeanStats> = [1.0, 0.0, 1.0, 1.0].map(MeanStats::item).to_vec();
        assert_eq!(metric.corpus_score(&stats), 0.75);
        assert_eq!(metric.aggregate(&stats), MeanStats { sum: 3.0, count: 4 });
        assert_eq!(metric.corpus_score(&[]), 0.0);
        assert_eq!(metric.name(), "acc");
        assert_eq!(metric.signature().to_string(), "agg:mean");
    }
}
