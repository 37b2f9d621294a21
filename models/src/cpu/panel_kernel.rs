//! The inner loop of [`crate::cpu::panel_gemm`]: sums of up to [`MAX_ROWS`] input rows
//! against one panel of [`PANEL`] output features held as f32, bf16 or f16 (`[k][PANEL]`,
//! [`PanelValues`]). 16-bit weights are widened to f32 in registers, exactly (bf16 is the upper
//! half of an f32; every f16 is an f32). Each sum is a chain of fused multiply-adds in input
//! order starting from zero, the order of the quantized kernel
//! ([`crate::cpu::quant_kernel::panel_sums`]), so the AVX-512 kernel, the AVX2/FMA one
//! (chosen at run time), the portable one and the quantized one all give the same bits for the
//! same weights, whatever the number of rows.

use half::slice::HalfFloatSliceExt;
use half::{bf16, f16};

use crate::cpu::quant_matrix::PANEL;

/// Most input rows one call of [`panel_sums`] takes: 24 accumulators fill the AVX-512
/// register file with room for the two weight registers and a broadcast.
pub(crate) const MAX_ROWS: usize = 12;

/// One panel's weights, `[k][PANEL]`, in their storage format.
#[derive(Clone, Copy)]
pub(crate) enum PanelValues<'a> {
    /// f32 values.
    F32(&'a [f32]),
    /// bf16 bit patterns.
    Bf16(&'a [u16]),
    /// f16 bit patterns.
    F16(&'a [u16]),
}

/// Kernel format tags, the const parameter of the SIMD kernels.
const F32: u8 = 0;
const BF16: u8 = 1;
const F16: u8 = 2;

impl PanelValues<'_> {
    /// Stored values.
    fn len(&self) -> usize {
        match self {
            Self::F32(v) => v.len(),
            Self::Bf16(v) | Self::F16(v) => v.len(),
        }
    }

    /// Value `i` as f32.
    pub(crate) fn get(&self, i: usize) -> f32 {
        match self {
            Self::F32(v) => v[i],
            Self::Bf16(v) => bf16::from_bits(v[i]).to_f32(),
            Self::F16(v) => f16::from_bits(v[i]).to_f32(),
        }
    }

    /// The values as f32 in `out` (as long as the panel).
    pub(crate) fn widen_into(&self, out: &mut [f32]) {
        match self {
            Self::F32(v) => out.copy_from_slice(v),
            Self::Bf16(v) => {
                for (o, &b) in out.iter_mut().zip(v.iter()) {
                    *o = bf16::from_bits(b).to_f32();
                }
            }
            Self::F16(v) => {
                let values: &[f16] = half::slice::HalfBitsSliceExt::reinterpret_cast(*v);
                values.convert_to_f32_slice(out);
            }
        }
    }
}

/// The sums of `R` input rows, interleaved into `x` (`[k][R]`, see
/// [`crate::cpu::quant_kernel::interleave`]), with the panel `panel` (`[k][PANEL]`).
pub(crate) fn panel_sums<const R: usize>(
    panel: PanelValues<'_>,
    x: &[f32],
    k: usize,
) -> [[f32; PANEL]; R] {
    assert!(R <= MAX_ROWS && x.len() >= R * k && panel.len() >= k * PANEL);
    #[cfg(target_arch = "x86_64")]
    {
        if avx512::available() {
            // SAFETY: the CPU supports AVX-512F and AVX2, checked just above; the panel holds
            // `k · PANEL` values of the format passed and `x` holds `R · k` (asserted).
            return unsafe {
                match panel {
                    PanelValues::F32(v) => avx512::panel_sums::<R, F32>(v.as_ptr().cast(), x, k),
                    PanelValues::Bf16(v) => avx512::panel_sums::<R, BF16>(v.as_ptr().cast(), x, k),
                    PanelValues::F16(v) => avx512::panel_sums::<R, F16>(v.as_ptr().cast(), x, k),
                }
            };
        }
        if avx2::available() {
            // SAFETY: the CPU supports AVX2, FMA and F16C, checked just above; the lengths are
            // asserted as for AVX-512.
            return unsafe {
                match panel {
                    PanelValues::F32(v) => avx2::panel_sums::<R, F32>(v.as_ptr().cast(), x, k),
                    PanelValues::Bf16(v) => avx2::panel_sums::<R, BF16>(v.as_ptr().cast(), x, k),
                    PanelValues::F16(v) => avx2::panel_sums::<R, F16>(v.as_ptr().cast(), x, k),
                }
            };
        }
    }
    panel_sums_portable::<R>(panel, x, k)
}

/// [`panel_sums`] without SIMD intrinsics.
fn panel_sums_portable<const R: usize>(
    panel: PanelValues<'_>,
    x: &[f32],
    k: usize,
) -> [[f32; PANEL]; R] {
    let mut acc = [[0.0f32; PANEL]; R];
    let mut w = [0.0f32; PANEL];
    for c in 0..k {
        for (lane, w) in w.iter_mut().enumerate() {
            *w = panel.get(c * PANEL + lane);
        }
        for (r, acc) in acc.iter_mut().enumerate() {
            let xv = x[c * R + r];
            for (a, &wv) in acc.iter_mut().zip(&w) {
                *a = xv.mul_add(wv, *a);
            }
        }
    }
    acc
}

/// Bytes of one stored value of kernel format `F`.
const fn value_size(format: u8) -> usize {
    if format == F32 { 4 } else { 2 }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m256i, __m512, _mm256_loadu_si256, _mm512_castsi512_ps, _mm512_cvtepu16_epi32,
        _mm512_cvtph_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps,
        _mm512_slli_epi32,
    };

    use super::{BF16, F32, PANEL, value_size};

    /// f32 lanes of one register.
    const LANES: usize = 16;

    /// Whether this CPU runs these kernels.
    pub(super) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
    }

    /// The 32 weights stored at `at` in format `F`, widened to two registers of f32.
    ///
    /// # Safety
    /// AVX-512F is available and `at` points to 32 readable values of format `F`.
    #[inline]
    #[target_feature(enable = "avx512f,avx2")]
    unsafe fn load<const F: u8>(at: *const u8) -> [__m512; 2] {
        // SAFETY: 32 values of format `F` are readable at `at` (the caller's contract); the
        // loads are unaligned.
        unsafe {
            if F == F32 {
                let at = at.cast::<f32>();
                return [_mm512_loadu_ps(at), _mm512_loadu_ps(at.add(LANES))];
            }
            let halves = [
                _mm256_loadu_si256(at.cast::<__m256i>()),
                _mm256_loadu_si256(at.add(2 * LANES).cast::<__m256i>()),
            ];
            if F == BF16 {
                halves
                    .map(|h| _mm512_castsi512_ps(_mm512_slli_epi32::<16>(_mm512_cvtepu16_epi32(h))))
            } else {
                halves.map(|h| _mm512_cvtph_ps(h))
            }
        }
    }

    /// [`super::panel_sums`] with 512-bit registers, for weights of format `F`.
    ///
    /// # Safety
    /// AVX-512F and AVX2 are available; `panel` points to `k · PANEL` values of format `F` and
    /// `x` holds `R · k` values.
    #[target_feature(enable = "avx512f,avx2")]
    pub(super) unsafe fn panel_sums<const R: usize, const F: u8>(
        panel: *const u8,
        x: &[f32],
        k: usize,
    ) -> [[f32; PANEL]; R] {
        debug_assert!(x.len() >= R * k);
        let mut acc = [[_mm512_setzero_ps(); 2]; R];
        let mut weights = panel;
        let mut inputs = x.as_ptr();
        for _ in 0..k {
            // SAFETY: the loop advances `weights` by PANEL values and `inputs` by R values `k`
            // times, inside the lengths of the caller's contract.
            unsafe {
                let [lo, hi] = load::<F>(weights);
                for (r, acc) in acc.iter_mut().enumerate() {
                    let xv = _mm512_set1_ps(*inputs.add(r));
                    acc[0] = _mm512_fmadd_ps(xv, lo, acc[0]);
                    acc[1] = _mm512_fmadd_ps(xv, hi, acc[1]);
                }
                weights = weights.add(PANEL * value_size(F));
                inputs = inputs.add(R);
            }
        }
        crate::cpu::avx512::sums_of(acc)
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m128i, __m256, _mm_loadu_si128, _mm256_castsi256_ps, _mm256_cvtepu16_epi32,
        _mm256_cvtph_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps,
        _mm256_slli_epi32, _mm256_storeu_ps,
    };

    use super::{BF16, F32, PANEL, value_size};

    /// f32 lanes of one register.
    const LANES: usize = 8;
    /// Registers per panel row.
    const REGS: usize = PANEL / LANES;
    /// Input rows summed at once: eight accumulators, four weights and a broadcast fit the
    /// sixteen registers.
    const BLOCK: usize = 2;

    /// Whether this CPU runs these kernels.
    pub(super) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("f16c")
    }

    /// The 32 weights stored at `at` in format `F`, widened to four registers of f32.
    ///
    /// # Safety
    /// AVX2 and F16C are available and `at` points to 32 readable values of format `F`.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    unsafe fn load<const F: u8>(at: *const u8) -> [__m256; REGS] {
        std::array::from_fn(|i| {
            // SAFETY: register `i` reads values `8i .. 8i + 8` of the 32 readable at `at` (the
            // caller's contract); the loads are unaligned.
            unsafe {
                if F == F32 {
                    return _mm256_loadu_ps(at.cast::<f32>().add(i * LANES));
                }
                let h = _mm_loadu_si128(at.add(i * LANES * 2).cast::<__m128i>());
                if F == BF16 {
                    _mm256_castsi256_ps(_mm256_slli_epi32::<16>(_mm256_cvtepu16_epi32(h)))
                } else {
                    _mm256_cvtph_ps(h)
                }
            }
        })
    }

    /// [`super::panel_sums`] with 256-bit registers, for weights of format `F`: the rows go
    /// in blocks of [`BLOCK`], each over the whole panel (which stays in L1/L2).
    ///
    /// # Safety
    /// AVX2, FMA and F16C are available; `panel` points to `k · PANEL` values of format `F`
    /// and `x` holds `R · k` values.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) unsafe fn panel_sums<const R: usize, const F: u8>(
        panel: *const u8,
        x: &[f32],
        k: usize,
    ) -> [[f32; PANEL]; R] {
        let mut sums = [[0.0f32; PANEL]; R];
        let mut r = 0;
        while r < R {
            // SAFETY: forwarded from the caller's contract; `r + taken <= R`.
            let taken = unsafe {
                if r + BLOCK <= R {
                    block::<R, BLOCK, F>(panel, x, k, r, &mut sums[r..r + BLOCK])
                } else {
                    block::<R, 1, F>(panel, x, k, r, &mut sums[r..r + 1])
                }
            };
            r += taken;
        }
        sums
    }

    /// The sums of input rows `first .. first + B` of the `R` interleaved in `x` into `sums`;
    /// returns `B`.
    ///
    /// # Safety
    /// As for [`panel_sums`], and `first + B <= R`.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    unsafe fn block<const R: usize, const B: usize, const F: u8>(
        panel: *const u8,
        x: &[f32],
        k: usize,
        first: usize,
        sums: &mut [[f32; PANEL]],
    ) -> usize {
        let mut acc = [[_mm256_setzero_ps(); REGS]; B];
        let mut weights = panel;
        // SAFETY: `first < R`, inside `x`.
        let mut inputs = unsafe { x.as_ptr().add(first) };
        for _ in 0..k {
            // SAFETY: the loop advances `weights` by PANEL values and `inputs` by R values `k`
            // times; `inputs` reads values `first .. first + B` of each input's R, inside `x`.
            unsafe {
                let w = load::<F>(weights);
                for (b, acc) in acc.iter_mut().enumerate() {
                    let xv = _mm256_set1_ps(*inputs.add(b));
                    for (a, &w) in acc.iter_mut().zip(&w) {
                        *a = _mm256_fmadd_ps(xv, w, *a);
                    }
                }
                weights = weights.add(PANEL * value_size(F));
                inputs = inputs.add(R);
            }
        }
        for (sum, acc) in sums.iter_mut().zip(acc) {
            for (i, a) in acc.into_iter().enumerate() {
                // SAFETY: `sum` holds PANEL = REGS · LANES f32; the stores are unaligned.
                unsafe { _mm256_storeu_ps(sum.as_mut_ptr().add(i * LANES), a) };
            }
        }
        B
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::quant_kernel::interleave;

    /// A panel of `k` inputs: f32 values that bf16 and f16 hold exactly, and their bits.
    fn panels(k: usize) -> (Vec<f32>, Vec<u16>, Vec<u16>) {
        let values: Vec<f32> = (0..k * PANEL)
            .map(|i| ((i * 37 % 251) as f32 - 125.0) / 64.0)
            .collect();
        let bf = values
            .iter()
            .map(|&v| bf16::from_f32(v).to_bits())
            .collect();
        let hf = values.iter().map(|&v| f16::from_f32(v).to_bits()).collect();
        (values, bf, hf)
    }

    /// Every kernel this CPU runs, applied to `R` rows.
    fn every_kernel<const R: usize>(
        panel: PanelValues<'_>,
        x: &[f32],
        k: usize,
    ) -> Vec<[[f32; PANEL]; R]> {
        let mut out = vec![
            panel_sums_portable::<R>(panel, x, k),
            panel_sums::<R>(panel, x, k),
        ];
        #[cfg(target_arch = "x86_64")]
        if avx2::available() {
            // SAFETY: AVX2, FMA and F16C are present, checked just above; the lengths hold.
            out.push(unsafe {
                match panel {
                    PanelValues::F32(v) => avx2::panel_sums::<R, F32>(v.as_ptr().cast(), x, k),
                    PanelValues::Bf16(v) => avx2::panel_sums::<R, BF16>(v.as_ptr().cast(), x, k),
                    PanelValues::F16(v) => avx2::panel_sums::<R, F16>(v.as_ptr().cast(), x, k),
                }
            });
        }
        out
    }

    #[test]
    fn every_kernel_and_format_gives_the_bits_of_one_fma_chain() {
        let k = 77;
        let (values, bf, hf) = panels(k);
        let x: Vec<f32> = (0..MAX_ROWS * k)
            .map(|i| ((i * 7919 % 263) as f32 - 131.0) / 97.0)
            .collect();
        let (x12, x5) = (interleave::<12>(&x, k), interleave::<5>(&x, k));
        let want = |r: usize, lane: usize| {
            (0..k).fold(0.0f32, |acc, c| {
                x[r * k + c].mul_add(values[c * PANEL + lane], acc)
            })
        };
        for panel in [
            PanelValues::F32(&values),
            PanelValues::Bf16(&bf),
            PanelValues::F16(&hf),
        ] {
            for sums in every_kernel::<12>(panel, &x12, k) {
                for (r, row) in sums.iter().enumerate() {
                    for (lane, &v) in row.iter().enumerate() {
                        assert_eq!(v.to_bits(), want(r, lane).to_bits(), "row {r} lane {lane}");
                    }
                }
            }
            // Row 3 of the twelve is row 3 of the five: the sums do not depend on the block.
            for sums in every_kernel::<5>(panel, &x5, k) {
                assert_eq!(sums[3], panel_sums::<12>(panel, &x12, k)[3]);
            }
        }
    }

    #[test]
    fn widening_gives_the_stored_values() {
        let (values, bf, hf) = panels(3);
        for panel in [
            PanelValues::F32(&values),
            PanelValues::Bf16(&bf),
            PanelValues::F16(&hf),
        ] {
            let mut out = vec![f32::NAN; values.len()];
            panel.widen_into(&mut out);
            assert_eq!(out, values);
            assert!((0..values.len()).all(|i| panel.get(i) == values[i]));
        }
    }
}
