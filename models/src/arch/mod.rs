//! Transformer architectures built from a config.json-shaped JSON value and a
//! [`WeightSource`], with one forward API for all of them.
//!
//! A forward call takes a [`TokenBatch`] (padding on either side), an optional [`KvCache`] for
//! incremental decoding, and whether to return HF's `output_hidden_states`; it returns the
//! final-normed hidden states. [`CausalLm::lm_head`] turns chosen rows of them into logits, so
//! the vocabulary projection runs only where log-probabilities are needed.

mod batch;
mod config;
mod decoder_model;
mod gemma2;
mod gemma3;
mod gpt2;
mod llama;
mod phi3;
mod qwen2;
mod qwen3;

use std::path::Path;

use burn::tensor::{Device, Tensor};
use serde::Deserialize;
use serde_json::Value;

pub use crate::layers::kv_cache::KvCache;
pub use batch::{PadSide, TokenBatch};

use crate::dtype::Dtype;
use crate::error::{ForwardError, LoadError};
use crate::safetensors_source::HfFolder;
use crate::weights::WeightSource;
use config::ConfigFile;

/// The fields of config.json that name its architecture.
#[derive(Deserialize)]
struct Identity {
    #[serde(default)]
    model_type: String,
    #[serde(default)]
    architectures: Vec<String>,
}

/// The architectures this runtime implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// Llama 2/3, SmolLM, TinyLlama (`llama`).
    Llama,
    /// Mistral (`mistral`): Llama with a sliding window on every layer.
    Mistral,
    /// Qwen2 (`qwen2`): Llama with Q/K/V biases.
    Qwen2,
    /// Qwen3 (`qwen3`): Llama with per-head query/key norms.
    Qwen3,
    /// Gemma 2 (`gemma2`): softcapped attention and logits, alternating sliding layers.
    Gemma2,
    /// Gemma 3 text models (`gemma3_text`).
    Gemma3,
    /// The language model of a multimodal Gemma 3 (`gemma3`), its vision tower ignored.
    Gemma3Multimodal,
    /// Phi-3 (`phi3`): Llama with fused Q/K/V and gate/up projections.
    Phi3,
    /// GPT-2 (`gpt2`).
    Gpt2,
}

impl Architecture {
    /// The architecture named by config.json's `model_type`, or else by its `architectures`.
    pub fn detect(config: &Value, config_path: &Path) -> Result<Self, LoadError> {
        let Identity {
            model_type,
            architectures,
        } = ConfigFile::new(config_path).parse(config, "")?;
        let model_type = model_type.as_str();
        let by_type = match model_type {
            "llama" => Some(Self::Llama),
            "mistral" => Some(Self::Mistral),
            "qwen2" => Some(Self::Qwen2),
            "qwen3" => Some(Self::Qwen3),
            "gemma2" => Some(Self::Gemma2),
            "gemma3_text" => Some(Self::Gemma3),
            "gemma3" => Some(Self::Gemma3Multimodal),
            "phi3" => Some(Self::Phi3),
            "gpt2" => Some(Self::Gpt2),
            _ => None,
        };
        let by_class = || {
            architectures.iter().find_map(|class| match class.as_str() {
                "LlamaForCausalLM" => Some(Self::Llama),
                "MistralForCausalLM" => Some(Self::Mistral),
                "Qwen2ForCausalLM" => Some(Self::Qwen2),
                "Qwen3ForCausalLM" => Some(Self::Qwen3),
                "Gemma2ForCausalLM" => Some(Self::Gemma2),
                "Gemma3ForCausalLM" => Some(Self::Gemma3),
                "Gemma3ForConditionalGeneration" => Some(Self::Gemma3Multimodal),
                "Phi3ForCausalLM" => Some(Self::Phi3),
                "GPT2LMHeadModel" => Some(Self::Gpt2),
                _ => None,
            })
        };
        // An unknown model_type wins over a familiar class name: it signals a different model.
        let found = if model_type.is_empty() {
            by_class()
        } else {
            by_type
        };
        found.ok_or_else(|| LoadError::UnknownArchitecture {
            path: config_path.to_path_buf(),
            model_type: model_type.to_string(),
            architectures: architectures.clone(),
        })
    }

    /// HF's `model_type` of this architecture.
    pub fn model_type(self) -> &'static str {
        match self {
            Self::Llama => "llama",
            Self::Mistral => "mistral",
            Self::Qwen2 => "qwen2",
            Self::Qwen3 => "qwen3",
            Self::Gemma2 => "gemma2",
            Self::Gemma3 => "gemma3_text",
            Self::Gemma3Multimodal => "gemma3",
            Self::Phi3 => "phi3",
            Self::Gpt2 => "gpt2",
        }
    }
}

/// Dimensions of a loaded model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelShape {
    /// The architecture.
    pub architecture: Architecture,
    /// Rows of the embedding table and columns of the logits.
    pub vocab_size: usize,
    /// Width of hidden states.
    pub hidden_size: usize,
    /// Decoder blocks.
    pub num_layers: usize,
    /// Number of learned positions, for models limited by a position table (GPT-2).
    pub max_positions: Option<usize>,
}

/// Result of a forward call.
#[derive(Debug, Clone)]
pub struct ForwardOutput {
    /// Hidden states after the final norm, `[rows, seq, hidden]`; padding rows hold
    /// unspecified finite values.
    pub last_hidden_state: Tensor<3>,
    /// HF's `output_hidden_states` when requested: `num_layers + 1` tensors, index 0 the
    /// (scaled) embeddings, index `i` the output of block `i` (1-based), except that the last
    /// entry is the final-normed state (equal to `last_hidden_state`), as in transformers.
    pub hidden_states: Option<Vec<Tensor<3>>>,
}

/// A causal language model.
pub trait CausalLm: Send + Sync {
    /// Dimensions of the model.
    fn shape(&self) -> &ModelShape;

    /// Runs `batch` through the model. With `cache`, the batch continues the rows already in
    /// it (positions follow on) and its keys and values are appended. With
    /// `output_hidden_states`, every HF hidden state is returned too.
    fn forward(
        &self,
        batch: &TokenBatch,
        cache: Option<&mut KvCache>,
        output_hidden_states: bool,
    ) -> Result<ForwardOutput, ForwardError>;

    /// Logits `[n, vocab]` of `hidden` rows `[n, hidden_size]` taken from
    /// [`ForwardOutput::last_hidden_state`].
    fn lm_head(&self, hidden: Tensor<2>) -> Result<Tensor<2>, ForwardError>;

    /// An empty KV cache for a batch of `rows` rows.
    fn new_cache(&self, rows: usize) -> KvCache {
        KvCache::new(self.shape().num_layers, rows)
    }

    /// A length `n` at which a KV cache goes stale: LongRoPE rotates passes of up to `n`
    /// tokens with its short factors and longer ones with its long factors. Generation that
    /// grows a row from `n` to `n + 1` tokens computes the cache again over the whole sequence,
    /// as transformers' Phi-3 `generate` does. `None` (the default): caches never go stale.
    fn cache_stale_past(&self) -> Option<usize> {
        None
    }
}

/// What a model is built from: a config.json-shaped value and tensors with HF names.
pub struct Checkpoint<'a> {
    /// The config (parsed config.json, or one synthesized from GGUF metadata).
    pub config: &'a Value,
    /// File named in config errors.
    pub config_path: &'a Path,
    /// The tensors.
    pub weights: &'a dyn WeightSource,
    /// File or folder named in tensor errors.
    pub weights_path: &'a Path,
    /// The precision of the matrix products.
    pub dtype: Dtype,
}

/// Builds the model `checkpoint` describes on `device`.
pub fn load(checkpoint: &Checkpoint<'_>, device: &Device) -> Result<Box<dyn CausalLm>, LoadError> {
    let model: Box<dyn CausalLm> =
        match Architecture::detect(checkpoint.config, checkpoint.config_path)? {
            Architecture::Llama => Box::new(llama::load(checkpoint, device, Architecture::Llama)?),
            Architecture::Mistral => {
                Box::new(llama::load(checkpoint, device, Architecture::Mistral)?)
            }
            Architecture::Qwen2 => Box::new(qwen2::load(checkpoint, device)?),
            Architecture::Qwen3 => Box::new(qwen3::load(checkpoint, device)?),
            Architecture::Gemma2 => Box::new(gemma2::load(checkpoint, device)?),
            Architecture::Gemma3 => Box::new(gemma3::load(checkpoint, device)?),
            Architecture::Gemma3Multimodal => {
                Box::new(gemma3::load_multimodal(checkpoint, device)?)
            }
            Architecture::Phi3 => Box::new(phi3::load(checkpoint, device)?),
            Architecture::Gpt2 => Box::new(gpt2::load(checkpoint, device)?),
        };
    Ok(model)
}

/// Builds the model saved by HF transformers in `dir` (config.json + safetensors), for f32
/// products.
pub fn load_hf_folder(dir: &Path, device: &Device) -> Result<Box<dyn CausalLm>, LoadError> {
    let folder = HfFolder::open(dir)?;
    load(
        &Checkpoint {
            config: &folder.config,
            config_path: &folder.config_path,
            weights: &folder.weights,
            weights_path: folder.weights.path(),
            dtype: Dtype::F32,
        },
        device,
    )
}
