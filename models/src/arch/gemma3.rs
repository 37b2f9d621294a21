//! Gemma 3 text models: sliding-window and global layers (`layer_types`) with their own RoPE
//! bases, per-head query/key RMSNorm, norms before and after both sub-blocks, `(1 + w)` norm
//! weights, GELU-tanh gating, embeddings scaled by `sqrt(hidden)`, `query_pre_attn_scalar`
//! score scaling, tied embeddings and optional logit softcapping.

use burn::tensor::Device;

use crate::arch::config::ConfigReader;
use crate::arch::decoder_model::{DecoderModel, DecoderSpec, LayerPattern};
use crate::arch::llama::{activation, head_layout};
use crate::arch::{Architecture, Checkpoint, ModelInfo};
use crate::error::LoadError;
use crate::layers::param::ParamLoader;
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

/// Loads a Gemma 3 text checkpoint.
pub(super) fn load(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
) -> Result<DecoderModel, LoadError> {
    let reader = ConfigReader::new(checkpoint.config, checkpoint.config_path);
    let spec = spec(&reader)?;
    let loader = ParamLoader::new(checkpoint.weights, checkpoint.weights_path, device);
    DecoderModel::load(&spec, &loader)
}

/// The decoder spec of a `gemma3_text` config.
fn spec(reader: &ConfigReader<'_>) -> Result<DecoderSpec, LoadError> {
    if reader.bool_or("use_bidirectional_attention", false)? {
        return Err(reader.error(
            "use_bidirectional_attention",
            "bidirectional (embedding) Gemma models are not causal language models",
        ));
    }
    let hidden_size = reader.positive("hidden_size", reader.usize("hidden_size")?)?;
    let num_layers = reader.positive("num_hidden_layers", reader.usize("num_hidden_layers")?)?;
    let heads = reader.positive("num_attention_heads", reader.usize("num_attention_heads")?)?;
    let head_dim = reader.usize_or("head_dim", 256)?;
    let scalar = reader.f64_or("query_pre_attn_scalar", 256.0)?;
    if scalar <= 0.0 {
        return Err(reader.error(
            "query_pre_attn_scalar",
            format!("{scalar} must be positive"),
        ));
    }
    let mut layout = head_layout(reader, heads, head_dim, scalar.powf(-0.5))?;
    layout.softcap = softcap(reader, "attn_logit_softcapping")?;
    let attention_bias = reader.bool_or("attention_bias", false)?;
    Ok(DecoderSpec {
        info: ModelInfo {
            architecture: Architecture::Gemma3,
            vocab_size: reader.positive("vocab_size", reader.usize("vocab_size")?)?,
            hidden_size,
            num_layers,
            max_positions: None,
        },
        intermediate_size: reader
            .positive("intermediate_size", reader.usize("intermediate_size")?)?,
        heads: layout,
        rms_norm_eps: reader.f64_or("rms_norm_eps", 1e-6)?,
        norm_weights: NormWeights::OffsetByOne,
        qkv_bias: attention_bias,
        out_bias: attention_bias,
        mlp_bias: false,
        activation: activation(reader, "hidden_activation", "gelu_pytorch_tanh")?,
        qk_norm: true,
        sandwich_norms: true,
        embed_scale: Some((hidden_size as f64).sqrt() as f32),
        final_softcap: softcap(reader, "final_logit_softcapping")?,
        tie_embeddings: reader.bool_or("tie_word_embeddings", true)?,
        ropes: ropes(reader)?,
        layers: layer_patterns(reader, num_layers)?,
    })
}

/// A positive softcap in `field`, if set.
fn softcap(reader: &ConfigReader<'_>, field: &str) -> Result<Option<f64>, LoadError> {
    match reader.opt_f64(field)? {
        Some(cap) if cap <= 0.0 => Err(reader.error(field, format!("{cap} must be positive"))),
        cap => Ok(cap),
    }
}

/// Window and RoPE table of every layer, from `layer_types` or the older
/// `sliding_window_pattern` (every n-th layer global).
fn layer_patterns(
    reader: &ConfigReader<'_>,
    num_layers: usize,
) -> Result<Vec<LayerPattern>, LoadError> {
    let window = reader.positive("sliding_window", reader.usize_or("sliding_window", 4096)?)?;
    let sliding: Vec<bool> = match reader.opt_str_list("layer_types")? {
        Some(types) => {
            if types.len() != num_layers {
                return Err(reader.error(
                    "layer_types",
                    format!("{} entries for {num_layers} layers", types.len()),
                ));
            }
            types
                .iter()
                .map(|t| match *t {
                    "full_attention" => Ok(false),
                    "sliding_attention" => Ok(true),
                    other => Err(reader.error(
                        "layer_types",
                        format!(
                            "unknown layer type {other:?}; expected full_attention or \
                             sliding_attention"
                        ),
                    )),
                })
                .collect::<Result<_, _>>()?
        }
        None => {
            let field = if reader.raw("sliding_window_pattern").is_some() {
                "sliding_window_pattern"
            } else {
                "_sliding_window_pattern"
            };
            let pattern = reader.positive(field, reader.usize_or(field, 6)?)?;
            (0..num_layers).map(|i| (i + 1) % pattern != 0).collect()
        }
    };
    Ok(sliding
        .into_iter()
        .map(|sliding| LayerPattern {
            window: sliding.then_some(window),
            rope: if sliding { LOCAL_ROPE } else { GLOBAL_ROPE },
        })
        .collect())
}

/// The global and local RoPE parameters, indexed by [`GLOBAL_ROPE`] and [`LOCAL_ROPE`].
fn ropes(reader: &ConfigReader<'_>) -> Result<Vec<RopeConfig>, LoadError> {
    let legacy_global = || -> Result<RopeConfig, LoadError> {
        let scaling = match reader.object("rope_scaling")? {
            Some(scaling) => scaling.rope_scaling()?,
            None => RopeScaling::None,
        };
        Ok(RopeConfig {
            theta: reader.f64_or("rope_theta", DEFAULT_GLOBAL_THETA)?,
            scaling,
        })
    };
    let legacy_local = || -> Result<RopeConfig, LoadError> {
        Ok(RopeConfig {
            theta: reader.f64_or("rope_local_base_freq", DEFAULT_LOCAL_THETA)?,
            scaling: RopeScaling::None,
        })
    };
    let Some(params) = reader.object("rope_parameters")? else {
        return Ok(vec![legacy_global()?, legacy_local()?]);
    };
    let full = params.object("full_attention")?;
    let sliding = params.object("sliding_attention")?;
    if full.is_none() && sliding.is_none() {
        return Ok(vec![
            params.rope(Some(DEFAULT_GLOBAL_THETA))?,
            legacy_local()?,
        ]);
    }
    let global = match full {
        Some(full) => full.rope(None)?,
        None => legacy_global()?,
    };
    let local = match sliding {
        Some(sliding) => sliding.rope(None)?,
        None => legacy_local()?,
    };
    Ok(vec![global, local])
}
