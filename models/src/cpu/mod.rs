//! The CPU backend's fast path, apart from the model definition in [`crate::layers`]: weights
//! packed at load into panels (f32, 16-bit, grouped 8-bit quants, bf16 pairs), the panel GEMM
//! and its kernels (AVX-512, AVX2, AVX512_BF16, AMX, portable), attention of a decoding step
//! over the KV cache, and moving tensors to and from host memory. Layers call into it when
//! their device is the CPU backend ([`crate::device::is_cpu`]).

pub(crate) mod amx_kernel;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
pub(crate) mod bf16_kernel;
pub(crate) mod bf16_matrix;
pub(crate) mod decode_attention;
pub(crate) mod dense_matrix;
pub(crate) mod host;
pub(crate) mod panel_gemm;
pub(crate) mod panel_kernel;
pub(crate) mod quant_kernel;
pub(crate) mod quant_matrix;
