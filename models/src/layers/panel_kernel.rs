//! The inner loop of [`crate::layers::panel_gemm`]: sums of up to [`MAX_ROWS`] input rows
//! against one panel of [`PANEL`] output features held as f32 (`[k][PANEL]`). Each sum is a
//! chain of fused multiply-adds in input order starting from zero, the order of the quantized
//! kernel ([`crate::layers::quant_kernel::panel_sums`]), so the AVX-512 kernel (chosen at run
//! time), the portable one and the quantized one all give the same bits for the same weights.

use crate::layers::quant_matrix::PANEL;

/// Most input rows one call of [`panel_sums`] takes: 24 accumulators fill the AVX-512
/// register file with room for the two weight registers and a broadcast.
pub(crate) const MAX_ROWS: usize = 12;

/// The sums of `R` input rows, interleaved into `x` (`[k][R]`, see
/// [`crate::layers::quant_kernel::interleave`]), with the panel `panel` (`[k][PANEL]`).
pub(crate) fn panel_sums<const R: usize>(panel: &[f32], x: &[f32], k: usize) -> [[f32; PANEL]; R] {
    assert!(R <= MAX_ROWS && x.len() >= R * k && panel.len() >= k * PANEL);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked just above; the lengths are asserted.
        return unsafe { avx512::panel_sums::<R>(panel, x, k) };
    }
    panel_sums_portable::<R>(panel, x, k)
}

/// [`panel_sums`] without SIMD intrinsics.
fn panel_sums_portable<const R: usize>(panel: &[f32], x: &[f32], k: usize) -> [[f32; PANEL]; R] {
    let mut acc = [[0.0f32; PANEL]; R];
    for c in 0..k {
        let w = &panel[c * PANEL..(c + 1) * PANEL];
        for (r, acc) in acc.iter_mut().enumerate() {
            let xv = x[c * R + r];
            for (a, &wv) in acc.iter_mut().zip(w) {
                *a = xv.mul_add(wv, *a);
            }
        }
    }
    acc
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
    };

    use super::PANEL;

    /// f32 lanes of one register.
    const LANES: usize = 16;

    /// [`super::panel_sums`] with 512-bit registers.
    ///
    /// # Safety
    /// AVX-512F is available; `panel` holds `k · PANEL` values and `x` holds `R · k`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn panel_sums<const R: usize>(
        panel: &[f32],
        x: &[f32],
        k: usize,
    ) -> [[f32; PANEL]; R] {
        debug_assert!(panel.len() >= k * PANEL && x.len() >= R * k);
        let mut acc = [[_mm512_setzero_ps(); 2]; R];
        let mut weights = panel.as_ptr();
        let mut inputs = x.as_ptr();
        for _ in 0..k {
            // SAFETY: the loop advances `weights` by PANEL and `inputs` by R values `k` times,
            // inside the lengths of the caller's contract; the loads are unaligned.
            unsafe {
                let lo = _mm512_loadu_ps(weights);
                let hi = _mm512_loadu_ps(weights.add(LANES));
                for (r, acc) in acc.iter_mut().enumerate() {
                    let xv = _mm512_set1_ps(*inputs.add(r));
                    acc[0] = _mm512_fmadd_ps(xv, lo, acc[0]);
                    acc[1] = _mm512_fmadd_ps(xv, hi, acc[1]);
                }
                weights = weights.add(PANEL);
                inputs = inputs.add(R);
            }
        }
        let mut sums = [[0.0f32; PANEL]; R];
        for (sum, acc) in sums.iter_mut().zip(acc) {
            // SAFETY: `sum` holds 32 f32, two registers; the stores are unaligned.
            unsafe {
                _mm512_storeu_ps(sum.as_mut_ptr(), acc[0]);
                _mm512_storeu_ps(sum.as_mut_ptr().add(LANES), acc[1]);
            }
        }
        sums
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::quant_kernel::interleave;

    #[test]
    fn the_portable_and_simd_kernels_give_the_same_bits() {
        let k = 77;
        let panel: Vec<f32> = (0..k * PANEL)
            .map(|i| ((i * 37 % 251) as f32 - 125.0) / 61.0)
            .collect();
        let x: Vec<f32> = (0..MAX_ROWS * k)
            .map(|i| ((i * 7919 % 263) as f32 - 131.0) / 97.0)
            .collect();
        let (x12, x5) = (interleave::<12>(&x, k), interleave::<5>(&x, k));
        assert_eq!(
            panel_sums::<12>(&panel, &x12, k),
            panel_sums_portable::<12>(&panel, &x12, k)
        );
        assert_eq!(
            panel_sums::<5>(&panel, &x5, k),
            panel_sums_portable::<5>(&panel, &x5, k)
        );
        // Row 3 of the twelve is row 3 of the five: the sums do not depend on the block.
        assert_eq!(
            panel_sums::<12>(&panel, &x12, k)[3],
            panel_sums::<5>(&panel, &x5, k)[3]
        );
    }
}
