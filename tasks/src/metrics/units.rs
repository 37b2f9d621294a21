//! Dense ids for the units n-grams are made of, and the per-thread buffers of a segment's
//! statistics.
//!
//! [`super::ngrams::NgramMatcher`] needs each segment pair's units numbered `0..alphabet`:
//! characters by [`CharIds`] (direct tables, a hash table for CJK and beyond), words by
//! [`WordIds`]. The hash tables are open-addressing (linear probing, Fibonacci hashing); the
//! tables are emptied by bumping a generation stamp, so a segment costs no allocation once the
//! buffers have grown to its size.

use std::cell::RefCell;

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

/// Dense ids of the characters of one segment pair: ASCII characters through a small table
/// emptied per pair, the alphabetic scripts below U+3000 through a direct table stamped with
/// the pair's generation, the others (CJK above all) through a hash table. The CJK characters
/// of a pair are few but spread over 20,000 code points: in a direct table each would cost
/// a cache miss and, in a fresh process, a page fault (Chinese chrF: 2.8 ms for the first
/// pass over FLORES devtest against 2.1 for the best).
pub(crate) struct CharIds {
    /// Per ASCII character: its id plus one, 0 when it has none yet.
    ascii: [u32; 128],
    /// Per code point below [`DIRECT`], in blocks of 256 allocated when a text first uses
    /// one (a script's letters share one or two; a whole table would be cleared page by
    /// page): the generation in the high 32 bits and the id in the low 32, the id valid while
    /// the generation is the table's.
    direct: Vec<Option<Box<[u64; 256]>>>,
    generation: u32,
    slots: Slots,
}

impl Default for CharIds {
    fn default() -> Self {
        CharIds {
            ascii: [0; 128],
            direct: Vec::new(),
            generation: 0,
            slots: Slots::default(),
        }
    }
}

/// The code points with a place in the direct table: everything below the CJK blocks.
const DIRECT: usize = 0x3000;

impl CharIds {
    /// Forgets every id.
    pub fn reset(&mut self) {
        self.ascii = [0; 128];
        if self.direct.is_empty() || self.generation == u32::MAX {
            self.direct = vec![None; DIRECT / 256];
            self.generation = 0;
        }
        self.generation += 1;
        self.slots.reset();
    }

    /// Appends to `out` the ids of the characters of `text` that are not whitespace
    /// (Python's): equal characters, equal ids.
    pub fn number(&mut self, text: &str, out: &mut Vec<u32>) {
        // Written by index into room for every byte, then cut: no capacity check per id.
        let start = out.len();
        out.resize(start + text.len(), 0);
        let mut written = start;
        // The next id, kept here rather than in the table while the loop runs.
        let mut next = self.slots.len;
        for c in text.chars() {
            let id = if c.is_ascii() {
                let byte = c as u8;
                if pystr::is_ascii_space(byte) {
                    continue;
                }
                // Without a branch on whether the character is new: which of its characters
                // a text repeats is not predictable.
                let entry = &mut self.ascii[usize::from(byte)];
                let fresh = *entry == 0;
                *entry = if fresh { next + 1 } else { *entry };
                next += u32::from(fresh);
                *entry - 1
            } else {
                if pystr::is_space(c) {
                    continue;
                }
                self.other_id(c, &mut next)
            };
            out[written] = id;
            written += 1;
        }
        out.truncate(written);
        self.slots.len = next;
    }

    /// The id of the character `c` beyond ASCII, `next` being the next new id.
    #[inline]
    fn other_id(&mut self, c: char, next: &mut u32) -> u32 {
        let code = c as usize;
        match self.direct.get_mut(code / 256) {
            Some(block) => {
                let entry = &mut block.get_or_insert_with(|| Box::new([0; 256]))[code % 256];
                let fresh = (*entry >> 32) as u32 != self.generation;
                let id = if fresh { *next } else { *entry as u32 };
                *entry = u64::from(self.generation) << 32 | u64::from(id);
                *next += u32::from(fresh);
                id
            }
            None => {
                // The code point itself is the key, so equal hashes are equal characters; ids
                // come from the same sequence.
                self.slots.len = *next;
                let id = self.slots.id(u64::from(c), |_| true).0;
                *next = self.slots.len;
                id
            }
        }
    }

    /// The number of distinct characters seen since the reset.
    pub fn len(&self) -> usize {
        self.slots.len as usize
    }
}

/// Dense ids of the words of one segment pair. Words are pieces of the pair's two texts; a
/// word of up to 16 bytes (nearly all) is compared through two overlapping reads that cover
/// all its bytes, a longer one byte by byte where it lies.
#[derive(Default)]
pub(crate) struct WordIds {
    slots: Slots,
    /// Per id: its word.
    words: Vec<WordKey>,
}

/// A word as [`WordIds`] compares it: its length, its first and last bytes as two reads of up
/// to 8 bytes (which hold every byte of a word of up to 16), and where it lies.
#[derive(Clone, Copy)]
struct WordKey {
    len: usize,
    head: u64,
    tail: u64,
    /// 0 for the hypothesis, 1 for the reference.
    side: usize,
    /// The byte offset in its side's text.
    offset: usize,
}

impl WordKey {
    /// The key of `word`, a piece of `texts[side]`.
    fn new(word: &str, texts: [&str; 2], side: usize) -> WordKey {
        let bytes = word.as_bytes();
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or_default());
        let u32_at = |i: usize| {
            u64::from(u32::from_le_bytes(
                bytes[i..i + 4].try_into().unwrap_or_default(),
            ))
        };
        let len = bytes.len();
        let (head, tail) = match len {
            0 => (0, 0),
            // The first, middle and last bytes are all the bytes of up to three.
            1..=3 => (
                u64::from(bytes[0]) << 16
                    | u64::from(bytes[len / 2]) << 8
                    | u64::from(bytes[len - 1]),
                0,
            ),
            4..=7 => (u32_at(0), u32_at(len - 4)),
            _ => (u64_at(0), u64_at(len - 8)),
        };
        // A piece's offset is its distance from the start of its text.
        let offset = word.as_ptr() as usize - texts[side].as_ptr() as usize;
        debug_assert!(offset + len <= texts[side].len());
        WordKey {
            len,
            head,
            tail,
            side,
            offset,
        }
    }

    /// A hash of the word.
    fn hash(&self) -> u64 {
        (self.head
            ^ self.tail.rotate_left(29)
            ^ (self.len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xA24B_AED4_963E_E407)
    }

    /// Whether `self` and `other`, pieces of `texts`, are the same word.
    fn same(&self, other: &WordKey, texts: [&str; 2]) -> bool {
        let bytes = |key: &WordKey| &texts[key.side].as_bytes()[key.offset..key.offset + key.len];
        (self.len, self.head, self.tail) == (other.len, other.head, other.tail)
            && (self.len <= 16 || bytes(self) == bytes(other))
    }
}

impl WordIds {
    /// Forgets every id.
    pub fn reset(&mut self) {
        self.slots.reset();
        self.words.clear();
    }

    /// The id of `word`, a piece of `texts[side]`: equal words, equal ids.
    pub fn id(&mut self, word: &str, texts: [&str; 2], side: usize) -> u32 {
        let key = WordKey::new(word, texts, side);
        let words = &self.words;
        let (id, new) = self
            .slots
            .id(key.hash(), |id| words[id as usize].same(&key, texts));
        if new {
            self.words.push(key);
        }
        id
    }

    /// The number of distinct words seen since the reset.
    pub fn len(&self) -> usize {
        self.slots.len as usize
    }
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
        self.chars.number(hypothesis, &mut self.units);
        let hypothesis_len = self.units.len();
        self.chars.number(reference, &mut self.units);
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
        let mut ids = Vec::new();
        // Whitespace is skipped; a character outside the direct table takes the hash table's
        // way.
        chars.number("aba éx\u{1F600}é\u{3000}\u{1F600}中中", &mut ids);
        assert_eq!((ids, chars.len()), (vec![0, 1, 0, 2, 3, 4, 2, 4, 5, 5], 6));
        chars.reset();
        let mut ids = Vec::new();
        chars.number("\u{1F600}éb", &mut ids);
        assert_eq!((ids, chars.len()), (vec![0, 1, 2], 3));
    }

    #[test]
    fn words_are_equal_exactly_when_their_bytes_are() {
        // Words of every length up to 20 over two letters: many share first and last bytes.
        let mut state = 1u64;
        let words: Vec<String> = (0..400)
            .map(|i| {
                (0..i % 21)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1);
                        if state >> 63 == 0 { 'a' } else { 'b' }
                    })
                    .collect()
            })
            .collect();
        // And pairs that differ in one middle byte only, at each way of reading a length.
        let pairs = [
            "aXa",
            "aYa",
            "abXba",
            "abYba",
            "abcdefXhijkl",
            "abcdefYhijkl",
            "aaaaaaaaXaaaaaaaa",
            "aaaaaaaaYaaaaaaaa",
        ];
        let text = format!("{} {}", words.join(" "), pairs.join(" "));
        let texts = [text.as_str(), ""];
        let mut ids = WordIds::default();
        ids.reset();
        let pieces: Vec<&str> = text.split(' ').collect();
        let numbered: Vec<u32> = pieces.iter().map(|w| ids.id(w, texts, 0)).collect();
        for (i, a) in pieces.iter().enumerate() {
            for (j, b) in pieces.iter().enumerate() {
                assert_eq!(numbered[i] == numbered[j], a == b, "{a:?} {b:?}");
            }
        }
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
