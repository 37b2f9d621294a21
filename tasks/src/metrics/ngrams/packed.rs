//! Clipped matches of every order from one sort, for n-grams that fit in a `u64`.
//!
//! Units become ids `1..=alphabet` of `bits` bits each. Every position gets a key: the ids of
//! the `orders` units starting there (zero past the end of its side) in the high bits, most
//! significant first, and its side in bit 0. Sorted keys are in lexicographic order of their
//! windows, so for every order the equal n-grams lie next to each other, and the number of
//! leading ids two neighbours share says at which orders they are the same n-gram. One pass
//! over the sorted keys counts, per order, the hypothesis and reference occurrences of the
//! current n-gram and adds the smaller count when the n-gram changes.

use super::NgramCounts;

/// Bits of a key left for windows: one bit holds the side.
const WINDOW_BITS: u32 = 63;

/// The most orders counted in one pass: per-order counters are arrays of this many lanes.
const MAX_ORDERS: usize = 8;

/// Counters are `i16` lanes (eight fill one SSE2 register), so a segment pair is packed only
/// when it has fewer units than this.
const MAX_UNITS: usize = i16::MAX as usize;

/// The bits of one id for an alphabet of `alphabet` units, numbered from 1.
fn id_bits(alphabet: usize) -> u32 {
    usize::BITS - alphabet.leading_zeros()
}

/// Whether windows of `orders` units of an alphabet of `alphabet` fit in a key, and `units`
/// units in the counters.
pub(super) fn fits(units: usize, alphabet: usize, orders: usize) -> bool {
    units < MAX_UNITS
        && orders <= MAX_ORDERS
        && (orders as u64) * u64::from(id_bits(alphabet).max(1)) <= u64::from(WINDOW_BITS)
}

/// The key buffer, reused from segment to segment.
#[derive(Default)]
pub(super) struct PackedMatcher {
    keys: Vec<u64>,
}

impl PackedMatcher {
    /// Sets `out[n - 1].matched` to the clipped matches of order `n`, for `n` in
    /// `1..=out.len()`, of the hypothesis `units[..hypothesis_len]` against the reference
    /// `units[hypothesis_len..]`; every unit is below `alphabet`, and [`fits`] holds.
    pub fn matches(
        &mut self,
        units: &[u32],
        hypothesis_len: usize,
        alphabet: usize,
        out: &mut [NgramCounts],
    ) {
        let orders = out.len();
        if orders == 0 {
            return;
        }
        let bits = id_bits(alphabet).max(1);
        let window_bits = orders as u32 * bits;
        self.keys.clear();
        let (hypothesis, reference) = units.split_at(hypothesis_len);
        for (side, side_units) in [hypothesis, reference].into_iter().enumerate() {
            // Right to left: a window is its first id above the next position's window
            // without that window's last id.
            let mut window = 0u64;
            for &unit in side_units.iter().rev() {
                window = (u64::from(unit + 1) << (window_bits - bits)) | (window >> bits);
                self.keys.push((window << (64 - window_bits)) | side as u64);
            }
        }
        self.keys.sort_unstable();

        // Ids two keys share, from the leading zeros of their xor; ids a window holds, from its
        // trailing zeros. Tables, because a division by `bits` costs more than the rest.
        let mut shared_ids = [0u8; 65];
        let mut missing_ids = [0u8; 65];
        for zeros in 0..=64 {
            shared_ids[zeros] = (zeros as u32 / bits) as u8;
            missing_ids[zeros] = (zeros as u32 / bits).min(orders as u32) as u8;
        }
        let lanes: [i16; MAX_ORDERS] = std::array::from_fn(|n| n as i16);
        // Per order: occurrences of the current n-gram on each side, and matches so far. The
        // loops run over all lanes with masks, without branches, so that they vectorize.
        let mut hypothesis_counts = [0i16; MAX_ORDERS];
        let mut reference_counts = [0i16; MAX_ORDERS];
        let mut matched = [0i16; MAX_ORDERS];
        let mut previous: Option<u64> = None;
        for &key in &self.keys {
            // Orders at which this key starts a new n-gram: those above the shared ids.
            let shared = match previous {
                Some(previous) => i16::from(shared_ids[(previous ^ key).leading_zeros() as usize]),
                None => 0,
            };
            // The window's ids end at its first zero id.
            let window = key >> (64 - window_bits);
            let present = orders as i16 - i16::from(missing_ids[window.trailing_zeros() as usize]);
            let reference = -((key & 1) as i16);
            for n in 0..MAX_ORDERS {
                let new = -i16::from(lanes[n] >= shared);
                matched[n] += hypothesis_counts[n].min(reference_counts[n]) & new;
                let counted = i16::from(lanes[n] < present);
                hypothesis_counts[n] = (hypothesis_counts[n] & !new) + (counted & !reference);
                reference_counts[n] = (reference_counts[n] & !new) + (counted & reference);
            }
            previous = Some(key);
        }
        for (n, counts) in out.iter_mut().enumerate() {
            let last = hypothesis_counts[n].min(reference_counts[n]);
            counts.matched = (matched[n] + last) as u64;
        }
    }
}
