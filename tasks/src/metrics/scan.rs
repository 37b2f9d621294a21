//! Finding the next byte of a few ranges, sixteen bytes at a time.
//!
//! Tokenizers spend most of their time stepping over bytes that cannot end a word (letters,
//! digits, the inner bytes of multi-byte characters). [`find`] tests sixteen bytes with a
//! handful of SSE2 compares (present on every x86-64 CPU) where a byte loop takes a branch per
//! byte and mispredicts at every word's end.

/// Inclusive byte ranges `(first, last)`.
pub(crate) type ByteRanges<const N: usize> = [(u8, u8); N];

/// The first position from `from` on whose byte lies in one of `ranges`, or `bytes.len()`.
#[inline(always)]
pub(crate) fn find<const N: usize>(bytes: &[u8], mut from: usize, ranges: &ByteRanges<N>) -> usize {
    #[cfg(target_arch = "x86_64")]
    while let Some(chunk) = bytes.get(from..from + 16) {
        let hits = sse2::hits(chunk.try_into().unwrap_or([0; 16]), ranges);
        if hits != 0 {
            return from + hits.trailing_zeros() as usize;
        }
        from += 16;
    }
    while from < bytes.len() && !within(bytes[from], ranges) {
        from += 1;
    }
    from
}

/// Whether `byte` lies in one of `ranges`.
#[inline(always)]
fn within<const N: usize>(byte: u8, ranges: &ByteRanges<N>) -> bool {
    ranges
        .iter()
        .any(|&(first, last)| (first..=last).contains(&byte))
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_setzero_si128, _mm_sub_epi8,
    };

    use super::ByteRanges;

    /// Bit `i` set when byte `i` of `chunk` lies in one of `ranges`.
    #[inline(always)]
    pub(super) fn hits<const N: usize>(chunk: [u8; 16], ranges: &ByteRanges<N>) -> u32 {
        // SAFETY: every x86-64 CPU has SSE2; the load reads the 16 bytes of `chunk`.
        unsafe { hits_sse2(_mm_loadu_si128(chunk.as_ptr().cast()), ranges) }
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn hits_sse2<const N: usize>(v: __m128i, ranges: &ByteRanges<N>) -> u32 {
        let mut hits = _mm_setzero_si128();
        for &(first, last) in ranges {
            // Unsigned `first <= byte <= last`: `byte - first` wraps above `last - first`
            // otherwise, and `x <= span` is `min(x, span) == x`.
            let x = _mm_sub_epi8(v, _mm_set1_epi8(first as i8));
            let span = _mm_set1_epi8(last.wrapping_sub(first) as i8);
            hits = _mm_or_si128(hits, _mm_cmpeq_epi8(_mm_min_epu8(x, span), x));
        }
        _mm_movemask_epi8(hits) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_a_byte_loop_finds() {
        let ranges = [(0x00, 0x20), (b'.', b'.'), (0xE1, 0xE3), (0xFF, 0xFF)];
        let mut state = 3u64;
        for len in 0..80 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    // Mostly letters, so that runs without a hit cross the 16-byte steps.
                    match (state >> 40) % 8 {
                        0 => (state >> 48) as u8,
                        _ => b'a' + (state >> 50) as u8 % 26,
                    }
                })
                .collect();
            for from in 0..=len {
                let expected = (from..len)
                    .find(|&i| within(bytes[i], &ranges))
                    .unwrap_or(len);
                assert_eq!(
                    find(&bytes, from, &ranges),
                    expected,
                    "{bytes:?} from {from}"
                );
            }
        }
        // Every byte value, at every lane.
        for byte in 0..=255u8 {
            for lane in 0..16 {
                let mut bytes = [b'a'; 20];
                bytes[lane] = byte;
                let expected = if within(byte, &ranges) { lane } else { 20 };
                assert_eq!(find(&bytes, 0, &ranges), expected, "{byte:#x} at {lane}");
            }
        }
    }
}
