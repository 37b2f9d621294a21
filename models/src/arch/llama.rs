//! Llama (also SmolLM, TinyLlama) and Mistral: pre-norm blocks with RMSNorm, RoPE, grouped
//! key/value heads and a SiLU-gated feed-forward block; Mistral adds a sliding window.

use burn::tensor::Device;

use crate::arch::config::ConfigReader;
use crate::arch::decoder_model::{DecoderModel, DecoderSpec, LayerPattern};
use crate::arch::{Architecture, Checkpoint, ModelInfo};
use crate::error::LoadError;
use crate::layers::attention::HeadLayout;
use crate::layers::mlp::Activation;
use crate::layers::param::ParamLoader;
use crate::layers::rms_norm::NormWeights;
use crate::layers::rope::{RopeConfig, RopeScaling};

/// RoPE base of Llama configs that do not set one.
const DEFAULT_ROPE_THETA: f64 = 10_000.0;

/// Loads a Llama or Mistral checkpoint.
pub(super) fn load(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
    architecture: Architecture,
) -> Result<DecoderModel, LoadError> {
    let reader = ConfigReader::new(checkpoint.config, checkpoint.config_path);
    let mut spec = base_spec(&reader, architecture)?;
    if architecture == Architecture::Mistral
        && let Some(window) = reader.opt_usize("sliding_window")?
    {
        let window = reader.positive("sliding_window", window)?;
        spec.layers.iter_mut().for_each(|l| l.window = Some(window));
    }
    let loader = ParamLoader::new(checkpoint.weights, checkpoint.weights_path, device);
    DecoderModel::load(&spec, &loader)
}

/// The spec of a Llama-style config with global attention on every layer.
pub(super) fn base_spec(
    reader: &ConfigReader<'_>,
    architecture: Architecture,
) -> Result<DecoderSpec, LoadError> {
    let hidden_size = reader.positive("hidden_size", reader.usize("hidden_size")?)?;
    let num_layers = reader.positive("num_hidden_layers", reader.usize("num_hidden_layers")?)?;
    let heads = reader.positive("num_attention_heads", reader.usize("num_attention_heads")?)?;
    let head_dim = match reader.opt_usize("head_dim")? {
        Some(d) => d,
        None if hidden_size.is_multiple_of(heads) => hidden_size / heads,
        None => {
            return Err(reader.error(
                "num_attention_heads",
                format!("{heads} does not divide hidden_size {hidden_size}; set head_dim"),
            ));
        }
    };
    let layout = head_layout(reader, heads, head_dim, (head_dim as f64).powf(-0.5))?;
    let attention_bias = reader.bool_or("attention_bias", false)?;
    Ok(DecoderSpec {
        info: ModelInfo {
            architecture,
            vocab_size: reader.positive("vocab_size", reader.usize("vocab_size")?)?,
            hidden_size,
            num_layers,
            max_positions: None,
        },
        intermediate_size: reader
            .positive("intermediate_size", reader.usize("intermediate_size")?)?,
        heads: layout,
        rms_norm_eps: reader.f64_or("rms_norm_eps", 1e-6)?,
        norm_weights: NormWeights::Direct,
        qkv_bias: attention_bias,
        out_bias: attention_bias,
        mlp_bias: reader.bool_or("mlp_bias", false)?,
        activation: activation(reader, "hidden_act", "silu")?,
        qk_norm: false,
        sandwich_norms: false,
        embed_scale: None,
        final_softcap: None,
        tie_embeddings: reader.bool_or("tie_word_embeddings", false)?,
        ropes: vec![rope(reader)?],
        layers: vec![
            LayerPattern {
                window: None,
                rope: 0
            };
            num_layers
        ],
    })
}

/// Head layout with `num_key_value_heads` (default: `heads`) checked against `heads`.
pub(super) fn head_layout(
    reader: &ConfigReader<'_>,
    heads: usize,
    head_dim: usize,
    scale: f64,
) -> Result<HeadLayout, LoadError> {
    let kv_heads = reader.positive(
        "num_key_value_heads",
        reader.usize_or("num_key_value_heads", heads)?,
    )?;
    if !heads.is_multiple_of(kv_heads) {
        return Err(reader.error(
            "num_key_value_heads",
            format!("{kv_heads} does not divide num_attention_heads {heads}"),
        ));
    }
    if head_dim == 0 || !head_dim.is_multiple_of(2) {
        return Err(reader.error(
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

/// The feed-forward activation named by `field` (default `default`).
pub(super) fn activation(
    reader: &ConfigReader<'_>,
    field: &str,
    default: &str,
) -> Result<Activation, LoadError> {
    match reader.opt_str(field)?.unwrap_or(default) {
        "silu" | "swish" => Ok(Activation::Silu),
        "gelu_pytorch_tanh" | "gelu_new" => Ok(Activation::GeluTanh),
        other => Err(reader.error(
            field,
            format!("activation {other:?} is not supported; supported: silu, gelu_pytorch_tanh"),
        )),
    }
}

/// RoPE from `rope_parameters` (transformers 5) or `rope_theta` + `rope_scaling` (older).
fn rope(reader: &ConfigReader<'_>) -> Result<RopeConfig, LoadError> {
    if let Some(params) = reader.object("rope_parameters")? {
        return params.rope(Some(DEFAULT_ROPE_THETA));
    }
    let scaling = match reader.object("rope_scaling")? {
        Some(scaling) => scaling.rope_scaling()?,
        None => RopeScaling::None,
    };
    let theta = reader.f64_or("rope_theta", DEFAULT_ROPE_THETA)?;
    Ok(RopeConfig { theta, scaling })
}
