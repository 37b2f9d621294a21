//! Byte-level mutations of seed inputs, in the manner of libFuzzer's and AFL's havoc stage:
//! bit flips, interesting integers written over length and count fields, chunk deletion,
//! duplication and splicing, truncation, and insertion of format tokens.

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability 1/`n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// A random element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len())])
        }
    }
}

/// Integers that tend to break length, count and offset checks, as 64-bit patterns.
const INTERESTING: [u64; 16] = [
    0,
    1,
    2,
    4,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

/// Bytes that matter to text formats.
const SPECIAL_BYTES: &[u8] = b"\0\n\r\t \"'\\{}[]:,-#&*!|>%=~0.\xff\x80\xc3";

/// Inputs are cut to this size after mutation.
pub const MAX_INPUT: usize = 1 << 20;

/// `input` changed by one to eight stacked mutations; `dictionary` holds tokens of the format,
/// `others` inputs to splice with.
pub fn mutate(rng: &mut Rng, input: &[u8], dictionary: &[&[u8]], others: &[&[u8]]) -> Vec<u8> {
    let mut out = input.to_vec();
    let rounds = 1 << rng.below(4);
    for _ in 0..rounds {
        mutate_once(rng, &mut out, dictionary, others);
    }
    out.truncate(MAX_INPUT);
    out
}

/// One mutation of `data` in place.
fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, dictionary: &[&[u8]], others: &[&[u8]]) {
    let len = data.len();
    match rng.below(12) {
        // Flip one bit.
        0 if len > 0 => {
            let at = rng.below(len);
            data[at] ^= 1 << rng.below(8);
        }
        // A random byte.
        1 if len > 0 => {
            let at = rng.below(len);
            data[at] = rng.next_u64() as u8;
        }
        // A byte that means something to a text format.
        2 if len > 0 => {
            let at = rng.below(len);
            data[at] = *rng.pick(SPECIAL_BYTES).unwrap_or(&0);
        }
        // An interesting integer over 1, 2, 4 or 8 bytes (a length, count or offset field).
        3 if len > 0 => {
            let width = 1 << rng.below(4);
            let at = rng.below(len);
            let value = if rng.one_in(4) {
                rng.next_u64() % (len as u64 * 2 + 1)
            } else {
                INTERESTING[rng.below(INTERESTING.len())]
            };
            let bytes = value.to_le_bytes();
            for (i, b) in bytes.iter().take(width).enumerate() {
                if let Some(slot) = data.get_mut(at + i) {
                    *slot = *b;
                }
            }
        }
        // Add or subtract a little from a 32-bit little-endian field.
        4 if len >= 4 => {
            let at = rng.below(len - 3);
            let mut field = [0u8; 4];
            field.copy_from_slice(&data[at..at + 4]);
            let delta = rng.below(33) as u32;
            let value = if rng.one_in(2) {
                u32::from_le_bytes(field).wrapping_add(delta)
            } else {
                u32::from_le_bytes(field).wrapping_sub(delta)
            };
            data[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
        // Delete a chunk.
        5 if len > 0 => {
            let at = rng.below(len);
            let n = chunk_len(rng, len - at);
            data.drain(at..at + n);
        }
        // Duplicate a chunk somewhere.
        6 if len > 0 => {
            let from = rng.below(len);
            let n = chunk_len(rng, len - from);
            let chunk = data[from..from + n].to_vec();
            let at = rng.below(len + 1);
            data.splice(at..at, chunk);
        }
        // Insert random bytes.
        7 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            data.splice(at..at, bytes);
        }
        // Cut the tail.
        8 if len > 0 => {
            data.truncate(rng.below(len));
        }
        // Insert or overwrite with a token of the format.
        9 | 10 => {
            if let Some(token) = rng.pick(dictionary) {
                let at = rng.below(len + 1);
                if rng.one_in(2) || at == len {
                    data.splice(at..at, token.iter().copied());
                } else {
                    let end = (at + token.len()).min(len);
                    data.splice(at..end, token.iter().copied());
                }
            }
        }
        // Splice: this input's head with another's tail.
        11 => {
            if let Some(other) = rng.pick(others) {
                let head = rng.below(len + 1);
                let tail = rng.below(other.len() + 1);
                data.truncate(head);
                data.extend_from_slice(&other[tail..]);
            }
        }
        _ => {
            let at = rng.below(len + 1);
            data.insert(at, rng.next_u64() as u8);
        }
    }
}

/// A chunk length up to `max` (at least 1 when `max` is), mostly short.
fn chunk_len(rng: &mut Rng, max: usize) -> usize {
    if max == 0 {
        return 0;
    }
    let limit = if rng.one_in(4) { max } else { max.min(16) };
    1 + rng.below(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_mutations() {
        let input = b"GGUF\x03\0\0\0 some header bytes".as_slice();
        let dict: &[&[u8]] = &[b"include: ", b"{{"];
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..50)
                .map(|_| mutate(&mut rng, input, dict, &[input]))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn mutations_change_inputs_and_stay_under_the_cap() {
        let mut rng = Rng::new(1);
        let input = vec![b'a'; 64];
        let changed = (0..200)
            .filter(|_| {
                let out = mutate(&mut rng, &input, &[], &[]);
                assert!(out.len() <= MAX_INPUT);
                out != input
            })
            .count();
        assert!(
            changed > 150,
            "only {changed} of 200 mutations changed the input"
        );
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = Rng::new(3);
        assert_eq!(rng.below(0), 0);
        assert!((0..1000).all(|_| rng.below(5) < 5));
    }
}
