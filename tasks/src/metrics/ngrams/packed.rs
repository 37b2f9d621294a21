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
use super::sort;

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

/// The key buffer and the id tables, reused from segment to segment.
#[derive(Default)]
pub(super) struct PackedMatcher {
    keys: Vec<u64>,
    buckets: sort::Buckets,
    tables: IdTables,
}

/// Per number of leading or trailing zero bits of a key: the ids two keys share and the ids
/// a window lacks. Tables, because a division by the id width costs more than the rest of a
/// key's work; built again only when the width or the orders change (130 divisions per
/// segment pair were 1M of BLEU's 19M instructions on FLORES).
struct IdTables {
    bits: u32,
    orders: usize,
    shared: [u8; 65],
    missing: [u8; 65],
}

impl Default for IdTables {
    /// Tables for no width yet (ids have at least one bit), built on first use.
    fn default() -> Self {
        IdTables {
            bits: 0,
            orders: 0,
            shared: [0; 65],
            missing: [0; 65],
        }
    }
}

impl IdTables {
    /// The tables for ids of `bits` bits and windows of `orders` ids.
    fn new(bits: u32, orders: usize) -> IdTables {
        let mut tables = IdTables {
            bits,
            orders,
            shared: [0; 65],
            missing: [0; 65],
        };
        for zeros in 0..=64 {
            // At most MAX_ORDERS: equal keys share all 64 bits, up to 64 ids of one bit.
            tables.shared[zeros] = (zeros as u32 / bits).min(MAX_ORDERS as u32) as u8;
            tables.missing[zeros] = (zeros as u32 / bits).min(orders as u32) as u8;
        }
        tables
    }
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
        #[cfg(target_arch = "x86_64")]
        if x86_64_v4::detected() {
            // SAFETY: the CPU has the features.
            return unsafe { self.matches_x86_64_v4(units, hypothesis_len, alphabet, out) };
        }
        self.matches_anywhere(units, hypothesis_len, alphabet, out);
    }

    /// [`Self::matches`] built for the x86-64-v4 features, where the key tests take one
    /// instruction each (`lzcnt`, `tzcnt`) and vector code three operands.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,bmi1,bmi2,lzcnt,popcnt")]
    fn matches_x86_64_v4(
        &mut self,
        units: &[u32],
        hypothesis_len: usize,
        alphabet: usize,
        out: &mut [NgramCounts],
    ) {
        self.matches_anywhere(units, hypothesis_len, alphabet, out);
    }

    /// [`Self::matches`] for any CPU.
    #[inline(always)]
    fn matches_anywhere(
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
        let (hypothesis, reference) = units.split_at(hypothesis_len);
        let keys = if units.len() > sort::GROUP_MAX {
            // Placed by first id (unit + 1) as they are made, then sorted group by group.
            let buckets = &mut self.buckets;
            buckets.start(alphabet + 1, units.iter().map(|&unit| unit as usize + 1));
            for_each_key(
                hypothesis,
                reference,
                bits,
                window_bits,
                &mut |unit, key| buckets.place(unit as usize + 1, key),
            );
            buckets.sorted()
        } else {
            self.keys.clear();
            for_each_key(hypothesis, reference, bits, window_bits, &mut |_, key| {
                self.keys.push(key)
            });
            sort::sort(&mut self.keys);
            &self.keys
        };
        if (self.tables.bits, self.tables.orders) != (bits, orders) {
            self.tables = IdTables::new(bits, orders);
        }
        let matched = count_sorted(keys, &self.tables);
        for (counts, matched) in out.iter_mut().zip(matched) {
            counts.matched = matched as u64;
        }
    }
}

/// Calls `emit(unit, key)` for every unit of the hypothesis and then the reference, with the
/// unit's key: the ids (unit + 1, of `bits` bits each) of the `window_bits / bits` units from
/// it on (zero past its side's end) in the high bits, and its side in bit 0.
#[inline(always)]
fn for_each_key(
    hypothesis: &[u32],
    reference: &[u32],
    bits: u32,
    window_bits: u32,
    emit: &mut impl FnMut(u32, u64),
) {
    for (side, side_units) in [hypothesis, reference].into_iter().enumerate() {
        // Right to left: a window is its first id above the next position's window without
        // that window's last id.
        let mut window = 0u64;
        for &unit in side_units.iter().rev() {
            window = (u64::from(unit + 1) << (window_bits - bits)) | (window >> bits);
            emit(unit, (window << (64 - window_bits)) | side as u64);
        }
    }
}

/// The clipped matches per order (lanes past the tables' orders unused) of `keys`, sorted, of
/// windows of the ids the tables were built for.
#[inline(always)]
fn count_sorted(keys: &[u64], tables: &IdTables) -> [i16; MAX_ORDERS] {
    let orders = tables.orders;
    let window_bits = orders as u32 * tables.bits;
    let mut counters = Counters::default();
    let mut previous: Option<u64> = None;
    for &key in keys {
        // Orders at which this key starts a new n-gram: those above the shared ids.
        let shared = match previous {
            Some(previous) => i16::from(tables.shared[(previous ^ key).leading_zeros() as usize]),
            None => 0,
        };
        // The window's ids end at its first zero id.
        let window = key >> (64 - window_bits);
        let present = orders as i16 - i16::from(tables.missing[window.trailing_zeros() as usize]);
        counters.count(shared, present, key & 1 == 1);
        previous = Some(key);
    }
    counters.matched()
}

/// Whether the CPU has the x86-64-v4 features [`PackedMatcher::matches`] is also built for.
#[cfg(target_arch = "x86_64")]
mod x86_64_v4 {
    /// Whether the CPU has AVX-512 (F, BW, VL), AVX2, BMI1, BMI2, LZCNT and POPCNT.
    pub(super) fn detected() -> bool {
        use std::arch::is_x86_feature_detected as has;
        has!("avx512f")
            && has!("avx512bw")
            && has!("avx512vl")
            && has!("avx2")
            && has!("bmi1")
            && has!("bmi2")
            && has!("lzcnt")
            && has!("popcnt")
    }
}

/// Per order: the occurrences of the current n-gram on each side, and the matches so far.
/// Every key updates all [`MAX_ORDERS`] lanes at once, with masks instead of branches.
trait OrderLanes: Default {
    /// Counts one key: it starts a new n-gram at the orders from `shared` up, has n-grams of
    /// the orders below `present`, and belongs to the reference when `reference` holds; both
    /// numbers are at most [`MAX_ORDERS`].
    fn count(&mut self, shared: i16, present: i16, reference: bool);
    /// The clipped matches per order, the current n-grams included.
    fn matched(&self) -> [i16; MAX_ORDERS];
}

/// The lanes on x86-64: one SSE2 register (always present there) per counter.
#[cfg(target_arch = "x86_64")]
type Counters = sse2::Lanes;
/// The lanes elsewhere.
#[cfg(not(target_arch = "x86_64"))]
type Counters = PortableLanes;

/// [`OrderLanes`] as plain arrays.
#[cfg(any(test, not(target_arch = "x86_64")))]
#[derive(Default)]
struct PortableLanes {
    hypothesis: [i16; MAX_ORDERS],
    reference: [i16; MAX_ORDERS],
    matched: [i16; MAX_ORDERS],
}

#[cfg(any(test, not(target_arch = "x86_64")))]
impl OrderLanes for PortableLanes {
    fn count(&mut self, shared: i16, present: i16, reference: bool) {
        let side = -i16::from(reference);
        for n in 0..MAX_ORDERS {
            let lane = n as i16;
            let new = -i16::from(lane >= shared);
            self.matched[n] += self.hypothesis[n].min(self.reference[n]) & new;
            let counted = i16::from(lane < present);
            self.hypothesis[n] = (self.hypothesis[n] & !new) + (counted & !side);
            self.reference[n] = (self.reference[n] & !new) + (counted & side);
        }
    }

    fn matched(&self) -> [i16; MAX_ORDERS] {
        std::array::from_fn(|n| self.matched[n] + self.hypothesis[n].min(self.reference[n]))
    }
}

/// [`OrderLanes`] in SSE2 registers, eight `i16` lanes each.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi16, _mm_and_si128, _mm_andnot_si128, _mm_loadu_si128, _mm_min_epi16,
        _mm_setzero_si128, _mm_storeu_si128, _mm_sub_epi16,
    };

    use super::{MAX_ORDERS, OrderLanes};

    /// The three counters of every order.
    pub(super) struct Lanes {
        hypothesis: __m128i,
        reference: __m128i,
        matched: __m128i,
    }

    impl Default for Lanes {
        fn default() -> Self {
            // SAFETY (here and below): every x86-64 CPU has SSE2.
            unsafe {
                Lanes {
                    hypothesis: _mm_setzero_si128(),
                    reference: _mm_setzero_si128(),
                    matched: _mm_setzero_si128(),
                }
            }
        }
    }

    impl OrderLanes for Lanes {
        #[inline]
        fn count(&mut self, shared: i16, present: i16, reference: bool) {
            // SAFETY: every x86-64 CPU has SSE2.
            unsafe { self.count_sse2(shared, present, reference) }
        }

        fn matched(&self) -> [i16; MAX_ORDERS] {
            let mut out = [0i16; MAX_ORDERS];
            // SAFETY: every x86-64 CPU has SSE2, and `out` holds exactly 16 bytes (the store
            // is unaligned).
            unsafe {
                let total =
                    _mm_add_epi16(self.matched, _mm_min_epi16(self.hypothesis, self.reference));
                _mm_storeu_si128(out.as_mut_ptr().cast(), total);
            }
            out
        }
    }

    impl Lanes {
        /// [`OrderLanes::count`].
        #[inline]
        #[target_feature(enable = "sse2")]
        fn count_sse2(&mut self, shared: i16, present: i16, reference: bool) {
            // SAFETY: each load reads the 16 bytes of one `[i16; 8]` of a table.
            let (new, counted, side) = unsafe {
                (
                    _mm_loadu_si128(NEW[shared as usize & 15].as_ptr().cast()),
                    _mm_loadu_si128(COUNTED[present as usize & 15].as_ptr().cast()),
                    _mm_loadu_si128(SIDE[usize::from(reference)].as_ptr().cast()),
                )
            };
            let clipped = _mm_min_epi16(self.hypothesis, self.reference);
            self.matched = _mm_add_epi16(self.matched, _mm_and_si128(clipped, new));
            let hypothesis = _mm_andnot_si128(new, self.hypothesis);
            let reference = _mm_andnot_si128(new, self.reference);
            self.hypothesis = _mm_sub_epi16(hypothesis, _mm_andnot_si128(side, counted));
            self.reference = _mm_sub_epi16(reference, _mm_and_si128(side, counted));
        }
    }

    /// Masks by table rather than computed per key (SSE2 has no cheap broadcast), 16 entries
    /// so that an index masked to 4 bits needs no bounds check.
    type Masks = [[i16; MAX_ORDERS]; 16];

    /// Per `shared`: all ones (-1) in the lanes of orders that start a new n-gram
    /// (lane >= shared).
    static NEW: Masks = masks(true);

    /// Per `present`: all ones in the lanes of orders the key has an n-gram of
    /// (lane < present).
    static COUNTED: Masks = masks(false);

    /// Per side (0 hypothesis, 1 reference): all ones for the reference.
    static SIDE: [[i16; MAX_ORDERS]; 2] = [[0; MAX_ORDERS], [-1; MAX_ORDERS]];

    /// Per n: -1 in the lanes at or above n when `at_or_above`, below n otherwise.
    const fn masks(at_or_above: bool) -> Masks {
        let mut table = [[0; MAX_ORDERS]; 16];
        let mut n = 0;
        while n < 16 {
            let mut lane = 0;
            while lane < MAX_ORDERS {
                if (lane >= n) == at_or_above {
                    table[n][lane] = -1;
                }
                lane += 1;
            }
            n += 1;
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_agree_with_the_portable_lanes() {
        let mut state = 11u64;
        let mut counters = Counters::default();
        let mut portable = PortableLanes::default();
        for _ in 0..5000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let shared = ((state >> 40) % 9) as i16;
            let present = ((state >> 50) % 9) as i16;
            let reference = state >> 63 == 1;
            counters.count(shared, present, reference);
            portable.count(shared, present, reference);
            assert_eq!(counters.matched(), portable.matched());
        }
    }
}
