//! An HF `config.json`-shaped value synthesized from GGUF metadata, with the keys the
//! architectures read (as HF transformers 5 writes them, e.g. `rope_parameters`).

use serde_json::{Value, json};

use super::architecture::GgufArchitecture;
use super::metadata::MetaValue;
use super::reader::GgufFile;
use crate::error::LoadError;

/// Gemma 3's sliding-window layers use this RoPE base; llama.cpp hard-codes it too.
const GEMMA3_LOCAL_ROPE_THETA: f64 = 10_000.0;
/// In Gemma 3, every layer whose 1-based index is a multiple of this is global.
const GEMMA3_GLOBAL_EVERY: usize = 6;
/// Gemma 3 27B (62 layers) scales queries by hidden/heads instead of head_dim; llama.cpp
/// recognises it by its layer count.
const GEMMA3_27B_LAYERS: usize = 62;
/// Gemma 2 27B's depth: llama.cpp scales its scores by `hidden / heads`, not the head size.
const GEMMA2_27B_LAYERS: usize = 46;
/// llama.cpp's Gemma 2 softcaps when the GGUF has none (attention, logits).
const GEMMA2_DEFAULT_SOFTCAPS: (f64, f64) = (50.0, 30.0);
/// RoPE base when the metadata has none (llama.cpp's default).
const DEFAULT_ROPE_THETA: f64 = 10_000.0;

/// Typed reads of one architecture's metadata keys, with errors naming the file and key.
struct Keys<'a> {
    file: &'a GgufFile,
    arch: GgufArchitecture,
}

impl Keys<'_> {
    /// The full key of `suffix`, e.g. `gemma3.block_count`.
    fn key(&self, suffix: &str) -> String {
        format!("{}.{suffix}", self.arch.name())
    }

    /// An error about metadata key `key`.
    fn error(&self, key: &str, message: impl Into<String>) -> LoadError {
        LoadError::InvalidConfig {
            path: self.file.path().to_path_buf(),
            field: key.to_string(),
            message: message.into(),
        }
    }

    /// The value at the full key `key`.
    fn get(&self, key: &str) -> Option<&MetaValue> {
        self.file.metadata().get(key)
    }

    /// An optional non-negative integer at the full key `key`.
    fn opt_usize_at(&self, key: &str) -> Result<Option<usize>, LoadError> {
        self.get(key)
            .map(|v| {
                v.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| self.error(key, format!("expected one integer, found {v:?}")))
            })
            .transpose()
    }

    /// An optional non-negative integer at `{arch}.{suffix}`.
    fn opt_usize(&self, suffix: &str) -> Result<Option<usize>, LoadError> {
        self.opt_usize_at(&self.key(suffix))
    }

    /// A required positive integer at `{arch}.{suffix}`.
    fn positive(&self, suffix: &str) -> Result<usize, LoadError> {
        let key = self.key(suffix);
        match self.opt_usize_at(&key)? {
            Some(0) => Err(self.error(&key, "is 0; it must be at least 1")),
            Some(n) => Ok(n),
            None => Err(self.error(
                &key,
                "missing from the GGUF metadata; the file was not written by llama.cpp's \
                 converter or is damaged",
            )),
        }
    }

    /// An optional number at `{arch}.{suffix}`. f32 values are widened through their shortest
    /// decimal form, so a stored `1e-6f32` reads as `1e-6`, the value config.json holds.
    fn opt_f64(&self, suffix: &str) -> Result<Option<f64>, LoadError> {
        let key = self.key(suffix);
        match self.get(&key) {
            None => Ok(None),
            Some(MetaValue::F32(v)) => Ok(Some(v.to_string().parse().unwrap_or(f64::from(*v)))),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.error(&key, format!("expected a number, found {v:?}"))),
        }
    }

    /// An optional string at `{arch}.{suffix}`.
    fn opt_str(&self, suffix: &str) -> Result<Option<&str>, LoadError> {
        let key = self.key(suffix);
        self.get(&key)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| self.error(&key, format!("expected a string, found {v:?}")))
            })
            .transpose()
    }

    /// A special token id from `tokenizer.ggml.{name}_token_id`, or JSON null.
    fn token_id(&self, name: &str) -> Result<Value, LoadError> {
        Ok(self
            .opt_usize_at(&format!("tokenizer.ggml.{name}_token_id"))?
            .map_or(Value::Null, Value::from))
    }
}

/// The dimensions every supported architecture shares.
struct Common {
    hidden: usize,
    intermediate: usize,
    layers: usize,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    rms_eps: f64,
    context: usize,
    vocab: usize,
    rope_theta: f64,
}

impl Common {
    /// Reads the shared keys; `rms_default` stands in for a missing RMSNorm epsilon.
    fn read(keys: &Keys<'_>, rms_default: Option<f64>) -> Result<Self, LoadError> {
        let hidden = keys.positive("embedding_length")?;
        let heads = keys.positive("attention.head_count")?;
        let kv_heads = keys.opt_usize("attention.head_count_kv")?.unwrap_or(heads);
        if kv_heads == 0 || !heads.is_multiple_of(kv_heads) {
            return Err(keys.error(
                &keys.key("attention.head_count_kv"),
                format!("{kv_heads} does not divide the {heads} attention heads"),
            ));
        }
        let head_dim = match keys.opt_usize("attention.key_length")? {
            Some(d) if d > 0 => d,
            _ if hidden.is_multiple_of(heads) => hidden / heads,
            _ => {
                return Err(keys.error(
                    &keys.key("attention.key_length"),
                    format!(
                        "missing, and the hidden size {hidden} is not a multiple of {heads} heads"
                    ),
                ));
            }
        };
        if let Some(rope_dims) = keys.opt_usize("rope.dimension_count")?
            && rope_dims != head_dim
        {
            return Err(keys.error(
                &keys.key("rope.dimension_count"),
                format!(
                    "RoPE on {rope_dims} of {head_dim} head dimensions (partial rotary) is not \
                     supported"
                ),
            ));
        }
        let eps_key = keys.key("attention.layer_norm_rms_epsilon");
        let rms_eps = match (
            keys.opt_f64("attention.layer_norm_rms_epsilon")?,
            rms_default,
        ) {
            (Some(eps), _) | (None, Some(eps)) => eps,
            (None, None) => return Err(keys.error(&eps_key, "missing from the GGUF metadata")),
        };
        Ok(Self {
            hidden,
            intermediate: keys.positive("feed_forward_length")?,
            layers: keys.positive("block_count")?,
            heads,
            kv_heads,
            head_dim,
            rms_eps,
            context: keys.positive("context_length")?,
            vocab: vocab_size(keys, hidden)?,
            rope_theta: keys
                .opt_f64("rope.freq_base")?
                .unwrap_or(DEFAULT_ROPE_THETA),
        })
    }
}

impl Common {
    /// A config of `model_type` (HF class `class`): the keys every architecture has, the
    /// special token ids, and the architecture's own `extra` keys.
    fn config(
        &self,
        keys: &Keys<'_>,
        model_type: &str,
        class: &str,
        tied: bool,
        extra: Value,
    ) -> Result<Value, LoadError> {
        let mut config = json!({
            "architectures": [class],
            "model_type": model_type,
            "hidden_size": self.hidden,
            "intermediate_size": self.intermediate,
            "num_hidden_layers": self.layers,
            "num_attention_heads": self.heads,
            "num_key_value_heads": self.kv_heads,
            "head_dim": self.head_dim,
            "rms_norm_eps": self.rms_eps,
            "max_position_embeddings": self.context,
            "vocab_size": self.vocab,
            "tie_word_embeddings": tied,
            "bos_token_id": keys.token_id("bos")?,
            "eos_token_id": keys.token_id("eos")?,
            "pad_token_id": keys.token_id("padding")?,
        });
        if let (Some(all), Value::Object(extra)) = (config.as_object_mut(), extra) {
            all.extend(extra);
        }
        Ok(config)
    }
}

/// Rows of `token_embd.weight`, checked against the hidden size.
fn vocab_size(keys: &Keys<'_>, hidden: usize) -> Result<usize, LoadError> {
    let name = "token_embd.weight";
    let info = keys
        .file
        .tensor(name)
        .ok_or_else(|| LoadError::MissingTensor {
            path: keys.file.path().to_path_buf(),
            name: name.to_string(),
        })?;
    match info.shape()[..] {
        [rows, cols] if cols == hidden => Ok(rows),
        _ => Err(LoadError::ShapeMismatch {
            path: keys.file.path().to_path_buf(),
            name: name.to_string(),
            actual: info.shape(),
            expected: vec![info.shape().first().copied().unwrap_or(0), hidden],
        }),
    }
}

/// `rope_parameters` for RoPE base `theta` and the file's `{arch}.rope.scaling.*` keys.
fn rope_parameters(keys: &Keys<'_>, theta: f64) -> Result<Value, LoadError> {
    let kind = keys.opt_str("rope.scaling.type")?.unwrap_or("none");
    match kind {
        "none" => Ok(json!({ "rope_theta": theta, "rope_type": "default" })),
        "linear" => {
            let factor_key = keys.key("rope.scaling.factor");
            let factor = keys
                .opt_f64("rope.scaling.factor")?
                .filter(|f| *f > 0.0)
                .ok_or_else(|| {
                    keys.error(&factor_key, "linear RoPE scaling needs a positive factor")
                })?;
            Ok(json!({ "rope_theta": theta, "rope_type": "linear", "factor": factor }))
        }
        other => Err(keys.error(
            &keys.key("rope.scaling.type"),
            format!("RoPE scaling `{other}` is not supported; supported: none, linear"),
        )),
    }
}

/// Fails for llama.cpp's precomputed RoPE frequency factors (Llama 3.1+ scaling), which HF
/// describes with parameters the GGUF does not keep.
fn reject_rope_freqs(keys: &Keys<'_>) -> Result<(), LoadError> {
    if keys.file.tensor("rope_freqs.weight").is_some() {
        return Err(LoadError::Format {
            path: keys.file.path().to_path_buf(),
            message: "tensor `rope_freqs.weight` holds Llama 3.1-style RoPE scaling factors, \
                      which babelbench cannot turn back into HF's rope_parameters; load this \
                      model from its HF folder instead"
                .into(),
        });
    }
    Ok(())
}

/// The HF config of `file`, a GGUF of architecture `arch`.
pub fn synthesize(file: &GgufFile, arch: GgufArchitecture) -> Result<Value, LoadError> {
    let keys = Keys { file, arch };
    let tied = file.tensor("output.weight").is_none();
    match arch {
        GgufArchitecture::Gemma3 => gemma3(&keys, tied),
        GgufArchitecture::Llama => llama(&keys, tied),
        GgufArchitecture::Qwen2 => qwen(&keys, tied, "qwen2", "Qwen2ForCausalLM"),
        GgufArchitecture::Qwen3 => qwen(&keys, tied, "qwen3", "Qwen3ForCausalLM"),
        GgufArchitecture::Gemma2 => gemma2(&keys, tied),
        GgufArchitecture::Phi3 => phi3(&keys, tied),
    }
}

/// A `gemma3_text` config.
fn gemma3(keys: &Keys<'_>, tied: bool) -> Result<Value, LoadError> {
    let c = Common::read(keys, Some(1e-6))?;
    let window = keys.positive("attention.sliding_window")?;
    let layer_types: Vec<&str> = (1..=c.layers)
        .map(|i| {
            if i.is_multiple_of(GEMMA3_GLOBAL_EVERY) {
                "full_attention"
            } else {
                "sliding_attention"
            }
        })
        .collect();
    let query_pre_attn_scalar = if c.layers == GEMMA3_27B_LAYERS {
        c.hidden / c.heads
    } else {
        c.head_dim
    };
    let soft_cap = |suffix| -> Result<Value, LoadError> {
        Ok(keys.opt_f64(suffix)?.map_or(Value::Null, Value::from))
    };
    c.config(
        keys,
        "gemma3_text",
        "Gemma3ForCausalLM",
        tied,
        json!({
            "sliding_window": window,
            "layer_types": layer_types,
            "rope_parameters": {
                "full_attention": rope_parameters(keys, c.rope_theta)?,
                "sliding_attention": { "rope_theta": GEMMA3_LOCAL_ROPE_THETA, "rope_type": "default" },
            },
            "query_pre_attn_scalar": query_pre_attn_scalar,
            "hidden_activation": "gelu_pytorch_tanh",
            "attention_bias": false,
            "attn_logit_softcapping": soft_cap("attn_logit_softcapping")?,
            "final_logit_softcapping": soft_cap("final_logit_softcapping")?,
            "use_bidirectional_attention": false,
        }),
    )
}

/// A `llama` config.
fn llama(keys: &Keys<'_>, tied: bool) -> Result<Value, LoadError> {
    reject_rope_freqs(keys)?;
    let c = Common::read(keys, None)?;
    let file = keys.file;
    c.config(
        keys,
        "llama",
        "LlamaForCausalLM",
        tied,
        json!({
            "rope_parameters": rope_parameters(keys, c.rope_theta)?,
            "hidden_act": "silu",
            "attention_bias": file.tensor("blk.0.attn_q.bias").is_some(),
            "mlp_bias": file.tensor("blk.0.ffn_up.bias").is_some(),
        }),
    )
}

/// A `qwen2` or `qwen3` config (`model_type`, HF class `class`): llama.cpp keeps no sliding
/// window for either, so every layer is global.
fn qwen(keys: &Keys<'_>, tied: bool, model_type: &str, class: &str) -> Result<Value, LoadError> {
    let c = Common::read(keys, None)?;
    c.config(
        keys,
        model_type,
        class,
        tied,
        json!({
            "rope_parameters": rope_parameters(keys, c.rope_theta)?,
            "hidden_act": "silu",
            "attention_bias": keys.file.tensor("blk.0.attn_q.bias").is_some(),
            "use_sliding_window": false,
            "sliding_window": null,
            "max_window_layers": c.layers,
            "layer_types": vec!["full_attention"; c.layers],
        }),
    )
}

/// A `gemma2` config: even layers slide (llama.cpp's and HF's pattern), softcaps from the
/// file or llama.cpp's defaults.
fn gemma2(keys: &Keys<'_>, tied: bool) -> Result<Value, LoadError> {
    let c = Common::read(keys, Some(1e-6))?;
    let layer_types: Vec<&str> = (0..c.layers)
        .map(|i| {
            if i % 2 == 0 {
                "sliding_attention"
            } else {
                "full_attention"
            }
        })
        .collect();
    let query_pre_attn_scalar = if c.layers == GEMMA2_27B_LAYERS {
        c.hidden / c.heads
    } else {
        c.head_dim
    };
    let (attn_cap, final_cap) = GEMMA2_DEFAULT_SOFTCAPS;
    c.config(
        keys,
        "gemma2",
        "Gemma2ForCausalLM",
        tied,
        json!({
            "sliding_window": keys.positive("attention.sliding_window")?,
            "layer_types": layer_types,
            "rope_parameters": rope_parameters(keys, c.rope_theta)?,
            "query_pre_attn_scalar": query_pre_attn_scalar,
            "hidden_activation": "gelu_pytorch_tanh",
            "attention_bias": false,
            "attn_logit_softcapping": keys.opt_f64("attn_logit_softcapping")?.unwrap_or(attn_cap),
            "final_logit_softcapping": keys.opt_f64("final_logit_softcapping")?.unwrap_or(final_cap),
        }),
    )
}

/// A `phi3` config; a window of 0 (how the converter marks Phi-4) is none. LongRoPE factors
/// (`rope_factors_long.weight`) are refused: load such a model from its HF folder.
fn phi3(keys: &Keys<'_>, tied: bool) -> Result<Value, LoadError> {
    if keys.file.tensor("rope_factors_long.weight").is_some() {
        return Err(LoadError::Format {
            path: keys.file.path().to_path_buf(),
            message: "tensor `rope_factors_long.weight` holds LongRoPE factors, which babelbench \
                      reads only from config.json; load this model from its HF folder instead"
                .into(),
        });
    }
    let c = Common::read(keys, Some(1e-5))?;
    let window = keys
        .opt_usize("attention.sliding_window")?
        .filter(|&w| w > 0);
    c.config(
        keys,
        "phi3",
        "Phi3ForCausalLM",
        tied,
        json!({
            "original_max_position_embeddings": keys
                .opt_usize("rope.scaling.original_context_length")?
                .unwrap_or(c.context),
            "rope_parameters": rope_parameters(keys, c.rope_theta)?,
            "hidden_act": "silu",
            "sliding_window": window,
        }),
    )
}
