//! GPT-2: learned position embeddings, pre-LayerNorm blocks with a fused Q/K/V `Conv1D`
//! (weights stored `[in, out]`), GELU-tanh feed-forward, final LayerNorm and a head tied to
//! the token embeddings.

use burn::tensor::module::embedding;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::Deserialize;

use crate::arch::config::{ConfigFile, HiddenAct, Positive, default_true};
use crate::arch::{
    Architecture, CausalLm, Checkpoint, ForwardOutput, KvCache, ModelShape, TokenBatch,
};
use crate::error::{ForwardError, LoadError};
use crate::layers::attention::{HeadLayout, LayerCacheSlot, SelfAttention};
use crate::layers::embedding::TokenEmbedding;
use crate::layers::layer_norm::LayerNorm;
use crate::layers::linear::Linear;
use crate::layers::mask::StepContext;
use crate::layers::mlp::Mlp;
use crate::layers::param::ParamLoader;

/// One GPT-2 block: `h += attn(ln_1(h)); h += mlp(ln_2(h))`.
struct Block {
    ln_1: LayerNorm,
    attention: SelfAttention,
    ln_2: LayerNorm,
    mlp: Mlp,
}

/// A loaded GPT-2 model.
pub(super) struct Gpt2 {
    info: ModelShape,
    /// Attention heads (all of them key/value heads).
    heads: usize,
    device: Device,
    wte: TokenEmbedding,
    wpe: Tensor<2>,
    blocks: Vec<Block>,
    ln_f: LayerNorm,
    head: Linear,
}

/// config.json of `gpt2` (HF `GPT2Config`).
#[derive(Debug, Deserialize)]
struct Config {
    n_embd: Positive,
    n_layer: Positive,
    n_head: Positive,
    vocab_size: Positive,
    n_positions: Positive,
    n_inner: Option<usize>,
    #[serde(default = "default_layer_norm_epsilon")]
    layer_norm_epsilon: f64,
    #[serde(default = "gelu_new")]
    activation_function: HiddenAct,
    #[serde(default = "default_true")]
    scale_attn_weights: bool,
    #[serde(default)]
    scale_attn_by_inverse_layer_idx: bool,
    #[serde(default = "default_true")]
    tie_word_embeddings: bool,
}

/// HF's default `layer_norm_epsilon`.
fn default_layer_norm_epsilon() -> f64 {
    1e-5
}

/// HF's default `activation_function`.
fn gelu_new() -> HiddenAct {
    HiddenAct::GeluTanh
}

/// Loads a GPT-2 checkpoint; tensor names may carry HF's `transformer.` prefix or not (the
/// original OpenAI export).
pub(super) fn load(checkpoint: &Checkpoint<'_>, device: &Device) -> Result<Gpt2, LoadError> {
    let file = ConfigFile::new(checkpoint.config_path);
    let config: Config = file.parse(checkpoint.config, "")?;
    let Positive(hidden) = config.n_embd;
    let Positive(num_layers) = config.n_layer;
    let Positive(heads) = config.n_head;
    if !hidden.is_multiple_of(heads) {
        return Err(file.error("n_head", format!("{heads} does not divide n_embd {hidden}")));
    }
    let Positive(vocab) = config.vocab_size;
    let Positive(positions) = config.n_positions;
    let inner = config.n_inner.unwrap_or(4 * hidden);
    let eps = config.layer_norm_epsilon;
    let act = config.activation_function.into();
    let head_dim = hidden / heads;
    let base_scale = if config.scale_attn_weights {
        (head_dim as f64).powf(-0.5)
    } else {
        1.0
    };
    let by_layer_idx = config.scale_attn_by_inverse_layer_idx;
    let tie = config.tie_word_embeddings;

    let loader = ParamLoader::new(checkpoint, device);
    let p = if loader.contains("transformer.wte.weight") {
        "transformer."
    } else {
        ""
    };
    let wte = TokenEmbedding::load(&loader, &format!("{p}wte.weight"), vocab, hidden)?;
    let wpe = loader.tensor(&format!("{p}wpe.weight"), [positions, hidden])?;
    let blocks = (0..num_layers)
        .map(|i| {
            let b = format!("{p}h.{i}");
            let scale = if by_layer_idx {
                base_scale / (i + 1) as f64
            } else {
                base_scale
            };
            let layout = HeadLayout {
                heads,
                kv_heads: heads,
                head_dim,
                scale,
                softcap: None,
            };
            Ok(Block {
                ln_1: LayerNorm::load(&loader, &format!("{b}.ln_1"), hidden, eps)?,
                attention: SelfAttention::new(
                    layout,
                    Linear::load_conv1d(&loader, &format!("{b}.attn.c_attn"), hidden, 3 * hidden)?,
                    Linear::load_conv1d(&loader, &format!("{b}.attn.c_proj"), hidden, hidden)?,
                    None,
                    None,
                ),
                ln_2: LayerNorm::load(&loader, &format!("{b}.ln_2"), hidden, eps)?,
                mlp: Mlp::new(
                    Linear::load_conv1d(&loader, &format!("{b}.mlp.c_fc"), hidden, inner)?,
                    Linear::load_conv1d(&loader, &format!("{b}.mlp.c_proj"), inner, hidden)?,
                    act,
                ),
            })
        })
        .collect::<Result<Vec<_>, LoadError>>()?;
    let ln_f = LayerNorm::load(&loader, &format!("{p}ln_f"), hidden, eps)?;
    let head = if tie {
        wte.tied_head()
    } else {
        Linear::load(&loader, "lm_head", hidden, vocab, false)?
    };
    Ok(Gpt2 {
        info: ModelShape {
            architecture: Architecture::Gpt2,
            vocab_size: vocab,
            hidden_size: hidden,
            num_layers,
            max_positions: Some(positions),
        },
        heads,
        device: device.clone(),
        wte,
        wpe,
        blocks,
        ln_f,
        head,
    })
}

impl CausalLm for Gpt2 {
    fn shape(&self) -> &ModelShape {
        &self.info
    }

    fn forward(
        &self,
        batch: &TokenBatch,
        mut cache: Option<&mut KvCache>,
        output_hidden_states: bool,
    ) -> Result<ForwardOutput, ForwardError> {
        let head_dim = self.info.hidden_size / self.heads;
        batch.validate(
            self.info.vocab_size,
            cache.as_deref(),
            (self.info.num_layers, self.heads, head_dim),
        )?;
        let (rows, seq) = (batch.rows(), batch.seq_len());
        let context = StepContext::new(batch.mask(), rows, seq, cache.as_deref(), &self.device);
        let max = self.wpe.dims()[0];
        if let Some(index) = context.positions().iter().position(|&p| p >= max) {
            return Err(ForwardError::TooLong {
                row: index / seq,
                position: context.positions()[index],
                max,
            });
        }
        let positions: Vec<i64> = context.positions().iter().map(|&p| p as i64).collect();
        let positions: Tensor<2, Int> =
            Tensor::from_data(TensorData::new(positions, [rows, seq]), &self.device);
        let mut hidden =
            self.wte.lookup(batch, &self.device) + embedding(self.wpe.clone(), positions);
        let mask = context.for_layer(None);
        let mut states = output_hidden_states.then(Vec::new);
        for (i, block) in self.blocks.iter().enumerate() {
            if let Some(states) = states.as_mut() {
                states.push(hidden.clone());
            }
            let slot = cache
                .as_deref_mut()
                .map(|cache| LayerCacheSlot { cache, layer: i });
            let attended =
                block
                    .attention
                    .forward(block.ln_1.forward(hidden.clone()), None, mask, slot)?;
            hidden = hidden + attended;
            let fed = block.mlp.forward(block.ln_2.forward(hidden.clone()))?;
            hidden = hidden + fed;
        }
        let last = self.ln_f.forward(hidden);
        if let Some(states) = states.as_mut() {
            states.push(last.clone());
        }
        if let Some(cache) = cache {
            cache.commit(seq, batch.mask(), context.positions());
        }
        Ok(ForwardOutput {
            last_hidden_state: last,
            hidden_states: states,
        })
    }

    fn lm_head(&self, hidden: Tensor<2>) -> Result<Tensor<2>, ForwardError> {
        let width = hidden.dims()[1];
        if width != self.info.hidden_size {
            return Err(ForwardError::HiddenSize {
                expected: self.info.hidden_size,
                actual: width,
            });
        }
        self.head.forward(hidden)
    }
}
