//! `x·Wᵀ` for a few rows of `x` against a row-major `[out, in]` weight, streaming the weight
//! once with SIMD dot products (AVX-512 or AVX2/FMA, chosen at run time). General GEMM repacks
//! the whole weight on every call, which dominates decoding steps and small LM-head calls; here
//! each weight row is read once and multiplied with every input row while it sits in cache.

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
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F, checked just above.
                unsafe { avx512::columns(self, first, block) };
                return;
            }
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

/// The AVX-512 kernel: blocks of up to eight input rows × two weight rows, sixteen lanes a
/// register. Each weight row is read from memory once while the input rows stay in L1, and the
/// next block's weight rows are prefetched as the current one is used.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512, _MM_HINT_T0, _mm_prefetch, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_maskz_loadu_ps,
        _mm512_reduce_add_ps, _mm512_setzero_ps,
    };

    use super::Product;

    /// f32 lanes of one register.
    const LANES: usize = 16;
    /// Weight rows (output columns) per block.
    const COLS: usize = 2;

    /// [`Product::columns`] for CPUs with AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) fn columns(p: &Product<'_>, first: usize, block: &mut [f32]) {
        let (rows, k) = (p.rows, p.k);
        let columns = block.len() / rows;
        let mut c = 0;
        while c + COLS <= columns {
            let w: [&[f32]; COLS] =
                std::array::from_fn(|j| &p.weight[(first + c + j) * k..(first + c + j + 1) * k]);
            let mut r = 0;
            while r < rows {
                let x = |i: usize| &p.x[(r + i) * k..(r + i + 1) * k];
                let take = match rows - r {
                    8.. => put(
                        p,
                        block,
                        first,
                        c,
                        r,
                        &block_dot::<8>(std::array::from_fn(x), w),
                    ),
                    4..=7 => put(
                        p,
                        block,
                        first,
                        c,
                        r,
                        &block_dot::<4>(std::array::from_fn(x), w),
                    ),
                    2 | 3 => put(
                        p,
                        block,
                        first,
                        c,
                        r,
                        &block_dot::<2>(std::array::from_fn(x), w),
                    ),
                    _ => put(
                        p,
                        block,
                        first,
                        c,
                        r,
                        &block_dot::<1>(std::array::from_fn(x), w),
                    ),
                };
                r += take;
            }
            c += COLS;
        }
        if c < columns {
            p.columns_portable(first + c, &mut block[c * rows..]);
        }
    }

    /// Stores the sums of input rows `r..r + R` for the block at column `c` of `block` (which
    /// starts at output column `first`); returns `R`.
    fn put<const R: usize>(
        p: &Product<'_>,
        block: &mut [f32],
        first: usize,
        c: usize,
        r: usize,
        sums: &[[f32; COLS]; R],
    ) -> usize {
        for (i, row_sums) in sums.iter().enumerate() {
            for (j, &v) in row_sums.iter().enumerate() {
                block[(c + j) * p.rows + r + i] = v + p.bias_at(first + c + j);
            }
        }
        R
    }

    /// Dot products of `R` input rows with `COLS` weight rows, all of equal length; the last
    /// `k % 16` values go through masked loads. Every sum is taken in the same order whatever
    /// `R` is, so a row's result does not depend on the other rows of the batch.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn block_dot<const R: usize>(x: [&[f32]; R], w: [&[f32]; COLS]) -> [[f32; COLS]; R] {
        let k = w[0].len();
        let full = k / LANES * LANES;
        // The matching line of the next block's weight rows, which follow these in memory.
        let ahead = COLS * k;
        let mut acc: [[__m512; COLS]; R] = [[_mm512_setzero_ps(); COLS]; R];
        let mut at = 0;
        while at < full {
            // SAFETY: `at + LANES <= full <= k`, and every row in `x` and `w` has `k` values;
            // the loads are unaligned.
            let (xv, wv): ([__m512; R], [__m512; COLS]) = unsafe {
                (
                    std::array::from_fn(|i| _mm512_loadu_ps(x[i].as_ptr().add(at))),
                    std::array::from_fn(|j| _mm512_loadu_ps(w[j].as_ptr().add(at))),
                )
            };
            for row in w {
                // A prefetch is only a hint: it never faults, even past the weight's end.
                _mm_prefetch::<_MM_HINT_T0>(row.as_ptr().wrapping_add(at + ahead).cast());
            }
            for i in 0..R {
                for j in 0..COLS {
                    acc[i][j] = _mm512_fmadd_ps(xv[i], wv[j], acc[i][j]);
                }
            }
            at += LANES;
        }
        if full < k {
            let mask = (1u16 << (k - full)) - 1;
            // SAFETY: the mask enables only lanes `full .. k`, inside every row.
            let (xv, wv): ([__m512; R], [__m512; COLS]) = unsafe {
                (
                    std::array::from_fn(|i| _mm512_maskz_loadu_ps(mask, x[i].as_ptr().add(full))),
                    std::array::from_fn(|j| _mm512_maskz_loadu_ps(mask, w[j].as_ptr().add(full))),
                )
            };
            for i in 0..R {
                for j in 0..COLS {
                    acc[i][j] = _mm512_fmadd_ps(xv[i], wv[j], acc[i][j]);
                }
            }
        }
        std::array::from_fn(|i| std::array::from_fn(|j| _mm512_reduce_add_ps(acc[i][j])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rows × k` inputs and an `n × k` weight with a bias, small exact values.
    fn operands(rows: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let x = (0..rows * k)
            .map(|i| ((i * 7 % 13) as f32 - 6.0) / 8.0)
            .collect();
        let w = (0..n * k)
            .map(|i| ((i * 5 % 11) as f32 - 5.0) / 4.0)
            .collect();
        let bias = (0..n).map(|j| j as f32 / 10.0).collect();
        (x, w, bias)
    }

    /// A kernel filling one block of columns.
    type Kernel = fn(&Product<'_>, usize, &mut [f32]);

    /// Every kernel this CPU can run, by name.
    fn kernels() -> Vec<(&'static str, Kernel)> {
        let mut kernels: Vec<(&'static str, Kernel)> = vec![("portable", |p, first, block| {
            p.columns_portable(first, block)
        })];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: AVX2 and FMA are present, checked just above.
                kernels.push(("avx2", |p, first, block| unsafe {
                    avx2::columns(p, first, block)
                }));
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: AVX-512F is present, checked just above.
                kernels.push(("avx512", |p, first, block| unsafe {
                    avx512::columns(p, first, block)
                }));
            }
        }
        kernels
    }

    #[test]
    fn every_kernel_matches_the_naive_product_for_every_row_count() {
        // k = 45 leaves a ragged tail for every SIMD width; n = 70 a ragged last block.
        let (k, n) = (45, 70);
        for rows in 1..=MAX_ROWS {
            let (x, w, bias) = operands(rows, k, n);
            let product = Product {
                x: &x,
                rows,
                k,
                weight: &w,
                bias: Some(&bias),
            };
            for (name, kernel) in kernels() {
                let mut by_column = vec![0.0f32; n * rows];
                kernel(&product, 0, &mut by_column);
                for r in 0..rows {
                    for j in 0..n {
                        let expected: f32 =
                            (0..k).map(|i| x[r * k + i] * w[j * k + i]).sum::<f32>() + bias[j];
                        let got = by_column[j * rows + r];
                        assert!(
                            (got - expected).abs() < 1e-4,
                            "{name} {rows} rows ({r}, {j})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_row_does_not_depend_on_the_other_rows() {
        let (k, n) = (640, 300);
        let (x, w, bias) = operands(MAX_ROWS, k, n);
        let all = matmul_rows(&x, MAX_ROWS, &w, n, Some(&bias));
        for rows in 1..MAX_ROWS {
            let some = matmul_rows(&x[..rows * k], rows, &w, n, Some(&bias));
            assert_eq!(some, all[..rows * n], "{rows} rows");
        }
    }
}
