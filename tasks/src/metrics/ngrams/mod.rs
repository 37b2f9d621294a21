//! Exact n-gram counting and clipped matching of a hypothesis against a reference.
//!
//! Units are dense ids below an alphabet size (characters and words numbered by
//! [`super::units`]); per order the statistics are the hypothesis and reference n-gram counts
//! and the clipped matches, `min(hypothesis count, reference count)` summed over distinct
//! n-grams, as sacrebleu's `Counter`s give them. Two exact methods compute the matches:
//! [`packed`] for up to 8 orders whose n-grams fit in 63 bits (sentence pairs of up to 1023
//! distinct characters for chrF, 32767 distinct words for BLEU) and pairs shorter than 32767
//! units, [`refined`] otherwise.

mod packed;
mod refined;
mod sort;

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
    /// Adds `other` field by field.
    pub fn add_assign(&mut self, other: &Self) {
        self.hypothesis += other.hypothesis;
        self.reference += other.reference;
        self.matched += other.matched;
    }
}

/// The number of n-grams of order `n` in a sequence of `len` units.
fn positions(len: usize, n: usize) -> usize {
    (len + 1).saturating_sub(n)
}

/// Buffers of the n-gram matching, reused from segment to segment.
#[derive(Default)]
pub(crate) struct NgramMatcher {
    packed: packed::PackedMatcher,
    refined: refined::RefinedMatcher,
}

impl NgramMatcher {
    /// Fills `out[n - 1]` with the counts of order `n`, for `n` in `1..=out.len()`, of the
    /// hypothesis `units[..hypothesis_len]` against the reference `units[hypothesis_len..]`;
    /// every unit is below `alphabet`.
    pub fn match_ngrams(
        &mut self,
        units: &[u32],
        hypothesis_len: usize,
        alphabet: usize,
        out: &mut [NgramCounts],
    ) {
        let reference_len = units.len() - hypothesis_len;
        for (order, counts) in out.iter_mut().enumerate() {
            *counts = NgramCounts {
                hypothesis: positions(hypothesis_len, order + 1) as u64,
                reference: positions(reference_len, order + 1) as u64,
                matched: 0,
            };
        }
        if packed::fits(units.len(), alphabet, out.len()) {
            self.packed.matches(units, hypothesis_len, alphabet, out);
        } else {
            self.refined.matches(units, hypothesis_len, alphabet, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts of orders `1..=orders` of two sequences of small units.
    fn counts_of(hypothesis: &[u32], reference: &[u32], orders: usize) -> Vec<NgramCounts> {
        let units: Vec<u32> = hypothesis.iter().chain(reference).copied().collect();
        let alphabet = units.iter().max().map_or(0, |&u| u as usize + 1);
        let mut out = vec![NgramCounts::default(); orders];
        NgramMatcher::default().match_ngrams(&units, hypothesis.len(), alphabet, &mut out);
        out
    }

    fn letters(text: &str) -> Vec<u32> {
        text.bytes().map(|b| u32::from(b - b'a')).collect()
    }

    fn counts(hypothesis: &str, reference: &str, orders: usize) -> Vec<(u64, u64, u64)> {
        counts_of(&letters(hypothesis), &letters(reference), orders)
            .iter()
            .map(|c| (c.hypothesis, c.reference, c.matched))
            .collect()
    }

    #[test]
    fn clips_matches_by_the_smaller_count() {
        // hyp "aaab", ref "aab": 1-grams a:3/2, b:1/1 -> 3; 2-grams aa:2/1, ab:1/1 -> 2;
        // 3-grams aaa:1/0, aab:1/1 -> 1; 4-grams: hyp 1, ref 0.
        assert_eq!(
            counts("aaab", "aab", 5),
            [(4, 3, 3), (3, 2, 2), (2, 1, 1), (1, 0, 0), (0, 0, 0)]
        );
    }

    #[test]
    fn a_shared_prefix_does_not_make_a_match() {
        // "abc" and "abd" share "ab" but no 3-gram; "bcx" shares no 2-gram after "bc".
        assert_eq!(counts("abc", "abd", 3), [(3, 3, 2), (2, 2, 1), (1, 1, 0)]);
        assert_eq!(counts("xabcab", "abcabx", 3)[2], (4, 4, 3));
    }

    #[test]
    fn no_ngram_spans_the_two_sides() {
        // Joined, "ab" and "ba" read "abba", whose "bb" belongs to neither side.
        assert_eq!(counts("ab", "ba", 3), [(2, 2, 2), (1, 1, 0), (0, 0, 0)]);
        assert_eq!(counts("ab", "bab", 2), [(2, 3, 2), (1, 2, 1)]);
    }

    #[test]
    fn alphabets_too_large_to_pack_are_refined() {
        assert!(packed::fits(100, 1023, 6) && !packed::fits(100, 1024, 6));
        assert!(packed::fits(100, 32767, 4) && !packed::fits(100, 32768, 4));
        assert!(packed::fits(100, 2, 8) && !packed::fits(100, 2, 9));
        assert!(packed::fits(32766, 2, 6) && !packed::fits(32767, 2, 6));
        // Units far apart in a huge alphabet: 21-bit ids do not fit 4 to a key.
        let hypothesis = [7, 1 << 20, 7, 1 << 20, 3];
        let reference = [1 << 20, 7, 1 << 20, 3, 3];
        let units: Vec<u32> = hypothesis.iter().chain(&reference).copied().collect();
        assert!(!packed::fits(units.len(), (1 << 20) + 1, 4));
        let mut out = [NgramCounts::default(); 4];
        NgramMatcher::default().match_ngrams(&units, 5, (1 << 20) + 1, &mut out);
        for (order, counts) in out.iter().enumerate() {
            assert_eq!(*counts, naive(&hypothesis, &reference, order + 1));
        }
    }

    #[test]
    fn empty_sides_count_zero() {
        assert_eq!(counts("", "ab", 2), [(0, 2, 0), (0, 1, 0)]);
        assert_eq!(counts("ab", "", 2), [(2, 0, 0), (1, 0, 0)]);
        assert_eq!(counts("", "", 1), [(0, 0, 0)]);
    }

    /// Clipped matches by brute force: per distinct n-gram, the smaller of the two counts.
    fn naive(hypothesis: &[u32], reference: &[u32], n: usize) -> NgramCounts {
        let grams = |units: &[u32]| -> Vec<Vec<u32>> {
            (0..positions(units.len(), n))
                .map(|i| units[i..i + n].to_vec())
                .collect()
        };
        let (h, r) = (grams(hypothesis), grams(reference));
        let mut distinct = h.clone();
        distinct.sort();
        distinct.dedup();
        let matched = distinct
            .iter()
            .map(|g| {
                let in_h = h.iter().filter(|x| *x == g).count();
                let in_r = r.iter().filter(|x| *x == g).count();
                in_h.min(in_r) as u64
            })
            .sum();
        NgramCounts {
            hypothesis: h.len() as u64,
            reference: r.len() as u64,
            matched,
        }
    }

    #[test]
    fn equals_brute_force_on_seeded_sequences_of_many_lengths() {
        let mut state = 99u64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            ((state >> 33) % bound) as u32
        };
        // One matcher of each kind for every case: buffers grow and shrink between segments.
        let mut matcher = NgramMatcher::default();
        for length in [300usize, 3, 0, 57, 1, 140, 9, 500, 20, 200, 141, 61] {
            // Small alphabets match often; large ones leave prefixes unmatched.
            let alphabet = if length % 2 == 0 {
                40
            } else {
                u64::from(next(6) + 2)
            };
            let hypothesis: Vec<u32> = (0..length).map(|_| next(alphabet)).collect();
            let reference: Vec<u32> = (0..length + 5).map(|_| next(alphabet)).collect();
            let units: Vec<u32> = hypothesis.iter().chain(&reference).copied().collect();
            let mut out = vec![NgramCounts::default(); 7];
            matcher.match_ngrams(&units, length, alphabet as usize, &mut out);
            // Both methods, whichever the dispatch chose.
            let mut packed = out.clone();
            matcher
                .packed
                .matches(&units, length, alphabet as usize, &mut packed);
            let mut refined = out.clone();
            matcher
                .refined
                .matches(&units, length, alphabet as usize, &mut refined);
            assert_eq!((&packed, &refined), (&out, &out), "length {length}");
            for (order, counts) in out.iter().enumerate() {
                assert_eq!(
                    *counts,
                    naive(&hypothesis, &reference, order + 1),
                    "length {length} order {}",
                    order + 1
                );
            }
        }
    }
}
