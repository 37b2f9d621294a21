//! The burn runtime of babelbench: transformer architectures, weight loading from safetensors
//! and GGUF, and a batched runner that implements [`harness::model::LanguageModel`].

pub mod arch;
pub mod error;
pub mod gguf;
mod layers;
pub mod loader;
pub mod quantized;
pub mod runner;
pub mod safetensors_source;
pub mod tokenizer;
pub mod weights;

/// The OpenBLAS kernel core (say "SkylakeX") that products of many rows go through on the CPU
/// backend, loading OpenBLAS on first call; `None` when it is not installed or is switched off
/// with `BABELBENCH_OPENBLAS=off`, and burn's GEMM is used.
pub fn openblas_core() -> Option<String> {
    layers::blas::init()
}
