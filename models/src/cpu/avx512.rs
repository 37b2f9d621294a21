//! What the AVX-512 panel kernels share: their accumulators, two registers per input row (the
//! panel's output features 0-15 and 16-31), read back as arrays.

use std::arch::x86_64::__m512;

use crate::cpu::quant_matrix::PANEL;

/// f32 lanes of one register.
const LANES: usize = 16;

/// The sums of `R` rows held as two registers each.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn sums_of<const R: usize>(acc: [[__m512; 2]; R]) -> [[f32; PANEL]; R] {
    acc.map(|[lo, hi]| {
        // SAFETY: an `__m512` is 64 bytes of plain data, sixteen f32 lanes in order.
        let halves: [[f32; LANES]; 2] = unsafe { std::mem::transmute([lo, hi]) };
        std::array::from_fn(|i| halves[i / LANES][i % LANES])
    })
}
