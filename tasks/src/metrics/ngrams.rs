//! Clipped n-gram matching of a hypothesis against a reference, as sacrebleu counts it with
//! `Counter`s: per distinct n-gram, the smaller of its hypothesis and reference counts.
//!
//! The counts are kept in std's `HashMap` with foldhash's hasher: SipHash, std's default,
//! took most of the scoring time, and the keys are pieces of the texts scored, not input a
//! hash-flooding attack could choose to slow a server down.

use std::collections::HashMap;
use std::hash::Hash;

use foldhash::fast::RandomState;

use super::pystr;

/// Hypothesis, reference and matched n-gram counts of one n-gram order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NgramCounts {
    /// N-grams in the hypothesis.
    pub hypothesis: u64,
    /// N-grams in the reference.
    pub reference: u64,
    /// Clipped matches: per distinct n-gram, the smaller of its two counts, summed.
    pub matched: u64,
}

impl NgramCounts {
    /// The counts of the n-grams `hypothesis` and `reference` yield (one order).
    pub fn of<K: Hash + Eq>(
        hypothesis: impl IntoIterator<Item = K>,
        reference: impl ExactSizeIterator<Item = K>,
    ) -> Self {
        let mut unmatched =
            HashMap::with_capacity_and_hasher(reference.len(), RandomState::default());
        Self::counted_in(&mut unmatched, hypothesis, reference)
    }

    /// [`NgramCounts::of`], counting in `unmatched` (emptied first), so that one map serves
    /// several orders.
    pub fn counted_in<K: Hash + Eq>(
        unmatched: &mut HashMap<K, u64, RandomState>,
        hypothesis: impl IntoIterator<Item = K>,
        reference: impl ExactSizeIterator<Item = K>,
    ) -> Self {
        let mut counts = NgramCounts::default();
        // Per reference n-gram, the occurrences no hypothesis n-gram has matched yet.
        unmatched.clear();
        unmatched.reserve(reference.len());
        for ngram in reference {
            *unmatched.entry(ngram).or_default() += 1;
            counts.reference += 1;
        }
        for ngram in hypothesis {
            counts.hypothesis += 1;
            if let Some(left) = unmatched.get_mut(&ngram).filter(|left| **left > 0) {
                *left -= 1;
                counts.matched += 1;
            }
        }
        counts
    }

    /// Adds `other` field by field.
    pub fn add_assign(&mut self, other: &Self) {
        self.hypothesis += other.hypothesis;
        self.reference += other.reference;
        self.matched += other.matched;
    }
}

/// The whitespace-separated words of a hypothesis and a reference as numbers, equal words
/// getting equal numbers, so that an n-gram is hashed and compared as a few integers rather than
/// as its words' bytes.
pub fn word_ids(hypothesis: &str, reference: &str) -> (Vec<usize>, Vec<usize>) {
    let mut ids: HashMap<&str, usize, RandomState> =
        HashMap::with_capacity_and_hasher(reference.len() / 4, RandomState::default());
    let mut number = |word| {
        let next = ids.len();
        *ids.entry(word).or_insert(next)
    };
    let reference: Vec<usize> = pystr::split(reference).map(&mut number).collect();
    let hypothesis: Vec<usize> = pystr::split(hypothesis).map(&mut number).collect();
    (hypothesis, reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts of order `n` of the letters of two words.
    fn counts(hypothesis: &str, reference: &str, n: usize) -> (u64, u64, u64) {
        let (h, r) = (hypothesis.as_bytes(), reference.as_bytes());
        let c = NgramCounts::of(h.windows(n), r.windows(n));
        (c.hypothesis, c.reference, c.matched)
    }

    #[test]
    fn clips_matches_by_the_smaller_count() {
        // 1-grams a:3/2, b:1/1 -> 3; 2-grams aa:2/1, ab:1/1 -> 2; 4-grams: hyp 1, ref 0.
        assert_eq!(counts("aaab", "aab", 1), (4, 3, 3));
        assert_eq!(counts("aaab", "aab", 2), (3, 2, 2));
        assert_eq!(counts("aaab", "aab", 4), (1, 0, 0));
        assert_eq!(counts("abc", "abd", 3), (1, 1, 0));
        assert_eq!(counts("", "ab", 1), (0, 2, 0));
    }

    #[test]
    fn equal_words_get_equal_numbers() {
        let (hypothesis, reference) = word_ids(" b  a\u{a0}c", "a b a");
        assert_eq!((hypothesis, reference), (vec![1, 0, 2], vec![0, 1, 0]));
    }
}
