//! `x·Wᵀ` for a few rows of `x` against a row-major `[out, in]` weight, streaming the weight
//! once with SIMD dot products. General GEMM repacks the whole weight on every call, which
//! dominates decoding steps and small LM-head calls; here each weight row is read once and
//! multiplied with every input row while it sits in cache.

use rayon::prelude::*;

/// Largest number of input rows for which [`matmul_rows`] beats a packed GEMM.
pub(crate) const MAX_ROWS: usize = 16;

/// Output columns handled by one parallel task.
const COLUMNS_PER_TASK: usize = 64;

/// `x` (`[rows, k]`) times the transpose of `weight` (`[n, k]`), plus `bias` (`[n]`) when
/// given; returns `[rows, n]`.
pub(crate) fn matmul_rows(
    x: &[f32],
    rows: usize,
    weight: &[f32],
    n: usize,
    bias: Option<&[f32]>,
) -> Vec<f32> {
    if rows == 0 || n == 0 {
        return Vec::new();
    }
    let product = Product {
        x,
        rows,
        k: x.len() / rows,
        weight,
        bias,
    };
    // Column-major result: every task owns a contiguous block of output columns.
    let mut by_column = vec![0.0f32; n * rows];
    by_column
        .par_chunks_mut(COLUMNS_PER_TASK * rows)
        .enumerate()
        .for_each(|(task, block)| product.columns(task * COLUMNS_PER_TASK, block));
    let mut out = vec![0.0f32; rows * n];
    for (column, values) in by_column.chunks(rows).enumerate() {
        for (r, &v) in values.iter().enumerate() {
            out[r * n + column] = v;
        }
    }
    out
}

/// The operands of one [`matmul_rows`] call.
struct Product<'a> {
    x: &'a [f32],
    rows: usize,
    k: usize,
    weight: &'a [f32],
    bias: Option<&'a [f32]>,
}

impl Product<'_> {
    /// Fills `block` (column-major, `rows` values per column) from column `first` on, with
    /// 256-bit fused multiply-adds on x86-64 CPUs that have AVX2 and FMA.
    fn columns(&self, first: usize, block: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                unsafe { avx2::columns(self, first, block) };
                return;
            }
        }
        self.columns_portable(first, block);
    }

    /// [`Product::columns`] without SIMD intrinsics.
    fn columns_portable(&self, first: usize, block: &mut [f32]) {
        let k = self.k;
        for (c, out) in block.chunks_mut(self.rows).enumerate() {
            let column = first + c;
            let w = &self.weight[column * k..(column + 1) * k];
            for (r, o) in out.iter_mut().enumerate() {
                let x = &self.x[r * k..(r + 1) * k];
                *o = x.iter().zip(w).map(|(a, b)| a * b).sum::<f32>() + self.bias_at(column);
            }
        }
    }

    fn bias_at(&self, column: usize) -> f32 {
        self.bias.map_or(0.0, |b| b[column])
    }
}

/// The AVX2/FMA kernel: blocks of two input rows × four weight rows share every load, so each
/// weight row is read from memory once and stays in L1 while all input rows pass over it.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };

    use super::Product;

    /// f32 lanes of one register.
    const LANES: usize = 8;
    /// Weight rows (output columns) per block.
    const COLS: usize = 4;

    /// [`Product::columns`] for CPUs with AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn columns(p: &Product<'_>, first: usize, block: &mut [f32]) {
        let (rows, k) = (p.rows, p.k);
        let columns = block.len() / rows;
        let mut c = 0;
        while c + COLS <= columns {
            let w: [&[f32]; COLS] =
                std::array::from_fn(|j| &p.weight[(first + c + j) * k..(first + c + j + 1) * k]);
            let mut r = 0;
            while r + 2 <= rows {
                let x = [&p.x[r * k..(r + 1) * k], &p.x[(r + 1) * k..(r + 2) * k]];
                let sums = block_dot::<2>(x, w);
                for (i, row_sums) in sums.iter().enumerate() {
                    for (j, &v) in row_sums.iter().enumerate() {
                        block[(c + j) * rows + r + i] = v + p.bias_at(first + c + j);
                    }
                }
                r += 2;
            }
            if r < rows {
                let sums = block_dot::<1>([&p.x[r * k..(r + 1) * k]], w);
                for (j, &v) in sums[0].iter().enumerate() {
                    block[(c + j) * rows + r] = v + p.bias_at(first + c + j);
                }
            }
            c += COLS;
        }
        if c < columns {
            p.columns_portable(first + c, &mut block[c * rows..]);
        }
    }

    /// Dot products of `R` input rows with `COLS` weight rows, all of equal length.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn block_dot<const R: usize>(x: [&[f32]; R], w: [&[f32]; COLS]) -> [[f32; COLS]; R] {
        let k = w[0].len();
        let full = k / LANES * LANES;
        let mut acc: [[__m256; COLS]; R] = [[_mm256_setzero_ps(); COLS]; R];
        let mut at = 0;
        while at < full {
            // SAFETY: `at + LANES <= full <= k`, and every row in `x` and `w` has `k` values;
            // the loads are unaligned.
            let (xv, wv): ([__m256; R], [__m256; COLS]) = unsafe {
                (
                    std::array::from_fn(|i| _mm256_loadu_ps(x[i].as_ptr().add(at))),
                    std::array::from_fn(|j| _mm256_loadu_ps(w[j].as_ptr().add(at))),
                )
            };
            for i in 0..R {
                for j in 0..COLS {
                    acc[i][j] = _mm256_fmadd_ps(xv[i], wv[j], acc[i][j]);
                }
            }
            at += LANES;
        }
        std::array::from_fn(|i| {
            std::array::from_fn(|j| {
                let tail: f32 = x[i][full..]
                    .iter()
                    .zip(&w[j][full..])
                    .map(|(a, b)| a * b)
                    .sum();
                horizontal_sum(acc[i][j]) + tail
            })
        })
    }

    /// Sum of the lanes of `v`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn horizontal_sum(v: __m256) -> f32 {
        let mut lanes = [0.0f32; LANES];
        // SAFETY: `lanes` holds exactly LANES f32; the store is unaligned.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), v) };
        ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
            + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_naive_product_with_bias_and_ragged_width() {
        let (rows, k, n) = (3, 45, 70);
        let x: Vec<f32> = (0..rows * k)
            .map(|i| ((i * 7 % 13) as f32 - 6.0) / 8.0)
            .collect();
        let w: Vec<f32> = (0..n * k)
            .map(|i| ((i * 5 % 11) as f32 - 5.0) / 4.0)
            .collect();
        let bias: Vec<f32> = (0..n).map(|j| j as f32 / 10.0).collect();
        let got = matmul_rows(&x, rows, &w, n, Some(&bias));
        for r in 0..rows {
            for j in 0..n {
                let expected: f32 =
                    (0..k).map(|i| x[r * k + i] * w[j * k + i]).sum::<f32>() + bias[j];
                assert!((got[r * n + j] - expected).abs() < 1e-4, "({r}, {j})");
            }
        }
    }
}
