//! Attention of one new token per row over the KV cache, on the host. A decoding step has a
//! single query per row and head, so the scores are a few hundred dot products: computing them
//! in place over the cache avoids copying the cache into tensors and building a mask tensor at
//! every layer of every step.

use rayon::prelude::*;

use crate::layers::attention::HeadLayout;
use crate::layers::kv_cache::LayerKv;

/// `softmax(scale · q·Kᵀ [+ softcap], hidden slots left out) · V` for every row and query
/// head.
///
/// `queries` is `[rows, heads, head_dim]`, `hidden` `[rows, slots]` (`true` = may not be seen);
/// returns `[rows, heads · head_dim]`. Query head `h` reads key/value head
/// `h / (heads / kv_heads)`. A row that may see no slot gets zeros.
pub(crate) fn attend_one_token(
    queries: &[f32],
    cache: &LayerKv,
    hidden: &[bool],
    layout: &HeadLayout,
) -> Vec<f32> {
    let HeadLayout {
        heads,
        kv_heads,
        head_dim,
        ..
    } = *layout;
    let slots = cache.len();
    let rows = hidden.len() / slots.max(1);
    let group = heads / kv_heads;
    let mut out = vec![0.0f32; rows * heads * head_dim];
    out.par_chunks_mut(heads * head_dim)
        .enumerate()
        .for_each(|(row, row_out)| {
            let job = RowJob {
                queries: &queries[row * heads * head_dim..(row + 1) * heads * head_dim],
                cache,
                row,
                hidden: &hidden[row * slots..(row + 1) * slots],
                layout,
                group,
            };
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F, checked just above.
                unsafe { attend_row_avx512(&job, row_out) };
                return;
            }
            attend_row(&job, row_out);
        });
    out
}

/// One row's share of [`attend_one_token`].
struct RowJob<'a> {
    /// `[heads, head_dim]`.
    queries: &'a [f32],
    cache: &'a LayerKv,
    row: usize,
    /// `[slots]`.
    hidden: &'a [bool],
    layout: &'a HeadLayout,
    /// Query heads per key/value head.
    group: usize,
}

/// [`attend_row`] compiled for AVX-512 (the same operations in the same order, wider
/// registers).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn attend_row_avx512(job: &RowJob<'_>, row_out: &mut [f32]) {
    attend_row(job, row_out);
}

/// Fills `row_out` (`[heads · head_dim]`) with the attention output of one row.
#[inline(always)]
fn attend_row(job: &RowJob<'_>, row_out: &mut [f32]) {
    let head_dim = job.layout.head_dim;
    let mut weights = vec![0.0f32; job.hidden.len()];
    for (head, head_out) in row_out.chunks_mut(head_dim).enumerate() {
        let q = &job.queries[head * head_dim..(head + 1) * head_dim];
        let kv_head = head / job.group;
        let keys = job.cache.keys(job.row, kv_head);
        let values = job.cache.values(job.row, kv_head);
        let Some(total) = softmax_weights(q, keys, job.hidden, job.layout, &mut weights) else {
            continue;
        };
        for ((&w, v), _) in weights
            .iter()
            .zip(values.chunks_exact(head_dim))
            .zip(job.hidden)
            .filter(|(_, hidden)| !**hidden)
        {
            head_out.iter_mut().zip(v).for_each(|(o, &x)| *o += w * x);
        }
        head_out.iter_mut().for_each(|o| *o /= total);
    }
}

/// Fills `weights` with `exp(score − max)` for the visible slots (0 for hidden ones) and
/// returns their sum, or `None` when no slot is visible.
#[inline(always)]
fn softmax_weights(
    q: &[f32],
    keys: &[f32],
    hidden: &[bool],
    layout: &HeadLayout,
    weights: &mut [f32],
) -> Option<f32> {
    let scale = layout.scale as f32;
    let mut max = f32::NEG_INFINITY;
    for ((w, k), &masked) in weights
        .iter_mut()
        .zip(keys.chunks_exact(q.len()))
        .zip(hidden)
    {
        if masked {
            continue;
        }
        let mut score = dot(q, k) * scale;
        if let Some(cap) = layout.softcap {
            let cap = cap as f32;
            score = cap * (score / cap).tanh();
        }
        *w = score;
        max = max.max(score);
    }
    if max == f32::NEG_INFINITY {
        return None;
    }
    let mut total = 0.0f32;
    for (w, &masked) in weights.iter_mut().zip(hidden) {
        *w = if masked { 0.0 } else { (*w - max).exp() };
        total += *w;
    }
    Some(total)
}

/// Dot product in eight interleaved partial sums (vectorized by the compiler).
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0.0f32; 8];
    let (a_blocks, b_blocks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_blocks
        .remainder()
        .iter()
        .zip(b_blocks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_blocks.zip(b_blocks) {
        for i in 0..8 {
            sums[i] += x[i] * y[i];
        }
    }
    sums.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::kv_cache::KvCache;

    /// Softmax attention in f64, straight from the definition.
    fn reference(
        q: &[f32],
        keys: &[f32],
        values: &[f32],
        hidden: &[bool],
        (rows, heads, kv_heads, dim, slots): (usize, usize, usize, usize, usize),
        scale: f64,
        softcap: Option<f64>,
    ) -> Vec<f64> {
        let mut out = vec![0.0; rows * heads * dim];
        for r in 0..rows {
            for h in 0..heads {
                let g = h / (heads / kv_heads);
                let kv = |s: usize, l: usize| ((r * kv_heads + g) * slots + s) * dim + l;
                let seen: Vec<usize> = (0..slots).filter(|&s| !hidden[r * slots + s]).collect();
                let scores: Vec<f64> = seen
                    .iter()
                    .map(|&s| {
                        let raw: f64 = (0..dim)
                            .map(|l| {
                                f64::from(q[(r * heads + h) * dim + l]) * f64::from(keys[kv(s, l)])
                            })
                            .sum::<f64>()
                            * scale;
                        softcap.map_or(raw, |c| c * (raw / c).tanh())
                    })
                    .collect();
                let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = scores.iter().map(|s| (s - max).exp()).sum();
                for l in 0..dim {
                    out[(r * heads + h) * dim + l] = seen
                        .iter()
                        .zip(&scores)
                        .map(|(&s, sc)| (sc - max).exp() / total * f64::from(values[kv(s, l)]))
                        .sum();
                }
            }
        }
        out
    }

    #[test]
    fn matches_softmax_attention_with_groups_masks_and_softcap() {
        let (rows, heads, kv_heads, dim, slots) = (3, 4, 2, 20, 7);
        let wave = |i: usize, a: usize, b: usize| ((i * a % b) as f32 - (b / 2) as f32) / b as f32;
        let q: Vec<f32> = (0..rows * heads * dim).map(|i| wave(i, 7, 13)).collect();
        let keys: Vec<f32> = (0..rows * kv_heads * slots * dim)
            .map(|i| wave(i, 5, 11))
            .collect();
        let values: Vec<f32> = (0..rows * kv_heads * slots * dim)
            .map(|i| wave(i, 3, 17))
            .collect();
        // Row 0 sees everything, row 1 not its first two slots, row 2 only its last one.
        let hidden: Vec<bool> = (0..rows * slots)
            .map(|i| match i / slots {
                0 => false,
                1 => i % slots < 2,
                _ => i % slots != slots - 1,
            })
            .collect();
        let mut cache = KvCache::new(1, rows);
        for softcap in [None, Some(0.5)] {
            let layout = HeadLayout {
                heads,
                kv_heads,
                head_dim: dim,
                scale: 0.3,
                softcap,
            };
            let kv = cache
                .append(0, (kv_heads, dim), &keys, &values, slots)
                .clone();
            let got = attend_one_token(&q, &kv, &hidden, &layout);
            let want = reference(
                &q,
                &keys,
                &values,
                &hidden,
                (rows, heads, kv_heads, dim, slots),
                0.3,
                softcap,
            );
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (f64::from(*g) - w).abs() < 1e-5,
                    "{softcap:?} {i}: {g} vs {w}"
                );
            }
            cache = KvCache::new(1, rows);
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
        assert_eq!(
            attend_one_token(&[1.0, 1.0], &kv, &[true], &layout),
            [0.0, 0.0]
        );
    }
}
