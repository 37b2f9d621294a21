//! config.json read into each architecture's serde `Config`, with errors that name the file and
//! the dotted path of the field at fault; the field types the architectures share (RoPE
//! parameters, layer types, activations, positive integers).

use std::path::Path;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::LoadError;
use crate::layers::mlp::Activation;
use crate::layers::rope::{RopeConfig, RopeScaling, Yarn};

/// The config file that errors name.
#[derive(Clone, Copy)]
pub(crate) struct ConfigFile<'a> {
    path: &'a Path,
    /// Dotted path of the object read, inside the file (`text_config` of a multimodal
    /// config), empty for the whole file.
    scope: &'a str,
}

impl<'a> ConfigFile<'a> {
    /// Errors about the config at `path`.
    pub(crate) fn new(path: &'a Path) -> Self {
        Self { path, scope: "" }
    }

    /// Errors about the object at dotted path `scope` of the config at `path`, whose fields
    /// are then named from the file's top.
    pub(crate) fn nested(path: &'a Path, scope: &'a str) -> Self {
        Self { path, scope }
    }

    /// `value` (the whole file, or the object at dotted path `scope` inside it) read as `T`.
    /// JSON `null` reads as an absent field, so HF defaults apply to it.
    pub(crate) fn parse<T: DeserializeOwned>(
        &self,
        value: &Value,
        scope: &str,
    ) -> Result<T, LoadError> {
        serde_path_to_error::deserialize(without_nulls(value)).map_err(|e| {
            let inner = e.inner().to_string();
            let at = e.path().to_string();
            let at = if at == "." { String::new() } else { at };
            match inner
                .strip_prefix("missing field `")
                .and_then(|f| f.strip_suffix('`'))
            {
                Some(missing) => self.error(
                    &join(scope, &join(&at, missing)),
                    "missing; config.json must set it",
                ),
                None if inner.starts_with("unknown variant") => self.error(
                    &join(scope, &at),
                    format!("{inner}; babelbench supports only these"),
                ),
                None => self.error(&join(scope, &at), inner),
            }
        })
    }

    /// An error about the field at dotted path `field`.
    pub(crate) fn error(&self, field: &str, message: impl Into<String>) -> LoadError {
        LoadError::InvalidConfig {
            path: self.path.to_path_buf(),
            field: join(self.scope, field),
            message: message.into(),
        }
    }

    /// `value` of `field` when it is positive.
    pub(crate) fn positive_f64(&self, field: &str, value: f64) -> Result<f64, LoadError> {
        if value > 0.0 {
            Ok(value)
        } else {
            Err(self.error(field, format!("{value} must be positive")))
        }
    }

    /// Rejects a `partial_rotary_factor` below 1 in `field`: babelbench rotates whole heads.
    pub(crate) fn full_rotary(&self, field: &str, factor: Option<f64>) -> Result<(), LoadError> {
        match factor {
            Some(f) if f != 1.0 => Err(self.error(
                field,
                format!("{f}: partial rotary embeddings are not supported; only 1.0 is"),
            )),
            _ => Ok(()),
        }
    }

    /// A softcap of `field`, when set, checked positive.
    pub(crate) fn softcap(&self, field: &str, cap: Option<f64>) -> Result<Option<f64>, LoadError> {
        cap.map(|cap| self.positive_f64(field, cap)).transpose()
    }
}

/// Whether the top-level `field` of `config` is written as `null` (which [`ConfigFile::parse`]
/// reads as absent).
pub(crate) fn explicitly_null(config: &Value, field: &str) -> bool {
    config.get(field).is_some_and(Value::is_null)
}

/// `field` under the dotted path `scope`.
fn join(scope: &str, field: &str) -> String {
    match (scope.is_empty(), field.is_empty()) {
        (true, _) => field.to_string(),
        (_, true) => scope.to_string(),
        _ => format!("{scope}.{field}"),
    }
}

/// `value` with every `null` object entry removed, at any depth.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// The default of boolean fields that HF defaults to true (`#[serde(default = ...)]`).
pub(crate) fn default_true() -> bool {
    true
}

/// A count that must be at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Positive(pub(crate) usize);

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match usize::deserialize(deserializer)? {
            0 => Err(D::Error::custom("must be at least 1, found 0")),
            n => Ok(Self(n)),
        }
    }
}

/// The architectures' `hidden_act`/`hidden_activation`/`activation_function`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) enum HiddenAct {
    /// `silu`.
    #[serde(rename = "silu", alias = "swish")]
    Silu,
    /// `gelu_pytorch_tanh`.
    #[serde(rename = "gelu_pytorch_tanh", alias = "gelu_new")]
    GeluTanh,
}

impl From<HiddenAct> for Activation {
    fn from(act: HiddenAct) -> Self {
        match act {
            HiddenAct::Silu => Activation::Silu,
            HiddenAct::GeluTanh => Activation::GeluTanh,
        }
    }
}

/// One entry of `layer_types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LayerType {
    /// Global causal attention.
    FullAttention,
    /// Attention within `sliding_window` positions.
    SlidingAttention,
}

impl<'a> ConfigFile<'a> {
    /// Whether each of `num_layers` layers slides: from `layer_types` when set (its length
    /// checked), else from `fallback`.
    pub(crate) fn sliding_layers(
        &self,
        layer_types: Option<&[LayerType]>,
        num_layers: usize,
        fallback: impl FnOnce() -> Vec<bool>,
    ) -> Result<Vec<bool>, LoadError> {
        match layer_types {
            Some(types) if types.len() != num_layers => Err(self.error(
                "layer_types",
                format!(
                    "{} entries for {num_layers} layers (num_hidden_layers); give one per layer",
                    types.len()
                ),
            )),
            Some(types) => Ok(types
                .iter()
                .map(|t| *t == LayerType::SlidingAttention)
                .collect()),
            None => Ok(fallback()),
        }
    }
}

/// The RoPE kinds babelbench implements.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RopeType {
    /// Plain RoPE.
    Default,
    /// Positions divided by `factor`.
    Linear,
    /// Llama 3.x frequency-dependent rescaling.
    Llama3,
    /// Dynamic NTK scaling.
    Dynamic,
    /// YaRN.
    Yarn,
    /// LongRoPE (Phi-3).
    Longrope,
}

/// RoPE fields of one object: transformers 5's `rope_parameters` (or one of Gemma 3's
/// per-layer-type entries), or the older `rope_scaling`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RopeFields {
    rope_theta: Option<f64>,
    rope_type: Option<RopeType>,
    /// The legacy name of `rope_type`.
    #[serde(rename = "type")]
    legacy_type: Option<RopeType>,
    factor: Option<f64>,
    low_freq_factor: Option<f64>,
    high_freq_factor: Option<f64>,
    original_max_position_embeddings: Option<usize>,
    partial_rotary_factor: Option<f64>,
    attention_factor: Option<f64>,
    beta_fast: Option<f64>,
    beta_slow: Option<f64>,
    mscale: Option<f64>,
    mscale_all_dim: Option<f64>,
    truncate: Option<bool>,
    short_factor: Option<Vec<f64>>,
    long_factor: Option<Vec<f64>>,
}

/// The config fields outside the RoPE object that HF's RoPE functions read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RopeContext {
    /// Top-level `max_position_embeddings`: where dynamic NTK starts, the default of
    /// `original_max_position_embeddings`, and LongRoPE's default `factor` over it.
    pub(crate) max_position_embeddings: Option<usize>,
    /// Top-level `original_max_position_embeddings` (Phi-3 keeps it there), which HF's
    /// `standardize_rope_params` puts over the RoPE object's for llama3, yarn and longrope.
    pub(crate) original_max_position_embeddings: Option<usize>,
    /// Values per head, `2 ×` the length of LongRoPE's factor lists.
    pub(crate) head_dim: usize,
}

impl RopeFields {
    /// Base and scaling of this object at dotted path `scope`; `rope_theta` falls back to
    /// `default_theta`, and is required without one.
    pub(crate) fn rope(
        &self,
        file: &ConfigFile<'_>,
        scope: &str,
        default_theta: Option<f64>,
        context: &RopeContext,
    ) -> Result<RopeConfig, LoadError> {
        let theta = self.rope_theta.or(default_theta).ok_or_else(|| {
            file.error(
                &join(scope, "rope_theta"),
                "missing; config.json must set it",
            )
        })?;
        file.full_rotary(
            &join(scope, "partial_rotary_factor"),
            self.partial_rotary_factor,
        )?;
        Ok(RopeConfig {
            theta: rope_theta(file, &join(scope, "rope_theta"), theta)?,
            scaling: self.scaling(file, scope, context)?,
        })
    }

    /// The scaling named by `rope_type` (or `type`), with its factors.
    pub(crate) fn scaling(
        &self,
        file: &ConfigFile<'_>,
        scope: &str,
        context: &RopeContext,
    ) -> Result<RopeScaling, LoadError> {
        let field = |name: &str| join(scope, name);
        let missing = |name: &str| file.error(&field(name), "missing; config.json must set it");
        let required = |value: Option<f64>, name: &str| value.ok_or_else(|| missing(name));
        let factor = || file.positive_f64(&field("factor"), required(self.factor, "factor")?);
        // HF's standardize_rope_params: the top-level value first, then the object's, then
        // max_position_embeddings.
        let original_context = || {
            context
                .original_max_position_embeddings
                .or(self.original_max_position_embeddings)
                .or(context.max_position_embeddings)
                .filter(|&n| n > 0)
                .ok_or_else(|| missing("original_max_position_embeddings"))
        };
        let max_positions = |why: &str| {
            context.max_position_embeddings.ok_or_else(|| {
                file.error(
                    "max_position_embeddings",
                    format!("missing; config.json must set it ({why})"),
                )
            })
        };
        match self
            .rope_type
            .or(self.legacy_type)
            .unwrap_or(RopeType::Default)
        {
            RopeType::Default => Ok(RopeScaling::None),
            RopeType::Linear => Ok(RopeScaling::Linear { factor: factor()? }),
            RopeType::Llama3 => {
                let low_freq_factor = required(self.low_freq_factor, "low_freq_factor")?;
                let high_freq_factor = required(self.high_freq_factor, "high_freq_factor")?;
                if high_freq_factor <= low_freq_factor {
                    return Err(file.error(
                        &field("high_freq_factor"),
                        format!("{high_freq_factor} must exceed low_freq_factor {low_freq_factor}"),
                    ));
                }
                Ok(RopeScaling::Llama3 {
                    factor: factor()?,
                    low_freq_factor,
                    high_freq_factor,
                    original_max_position_embeddings: original_context()? as f64,
                })
            }
            RopeType::Dynamic => Ok(RopeScaling::Dynamic {
                factor: factor()?,
                max_position_embeddings: max_positions("dynamic RoPE rescales beyond it")?,
            }),
            RopeType::Yarn => {
                let factor = factor()?;
                let attention_factor = match self.attention_factor {
                    Some(a) => file.positive_f64(&field("attention_factor"), a)?,
                    None => match (self.mscale, self.mscale_all_dim) {
                        (Some(m), Some(all)) if m != 0.0 && all != 0.0 => {
                            yarn_mscale(factor, m) / yarn_mscale(factor, all)
                        }
                        _ => yarn_mscale(factor, 1.0),
                    },
                };
                // `beta_fast or 32`, `beta_slow or 1`: a zero takes the default too.
                let beta = |value: Option<f64>, default: f64| {
                    value.filter(|&b| b != 0.0).unwrap_or(default)
                };
                Ok(RopeScaling::Yarn(Yarn {
                    factor,
                    original_max_position_embeddings: original_context()? as f64,
                    beta_fast: beta(self.beta_fast, 32.0),
                    beta_slow: beta(self.beta_slow, 1.0),
                    truncate: self.truncate.unwrap_or(true),
                    attention_factor,
                }))
            }
            RopeType::Longrope => {
                let half = context.head_dim / 2;
                let factors = |value: &Option<Vec<f64>>, name: &str| match value {
                    None => Err(missing(name)),
                    Some(list) if list.len() != half => Err(file.error(
                        &field(name),
                        format!(
                            "{} entries; LongRoPE needs one per frequency, head_dim / 2 = {half}",
                            list.len()
                        ),
                    )),
                    Some(list) => Ok(list.clone()),
                };
                let short_factor = factors(&self.short_factor, "short_factor")?;
                let long_factor = factors(&self.long_factor, "long_factor")?;
                let original = original_context()?;
                let factor = match self.factor {
                    Some(f) => file.positive_f64(&field("factor"), f)?,
                    None => {
                        max_positions("LongRoPE's default factor is its ratio to the original")?
                            as f64
                            / original as f64
                    }
                };
                let attention_factor = match self.attention_factor {
                    Some(a) => file.positive_f64(&field("attention_factor"), a)?,
                    None if factor <= 1.0 => 1.0,
                    None => (1.0 + factor.ln() / (original as f64).ln()).sqrt(),
                };
                Ok(RopeScaling::LongRope {
                    short_factor,
                    long_factor,
                    original_max_position_embeddings: original,
                    attention_factor,
                })
            }
        }
    }
}

/// YaRN's `yarn_get_mscale`: `0.1 · mscale · ln(scale) + 1`, 1 for scales up to 1.
fn yarn_mscale(scale: f64, mscale: f64) -> f64 {
    if scale <= 1.0 {
        1.0
    } else {
        0.1 * mscale * scale.ln() + 1.0
    }
}

/// `theta` of `field` when it is a usable RoPE base.
fn rope_theta(file: &ConfigFile<'_>, field: &str, theta: f64) -> Result<f64, LoadError> {
    if theta <= 1.0 {
        return Err(file.error(field, format!("{theta} is not a valid RoPE base")));
    }
    Ok(theta)
}

/// The one RoPE of an architecture with a single attention type: `rope_parameters`
/// (transformers 5) when present, else `rope_theta` (default `default_theta`) and
/// `rope_scaling`.
pub(crate) fn single_rope(
    file: &ConfigFile<'_>,
    rope_parameters: Option<&RopeFields>,
    rope_theta_field: Option<f64>,
    rope_scaling: Option<&RopeFields>,
    default_theta: f64,
    context: &RopeContext,
) -> Result<RopeConfig, LoadError> {
    if let Some(params) = rope_parameters {
        return params.rope(file, "rope_parameters", Some(default_theta), context);
    }
    Ok(RopeConfig {
        theta: rope_theta(
            file,
            "rope_theta",
            rope_theta_field.unwrap_or(default_theta),
        )?,
        scaling: match rope_scaling {
            Some(scaling) => scaling.scaling(file, "rope_scaling", context)?,
            None => RopeScaling::None,
        },
    })
}
