//! Gemma 2: Gemma 3's block without query/key norms, with attention-logit and final-logit
//! softcapping (HF defaults 50 and 30), one RoPE base, and a sliding window on every other
//! layer (the first slides) unless `layer_types` says otherwise.

use burn::tensor::Device;
use serde::Deserialize;

use crate::arch::config::{ConfigFile, explicitly_null};
use crate::arch::decoder_model::DecoderModel;
use crate::arch::gemma3::{self, Softcaps};
use crate::arch::{Architecture, Checkpoint};
use crate::error::LoadError;

/// RoPE base when the config does not set one.
const DEFAULT_ROPE_THETA: f64 = 10_000.0;

/// HF's default `attn_logit_softcapping`.
fn default_attn_softcap() -> Option<f64> {
    Some(50.0)
}

/// HF's default `final_logit_softcapping`.
fn default_final_softcap() -> Option<f64> {
    Some(30.0)
}

/// config.json of `gemma2` (HF `Gemma2Config`) beyond the Gemma fields of
/// [`gemma3::Config`]: the softcaps, on by default.
#[derive(Debug, Deserialize)]
struct Config {
    #[serde(default = "default_attn_softcap")]
    attn_logit_softcapping: Option<f64>,
    #[serde(default = "default_final_softcap")]
    final_logit_softcapping: Option<f64>,
}

/// Loads a Gemma 2 checkpoint.
pub(super) fn load(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
) -> Result<DecoderModel, LoadError> {
    let file = ConfigFile::new(checkpoint.config_path);
    let base: gemma3::Config = file.parse(checkpoint.config, "")?;
    let config: Config = file.parse(checkpoint.config, "")?;
    // A softcap written as `null` is off, as in transformers; an absent one takes HF's default.
    let cap = |field: &str, value: Option<f64>| {
        (!explicitly_null(checkpoint.config, field))
            .then_some(value)
            .flatten()
    };
    let softcaps = Softcaps {
        attention: cap("attn_logit_softcapping", config.attn_logit_softcapping),
        logits: cap("final_logit_softcapping", config.final_logit_softcapping),
    };
    let layers = base.layers(&file, |i| i % 2 == 0, 0, 0)?;
    let rope = base.single_rope(&file, DEFAULT_ROPE_THETA)?;
    let spec = base.spec(
        &file,
        Architecture::Gemma2,
        softcaps,
        false,
        vec![rope],
        layers,
    )?;
    DecoderModel::load(&spec, checkpoint, device)
}
