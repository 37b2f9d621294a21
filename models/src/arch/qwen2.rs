//! Qwen2: the Llama block with biases on the Q/K/V projections and optional sliding-window
//! layers (`layer_types`, or `use_sliding_window` from `max_window_layers` on).

use burn::tensor::Device;
use serde::Deserialize;

use crate::arch::config::{ConfigFile, LayerType, Positive};
use crate::arch::decoder_model::{DecoderModel, DecoderSpec};
use crate::arch::llama::{self, DEFAULT_RMS_NORM_EPS, DEFAULT_ROPE_THETA, Defaults};
use crate::arch::{Architecture, Checkpoint};
use crate::error::LoadError;

/// config.json of `qwen2` (HF `Qwen2Config`) beyond the Llama fields of [`llama::Config`]:
/// which layers slide. Qwen3 has the same.
#[derive(Debug, Deserialize)]
pub(super) struct Config {
    layer_types: Option<Vec<LayerType>>,
    #[serde(default)]
    use_sliding_window: bool,
    max_window_layers: Option<usize>,
    sliding_window: Option<Positive>,
}

/// Loads a Qwen2 checkpoint.
pub(super) fn load(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
) -> Result<DecoderModel, LoadError> {
    let file = ConfigFile::new(checkpoint.config_path);
    let base: llama::Config = file.parse(checkpoint.config, "")?;
    let config: Config = file.parse(checkpoint.config, "")?;
    let defaults = Defaults {
        rms_norm_eps: DEFAULT_RMS_NORM_EPS,
        head_dim: None,
        rope_theta: DEFAULT_ROPE_THETA,
        original_max_position_embeddings: None,
    };
    let mut spec = base.spec(&file, Architecture::Qwen2, &defaults)?;
    // Qwen2 always has biases on Q/K/V and never on the output projection.
    spec.qkv_bias = true;
    config.apply(&file, &mut spec)?;
    DecoderModel::load(&spec, checkpoint, device)
}

impl Config {
    /// Sets the window of the layers that slide.
    pub(super) fn apply(
        &self,
        file: &ConfigFile<'_>,
        spec: &mut DecoderSpec,
    ) -> Result<(), LoadError> {
        let num_layers = spec.layers.len();
        let sliding = file.sliding_layers(self.layer_types.as_deref(), num_layers, || {
            let first = self.max_window_layers.unwrap_or(num_layers);
            (0..num_layers)
                .map(|i| self.use_sliding_window && i >= first)
                .collect()
        })?;
        if sliding.iter().any(|&s| s) {
            let Positive(window) = self.sliding_window.ok_or_else(|| {
                file.error("sliding_window", "missing but layers use sliding attention")
            })?;
            for (layer, sliding) in spec.layers.iter_mut().zip(sliding) {
                layer.window = sliding.then_some(window);
            }
        }
        Ok(())
    }
}
