//! The inner loops over one panel of a [`crate::cpu::quant_matrix::QuantMatrix`]: sums of
//! up to eight input rows against the panel's 32 output features, and the expansion of the
//! panel to f32. Each weight is `scale · q − offset` computed as a product and a difference in
//! f32, as the dequantization does; each sum is a chain of fused multiply-adds in input order.
//! The AVX-512 kernel (chosen at run time) and the portable one give the same bits.

use crate::cpu::quant_matrix::PANEL;
use crate::quantized;

/// Most input rows one call of [`panel_sums`] takes.
pub(crate) const MAX_ROWS: usize = 8;

/// One panel's operands.
pub(crate) struct Panel<'a> {
    /// Inputs.
    pub(crate) k: usize,
    /// Inputs per scale.
    pub(crate) group: usize,
    /// `[k][PANEL]`.
    pub(crate) quants: &'a [i8],
    /// `[k / group][PANEL]`.
    pub(crate) scales: &'a [f32],
    /// As `scales`, when the weight has offsets.
    pub(crate) offsets: Option<&'a [f32]>,
}

impl Panel<'_> {
    /// The panel's weights for input `c`.
    fn weights(&self, c: usize) -> [f32; PANEL] {
        let g = c / self.group * PANEL;
        std::array::from_fn(|lane| {
            let offset = self.offsets.map(|o| o[g + lane]);
            quantized::expand(self.quants[c * PANEL + lane], self.scales[g + lane], offset)
        })
    }
}

/// Whether the AVX-512 kernels can run here.
fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this CPU runs the quantized kernels at full speed (AVX-512); elsewhere weights are
/// better kept in f32.
pub(crate) fn fast() -> bool {
    has_avx512()
}

/// `R` input rows of `x` (`[R, k]`) interleaved for [`panel_sums`]: `[k][R]`.
pub(crate) fn interleave<const R: usize>(x: &[f32], k: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; k * R];
    for (c, values) in out.chunks_exact_mut(R).enumerate() {
        for (r, v) in values.iter_mut().enumerate() {
            *v = x[r * k + c];
        }
    }
    out
}

/// The sums of `R` input rows, interleaved by [`interleave`] into `x` (`[k][R]`), with the
/// panel's output features.
pub(crate) fn panel_sums<const R: usize>(panel: &Panel<'_>, x: &[f32]) -> [[f32; PANEL]; R] {
    assert!(R <= MAX_ROWS && x.len() >= R * panel.k);
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU supports AVX-512F and AVX2, checked just above; `x` holds `R × k`
        // values.
        return unsafe { avx512::panel_sums::<R>(panel, x) };
    }
    panel_sums_portable::<R>(panel, x)
}

/// [`panel_sums`] without SIMD intrinsics.
fn panel_sums_portable<const R: usize>(panel: &Panel<'_>, x: &[f32]) -> [[f32; PANEL]; R] {
    let k = panel.k;
    let mut acc = [[0.0f32; PANEL]; R];
    for c in 0..k {
        let w = panel.weights(c);
        for (r, acc) in acc.iter_mut().enumerate() {
            let xv = x[c * R + r];
            for (a, &wv) in acc.iter_mut().zip(&w) {
                *a = xv.mul_add(wv, *a);
            }
        }
    }
    acc
}

/// Writes the panel's weights as `k` rows of [`PANEL`] values `stride` apart into `out`.
pub(crate) fn expand(panel: &Panel<'_>, out: &mut [f32], stride: usize) {
    assert!(panel.k == 0 || out.len() >= (panel.k - 1) * stride + PANEL);
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU supports AVX-512F and AVX2, checked just above; `out` is long
        // enough.
        unsafe { avx512::expand(panel, out, stride) };
        return;
    }
    for c in 0..panel.k {
        out[c * stride..c * stride + PANEL].copy_from_slice(&panel.weights(c));
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512, _mm256_castsi256_si128, _mm256_extracti128_si256, _mm256_loadu_si256,
        _mm512_cvtepi8_epi32, _mm512_cvtepi32_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mul_ps,
        _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps, _mm512_sub_ps,
    };

    use super::{PANEL, Panel};

    /// f32 lanes of one register; a panel is two registers wide.
    const LANES: usize = 16;

    /// The scales (and offsets) of one group, both halves of the panel.
    struct Group {
        scales: [__m512; 2],
        offsets: Option<[__m512; 2]>,
    }

    impl Group {
        /// The constants of group `g`.
        #[inline]
        #[target_feature(enable = "avx512f")]
        fn of(panel: &Panel<'_>, g: usize) -> Self {
            let at = g * PANEL;
            let load = |values: &[f32]| {
                let values = &values[at..at + PANEL];
                // SAFETY: `values` holds 32 f32, two registers; the loads are unaligned.
                unsafe {
                    [
                        _mm512_loadu_ps(values.as_ptr()),
                        _mm512_loadu_ps(values.as_ptr().add(LANES)),
                    ]
                }
            };
            Self {
                scales: load(panel.scales),
                offsets: panel.offsets.map(load),
            }
        }

        /// The 32 weights whose quants are at `quants`, as two registers.
        ///
        /// # Safety
        /// `quants` points to 32 readable bytes.
        #[inline]
        #[target_feature(enable = "avx512f,avx2")]
        unsafe fn weights(&self, quants: *const i8) -> [__m512; 2] {
            // SAFETY: 32 bytes at `quants` are readable (the caller's contract).
            let q = unsafe { _mm256_loadu_si256(quants.cast()) };
            let halves = [_mm256_castsi256_si128(q), _mm256_extracti128_si256::<1>(q)];
            std::array::from_fn(|h| {
                let scaled = _mm512_mul_ps(
                    _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(halves[h])),
                    self.scales[h],
                );
                match self.offsets {
                    Some(offsets) => _mm512_sub_ps(scaled, offsets[h]),
                    None => scaled,
                }
            })
        }
    }

    /// [`super::panel_sums`] with 512-bit registers.
    ///
    /// # Safety
    /// AVX-512F is available.
    #[target_feature(enable = "avx512f,avx2")]
    pub(super) unsafe fn panel_sums<const R: usize>(
        panel: &Panel<'_>,
        x: &[f32],
    ) -> [[f32; PANEL]; R] {
        let (k, group) = (panel.k, panel.group);
        assert!(panel.quants.len() >= k * PANEL && x.len() >= R * k);
        let mut acc = [[_mm512_setzero_ps(); 2]; R];
        let mut quants = panel.quants.as_ptr();
        let mut inputs = x.as_ptr();
        for g in 0..k / group {
            let constants = Group::of(panel, g);
            for _ in 0..group {
                // SAFETY: the loops advance `quants` by 32 bytes and `inputs` by `R` values
                // `k` times in all, inside the lengths asserted above.
                unsafe {
                    let [lo, hi] = constants.weights(quants);
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let xv = _mm512_set1_ps(*inputs.add(r));
                        acc[0] = _mm512_fmadd_ps(xv, lo, acc[0]);
                        acc[1] = _mm512_fmadd_ps(xv, hi, acc[1]);
                    }
                    quants = quants.add(PANEL);
                    inputs = inputs.add(R);
                }
            }
        }
        crate::cpu::avx512::sums_of(acc)
    }

    /// [`super::expand`] with 512-bit registers.
    ///
    /// # Safety
    /// AVX-512F is available and `out` holds `(k − 1) · stride + 32` values.
    #[target_feature(enable = "avx512f,avx2")]
    pub(super) unsafe fn expand(panel: &Panel<'_>, out: &mut [f32], stride: usize) {
        let (k, group) = (panel.k, panel.group);
        assert!(panel.quants.len() >= k * PANEL);
        for g in 0..k / group {
            let constants = Group::of(panel, g);
            for c in g * group..(g + 1) * group {
                // SAFETY: `c < k`, the quants hold `k · PANEL` bytes, and `out` holds
                // `c · stride + 32` values (the caller's contract).
                unsafe {
                    let [lo, hi] = constants.weights(panel.quants.as_ptr().add(c * PANEL));
                    let at = out.as_mut_ptr().add(c * stride);
                    _mm512_storeu_ps(at, lo);
                    _mm512_storeu_ps(at.add(LANES), hi);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portable_and_simd_kernels_give_the_same_bits() {
        let k = 96;
        let quants: Vec<i8> = (0..k * PANEL).map(|i| (i * 37 % 251) as u8 as i8).collect();
        let scales: Vec<f32> = (0..k / 32 * PANEL)
            .map(|i| (i as f32 + 1.0) / 700.0)
            .collect();
        let offsets: Vec<f32> = (0..k / 32 * PANEL).map(|i| i as f32 / 900.0).collect();
        let x: Vec<f32> = (0..MAX_ROWS * k)
            .map(|i| ((i * 7919 % 263) as f32 - 131.0) / 97.0)
            .collect();
        for offsets in [None, Some(&offsets[..])] {
            let panel = Panel {
                k,
                group: 32,
                quants: &quants,
                scales: &scales,
                offsets,
            };
            let (x8, x3) = (interleave::<8>(&x, k), interleave::<3>(&x, k));
            assert_eq!(
                panel_sums::<8>(&panel, &x8),
                panel_sums_portable::<8>(&panel, &x8)
            );
            assert_eq!(
                panel_sums::<3>(&panel, &x3),
                panel_sums_portable::<3>(&panel, &x3)
            );
            let mut expanded = vec![0.0; k * PANEL];
            expand(&panel, &mut expanded, PANEL);
            for c in 0..k {
                assert_eq!(expanded[c * PANEL..(c + 1) * PANEL], panel.weights(c));
            }
        }
    }
}
