//! Gemma 3 text models: sliding-window and global layers (`layer_types`) with their own RoPE
//! bases, per-head query/key RMSNorm, norms before and after both sub-blocks, `(1 + w)` norm
//! weights, GELU-tanh gating, embeddings scaled by `sqrt(hidden)`, `query_pre_attn_scalar`
//! score scaling, tied embeddings and optional logit softcapping. Also the language model of a
//! multimodal Gemma 3 (`Gemma3ForConditionalGeneration`), read from its `text_config`.

use burn::tensor::Device;
use serde::Deserialize;
use serde_json::Value;

use crate::arch::config::{
    ConfigFile, HiddenAct, LayerType, Positive, RopeContext, RopeFields, default_true, single_rope,
};
use crate::arch::decoder_model::{
    DecoderModel, DecoderSpec, LayerPattern, ProjectionNames, WeightNames,
};
use crate::arch::llama::{DEFAULT_RMS_NORM_EPS, head_layout};
use crate::arch::{Architecture, Checkpoint, ModelShape};
use crate::error::LoadError;
use crate::layers::rms_norm::NormWeights;
use crate::layers::rope::{RopeConfig, RopeScaling};

/// RoPE base of global layers when the config does not set one.
const DEFAULT_GLOBAL_THETA: f64 = 1_000_000.0;
/// RoPE base of sliding layers when the config does not set one.
const DEFAULT_LOCAL_THETA: f64 = 10_000.0;
/// Index of the global RoPE table.
const GLOBAL_ROPE: usize = 0;
/// Index of the sliding-window RoPE table.
const LOCAL_ROPE: usize = 1;

/// HF's default `head_dim` of the Gemma models.
fn default_head_dim() -> usize {
    256
}

/// HF's default `query_pre_attn_scalar`.
fn default_query_pre_attn_scalar() -> f64 {
    256.0
}

/// HF's default `hidden_activation` of the Gemma models.
fn gelu_tanh() -> HiddenAct {
    HiddenAct::GeluTanh
}

/// HF's default `sliding_window` of the Gemma models.
fn default_sliding_window() -> Positive {
    Positive(4096)
}

/// config.json of `gemma3_text` (HF `Gemma3TextConfig`). Gemma 2 configs have these fields
/// too (none of the Gemma 3 ones): `gemma2` reads this and its own `Config` beside.
#[derive(Debug, Deserialize)]
pub(super) struct Config {
    #[serde(default)]
    use_bidirectional_attention: bool,
    hidden_size: Positive,
    intermediate_size: Positive,
    num_hidden_layers: Positive,
    num_attention_heads: Positive,
    num_key_value_heads: Option<Positive>,
    #[serde(default = "default_head_dim")]
    head_dim: usize,
    vocab_size: Positive,
    #[serde(default = "default_query_pre_attn_scalar")]
    query_pre_attn_scalar: f64,
    attn_logit_softcapping: Option<f64>,
    final_logit_softcapping: Option<f64>,
    #[serde(default)]
    attention_bias: bool,
    rms_norm_eps: Option<f64>,
    #[serde(default = "gelu_tanh")]
    hidden_activation: HiddenAct,
    #[serde(default = "default_true")]
    tie_word_embeddings: bool,
    #[serde(default = "default_sliding_window")]
    sliding_window: Positive,
    layer_types: Option<Vec<LayerType>>,
    sliding_window_pattern: Option<Positive>,
    #[serde(rename = "_sliding_window_pattern")]
    private_sliding_window_pattern: Option<Positive>,
    rope_theta: Option<f64>,
    rope_scaling: Option<RopeFields>,
    rope_local_base_freq: Option<f64>,
    /// One [`RopeFields`] or one per layer type; read by [`ropes`].
    rope_parameters: Option<Value>,
    max_position_embeddings: Option<usize>,
    /// Read over a single RoPE object's, as HF does; see [`RopeContext`].
    original_max_position_embeddings: Option<usize>,
}

/// Where the language model's tensors are in a multimodal checkpoint: transformers 5 saves
/// them as the original checkpoints have them (`language_model.model.`), transformers 4.5x
/// as its modules nest (`model.language_model.`).
const MULTIMODAL_NAMES: [WeightNames; 2] = [
    WeightNames {
        prefix: "language_model.model.",
        lm_head: "language_model.lm_head",
    },
    WeightNames {
        prefix: "model.language_model.",
        lm_head: "lm_head",
    },
];

/// Loads a Gemma 3 text checkpoint.
pub(super) fn load(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
) -> Result<DecoderModel, LoadError> {
    let file = ConfigFile::new(checkpoint.config_path);
    let spec = text_spec(&file, checkpoint.config, Architecture::Gemma3)?;
    DecoderModel::load(&spec, checkpoint, device)
}

/// Loads the language model of a multimodal Gemma 3 checkpoint (`gemma3`,
/// `Gemma3ForConditionalGeneration`): its `text_config`, and the tensors under one of
/// [`MULTIMODAL_NAMES`]; the vision tower and projector are not read.
pub(super) fn load_multimodal(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
) -> Result<DecoderModel, LoadError> {
    let text_config = checkpoint
        .config
        .get("text_config")
        .filter(|c| c.is_object())
        .ok_or_else(|| {
            ConfigFile::new(checkpoint.config_path).error(
                "text_config",
                "missing; a multimodal Gemma 3 config.json holds the language model's config \
                 there",
            )
        })?;
    let file = ConfigFile::nested(checkpoint.config_path, "text_config");
    let mut spec = text_spec(&file, text_config, Architecture::Gemma3Multimodal)?;
    spec.names = MULTIMODAL_NAMES
        .into_iter()
        .find(|names| {
            checkpoint
                .weights
                .contains(&format!("{}embed_tokens.weight", names.prefix))
        })
        .unwrap_or(MULTIMODAL_NAMES[0]);
    DecoderModel::load(&spec, checkpoint, device)
}

/// The spec of the Gemma 3 text config `value`.
fn text_spec(
    file: &ConfigFile<'_>,
    value: &Value,
    architecture: Architecture,
) -> Result<DecoderSpec, LoadError> {
    let config: Config = file.parse(value, "")?;
    let pattern = config
        .sliding_window_pattern
        .or(config.private_sliding_window_pattern)
        .map_or(6, |Positive(n)| n);
    let layers = config.layers(file, |i| (i + 1) % pattern != 0, LOCAL_ROPE, GLOBAL_ROPE)?;
    let softcaps = Softcaps {
        attention: config.attn_logit_softcapping,
        logits: config.final_logit_softcapping,
    };
    config.spec(
        file,
        architecture,
        softcaps,
        true,
        ropes(file, &config)?,
        layers,
    )
}

/// The softcaps of a Gemma model (their defaults differ between Gemma 2 and 3).
pub(super) struct Softcaps {
    /// `attn_logit_softcapping`.
    pub(super) attention: Option<f64>,
    /// `final_logit_softcapping`.
    pub(super) logits: Option<f64>,
}

impl Config {
    /// Window and RoPE table of every layer, from `layer_types`, else sliding where
    /// `default_sliding(i)`; sliding layers use RoPE table `local`, global ones `global`.
    pub(super) fn layers(
        &self,
        file: &ConfigFile<'_>,
        default_sliding: impl Fn(usize) -> bool,
        local: usize,
        global: usize,
    ) -> Result<Vec<LayerPattern>, LoadError> {
        let num_layers = self.num_hidden_layers.0;
        let sliding = file.sliding_layers(self.layer_types.as_deref(), num_layers, || {
            (0..num_layers).map(default_sliding).collect()
        })?;
        let Positive(window) = self.sliding_window;
        Ok(sliding
            .into_iter()
            .map(|sliding| LayerPattern {
                window: sliding.then_some(window),
                rope: if sliding { local } else { global },
            })
            .collect())
    }

    /// The spec of a Gemma model with these softcaps, optional query/key norms, RoPE tables and
    /// layers.
    pub(super) fn spec(
        &self,
        file: &ConfigFile<'_>,
        architecture: Architecture,
        softcaps: Softcaps,
        qk_norm: bool,
        ropes: Vec<RopeConfig>,
        layers: Vec<LayerPattern>,
    ) -> Result<DecoderSpec, LoadError> {
        if self.use_bidirectional_attention {
            return Err(file.error(
                "use_bidirectional_attention",
                "bidirectional (embedding) Gemma models are not causal language models",
            ));
        }
        let Positive(hidden_size) = self.hidden_size;
        let scalar = file.positive_f64("query_pre_attn_scalar", self.query_pre_attn_scalar)?;
        let mut heads = head_layout(
            file,
            self.num_attention_heads.0,
            self.num_key_value_heads,
            self.head_dim,
            scalar.powf(-0.5),
        )?;
        heads.softcap = file.softcap("attn_logit_softcapping", softcaps.attention)?;
        Ok(DecoderSpec {
            info: ModelShape {
                architecture,
                vocab_size: self.vocab_size.0,
                hidden_size,
                num_layers: layers.len(),
                max_positions: None,
            },
            intermediate_size: self.intermediate_size.0,
            heads,
            rms_norm_eps: self.rms_norm_eps.unwrap_or(DEFAULT_RMS_NORM_EPS),
            norm_weights: NormWeights::OffsetByOne,
            projections: ProjectionNames::Separate,
            qkv_bias: self.attention_bias,
            out_bias: self.attention_bias,
            mlp_bias: false,
            activation: self.hidden_activation.into(),
            qk_norm,
            sandwich_norms: true,
            embed_scale: Some((hidden_size as f64).sqrt() as f32),
            final_softcap: file.softcap("final_logit_softcapping", softcaps.logits)?,
            tie_embeddings: self.tie_word_embeddings,
            ropes,
            layers,
            names: WeightNames::CAUSAL_LM,
        })
    }

    /// `rope_theta`, `rope_scaling` and `rope_parameters` as one RoPE (Gemma 2's).
    pub(super) fn single_rope(
        &self,
        file: &ConfigFile<'_>,
        default_theta: f64,
    ) -> Result<RopeConfig, LoadError> {
        let params = match &self.rope_parameters {
            Some(params) => Some(file.parse::<RopeFields>(params, "rope_parameters")?),
            None => None,
        };
        single_rope(
            file,
            params.as_ref(),
            self.rope_theta,
            self.rope_scaling.as_ref(),
            default_theta,
            &self.rope_context(false),
        )
    }

    /// What HF's RoPE functions read outside the RoPE object; `per_layer_type` RoPE objects
    /// do not take the top-level `original_max_position_embeddings`.
    fn rope_context(&self, per_layer_type: bool) -> RopeContext {
        RopeContext {
            max_position_embeddings: self.max_position_embeddings,
            original_max_position_embeddings: self
                .original_max_position_embeddings
                .filter(|_| !per_layer_type),
            head_dim: self.head_dim,
        }
    }
}

/// `rope_parameters` with one entry per layer type.
#[derive(Debug, Deserialize)]
struct PerLayerType {
    full_attention: Option<RopeFields>,
    sliding_attention: Option<RopeFields>,
}

/// The global and local RoPE parameters, indexed by [`GLOBAL_ROPE`] and [`LOCAL_ROPE`].
fn ropes(file: &ConfigFile<'_>, config: &Config) -> Result<Vec<RopeConfig>, LoadError> {
    let legacy_global = || {
        single_rope(
            file,
            None,
            config.rope_theta,
            config.rope_scaling.as_ref(),
            DEFAULT_GLOBAL_THETA,
            &config.rope_context(false),
        )
    };
    let legacy_local = || RopeConfig {
        theta: config.rope_local_base_freq.unwrap_or(DEFAULT_LOCAL_THETA),
        scaling: RopeScaling::None,
    };
    let Some(params) = &config.rope_parameters else {
        return Ok(vec![legacy_global()?, legacy_local()]);
    };
    let per_type: PerLayerType = file.parse(params, "rope_parameters")?;
    if per_type.full_attention.is_none() && per_type.sliding_attention.is_none() {
        let flat: RopeFields = file.parse(params, "rope_parameters")?;
        return Ok(vec![
            flat.rope(
                file,
                "rope_parameters",
                Some(DEFAULT_GLOBAL_THETA),
                &config.rope_context(false),
            )?,
            legacy_local(),
        ]);
    }
    let global = match &per_type.full_attention {
        Some(full) => full.rope(
            file,
            "rope_parameters.full_attention",
            None,
            &config.rope_context(true),
        )?,
        None => legacy_global()?,
    };
    let local = match &per_type.sliding_attention {
        Some(sliding) => sliding.rope(
            file,
            "rope_parameters.sliding_attention",
            None,
            &config.rope_context(true),
        )?,
        None => legacy_local(),
    };
    Ok(vec![global, local])
}
