//! Qwen3: the Qwen2 block without Q/K/V biases (unless `attention_bias`) and with a per-head
//! RMSNorm of queries and keys before RoPE; sliding-window layers as in Qwen2.

use burn::tensor::Device;
use serde::Deserialize;

use crate::arch::config::ConfigFile;
use crate::arch::decoder_model::DecoderModel;
use crate::arch::llama::{self, DEFAULT_RMS_NORM_EPS, DEFAULT_ROPE_THETA, Defaults};
use crate::arch::{Architecture, Checkpoint, qwen2};
use crate::error::LoadError;

/// HF's default `head_dim` of `Qwen3Config`.
fn default_head_dim() -> usize {
    128
}

/// config.json of `qwen3` (HF `Qwen3Config`) beyond the Llama fields of [`llama::Config`]
/// and the sliding-window fields of [`qwen2::Config`]: `head_dim` has its own default.
#[derive(Debug, Deserialize)]
struct Config {
    #[serde(default = "default_head_dim")]
    head_dim: usize,
}

/// Loads a Qwen3 checkpoint.
pub(super) fn load(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
) -> Result<DecoderModel, LoadError> {
    let file = ConfigFile::new(checkpoint.config_path);
    let base: llama::Config = file.parse(checkpoint.config, "")?;
    let windows: qwen2::Config = file.parse(checkpoint.config, "")?;
    let config: Config = file.parse(checkpoint.config, "")?;
    let defaults = Defaults {
        rms_norm_eps: DEFAULT_RMS_NORM_EPS,
        head_dim: Some(config.head_dim),
        rope_theta: DEFAULT_ROPE_THETA,
        original_max_position_embeddings: None,
    };
    let mut spec = base.spec(&file, Architecture::Qwen3, &defaults)?;
    spec.qkv_bias = base.attention_bias();
    spec.out_bias = base.attention_bias();
    spec.qk_norm = true;
    windows.apply(&file, &mut spec)?;
    DecoderModel::load(&spec, checkpoint, device)
}
