//! Building blocks shared by the architectures: projections, norms, RoPE, attention with masks
//! and KV cache, feed-forward blocks and the pre-norm decoder block.

pub(crate) mod attention;
pub(crate) mod decoder;
pub(crate) mod embedding;
pub(crate) mod kv_cache;
pub(crate) mod layer_norm;
pub(crate) mod linear;
pub(crate) mod mask;
pub(crate) mod mlp;
pub(crate) mod param;
pub(crate) mod rms_norm;
pub(crate) mod rope;
