//! Softmax attention on the host, for the CPU backend: every query of every row and head
//! against the keys its row may see, for a prompt (many queries per row) and for a decoding
//! step (one) alike.
//!
//! Each output depends only on its own query and its row's visible keys and values, summed in
//! slot order: a score is a dot product in eight interleaved partial sums, the softmax takes
//! the maximum and the sum of the visible scores in slot order, and the weighted values are
//! added in slot order. Queries are scored eight at a time against each key for speed, but the
//! operations of each query are the same whatever its neighbours, so the results do not depend
//! on the batch, on padding, on the prompt length or on the CPU's vector width.

use rayon::prelude::*;

use crate::layers::attention::HeadLayout;
use crate::layers::kv_cache::LayerKv;

/// Queries scored together against each key.
const GROUP: usize = 8;

/// Queries of one row per parallel job.
const BLOCK: usize = 32;

/// `softmax(scale · q·Kᵀ [+ softcap], hidden slots left out) · V` for every row, query and
/// head.
///
/// `queries` is `[rows, heads, q_len, head_dim]`, `hidden` `[rows, q_len, slots]` (`true` = may
/// not be seen); returns `[rows, q_len, heads · head_dim]`. Query head `h` reads key/value head
/// `h / (heads / kv_heads)`. A query that may see no slot gets zeros.
pub(crate) fn attend(
    queries: &[f32],
    kv: &LayerKv,
    hidden: &[bool],
    q_len: usize,
    layout: &HeadLayout,
) -> Vec<f32> {
    let width = layout.heads * layout.head_dim;
    let rows = queries.len() / (q_len * width).max(1);
    let mut out = vec![0.0f32; rows * q_len * width];
    if out.is_empty() {
        return out;
    }
    let slots = kv.len();
    out.par_chunks_mut(q_len * width)
        .enumerate()
        .for_each(|(row, row_out)| {
            row_out
                .par_chunks_mut(BLOCK * width)
                .enumerate()
                .for_each(|(block, block_out)| {
                    let job = Job {
                        queries: &queries[row * q_len * width..(row + 1) * q_len * width],
                        hidden: &hidden[row * q_len * slots..(row + 1) * q_len * slots],
                        kv,
                        row,
                        q_len,
                        first: block * BLOCK,
                        layout,
                    };
                    #[cfg(target_arch = "x86_64")]
                    if std::arch::is_x86_feature_detected!("avx2") {
                        // SAFETY: the CPU supports AVX2, checked just above.
                        unsafe { attend_block_avx2(&job, block_out) };
                        return;
                    }
                    attend_block::<false>(&job, block_out);
                });
        });
    out
}

/// One block of consecutive queries of one row.
struct Job<'a> {
    /// The row's queries, `[heads, q_len, head_dim]`.
    queries: &'a [f32],
    /// The row's flags, `[q_len, slots]`.
    hidden: &'a [bool],
    kv: &'a LayerKv,
    row: usize,
    q_len: usize,
    /// The block's first query.
    first: usize,
    layout: &'a HeadLayout,
}

impl Job<'_> {
    /// Query `t` of `head`.
    fn query(&self, head: usize, t: usize) -> &[f32] {
        let dim = self.layout.head_dim;
        let at = (head * self.q_len + t) * dim;
        &self.queries[at..at + dim]
    }

    /// Which slots query `t` may not see.
    fn hidden(&self, t: usize) -> &[bool] {
        let slots = self.kv.len();
        &self.hidden[t * slots..(t + 1) * slots]
    }
}

/// [`attend_block`] with the scores' products in AVX2 registers (the same operations in the
/// same order as without).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn attend_block_avx2(job: &Job<'_>, out: &mut [f32]) {
    attend_block::<true>(job, out);
}

/// Fills `out` (`[queries, heads · head_dim]`, zeros) with the outputs of the job's queries;
/// with `AVX2` (only where the CPU has it) the scores use [`avx2::lane_sums`].
#[inline(always)]
fn attend_block<const AVX2: bool>(job: &Job<'_>, out: &mut [f32]) {
    let HeadLayout {
        heads,
        kv_heads,
        head_dim,
        ..
    } = *job.layout;
    let count = out.len() / (heads * head_dim);
    let mut weights = vec![0.0f32; GROUP * job.kv.len()];
    for head in 0..heads {
        let kv_head = head / (heads / kv_heads);
        let mut done = 0;
        while done < count {
            done += if count - done >= GROUP {
                attend_group::<GROUP, AVX2>(job, head, kv_head, done, &mut weights, out)
            } else {
                attend_group::<1, AVX2>(job, head, kv_head, done, &mut weights, out)
            };
        }
    }
}

/// The outputs of `N` consecutive queries of `head` from the block's query `at`, into their
/// places in `out`; returns `N`.
#[inline(always)]
fn attend_group<const N: usize, const AVX2: bool>(
    job: &Job<'_>,
    head: usize,
    kv_head: usize,
    at: usize,
    weights: &mut [f32],
    out: &mut [f32],
) -> usize {
    let (slots, dim) = (job.kv.len(), job.layout.head_dim);
    let t = job.first + at;
    let queries: [&[f32]; N] = std::array::from_fn(|i| job.query(head, t + i));
    let hidden: [&[bool]; N] = std::array::from_fn(|i| job.hidden(t + i));
    let seen_by_any = |s: usize| hidden.iter().any(|h| !h[s]);
    let keys = job.kv.keys(job.row, kv_head);
    let values = job.kv.values(job.row, kv_head);
    let (scale, softcap) = (
        job.layout.scale as f32,
        job.layout.softcap.map(|c| c as f32),
    );
    let mut max = [f32::NEG_INFINITY; N];
    for s in (0..slots).filter(|&s| seen_by_any(s)) {
        let scores = dots::<N, AVX2>(queries, &keys[s * dim..(s + 1) * dim]);
        for (i, score) in scores.into_iter().enumerate() {
            let mut score = score * scale;
            if let Some(cap) = softcap {
                score = cap * (score / cap).tanh();
            }
            weights[i * slots + s] = score;
            if !hidden[i][s] {
                max[i] = max[i].max(score);
            }
        }
    }
    let mut totals = [0.0f32; N];
    for (i, (total, max)) in totals.iter_mut().zip(max).enumerate() {
        for (w, &masked) in weights[i * slots..(i + 1) * slots]
            .iter_mut()
            .zip(hidden[i])
        {
            *w = if masked { 0.0 } else { (*w - max).exp() };
            *total += *w;
        }
    }
    let width = job.layout.heads * dim;
    let place = |i: usize| (at + i) * width + head * dim;
    for s in (0..slots).filter(|&s| seen_by_any(s)) {
        let value = &values[s * dim..(s + 1) * dim];
        for i in (0..N).filter(|&i| !hidden[i][s]) {
            let w = weights[i * slots + s];
            let o = &mut out[place(i)..place(i) + dim];
            o.iter_mut().zip(value).for_each(|(o, &v)| *o += w * v);
        }
    }
    for (i, (&total, max)) in totals.iter().zip(max).enumerate() {
        if max != f32::NEG_INFINITY {
            out[place(i)..place(i) + dim]
                .iter_mut()
                .for_each(|o| *o /= total);
        }
    }
    N
}

/// Lanes of the partial sums of a dot product.
const LANES: usize = 8;

/// The dot products of each of `queries` with `key`: products `c` with `c % 8 = l` are added in
/// order into partial sum `l`, the eight partial sums are added in order, then the products
/// past the last full eight. A query's result does not depend on the others. With `AVX2`
/// (only where the CPU has it) the partial sums are [`avx2::lane_sums`], which gives the same
/// bits.
#[inline(always)]
fn dots<const N: usize, const AVX2: bool>(queries: [&[f32]; N], key: &[f32]) -> [f32; N] {
    let full = key.len() / LANES * LANES;
    #[cfg(target_arch = "x86_64")]
    let sums = if AVX2 {
        // SAFETY: `AVX2` is set only in `attend_block_avx2`, which runs where the CPU has
        // AVX2; every query is as long as `key` (one head).
        unsafe { avx2::lane_sums(queries, key) }
    } else {
        lane_sums(queries, key)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let sums = lane_sums(queries, key);
    std::array::from_fn(|i| {
        let tail: f32 = (full..key.len()).map(|c| queries[i][c] * key[c]).sum();
        sums[i].iter().sum::<f32>() + tail
    })
}

/// The partial sums of [`dots`] over the full chunks of eight.
#[inline(always)]
fn lane_sums<const N: usize>(queries: [&[f32]; N], key: &[f32]) -> [[f32; LANES]; N] {
    let mut sums = [[0.0f32; LANES]; N];
    for (c, k) in key.chunks_exact(LANES).enumerate() {
        for (sums, q) in sums.iter_mut().zip(queries) {
            for l in 0..LANES {
                sums[l] += q[c * LANES + l] * k[l];
            }
        }
    }
    sums
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };

    use super::LANES;

    /// [`super::lane_sums`] with one AVX2 register per query: a product and a sum, each
    /// rounded, per lane and chunk, as the portable code does.
    ///
    /// # Safety
    /// AVX2 is available, and every query holds at least `key.len()` values.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn lane_sums<const N: usize>(
        queries: [&[f32]; N],
        key: &[f32],
    ) -> [[f32; LANES]; N] {
        debug_assert!(queries.iter().all(|q| q.len() >= key.len()));
        let mut acc: [__m256; N] = [_mm256_setzero_ps(); N];
        for at in (0..key.len() / LANES * LANES).step_by(LANES) {
            // SAFETY: `at + LANES <= key.len()`, and every query is at least as long (the
            // caller's contract); the loads are unaligned.
            unsafe {
                let k = _mm256_loadu_ps(key.as_ptr().add(at));
                for (acc, q) in acc.iter_mut().zip(queries) {
                    let q = _mm256_loadu_ps(q.as_ptr().add(at));
                    *acc = _mm256_add_ps(*acc, _mm256_mul_ps(q, k));
                }
            }
        }
        acc.map(|a| {
            let mut lanes = [0.0f32; LANES];
            // SAFETY: `lanes` holds LANES f32; the store is unaligned.
            unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), a) };
            lanes
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::kv_cache::KvCache;

    /// Sizes of a test case.
    #[derive(Clone, Copy)]
    struct Shape {
        rows: usize,
        heads: usize,
        kv_heads: usize,
        dim: usize,
        q_len: usize,
        slots: usize,
    }

    /// Softmax attention in f64, straight from the definition, `[rows, q_len, heads · dim]`.
    fn reference(
        q: &[f32],
        keys: &[f32],
        values: &[f32],
        hidden: &[bool],
        shape: Shape,
        layout: &HeadLayout,
    ) -> Vec<f64> {
        let Shape {
            rows,
            heads,
            kv_heads,
            dim,
            q_len,
            slots,
        } = shape;
        let mut out = vec![0.0; rows * q_len * heads * dim];
        for (r, t, h) in every_query(rows, q_len, heads) {
            let g = h / (heads / kv_heads);
            let kv = |s: usize, l: usize| ((r * kv_heads + g) * slots + s) * dim + l;
            let query = |l: usize| f64::from(q[((r * heads + h) * q_len + t) * dim + l]);
            let seen: Vec<usize> = (0..slots)
                .filter(|&s| !hidden[(r * q_len + t) * slots + s])
                .collect();
            let scores: Vec<f64> = seen
                .iter()
                .map(|&s| {
                    let raw = (0..dim)
                        .map(|l| query(l) * f64::from(keys[kv(s, l)]))
                        .sum::<f64>()
                        * layout.scale;
                    layout.softcap.map_or(raw, |c| c * (raw / c).tanh())
                })
                .collect();
            let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = scores.iter().map(|s| (s - max).exp()).sum();
            for l in 0..dim {
                out[((r * q_len + t) * heads + h) * dim + l] = seen
                    .iter()
                    .zip(&scores)
                    .map(|(&s, sc)| (sc - max).exp() / total * f64::from(values[kv(s, l)]))
                    .sum();
            }
        }
        out
    }

    /// Every `(row, query, head)`.
    fn every_query(rows: usize, q_len: usize, heads: usize) -> Vec<(usize, usize, usize)> {
        (0..rows * q_len * heads)
            .map(|i| (i / (q_len * heads), i / heads % q_len, i % heads))
            .collect()
    }

    fn wave(n: usize, a: usize, b: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i * a % b) as f32 - (b / 2) as f32) / b as f32)
            .collect()
    }

    /// The cache of one layer holding `keys` and `values`.
    fn cache_of(keys: &[f32], values: &[f32], shape: Shape) -> LayerKv {
        KvCache::new(1, shape.rows)
            .append(0, (shape.kv_heads, shape.dim), keys, values, shape.slots)
            .clone()
    }

    /// Row 0 causal over all slots, row 1 causal after two padding slots, row 2 causal within a
    /// window of 5 slots.
    fn prompt_mask(shape: Shape) -> Vec<bool> {
        let Shape {
            rows, q_len, slots, ..
        } = shape;
        let past = slots - q_len;
        (0..rows * q_len * slots)
            .map(|i| {
                let (r, t, s) = (i / (q_len * slots), i / slots % q_len, i % slots);
                let future = s > past + t;
                match r % 3 {
                    0 => future,
                    1 => future || s < 2,
                    _ => future || past + t - s.min(past + t) >= 5,
                }
            })
            .collect()
    }

    #[test]
    fn matches_softmax_attention_for_prompts_and_steps() {
        // 37 queries: a full block of 32 in groups of eight, then a block of five single ones.
        for (q_len, slots) in [(37, 40), (1, 7)] {
            let shape = Shape {
                rows: 3,
                heads: 4,
                kv_heads: 2,
                dim: 20,
                q_len,
                slots,
            };
            let q = wave(shape.rows * shape.heads * q_len * shape.dim, 7, 13);
            let keys = wave(shape.rows * shape.kv_heads * slots * shape.dim, 5, 11);
            let values = wave(shape.rows * shape.kv_heads * slots * shape.dim, 3, 17);
            let hidden = prompt_mask(shape);
            let kv = cache_of(&keys, &values, shape);
            for softcap in [None, Some(0.5)] {
                let layout = HeadLayout {
                    heads: shape.heads,
                    kv_heads: shape.kv_heads,
                    head_dim: shape.dim,
                    scale: 0.3,
                    softcap,
                };
                let got = attend(&q, &kv, &hidden, q_len, &layout);
                let want = reference(&q, &keys, &values, &hidden, shape, &layout);
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (f64::from(*g) - w).abs() < 1e-5,
                        "{q_len} {softcap:?} {i}: {g} vs {w}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_query_alone_gives_the_bits_it_gives_among_others() {
        let shape = Shape {
            rows: 1,
            heads: 2,
            kv_heads: 1,
            dim: 24,
            q_len: 37,
            slots: 37,
        };
        let dim = shape.dim;
        let q = wave(shape.heads * shape.q_len * dim, 7, 13);
        let keys = wave(shape.slots * dim, 5, 11);
        let values = wave(shape.slots * dim, 3, 17);
        let hidden = prompt_mask(shape);
        let layout = HeadLayout {
            heads: shape.heads,
            kv_heads: shape.kv_heads,
            head_dim: dim,
            scale: 0.3,
            softcap: None,
        };
        let together = attend(&q, &cache_of(&keys, &values, shape), &hidden, 37, &layout);
        // Query t alone, as a decoding step over slots 0..=t with three padding slots in front.
        for t in 0..37 {
            let slots = t + 4;
            let alone = Shape {
                q_len: 1,
                slots,
                ..shape
            };
            let pad = |x: &[f32]| [vec![9.0; 3 * dim], x[..(t + 1) * dim].to_vec()].concat();
            let query: Vec<f32> = (0..shape.heads)
                .flat_map(|h| q[(h * 37 + t) * dim..(h * 37 + t + 1) * dim].to_vec())
                .collect();
            let mask: Vec<bool> = (0..slots).map(|s| s < 3).collect();
            let kv = cache_of(&pad(&keys), &pad(&values), alone);
            let got = attend(&query, &kv, &mask, 1, &layout);
            let width = shape.heads * dim;
            let want = &together[t * width..(t + 1) * width];
            assert!(
                got.iter()
                    .zip(want)
                    .all(|(g, w)| g.to_bits() == w.to_bits()),
                "query {t}"
            );
        }
    }

    #[test]
    fn the_avx2_scores_give_the_portable_bits() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            for dim in [5, 20, 256] {
                let q = wave(GROUP * dim, 7919, 263);
                let key = wave(dim, 31, 97);
                let queries: [&[f32]; GROUP] = std::array::from_fn(|i| &q[i * dim..(i + 1) * dim]);
                let portable = dots::<GROUP, false>(queries, &key);
                // `dots::<_, true>` needs AVX2, which the CPU has (checked just above).
                let simd = dots::<GROUP, true>(queries, &key);
                assert_eq!(portable.map(f32::to_bits), simd.map(f32::to_bits), "{dim}");
            }
        }
    }

    #[test]
    fn a_row_that_sees_nothing_gets_zeros() {
        let mut cache = KvCache::new(1, 1);
        let kv = cache.append(0, (1, 2), &[1.0, 2.0], &[3.0, 4.0], 1).clone();
        let layout = HeadLayout {
            heads: 1,
            kv_heads: 1,
            head_dim: 2,
            scale: 1.0,
            softcap: None,
        };
        assert_eq!(attend(&[1.0, 1.0], &kv, &[true], 1, &layout), [0.0, 0.0]);
    }
}
