//! Phi-3: the Llama block with Q/K/V fused into `qkv_proj` and gate/up into `gate_up_proj`,
//! an optional sliding window on every layer, and LongRoPE (`rope_type: longrope`) with the
//! pretraining context `original_max_position_embeddings` at the top level of config.json.
//! Partial rotary embeddings are rejected as unsupported.

use burn::tensor::Device;
use serde::Deserialize;

use crate::arch::config::ConfigFile;
use crate::arch::decoder_model::{DecoderModel, ProjectionNames};
use crate::arch::llama::{self, DEFAULT_ROPE_THETA, Defaults};
use crate::arch::{Architecture, Checkpoint};
use crate::error::LoadError;

/// HF's defaults of `Phi3Config` that differ from Llama's.
const DEFAULTS: Defaults = Defaults {
    rms_norm_eps: 1e-5,
    head_dim: None,
    rope_theta: DEFAULT_ROPE_THETA,
    original_max_position_embeddings: Some(4096),
};

/// config.json of `phi3` (HF `Phi3Config`) beyond the Llama fields of [`llama::Config`].
#[derive(Debug, Deserialize)]
struct Config {
    /// Before transformers 5 this sat beside `rope_theta`; now it is in `rope_parameters`.
    partial_rotary_factor: Option<f64>,
}

/// Loads a Phi-3 checkpoint.
pub(super) fn load(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
) -> Result<DecoderModel, LoadError> {
    let file = ConfigFile::new(checkpoint.config_path);
    let base: llama::Config = file.parse(checkpoint.config, "")?;
    let config: Config = file.parse(checkpoint.config, "")?;
    file.full_rotary("partial_rotary_factor", config.partial_rotary_factor)?;
    let mut spec = base.spec(&file, Architecture::Phi3, &DEFAULTS)?;
    spec.projections = ProjectionNames::Fused;
    base.window_every_layer(&mut spec);
    DecoderModel::load(&spec, checkpoint, device)
}
