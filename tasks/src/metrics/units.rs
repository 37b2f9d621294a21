//! Dense ids for the units n-grams are made of, and the per-thread buffers of a segment's
//! statistics.
//!
//! [`super::ngrams::NgramMatcher`] needs each segment pair's units numbered `0..alphabet`:
//! characters by [`CharIds`] (direct tables, a hash table for CJK and beyond), words by
//! [`WordIds`]. The hash tables are open-addressing (linear probing, multiplicative hashing); the
//! tables are emptied by bumping a generation stamp, so a segment costs no allocation once the
//! buffers have grown to its size.

use std::cell::RefCell;

use super::ngrams::{NgramCounts, NgramMatcher};
use super::pystr;

/// A key of a [`Slots`] table: up to 16 bytes, exactly, and a length. A word of up to 16 bytes
/// is its first and its last up to 8 bytes (overlapping, or equal, when it is shorter); a longer
/// word is also compared byte by byte where it lies.
#[derive(Clone, Copy, Default)]
struct Key {
    head: u64,
    tail: u64,
    len: u32,
}

impl Key {
    /// A hash of the key, whose high bits pick its home slot (a multiplicative hash).
    fn hash(&self) -> u64 {
        (self.head
            ^ self.tail.rotate_left(29)
            ^ u64::from(self.len).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xA24B_AED4_963E_E407)
    }
}

/// A slot of a [`Slots`] table: a key (its fields inline, so that a slot is 32 bytes), the id
/// it maps to and a value for long keys, valid while `stamp` is the table's generation.
#[derive(Clone, Copy, Default)]
struct Slot {
    head: u64,
    tail: u64,
    len: u32,
    stamp: u32,
    id: u32,
    /// For a word of more than 16 bytes, where [`WordIds`] keeps its place.
    long: u32,
}

impl Slot {
    fn key(&self) -> Key {
        Key {
            head: self.head,
            tail: self.tail,
            len: self.len,
        }
    }
}

/// The open-addressing table of [`CharIds`] and [`WordIds`] (linear probing, multiplicative
/// hashing, load factor at most 1/2), emptied by bumping a generation stamp.
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
            let mut i = self.home(&slot.key());
            while self.slots[i].stamp == self.generation {
                i = (i + 1) & self.mask;
            }
            self.slots[i] = Slot {
                stamp: self.generation,
                ..slot
            };
        }
    }

    fn home(&self, key: &Key) -> usize {
        (key.hash() >> self.shift) as usize
    }

    /// The id of `key`, or a new id (the number of ids so far) with `long` kept beside it when
    /// the table has none. For keys longer than 16 bytes, `same(long)` tells whether the key
    /// kept with `long` is this one.
    #[inline]
    fn id(&mut self, key: Key, long: u32, same: impl Fn(u32) -> bool) -> u32 {
        let generation = self.generation;
        let mut i = self.home(&key);
        let id = loop {
            let slot = &mut self.slots[i];
            let empty = slot.stamp != generation;
            // Whether the key is new is not predictable, so both outcomes take one way
            // without a branch: the slot is written either way (unchanged when it holds the
            // key already).
            let short_equal =
                (slot.head == key.head) & (slot.tail == key.tail) & (slot.len == key.len);
            let found = !empty & short_equal && (key.len <= 16 || same(slot.long));
            if empty || found {
                let id = std::hint::select_unpredictable(empty, self.len, slot.id);
                *slot = Slot {
                    head: key.head,
                    tail: key.tail,
                    len: key.len,
                    stamp: generation,
                    id,
                    long: std::hint::select_unpredictable(empty, long, slot.long),
                };
                self.len += u32::from(empty);
                break id;
            }
            i = (i + 1) & self.mask;
        };
        // Grown after an insertion, so that a free slot ends every probe.
        if 2 * self.len as usize > self.slots.len() {
            self.resize(2 * self.slots.len());
        }
        id
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
            if c.is_ascii() {
                // Without a branch on whether the character is new or whitespace: which of
                // its characters a text repeats, and where its spaces fall, is not
                // predictable. A space is written and not kept, and takes no id.
                let byte = c as u8;
                let space = pystr::is_ascii_space(byte);
                let entry = &mut self.ascii[usize::from(byte)];
                let fresh = (*entry == 0) & !space;
                *entry = if fresh { next + 1 } else { *entry };
                next += u32::from(fresh);
                out[written] = entry.wrapping_sub(1);
                written += usize::from(!space);
            } else {
                if pystr::is_space(c) {
                    continue;
                }
                out[written] = self.other_id(c, &mut next);
                written += 1;
            }
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
                // The code point itself is the key; ids come from the same sequence.
                self.slots.len = *next;
                let key = Key {
                    head: u64::from(c),
                    ..Key::default()
                };
                let id = self.slots.id(key, 0, |_| true);
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
/// word of up to 16 bytes (nearly all) is compared through two reads that cover all its bytes,
/// a longer one also byte by byte where it lies.
#[derive(Default)]
pub(crate) struct WordIds {
    slots: Slots,
    /// Where the words of more than 16 bytes lie: side (0 for the hypothesis, 1 for the
    /// reference) and byte offset.
    long: Vec<(usize, usize)>,
}

/// The `count` bytes (1 to 8) of `text` from `at` as a little-endian `u64`, zero above them.
/// One read of the 8 bytes that start at `at` or, near the end, end with the text's last byte:
/// no branch on the count, whose values a text mixes.
#[inline(always)]
fn bytes_at(text: &[u8], at: usize, count: usize) -> u64 {
    debug_assert!((1..=8).contains(&count) && at + count <= text.len() && text.len() >= 8);
    let start = at.min(text.len() - 8);
    let word = u64::from_le_bytes(text[start..start + 8].try_into().unwrap_or_default());
    // at - start <= 8 - count, so neither shift reaches 64.
    (word >> ((at - start) * 8)) & (u64::MAX >> ((8 - count) * 8))
}

impl Key {
    /// The key of the word of `len` bytes at `at` in `text`.
    fn of_word(text: &[u8], at: usize, len: usize) -> Key {
        if len == 0 {
            return Key::default();
        }
        if text.len() < 8 {
            // Too short for an 8-byte read: the same read from a padded copy.
            let mut padded = [0u8; 8];
            padded[..text.len()].copy_from_slice(text);
            return Key::of_word(&padded, at, len);
        }
        let count = len.min(8);
        Key {
            head: bytes_at(text, at, count),
            tail: bytes_at(text, at + len - count, count),
            len: u32::try_from(len).unwrap_or(u32::MAX),
        }
    }
}

impl WordIds {
    /// Forgets every id.
    pub fn reset(&mut self) {
        self.slots.reset();
        self.long.clear();
    }

    /// The id of `word`, a piece of `texts[side]`: equal words, equal ids.
    #[inline(always)]
    pub fn id(&mut self, word: &str, texts: [&str; 2], side: usize) -> u32 {
        let text = texts[side].as_bytes();
        // A piece's offset is its distance from the start of its text.
        let offset = word.as_ptr() as usize - text.as_ptr() as usize;
        debug_assert!(offset + word.len() <= text.len());
        let key = Key::of_word(text, offset, word.len());
        if word.len() <= 16 {
            return self.slots.id(key, 0, |_| true);
        }
        let long = &self.long;
        let same = |place: u32| {
            let (other_side, other_offset) = long[place as usize];
            texts[other_side]
                .as_bytes()
                .get(other_offset..other_offset + word.len())
                == Some(word.as_bytes())
        };
        let before = self.slots.len;
        let id = self.slots.id(key, self.long.len() as u32, same);
        if self.slots.len > before {
            self.long.push((side, offset));
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
    fn a_word_key_does_not_depend_on_where_the_word_lies() {
        // Every piece of texts of every length up to 24, keyed in place and on its own
        // (padded past its end): the reads near either end of a text and in texts shorter
        // than one read give the same keys.
        let alphabet = b"abcdefghijklmnopqrstuvwx";
        for text_len in 0..=alphabet.len() {
            let text = &alphabet[..text_len];
            for at in 0..text_len {
                for len in 1..=text_len - at {
                    let mut alone = [0u8; 40];
                    alone[..len].copy_from_slice(&text[at..at + len]);
                    let (in_place, on_its_own) =
                        (Key::of_word(text, at, len), Key::of_word(&alone, 0, len));
                    assert_eq!(
                        (in_place.head, in_place.tail, in_place.len),
                        (on_its_own.head, on_its_own.tail, on_its_own.len),
                        "{at}+{len} of {text_len}"
                    );
                }
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
