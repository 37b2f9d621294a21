//! The CPU backend's fast path, apart from the model definition in [`crate::layers`]: weights
//! packed at load into panels (f32, 16-bit, grouped 8-bit quants, bf16 pairs), the panel GEMM
//! and its kernels (AVX-512, AVX2, AVX512_BF16, AMX, portable), softmax attention over a
//! row's visible keys, and moving tensors to and from host memory. Layers call into it when
//! their device is the CPU backend ([`crate::device::is_cpu`]).

pub(crate) mod amx_kernel;
pub(crate) mod attention;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
pub(crate) mod bf16_kernel;
pub(crate) mod bf16_matrix;
pub(crate) mod dense_matrix;
pub(crate) mod host;
pub(crate) mod panel_gemm;
pub(crate) mod panel_kernel;
pub(crate) mod quant_kernel;
pub(crate) mod quant_matrix;

/// The peak multiply-add rates of one core that BENCHMARKS.md reports scoring against:
/// `cargo test -p models --lib -- --ignored --nocapture peak_rates`.
#[cfg(all(test, target_arch = "x86_64"))]
mod peak {
    use std::arch::asm;
    use std::arch::x86_64::{
        __m512, __m512bh, _mm512_add_ps, _mm512_dpbf16_ps, _mm512_fmadd_ps, _mm512_reduce_add_ps,
        _mm512_set1_epi32, _mm512_set1_ps, _mm512_setzero_ps,
    };
    use std::time::Instant;

    use crate::cpu::amx_kernel;

    /// Independent accumulators: enough to hide the latency of either instruction.
    const CHAINS: usize = 24;

    #[target_feature(enable = "avx512f")]
    fn fma_loop(steps: usize) -> f32 {
        let mut acc = [_mm512_setzero_ps(); CHAINS];
        let w = _mm512_set1_ps(1.0);
        for _ in 0..steps {
            for a in acc.iter_mut() {
                *a = _mm512_fmadd_ps(w, w, *a);
            }
        }
        _mm512_reduce_add_ps(
            acc.into_iter()
                .fold(_mm512_setzero_ps(), |s, a| _mm512_add_ps(s, a)),
        )
    }

    #[target_feature(enable = "avx512f,avx512bf16")]
    fn dpbf16_loop(steps: usize) -> f32 {
        let mut acc: [__m512; CHAINS] = [_mm512_setzero_ps(); CHAINS];
        // SAFETY: 64 bytes of plain data reinterpreted as 32 bf16 (each 1.0).
        let w: __m512bh = unsafe { std::mem::transmute(_mm512_set1_epi32(0x3f80_3f80)) };
        for _ in 0..steps {
            for a in acc.iter_mut() {
                *a = _mm512_dpbf16_ps(*a, w, w);
            }
        }
        _mm512_reduce_add_ps(
            acc.into_iter()
                .fold(_mm512_setzero_ps(), |s, a| _mm512_add_ps(s, a)),
        )
    }

    /// `steps` × four tile multiplies on resident tiles.
    fn amx_loop(steps: usize) {
        let mut config = [0u8; 64];
        config[0] = 1;
        for tile in 0..8 {
            config[16 + 2 * tile] = 64;
            config[48 + tile] = 16;
        }
        let ones = vec![0x3f80u16; 16 * 32];
        // SAFETY: AMX is usable (the caller checks); the config is 64 readable bytes and each
        // load reads 16 rows of 64 bytes of `ones`; no other code uses the tile registers.
        unsafe {
            asm!(
                "ldtilecfg [{c}]",
                "tilezero tmm0", "tilezero tmm1", "tilezero tmm2", "tilezero tmm3",
                "tileloadd tmm4, [{b} + {s}*1]", "tileloadd tmm5, [{b} + {s}*1]",
                "tileloadd tmm6, [{b} + {s}*1]", "tileloadd tmm7, [{b} + {s}*1]",
                c = in(reg) config.as_ptr(), b = in(reg) ones.as_ptr(), s = in(reg) 64usize,
                options(nostack, readonly),
            );
            for _ in 0..steps {
                asm!(
                    "tdpbf16ps tmm0, tmm4, tmm6",
                    "tdpbf16ps tmm1, tmm4, tmm7",
                    "tdpbf16ps tmm2, tmm5, tmm6",
                    "tdpbf16ps tmm3, tmm5, tmm7",
                    options(nostack, nomem),
                );
            }
            asm!("tilerelease", options(nostack, nomem));
        }
    }

    /// Giga multiply-adds per second of `macs` done by `run`.
    fn rate(macs: f64, run: impl FnOnce()) -> f64 {
        let start = Instant::now();
        run();
        macs / start.elapsed().as_secs_f64() / 1e9
    }

    #[test]
    #[ignore = "a measurement, not a check"]
    fn peak_rates() {
        let steps = 20_000_000;
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F is present, checked just above.
            let r = rate((steps * CHAINS * 16) as f64, || unsafe {
                std::hint::black_box(fma_loop(steps));
            });
            println!("f32 FMA: {r:.1} GMAC/s");
        }
        if std::arch::is_x86_feature_detected!("avx512bf16") {
            // SAFETY: AVX-512F and AVX512_BF16 are present, checked just above.
            let r = rate((steps * CHAINS * 32) as f64, || unsafe {
                std::hint::black_box(dpbf16_loop(steps));
            });
            println!("vdpbf16ps: {r:.1} GMAC/s");
        }
        if amx_kernel::usable() {
            let steps = steps / 10;
            let r = rate((steps * 4 * 16 * 16 * 32) as f64, || amx_loop(steps));
            println!("AMX tdpbf16ps: {r:.1} GMAC/s");
        }
    }
}
