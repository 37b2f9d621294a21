//! Dense ids for the units n-grams are made of, and the per-thread buffers of a segment's
//! statistics.
//!
//! [`super::ngrams::NgramMatcher`] needs each segment pair's units numbered `0..alphabet`:
//! characters by [`CharIds`], words by [`WordIds`]. Both are open-addressing hash tables
//! (linear probing, Fibonacci hashing) that are emptied by bumping a generation stamp, so a
//! segment costs no allocation once the buffers have grown to its size.

use std::cell::RefCell;
use std::hash::Hasher;

use rustc_hash::FxHasher;

use super::ngrams::{NgramCounts, NgramMatcher};
use super::pystr;

/// A slot of a [`Slots`] table: a key hash and the id it maps to, valid while `stamp` is the
/// table's generation.
#[derive(Clone, Copy, Default)]
struct Slot {
    hash: u64,
    id: u32,
    stamp: u32,
}

/// The probing part shared by [`CharIds`] and [`WordIds`]: slots found by hash, with the
/// comparison of the keys behind equal hashes left to the caller.
#[derive(Default)]
struct Slots {
    slots: Vec<Slot>,
    generation: u32,
    shift: u32,
    mask: usize,
    len: u32,
}

impl Slots {
    /// Empties the table, keeping its capacity.
    fn reset(&mut self) {
        if self.slots.is_empty() {
            self.resize(64);
        }
        if self.generation == u32::MAX {
            self.slots.fill(Slot::default());
            self.generation = 0;
        }
        self.generation += 1;
        self.len = 0;
    }

    /// Moves the current slots into a table of `capacity` slots (a power of two).
    fn resize(&mut self, capacity: usize) {
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); capacity]);
        let old_generation = self.generation;
        self.generation = 1;
        self.mask = capacity - 1;
        self.shift = 64 - capacity.trailing_zeros();
        for slot in old
            .into_iter()
            .filter(|s| s.stamp == old_generation && old_generation > 0)
        {
            let mut i = self.home(slot.hash);
            while self.slots[i].stamp == self.generation {
                i = (i + 1) & self.mask;
            }
            self.slots[i] = Slot {
                stamp: self.generation,
                ..slot
            };
        }
    }

    fn home(&self, hash: u64) -> usize {
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// A new id for a key kept outside the table.
    fn fresh_id(&mut self) -> u32 {
        self.len += 1;
        self.len - 1
    }

    /// The id of the key with `hash` for which `same(id)` holds, or a new id (the number of
    /// ids so far) and `true` when there is none.
    fn id(&mut self, hash: u64, mut same: impl FnMut(u32) -> bool) -> (u32, bool) {
        // Load factor at most 1/2, so probes stay short and always end.
        if 2 * (self.len as usize + 1) > self.slots.len() {
            self.resize(2 * self.slots.len());
        }
        let mut i = self.home(hash);
        loop {
            let slot = &mut self.slots[i];
            if slot.stamp != self.generation {
                *slot = Slot {
                    hash,
                    id: self.len,
                    stamp: self.generation,
                };
                self.len += 1;
                return (slot.id, true);
            }
            if slot.hash == hash && same(slot.id) {
                return (slot.id, false);
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Dense ids of the characters of one segment pair: ASCII characters through a direct table,
/// others through a hash table.
pub(crate) struct CharIds {
    /// Per ASCII character: its id plus one, 0 when it has none yet.
    ascii: [u32; 128],
    slots: Slots,
}

impl Default for CharIds {
    fn default() -> Self {
        CharIds {
            ascii: [0; 128],
            slots: Slots::default(),
        }
    }
}

impl CharIds {
    /// Forgets every id.
    pub fn reset(&mut self) {
        self.ascii = [0; 128];
        self.slots.reset();
    }

    /// The id of `c`: equal characters, equal ids.
    #[inline]
    pub fn id(&mut self, c: char) -> u32 {
        if c.is_ascii() {
            let entry = &mut self.ascii[c as usize];
            if *entry == 0 {
                // Ids from the table's sequence, shared with the other characters.
                *entry = self.slots.fresh_id() + 1;
            }
            return *entry - 1;
        }
        // The code point itself is the key, so equal hashes are equal characters.
        self.slots.id(u64::from(c), |_| true).0
    }

    /// The number of distinct characters seen since the reset.
    pub fn len(&self) -> usize {
        self.slots.len as usize
    }
}

/// Dense ids of the words of one segment pair. Words are pieces of the pair's two texts, and
/// each distinct word is remembered by where it lies, to compare words whose hashes are equal.
#[derive(Default)]
pub(crate) struct WordIds {
    slots: Slots,
    /// Per id: the side (0 hypothesis, 1 reference), the byte offset in that side's text and
    /// the byte length of its word.
    spans: Vec<(u8, u32, u32)>,
}

impl WordIds {
    /// Forgets every id.
    pub fn reset(&mut self) {
        self.slots.reset();
        self.spans.clear();
    }

    /// The id of `word`, a piece of `texts[side]`: equal words, equal ids.
    pub fn id(&mut self, word: &str, texts: [&str; 2], side: usize) -> u32 {
        let spans = &self.spans;
        let (id, new) = self.slots.id(word_hash(word.as_bytes()), |id| {
            let (side, offset, len) = spans[id as usize];
            let start = offset as usize;
            texts[side as usize].as_bytes()[start..start + len as usize] == *word.as_bytes()
        });
        if new {
            // A piece's offset is its distance from the start of its text.
            let offset = word.as_ptr() as usize - texts[side].as_ptr() as usize;
            debug_assert!(offset + word.len() <= texts[side].len());
            self.spans
                .push((side as u8, offset as u32, word.len() as u32));
        }
        id
    }

    /// The number of distinct words seen since the reset.
    pub fn len(&self) -> usize {
        self.slots.len as usize
    }
}

/// A hash of `word`: words of up to 16 bytes (nearly all) from two overlapping reads and the
/// length, longer ones through `FxHasher`.
fn word_hash(word: &[u8]) -> u64 {
    let u64_at = |i: usize| u64::from_le_bytes(word[i..i + 8].try_into().unwrap_or_default());
    let u32_at = |i: usize| {
        u64::from(u32::from_le_bytes(
            word[i..i + 4].try_into().unwrap_or_default(),
        ))
    };
    let len = word.len();
    let (head, tail) = match len {
        0 => (0, 0),
        1..=3 => (
            u64::from(word[0]) << 16 | u64::from(word[len / 2]) << 8 | u64::from(word[len - 1]),
            0,
        ),
        4..=7 => (u32_at(0), u32_at(len - 4)),
        8..=16 => (u64_at(0), u64_at(len - 8)),
        _ => {
            let mut hasher = FxHasher::default();
            hasher.write(word);
            (hasher.finish(), 0)
        }
    };
    (head ^ tail.rotate_left(29) ^ (len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xA24B_AED4_963E_E407)
}

/// Everything one segment pair's statistics need, kept per thread.
#[derive(Default)]
pub(crate) struct Scratch {
    chars: CharIds,
    words: WordIds,
    units: Vec<u32>,
    matcher: NgramMatcher,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers.
pub(crate) fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with_borrow_mut(f)
}

impl Scratch {
    /// Fills `out` with the character n-gram counts of orders `1..=out.len()` of the
    /// characters of `hypothesis` against those of `reference`, whitespace (Python's) left
    /// out; returns the two numbers of characters kept.
    pub fn match_chars(
        &mut self,
        hypothesis: &str,
        reference: &str,
        out: &mut [NgramCounts],
    ) -> (usize, usize) {
        self.chars.reset();
        self.units.clear();
        for c in hypothesis.chars().filter(|&c| !pystr::is_space(c)) {
            self.units.push(self.chars.id(c));
        }
        let hypothesis_len = self.units.len();
        for c in reference.chars().filter(|&c| !pystr::is_space(c)) {
            self.units.push(self.chars.id(c));
        }
        self.matcher
            .match_ngrams(&self.units, hypothesis_len, self.chars.len(), out);
        (hypothesis_len, self.units.len() - hypothesis_len)
    }

    /// Fills `out` with the word n-gram counts of orders `1..=out.len()` of the words of the
    /// hypothesis `texts[0]` against those of the reference `texts[1]`, where `words(text)`
    /// yields the words of `text`, each a piece of it; returns the two numbers of words.
    pub fn match_words<'a, I: Iterator<Item = &'a str>>(
        &mut self,
        texts: [&'a str; 2],
        words: impl Fn(&'a str) -> I,
        out: &mut [NgramCounts],
    ) -> (usize, usize) {
        self.words.reset();
        self.units.clear();
        for word in words(texts[0]) {
            self.units.push(self.words.id(word, texts, 0));
        }
        let hypothesis_len = self.units.len();
        for word in words(texts[1]) {
            self.units.push(self.words.id(word, texts, 1));
        }
        self.matcher
            .match_ngrams(&self.units, hypothesis_len, self.words.len(), out);
        (hypothesis_len, self.units.len() - hypothesis_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_units_share_dense_ids() {
        let mut words = WordIds::default();
        words.reset();
        let texts = ["the cat the", "dog"];
        let ids: Vec<u32> = [(0, 0..3), (0, 4..7), (0, 8..11), (1, 0..3)]
            .map(|(side, range)| words.id(&texts[side][range], texts, side))
            .to_vec();
        assert_eq!((ids, words.len()), (vec![0, 1, 0, 2], 3));
        words.reset();
        assert_eq!((words.id(texts[1], texts, 1), words.len()), (0, 1));

        let mut chars = CharIds::default();
        chars.reset();
        let ids: Vec<u32> = "abaéxé".chars().map(|c| chars.id(c)).collect();
        assert_eq!((ids, chars.len()), (vec![0, 1, 0, 2, 3, 2], 4));
        chars.reset();
        assert_eq!((chars.id('é'), chars.id('b'), chars.len()), (0, 1, 2));
    }

    #[test]
    fn tables_grow_past_their_first_size() {
        let mut words = WordIds::default();
        words.reset();
        let many: String = (0..1000).map(|i| format!("w{i} ")).collect();
        let texts = [many.as_str(), "w7 w999"];
        for (i, word) in many.split_whitespace().enumerate() {
            assert_eq!(words.id(word, texts, 0), i as u32);
        }
        assert_eq!((words.id(&texts[1][..2], texts, 1), words.len()), (7, 1000));
        words.reset();
        assert_eq!(
            (
                words.id(&texts[1][3..], texts, 1),
                words.id(&texts[1][..2], texts, 1)
            ),
            (0, 1)
        );
    }

    #[test]
    fn words_and_chars_are_matched_through_the_scratch() {
        with_scratch(|scratch| {
            let mut counts = [NgramCounts::default(); 2];
            let lens = scratch.match_words(["a b a", "b a c"], |t| t.split(' '), &mut counts);
            assert_eq!(lens, (3, 3));
            assert_eq!(counts.map(|c| c.matched), [2, 1]);
            scratch.match_chars("a b", "ab", &mut counts);
            assert_eq!(counts.map(|c| (c.hypothesis, c.matched)), [(2, 2), (1, 1)]);
        });
    }
}
