//! Sorting of packed n-gram keys: bitonic sorting networks in AVX-512 registers where the CPU
//! has AVX-512F, the standard library's sort elsewhere.
//!
//! A segment pair of FLORES-200 has 100 to 400 character keys. For them the standard
//! library's `sort_unstable` takes 1–3 µs, about a third of chrF; a network sorts 128 keys
//! in 0.4 µs and 256 in 1.1 µs (measured on this project's Xeon with AVX-512). Networks have
//! power-of-two sizes, and one of 512 keys no longer fits in the registers, so 257 to 512 keys
//! are sorted as a first 256 and the rest, and the two runs merged by the last stage of a
//! 512-key network. Longer inputs go to the standard library.
//!
//! [`Buckets`] sorts keys whose top bits are small numbers (the first character's id): spread
//! by those bits into groups of at most 64 keys, each sorted on its own, which costs less than
//! one large network.

/// The most keys one network sorts in registers.
const NETWORK_MAX: usize = 256;

/// Sorts `keys` ascending.
pub(super) fn sort(keys: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if keys.len() <= 2 * NETWORK_MAX && std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F.
        unsafe { avx512::sort(keys) };
        return;
    }
    keys.sort_unstable();
}

/// The most keys a group of [`Buckets`] gathers before it starts another.
pub(super) const GROUP_MAX: usize = 64;

/// A sort of keys by bucket, then group by group; its buffers are reused from sort to sort.
#[derive(Default)]
pub(super) struct Buckets {
    /// Per bucket: its keys, then where its next key goes.
    counts: Vec<u32>,
    /// The keys spread by bucket.
    spread: Vec<u64>,
    /// The ranges of `spread` sorted one by one.
    groups: Vec<std::ops::Range<usize>>,
}

impl Buckets {
    /// Starts a sort of keys into buckets below `buckets`, `of` yielding the bucket of every
    /// key (in any order): the keys are then [`Self::place`]d by bucket, and runs of
    /// consecutive buckets of at most [`GROUP_MAX`] keys in all (or one larger bucket) are
    /// sorted one by one by [`Self::sorted`]. Small networks cost less per key than large ones
    /// (a 256-key network has 36 steps, a 64-key one 21), so for the few hundred keys of a
    /// segment pair spread over dozens of characters this beats one sort.
    pub(super) fn start(&mut self, buckets: usize, of: impl Iterator<Item = usize>) {
        self.counts.clear();
        self.counts.resize(buckets, 0);
        self.groups.clear();
        let counts = &mut self.counts[..];
        for bucket in of {
            counts[bucket] += 1;
        }
        // Groups end where the next bucket would take them past GROUP_MAX; the counts become
        // the buckets' first positions.
        let (mut start, mut position) = (0u32, 0u32);
        for count in counts.iter_mut() {
            if (position + *count - start) as usize > GROUP_MAX && position > start {
                self.groups.push(start as usize..position as usize);
                start = position;
            }
            let first = position;
            position += *count;
            *count = first;
        }
        self.groups.push(start as usize..position as usize);
        self.spread.clear();
        self.spread.resize(position as usize, 0);
    }

    /// Puts `key` of `bucket` in its place; every key that [`Self::start`] counted, once.
    #[inline(always)]
    pub(super) fn place(&mut self, bucket: usize, key: u64) {
        let next = &mut self.counts[bucket];
        self.spread[*next as usize] = key;
        *next += 1;
    }

    /// The placed keys, sorted.
    pub(super) fn sorted(&mut self) -> &[u64] {
        for group in &self.groups {
            sort(&mut self.spread[group.clone()]);
        }
        &self.spread
    }
}

/// The network: keys in `V` registers of eight lanes, padded with `u64::MAX`.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_mask_blend_epi64, _mm512_mask_loadu_epi64, _mm512_mask_storeu_epi64,
        _mm512_max_epu64, _mm512_min_epu64, _mm512_permutexvar_epi64, _mm512_set1_epi64,
        _mm512_setr_epi64,
    };

    /// Sorts up to 512 keys.
    #[target_feature(enable = "avx512f")]
    pub(super) fn sort(keys: &mut [u64]) {
        match keys.len() {
            0..=1 => {}
            2..=8 => network::<1>(keys),
            9..=16 => network::<2>(keys),
            17..=32 => network::<4>(keys),
            33..=64 => network::<8>(keys),
            65..=128 => network::<16>(keys),
            129..=256 => network::<32>(keys),
            257..=512 => {
                let (first, rest) = keys.split_at_mut(256);
                network::<32>(first);
                sort(rest);
                // The two ascending runs, padded, are what the last stage of a 512-key
                // network merges.
                let mut v = load::<64>(keys);
                stage(&mut v, 512);
                store(&v, keys);
            }
            _ => unreachable!("at most 512 keys go through the networks"),
        }
    }

    /// `keys` (at most `8 * V`) in `V` registers, padded with `u64::MAX`.
    #[target_feature(enable = "avx512f")]
    fn load<const V: usize>(keys: &[u64]) -> [__m512i; V] {
        let len = keys.len();
        debug_assert!(len <= 8 * V);
        let padding = _mm512_set1_epi64(-1);
        let mut v = [padding; V];
        for (i, x) in v.iter_mut().enumerate().take(len.div_ceil(8)) {
            // SAFETY: the mask selects lanes of keys `8 * i..len` only.
            *x = unsafe {
                _mm512_mask_loadu_epi64(
                    padding,
                    first_lanes(len - 8 * i),
                    keys.as_ptr().add(8 * i).cast(),
                )
            };
        }
        v
    }

    /// The first `keys.len()` keys of `v` stored into `keys`.
    #[target_feature(enable = "avx512f")]
    fn store<const V: usize>(v: &[__m512i; V], keys: &mut [u64]) {
        let len = keys.len();
        for (i, x) in v.iter().enumerate().take(len.div_ceil(8)) {
            // SAFETY: the mask selects lanes of keys `8 * i..len` only.
            unsafe {
                _mm512_mask_storeu_epi64(
                    keys.as_mut_ptr().add(8 * i).cast(),
                    first_lanes(len - 8 * i),
                    *x,
                );
            }
        }
    }

    /// The lanes mask of the first `count` lanes (at most 8).
    fn first_lanes(count: usize) -> u8 {
        (0xFFu16 >> (8 - count.min(8))) as u8
    }

    /// A lane index vector: lane `l` holds `f(l)`.
    #[target_feature(enable = "avx512f")]
    fn lanes(f: impl Fn(i64) -> i64) -> __m512i {
        _mm512_setr_epi64(f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7))
    }

    /// Compare-exchange of every lane of every register with lane `l ^ flip` of the same
    /// register: the lanes with bit `high_bit` set keep the larger key.
    #[target_feature(enable = "avx512f")]
    fn exchange_lanes<const V: usize>(v: &mut [__m512i; V], flip: i64, high_bit: i64) {
        let partners = lanes(|l| l ^ flip);
        let high = (0..8)
            .filter(|l| l & high_bit != 0)
            .fold(0u8, |mask, l| mask | 1 << l);
        for x in v.iter_mut() {
            let partner = _mm512_permutexvar_epi64(partners, *x);
            *x = _mm512_mask_blend_epi64(
                high,
                _mm512_min_epu64(*x, partner),
                _mm512_max_epu64(*x, partner),
            );
        }
    }

    /// Bitonic sort of `keys` (at most `8 * V`) in `V` registers: one [`stage`] for each
    /// block size from 2 to `8 * V`.
    #[target_feature(enable = "avx512f")]
    fn network<const V: usize>(keys: &mut [u64]) {
        let mut v = load::<V>(keys);
        let mut block = 2;
        while block <= 8 * V {
            stage(&mut v, block);
            block *= 2;
        }
        store(&v, keys);
    }

    /// One stage of the network, which turns sorted runs of `block / 2` keys into sorted runs
    /// of `block`: every key of a block's first half is compared with its mirror in the second
    /// half, then with the key a quarter, an eighth, ... of a block away, the smaller key
    /// going to the lower position each time.
    #[target_feature(enable = "avx512f")]
    fn stage<const V: usize>(v: &mut [__m512i; V], block: usize) {
        if block <= 8 {
            // Mirrors within a register: lane l and lane l ^ (block - 1).
            exchange_lanes(v, block as i64 - 1, block as i64 / 2);
        } else {
            // Mirrors across registers: register b + i, lane l and register
            // b + registers - 1 - i, lane 7 - l.
            let reversed = lanes(|l| 7 - l);
            let registers = block / 8;
            for b in (0..V).step_by(registers) {
                for i in 0..registers / 2 {
                    let low = v[b + i];
                    let high = _mm512_permutexvar_epi64(reversed, v[b + registers - 1 - i]);
                    v[b + i] = _mm512_min_epu64(low, high);
                    v[b + registers - 1 - i] =
                        _mm512_permutexvar_epi64(reversed, _mm512_max_epu64(low, high));
                }
            }
        }
        let mut stride = block / 4;
        while stride >= 1 {
            if stride >= 8 {
                let registers = stride / 8;
                for i in (0..V).filter(|i| i & registers == 0) {
                    let (low, high) = (v[i], v[i + registers]);
                    v[i] = _mm512_min_epu64(low, high);
                    v[i + registers] = _mm512_max_epu64(low, high);
                }
            } else {
                exchange_lanes(v, stride as i64, stride as i64);
            }
            stride /= 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_buckets_as_the_standard_library() {
        let mut state = 7u64;
        let mut buckets = Buckets::default();
        for len in (0..200).chain([300, 511, 600, 1500]) {
            // Few buckets (some over a group's size alone) and many.
            for (bits, alphabet) in [(2u32, 3usize), (6, 40), (10, 1000)] {
                let keys: Vec<u64> = (0..len)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        let first = 1 + (state >> 33) % alphabet as u64;
                        (first << (64 - bits)) | ((state >> 40) % 5)
                    })
                    .collect();
                let bucket = |key: u64| (key >> (64 - bits)) as usize;
                buckets.start(alphabet + 1, keys.iter().map(|&key| bucket(key)));
                for &key in &keys {
                    buckets.place(bucket(key), key);
                }
                let mut expected = keys.clone();
                expected.sort_unstable();
                assert_eq!(buckets.sorted(), expected, "{len} keys, {alphabet} buckets");
            }
        }
    }

    #[test]
    fn sorts_as_the_standard_library_at_every_size() {
        let mut state = 5u64;
        for len in 0..=2 * NETWORK_MAX + 40 {
            for range in [3, 1 << 20, u64::MAX] {
                let input: Vec<u64> = (0..len)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        // Small ranges for many equal keys; the full range with u64::MAX, the
                        // padding of the networks.
                        match range {
                            u64::MAX if state.is_multiple_of(5) => u64::MAX,
                            u64::MAX => state,
                            _ => (state >> 33) % range,
                        }
                    })
                    .collect();
                let mut expected = input.clone();
                expected.sort_unstable();
                let mut keys = input;
                sort(&mut keys);
                assert_eq!(keys, expected, "{len} keys");
            }
        }
    }
}
