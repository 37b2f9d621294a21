//! Llama (also SmolLM, TinyLlama) and Mistral: pre-norm blocks with RMSNorm, RoPE, grouped
//! key/value heads and a SiLU-gated feed-forward block; Mistral adds a sliding window.

use burn::tensor::Device;
use serde::Deserialize;

use crate::arch::config::{ConfigFile, HiddenAct, Positive, RopeContext, RopeFields, single_rope};
use crate::arch::decoder_model::{
    DecoderModel, DecoderSpec, LayerPattern, ProjectionNames, WeightNames,
};
use crate::arch::{Architecture, Checkpoint, ModelShape};
use crate::error::LoadError;
use crate::layers::attention::HeadLayout;
use crate::layers::rms_norm::NormWeights;

/// RoPE base of Llama configs that do not set one.
pub(super) const DEFAULT_ROPE_THETA: f64 = 10_000.0;

/// HF's default `rms_norm_eps` of Llama, Mistral and the Qwen models.
pub(super) const DEFAULT_RMS_NORM_EPS: f64 = 1e-6;

/// HF's default `hidden_act` of the SiLU-gated models.
fn silu() -> HiddenAct {
    HiddenAct::Silu
}

/// config.json of `llama` and `mistral` (HF `LlamaConfig`, `MistralConfig`). Qwen2, Qwen3 and
/// Phi-3 configs have these fields too: their files read this and their own `Config` beside.
#[derive(Debug, Deserialize)]
pub(super) struct Config {
    hidden_size: Positive,
    intermediate_size: Positive,
    num_hidden_layers: Positive,
    num_attention_heads: Positive,
    num_key_value_heads: Option<Positive>,
    head_dim: Option<usize>,
    vocab_size: Positive,
    /// HF's default differs between the architectures; see [`Defaults`].
    rms_norm_eps: Option<f64>,
    #[serde(default = "silu")]
    hidden_act: HiddenAct,
    #[serde(default)]
    attention_bias: bool,
    #[serde(default)]
    mlp_bias: bool,
    #[serde(default)]
    tie_word_embeddings: bool,
    rope_theta: Option<f64>,
    rope_scaling: Option<RopeFields>,
    rope_parameters: Option<RopeFields>,
    max_position_embeddings: Option<usize>,
    /// Phi-3's pretraining context, outside `rope_parameters`; see [`RopeContext`].
    original_max_position_embeddings: Option<usize>,
    /// Mistral's and Phi-3's window on every layer.
    sliding_window: Option<Positive>,
}

/// HF defaults that differ between the architectures reading [`Config`].
pub(super) struct Defaults {
    /// `rms_norm_eps`.
    pub(super) rms_norm_eps: f64,
    /// `head_dim`; `None`: `hidden_size / num_attention_heads`.
    pub(super) head_dim: Option<usize>,
    /// `rope_theta`.
    pub(super) rope_theta: f64,
    /// Top-level `original_max_position_embeddings` (Phi-3: 4096, the others have none).
    pub(super) original_max_position_embeddings: Option<usize>,
}

/// The defaults of Llama and Mistral.
const LLAMA_DEFAULTS: Defaults = Defaults {
    rms_norm_eps: DEFAULT_RMS_NORM_EPS,
    head_dim: None,
    rope_theta: DEFAULT_ROPE_THETA,
    original_max_position_embeddings: None,
};

/// Loads a Llama or Mistral checkpoint.
pub(super) fn load(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
    architecture: Architecture,
) -> Result<DecoderModel, LoadError> {
    let file = ConfigFile::new(checkpoint.config_path);
    let config: Config = file.parse(checkpoint.config, "")?;
    let mut spec = config.spec(&file, architecture, &LLAMA_DEFAULTS)?;
    spec.qkv_bias = config.attention_bias;
    spec.out_bias = config.attention_bias;
    spec.mlp_bias = config.mlp_bias;
    if architecture == Architecture::Mistral {
        config.window_every_layer(&mut spec);
    }
    DecoderModel::load(&spec, checkpoint, device)
}

impl Config {
    /// The spec of a Llama-style model with global attention on every layer and no biases.
    pub(super) fn spec(
        &self,
        file: &ConfigFile<'_>,
        architecture: Architecture,
        defaults: &Defaults,
    ) -> Result<DecoderSpec, LoadError> {
        let Positive(hidden_size) = self.hidden_size;
        let Positive(num_layers) = self.num_hidden_layers;
        let Positive(heads) = self.num_attention_heads;
        let head_dim = match self.head_dim.or(defaults.head_dim) {
            Some(d) => d,
            None if hidden_size.is_multiple_of(heads) => hidden_size / heads,
            None => {
                return Err(file.error(
                    "num_attention_heads",
                    format!("{heads} does not divide hidden_size {hidden_size}; set head_dim"),
                ));
            }
        };
        let layout = head_layout(
            file,
            heads,
            self.num_key_value_heads,
            head_dim,
            (head_dim as f64).powf(-0.5),
        )?;
        let rope = single_rope(
            file,
            self.rope_parameters.as_ref(),
            self.rope_theta,
            self.rope_scaling.as_ref(),
            defaults.rope_theta,
            &RopeContext {
                max_position_embeddings: self.max_position_embeddings,
                original_max_position_embeddings: self
                    .original_max_position_embeddings
                    .or(defaults.original_max_position_embeddings),
                head_dim,
            },
        )?;
        Ok(DecoderSpec {
            info: ModelShape {
                architecture,
                vocab_size: self.vocab_size.0,
                hidden_size,
                num_layers,
                max_positions: None,
            },
            intermediate_size: self.intermediate_size.0,
            heads: layout,
            rms_norm_eps: self.rms_norm_eps.unwrap_or(defaults.rms_norm_eps),
            norm_weights: NormWeights::Direct,
            projections: ProjectionNames::Separate,
            qkv_bias: false,
            out_bias: false,
            mlp_bias: false,
            activation: self.hidden_act.into(),
            qk_norm: false,
            sandwich_norms: false,
            embed_scale: None,
            final_softcap: None,
            tie_embeddings: self.tie_word_embeddings,
            ropes: vec![rope],
            layers: vec![
                LayerPattern {
                    window: None,
                    rope: 0
                };
                num_layers
            ],
            names: WeightNames::CAUSAL_LM,
        })
    }

    /// `attention_bias`.
    pub(super) fn attention_bias(&self) -> bool {
        self.attention_bias
    }

    /// Puts `sliding_window`, when set, on every layer of `spec`.
    pub(super) fn window_every_layer(&self, spec: &mut DecoderSpec) {
        if let Some(Positive(window)) = self.sliding_window {
            spec.layers.iter_mut().for_each(|l| l.window = Some(window));
        }
    }
}

/// Head layout with `num_key_value_heads` (default: `heads`) checked against `heads`.
pub(super) fn head_layout(
    file: &ConfigFile<'_>,
    heads: usize,
    kv_heads: Option<Positive>,
    head_dim: usize,
    scale: f64,
) -> Result<HeadLayout, LoadError> {
    let kv_heads = kv_heads.map_or(heads, |Positive(n)| n);
    if !heads.is_multiple_of(kv_heads) {
        return Err(file.error(
            "num_key_value_heads",
            format!("{kv_heads} does not divide num_attention_heads {heads}"),
        ));
    }
    if head_dim == 0 || !head_dim.is_multiple_of(2) {
        return Err(file.error(
            "head_dim",
            format!("{head_dim} must be a positive even number for RoPE"),
        ));
    }
    Ok(HeadLayout {
        heads,
        kv_heads,
        head_dim,
        scale,
        softcap: None,
    })
}
