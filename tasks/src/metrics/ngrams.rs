//! Exact n-gram counting and clipped matching of a hypothesis against a reference.
//!
//! Units are `u32`: characters as their code points, words as ids from [`Interner`]. Every
//! n-gram gets an id from the id of its (n-1)-gram prefix and its last unit, through one hash
//! table per order that is shared by hypothesis and reference, so n-grams of any order are
//! compared exactly without building strings. Hypothesis n-grams fill the table with counts;
//! each reference n-gram then consumes one remaining hypothesis occurrence if there is one,
//! which sums `min(hypothesis count, reference count)` over distinct n-grams, the clipped
//! match count of sacrebleu's `Counter`s. An n-gram whose prefix is absent from the other
//! side cannot match, so it is counted but neither stored nor looked up.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

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

/// Assigns dense ids to words, the same id to equal words.
#[derive(Debug)]
pub(crate) struct Interner<'a> {
    ids: FxHashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    /// An interner with room for a sentence's words.
    pub fn new() -> Self {
        Interner {
            ids: FxHashMap::with_capacity_and_hasher(64, Default::default()),
        }
    }

    /// The ids of `words`, in order.
    pub fn ids(&mut self, words: impl Iterator<Item = &'a str>) -> Vec<u32> {
        words
            .map(|word| {
                let next = self.ids.len() as u32;
                *self.ids.entry(word).or_insert(next)
            })
            .collect()
    }
}

/// An n-gram that no hypothesis n-gram shares, so neither does any of its extensions.
const UNMATCHED: u32 = u32::MAX;

/// An entry of [`Table`]: an n-gram key, its id and its hypothesis occurrences not yet
/// matched, valid while `stamp` equals the table's generation.
#[derive(Clone, Copy, Default)]
struct Entry {
    key: u64,
    id: u32,
    remaining: u32,
    stamp: u32,
}

/// An open-addressing hash table (linear probing, Fibonacci hashing) for the n-grams of one
/// order. Emptying it bumps a generation counter instead of clearing memory.
#[derive(Default)]
struct Table {
    entries: Vec<Entry>,
    generation: u32,
    shift: u32,
    mask: usize,
    len: u32,
}

impl Table {
    /// Empties the table and sizes it for up to `keys` distinct keys at load factor ≤ 1/2.
    fn reset(&mut self, keys: usize) {
        let capacity = (2 * keys).next_power_of_two().max(16);
        if capacity > self.entries.len() {
            self.entries = vec![Entry::default(); capacity];
            self.generation = 0;
        }
        if self.generation == u32::MAX {
            self.entries.fill(Entry::default());
            self.generation = 0;
        }
        self.generation += 1;
        self.mask = capacity - 1;
        self.shift = 64 - capacity.trailing_zeros();
        self.len = 0;
    }

    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Counts one more hypothesis occurrence of `key`; returns its id.
    fn add(&mut self, key: u64) -> u32 {
        let mut i = self.home(key);
        loop {
            let entry = &mut self.entries[i];
            if entry.stamp != self.generation {
                *entry = Entry {
                    key,
                    id: self.len,
                    remaining: 1,
                    stamp: self.generation,
                };
                self.len += 1;
                return entry.id;
            }
            if entry.key == key {
                entry.remaining += 1;
                return entry.id;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The entry of `key`, if a hypothesis n-gram has it.
    fn get_mut(&mut self, key: u64) -> Option<&mut Entry> {
        let mut i = self.home(key);
        loop {
            let entry = &self.entries[i];
            if entry.stamp != self.generation {
                return None;
            }
            if entry.key == key {
                return Some(&mut self.entries[i]);
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Buffers reused across segments on one thread.
#[derive(Default)]
struct Scratch {
    table: Table,
    hypothesis_ids: Vec<u32>,
    reference_ids: Vec<u32>,
    /// Per id of the current order: whether the reference has that n-gram.
    in_reference: Vec<bool>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Fills `out[n - 1]` with the counts of order `n`, for `n` in `1..=out.len()`.
pub(crate) fn match_ngrams(hypothesis: &[u32], reference: &[u32], out: &mut [NgramCounts]) {
    SCRATCH.with_borrow_mut(|scratch| scratch.match_ngrams(hypothesis, reference, out));
}

/// The number of n-grams of order `n` in a sequence of `len` units.
fn positions(len: usize, n: usize) -> usize {
    (len + 1).saturating_sub(n)
}

/// The table key of the n-gram whose prefix has id `prefix` and whose last unit is `unit`.
fn key(n: usize, prefix: u32, unit: u32) -> u64 {
    if n == 1 {
        u64::from(unit)
    } else {
        (u64::from(prefix) << 32) | u64::from(unit)
    }
}

impl Scratch {
    /// Order by order: hypothesis n-grams whose prefix occurs in the reference go into the
    /// table (others cannot match, so only their number matters), then every reference
    /// n-gram whose prefix occurred in the hypothesis consumes a remaining occurrence.
    fn match_ngrams(&mut self, hypothesis: &[u32], reference: &[u32], out: &mut [NgramCounts]) {
        self.hypothesis_ids.clear();
        self.hypothesis_ids.resize(hypothesis.len(), 0);
        self.reference_ids.clear();
        self.reference_ids.resize(reference.len(), 0);
        for (order, counts) in out.iter_mut().enumerate() {
            let n = order + 1;
            let hypothesis_positions = positions(hypothesis.len(), n);
            self.table.reset(hypothesis_positions);
            for i in 0..hypothesis_positions {
                let prefix = self.hypothesis_ids[i];
                self.hypothesis_ids[i] =
                    if n == 1 || (prefix != UNMATCHED && self.in_reference[prefix as usize]) {
                        self.table.add(key(n, prefix, hypothesis[i + n - 1]))
                    } else {
                        UNMATCHED
                    };
            }
            self.in_reference.clear();
            self.in_reference.resize(self.table.len as usize, false);
            let reference_positions = positions(reference.len(), n);
            let mut matched = 0u64;
            for j in 0..reference_positions {
                let prefix = self.reference_ids[j];
                if n > 1 && prefix == UNMATCHED {
                    continue;
                }
                self.reference_ids[j] =
                    match self.table.get_mut(key(n, prefix, reference[j + n - 1])) {
                        Some(entry) => {
                            if entry.remaining > 0 {
                                entry.remaining -= 1;
                                matched += 1;
                            }
                            self.in_reference[entry.id as usize] = true;
                            entry.id
                        }
                        None => UNMATCHED,
                    };
            }
            *counts = NgramCounts {
                hypothesis: hypothesis_positions as u64,
                reference: reference_positions as u64,
                matched,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(text: &str) -> Vec<u32> {
        text.chars().map(u32::from).collect()
    }

    fn counts(hypothesis: &str, reference: &str, orders: usize) -> Vec<(u64, u64, u64)> {
        let mut out = vec![NgramCounts::default(); orders];
        match_ngrams(&units(hypothesis), &units(reference), &mut out);
        out.iter()
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
    fn empty_sides_count_zero() {
        assert_eq!(counts("", "ab", 2), [(0, 2, 0), (0, 1, 0)]);
        assert_eq!(counts("ab", "", 2), [(2, 0, 0), (1, 0, 0)]);
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
        // Long sequences grow the table, short ones reuse it with a smaller mask.
        for length in [300usize, 3, 0, 57, 1, 140, 9, 500, 20] {
            // Small alphabets match often; large ones leave prefixes unmatched.
            let alphabet = if length % 2 == 0 {
                40
            } else {
                u64::from(next(6) + 2)
            };
            let hypothesis: Vec<u32> = (0..length).map(|_| next(alphabet)).collect();
            let reference: Vec<u32> = (0..length + 5).map(|_| next(alphabet)).collect();
            let mut out = vec![NgramCounts::default(); 7];
            match_ngrams(&hypothesis, &reference, &mut out);
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

    #[test]
    fn interned_words_share_ids() {
        let mut interner = Interner::new();
        let a = interner.ids(["the", "cat", "the"].into_iter());
        let b = interner.ids(["cat", "dog"].into_iter());
        assert_eq!(a, [0, 1, 0]);
        assert_eq!(b, [1, 2]);
    }
}
