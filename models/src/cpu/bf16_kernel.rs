//! The inner loop of `--dtype bf16` products ([`crate::cpu::bf16_matrix`]): up to
//! [`MAX_ROWS`] input rows, rounded to bf16, against one panel of [`PANEL`] output features
//! whose weights are bf16 pairs (`[k / 2][PANEL]`, each `u32` holding inputs `2c` and `2c + 1`
//! of one output feature in its low and high half).
//!
//! The sums follow the semantics of AVX512_BF16's `vdpbf16ps`, which the SIMD kernel uses: for
//! each pair in input order, `acc = ftz(fma(x₁, w₁, acc))`, then `acc = ftz(fma(x₀, w₀, acc))`,
//! where `ftz` flushes a subnormal result to zero of the same sign and subnormal bf16 inputs
//! count as zero (the rounding in [`round`] already flushes them). Each output is therefore one
//! chain in input order whatever the number of rows, so a row's bits do not depend on its
//! batch. The portable kernel computes the same chain; the SIMD kernel is used only where a
//! probe at first use finds the CPU's instruction giving those very bits (a CPU whose
//! `vdpbf16ps` rounds otherwise would make results depend on the machine), so every CPU that
//! takes this path gives the same bits. CPUs with AMX take [`crate::cpu::amx_kernel`] instead
//! where the width allows, whose tile multiplies sum in their own order.

use std::sync::OnceLock;

use crate::cpu::quant_matrix::PANEL;

/// Most input rows one call of [`panel_sums`] takes: 24 accumulators, two weight registers
/// and a broadcast fill the AVX-512 register file.
pub(crate) const MAX_ROWS: usize = 12;

/// `x` rounded to bf16 to nearest, ties to even; a result below bf16's smallest normal becomes
/// zero of the same sign (as the kernels read it), and NaN stays NaN.
pub(crate) fn round(x: f32) -> u16 {
    let bits = x.to_bits();
    if x.is_nan() {
        return (bits >> 16) as u16 | 0x0040;
    }
    let rounded = (bits + 0x7fff + ((bits >> 16) & 1)) >> 16;
    let half = rounded as u16;
    if half & 0x7f80 == 0 {
        half & 0x8000
    } else {
        half
    }
}

/// The bf16 value with bit pattern `half`, as f32 (exact).
pub(crate) fn widen(half: u16) -> f32 {
    f32::from_bits(u32::from(half) << 16)
}

/// Inputs `2c` and `2c + 1` of `values` rounded to bf16 as one pair, zero past the end.
pub(crate) fn pair_at(values: &[f32], c: usize) -> u32 {
    let at = |i: usize| values.get(i).map_or(0, |&v| round(v));
    u32::from(at(2 * c)) | u32::from(at(2 * c + 1)) << 16
}

/// `R` input rows of `x` (`[R, k]`) as bf16 pairs interleaved for [`panel_sums`]:
/// `[k.div_ceil(2)][R]`.
pub(crate) fn interleave<const R: usize>(x: &[f32], k: usize) -> Vec<u32> {
    let pairs = k.div_ceil(2);
    let mut out = vec![0u32; pairs * R];
    for r in 0..R {
        let row = &x[r * k..(r + 1) * k];
        for c in 0..pairs {
            out[c * R + r] = pair_at(row, c);
        }
    }
    out
}

/// The sums of `R` input rows, interleaved by [`interleave`] into `x` (`[pairs][R]`), with
/// the panel `panel` (`[pairs][PANEL]` bf16 pairs).
pub(crate) fn panel_sums<const R: usize>(panel: &[u32], x: &[u32]) -> [[f32; PANEL]; R] {
    let pairs = panel.len() / PANEL;
    assert!(R <= MAX_ROWS && x.len() >= R * pairs);
    #[cfg(target_arch = "x86_64")]
    if simd::usable() {
        // SAFETY: the CPU supports AVX-512F and AVX512_BF16 (`usable` checked it); the panel
        // holds `pairs · PANEL` pairs and `x` `R · pairs` (asserted).
        return unsafe { simd::panel_sums::<R>(panel.as_ptr(), x, pairs) };
    }
    panel_sums_portable::<R>(panel, x)
}

/// Whether products run on the CPU's bf16 dot-product instruction (else on the portable
/// kernel, several times slower than the f32 path).
pub(crate) fn accelerated() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        simd::usable()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `v`, or zero of its sign when it is subnormal.
fn flush(v: f32) -> f32 {
    if v.abs() < f32::MIN_POSITIVE {
        0.0f32.copysign(v)
    } else {
        v
    }
}

/// [`panel_sums`] without SIMD intrinsics.
fn panel_sums_portable<const R: usize>(panel: &[u32], x: &[u32]) -> [[f32; PANEL]; R] {
    let halves = |p: u32| (widen(p as u16), widen((p >> 16) as u16));
    let mut acc = [[0.0f32; PANEL]; R];
    for (c, weights) in panel.chunks_exact(PANEL).enumerate() {
        for (r, acc) in acc.iter_mut().enumerate() {
            let (x0, x1) = halves(x[c * R + r]);
            for (a, &w) in acc.iter_mut().zip(weights) {
                let (w0, w1) = halves(w);
                *a = flush(x0.mul_add(w0, flush(x1.mul_add(w1, *a))));
            }
        }
    }
    acc
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::{
        __m512bh, __m512i, _mm512_dpbf16_ps, _mm512_loadu_epi32, _mm512_set1_epi32,
        _mm512_setzero_ps,
    };

    use super::{OnceLock, PANEL, panel_sums_portable};

    /// f32 lanes of one register.
    const LANES: usize = 16;

    /// Whether this CPU has the instructions and they give the portable kernel's bits
    /// (probed once).
    pub(super) fn usable() -> bool {
        static USABLE: OnceLock<bool> = OnceLock::new();
        *USABLE.get_or_init(|| {
            let present = std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bf16");
            present && agrees_with_portable()
        })
    }

    /// Whether the SIMD kernel gives the portable kernel's bits on pairs whose order, rounding
    /// and flushing all matter: magnitudes from 2⁻¹⁶⁰ to 2⁴⁰, so that some products and sums
    /// fall below f32's normal range, and sums that cancel.
    fn agrees_with_portable() -> bool {
        const PAIRS: usize = 96;
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut value = || {
            let r = next();
            let exponent = (r % 200) as i32 - 160;
            let mantissa = 1.0 + ((r >> 8) % 128) as f32 / 128.0;
            let sign = if r >> 20 & 1 == 1 { -1.0 } else { 1.0 };
            sign * mantissa * 2f32.powi(exponent)
        };
        let mut pair = || u32::from(super::round(value())) | u32::from(super::round(value())) << 16;
        let panel: Vec<u32> = (0..PAIRS * PANEL).map(|_| pair()).collect();
        let x: Vec<u32> = (0..PAIRS * 2).map(|_| pair()).collect();
        // SAFETY: `usable` calls this only once AVX-512F and AVX512_BF16 are detected; the
        // panel holds PAIRS · PANEL pairs and `x` 2 · PAIRS.
        let simd = unsafe { panel_sums::<2>(panel.as_ptr(), &x, PAIRS) };
        let portable = panel_sums_portable::<2>(&panel, &x);
        let bits = |sums: [[f32; PANEL]; 2]| sums.map(|row| row.map(f32::to_bits));
        bits(simd) == bits(portable)
    }

    /// [`super::panel_sums`] with `vdpbf16ps`.
    ///
    /// # Safety
    /// AVX-512F and AVX512_BF16 are available; `panel` points to `pairs · PANEL` pairs and
    /// `x` holds `R · pairs`.
    #[target_feature(enable = "avx512f,avx512bf16")]
    pub(super) unsafe fn panel_sums<const R: usize>(
        panel: *const u32,
        x: &[u32],
        pairs: usize,
    ) -> [[f32; PANEL]; R] {
        debug_assert!(x.len() >= R * pairs);
        let as_bf16 = |v: __m512i| -> __m512bh {
            // SAFETY: both are 512 bits of plain data; the lanes are bf16 pairs.
            unsafe { std::mem::transmute::<__m512i, __m512bh>(v) }
        };
        let mut acc = [[_mm512_setzero_ps(); 2]; R];
        let mut weights = panel;
        let mut inputs = x.as_ptr();
        for _ in 0..pairs {
            // SAFETY: the loop advances `weights` by PANEL pairs and `inputs` by R pairs
            // `pairs` times, inside the lengths of the caller's contract; loads are unaligned.
            unsafe {
                let lo = as_bf16(_mm512_loadu_epi32(weights.cast()));
                let hi = as_bf16(_mm512_loadu_epi32(weights.add(LANES).cast()));
                for (r, acc) in acc.iter_mut().enumerate() {
                    let xv = as_bf16(_mm512_set1_epi32(*inputs.add(r) as i32));
                    acc[0] = _mm512_dpbf16_ps(acc[0], xv, lo);
                    acc[1] = _mm512_dpbf16_ps(acc[1], xv, hi);
                }
                weights = weights.add(PANEL);
                inputs = inputs.add(R);
            }
        }
        crate::cpu::avx512::sums_of(acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_to_nearest_even_and_flushes_subnormals() {
        // 1 + 2⁻⁸ is halfway between two bf16 values: ties go to the even one (1.0); a bit
        // more goes up.
        assert_eq!(round(1.0 + 2f32.powi(-8)), 0x3f80);
        assert_eq!(round(1.0 + 2f32.powi(-8) + 2f32.powi(-20)), 0x3f81);
        assert_eq!(round(1.0 + 3.0 * 2f32.powi(-8)), 0x3f82);
        assert_eq!(round(-2.5), 0xc020);
        assert_eq!(round(f32::MAX), 0x7f80, "overflow rounds to infinity");
        assert_eq!(round(1e-39), 0x0000, "subnormal flushed");
        assert_eq!(round(-1e-39), 0x8000, "sign kept");
        assert!(widen(round(f32::NAN)).is_nan());
        for v in [0.0f32, 1.0, -0.375, 2f32.powi(127), f32::MIN_POSITIVE] {
            assert_eq!(widen(round(v)), v, "{v} is a bf16 value");
        }
    }

    #[test]
    fn pairs_hold_even_inputs_low_and_pad_odd_widths_with_zero() {
        let row = [1.0f32, 2.0, 3.0];
        assert_eq!(pair_at(&row, 0), 0x4000_3f80);
        assert_eq!(pair_at(&row, 1), 0x0000_4040);
        let x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        // Two rows of three: pairs [row][c] interleaved as [c][row].
        assert_eq!(
            interleave::<2>(&x, 3),
            vec![
                pair_at(&x[..3], 0),
                pair_at(&x[3..], 0),
                pair_at(&x[..3], 1),
                pair_at(&x[3..], 1)
            ]
        );
    }

    /// The chain of the module docs, one output at a time.
    fn chain(x: &[f32], w: &[f32]) -> f32 {
        let mut acc = 0.0f32;
        for c in 0..x.len().div_ceil(2) {
            let at = |v: &[f32], i: usize| v.get(i).map_or(0.0, |&v| widen(round(v)));
            acc = flush(at(x, 2 * c + 1).mul_add(at(w, 2 * c + 1), acc));
            acc = flush(at(x, 2 * c).mul_add(at(w, 2 * c), acc));
        }
        acc
    }

    #[test]
    fn every_kernel_gives_the_bits_of_the_pairwise_chain_for_any_row_count() {
        // k = 45: an odd width, padded. Values of many magnitudes, some far below 1.
        let (k, pairs) = (45, 23);
        let value = |i: usize| {
            ((i * 7919 % 263) as f32 - 131.0) / 97.0 * 2f32.powi((i % 9) as i32 * 4 - 20)
        };
        let x: Vec<f32> = (0..MAX_ROWS * k).map(value).collect();
        let w: Vec<f32> = (0..PANEL * k).map(|i| value(i + 5000)).collect();
        // Panel `[pairs][PANEL]`: output feature `lane` holds row `lane` of `w`.
        let panel: Vec<u32> = (0..pairs * PANEL)
            .map(|i| pair_at(&w[(i % PANEL) * k..(i % PANEL + 1) * k], i / PANEL))
            .collect();
        let x12 = interleave::<12>(&x, k);
        let mut kernels = vec![panel_sums_portable::<12>(&panel, &x12)];
        kernels.push(panel_sums::<12>(&panel, &x12));
        for sums in kernels {
            for (r, row) in sums.iter().enumerate() {
                for (lane, &v) in row.iter().enumerate() {
                    let want = chain(&x[r * k..(r + 1) * k], &w[lane * k..(lane + 1) * k]);
                    assert_eq!(v.to_bits(), want.to_bits(), "row {r} lane {lane}");
                }
            }
        }
        // Row 3 of twelve is row 3 of five: the sums do not depend on the block.
        let x5 = interleave::<5>(&x, k);
        assert_eq!(
            panel_sums::<5>(&panel, &x5)[3],
            panel_sums::<12>(&panel, &x12)[3]
        );
    }
}
