//! The decoder-only model shared by Llama, Mistral, Qwen2/3, Gemma 2/3 and Phi-3: token
//! embedding (optionally scaled), pre-norm blocks, final RMSNorm and a tied or separate LM head.
//! Each architecture file turns its config into a [`DecoderSpec`].

use burn::tensor::{Device, Tensor};

use crate::arch::{CausalLm, Checkpoint, ForwardOutput, KvCache, ModelShape, TokenBatch};
use crate::error::{ForwardError, LoadError};
use crate::layers::attention::{HeadLayout, LayerCacheSlot, SelfAttention};
use crate::layers::decoder::{BlockNorms, DecoderLayer};
use crate::layers::embedding::TokenEmbedding;
use crate::layers::linear::Linear;
use crate::layers::mask::StepContext;
use crate::layers::mlp::{Activation, GatedMlp};
use crate::layers::param::ParamLoader;
use crate::layers::rms_norm::{NormWeights, RmsNorm};
use crate::layers::rope::{Rope, RopeConfig};

/// Attention pattern of one block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LayerPattern {
    /// Sliding window in positions, `None` for global attention.
    pub(crate) window: Option<usize>,
    /// Index into [`DecoderSpec::ropes`].
    pub(crate) rope: usize,
}

/// How a block's projections are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjectionNames {
    /// `self_attn.{q,k,v}_proj` and `mlp.{gate,up}_proj`.
    Separate,
    /// Phi-3's `self_attn.qkv_proj` (Q, K, V rows in order) and `mlp.gate_up_proj` (gate rows
    /// first).
    Fused,
}

/// Everything that distinguishes one decoder-only architecture from another.
#[derive(Debug, Clone)]
pub(crate) struct DecoderSpec {
    /// Dimensions reported by the model.
    pub(crate) info: ModelShape,
    /// Feed-forward width.
    pub(crate) intermediate_size: usize,
    /// Head counts and score scaling.
    pub(crate) heads: HeadLayout,
    /// RMSNorm epsilon.
    pub(crate) rms_norm_eps: f64,
    /// How norm weights are stored.
    pub(crate) norm_weights: NormWeights,
    /// How the projections are stored.
    pub(crate) projections: ProjectionNames,
    /// Biases on Q/K/V.
    pub(crate) qkv_bias: bool,
    /// Bias on the attention output projection.
    pub(crate) out_bias: bool,
    /// Biases in the feed-forward block.
    pub(crate) mlp_bias: bool,
    /// Feed-forward nonlinearity.
    pub(crate) activation: Activation,
    /// Per-head RMSNorm of queries and keys (Gemma 3, Qwen3).
    pub(crate) qk_norm: bool,
    /// Norms on the attention and feed-forward outputs (Gemma's `post_*` norms).
    pub(crate) sandwich_norms: bool,
    /// Multiplier of the embeddings (Gemma: `sqrt(hidden)`).
    pub(crate) embed_scale: Option<f32>,
    /// `cap·tanh(logits/cap)` on the logits.
    pub(crate) final_softcap: Option<f64>,
    /// Whether the LM head reuses the embedding matrix.
    pub(crate) tie_embeddings: bool,
    /// RoPE parameter sets referenced by the layers.
    pub(crate) ropes: Vec<RopeConfig>,
    /// One entry per block.
    pub(crate) layers: Vec<LayerPattern>,
    /// Where the tensors are.
    pub(crate) names: WeightNames,
}

/// Where a decoder's tensors are in its checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WeightNames {
    /// Prefix of `embed_tokens`, `layers.{i}` and `norm`.
    pub(crate) prefix: &'static str,
    /// The untied LM head (without `.weight`).
    pub(crate) lm_head: &'static str,
}

impl WeightNames {
    /// A causal LM's: `model.layers.0...`, `lm_head`.
    pub(crate) const CAUSAL_LM: Self = Self {
        prefix: "model.",
        lm_head: "lm_head",
    };
}

/// A loaded decoder-only model.
pub(crate) struct DecoderModel {
    info: ModelShape,
    heads: HeadLayout,
    device: Device,
    embed: TokenEmbedding,
    embed_scale: Option<f32>,
    layers: Vec<DecoderLayer>,
    ropes: Vec<Rope>,
    norm: RmsNorm,
    head: Linear,
    final_softcap: Option<f64>,
}

impl DecoderModel {
    /// Reads the weights `spec` calls for (HF names under [`DecoderSpec::names`]) from
    /// `checkpoint` onto `device`.
    pub(crate) fn load(
        spec: &DecoderSpec,
        checkpoint: &Checkpoint<'_>,
        device: &Device,
    ) -> Result<Self, LoadError> {
        let loader = &ParamLoader::new(checkpoint, device);
        let ModelShape {
            vocab_size,
            hidden_size: hidden,
            ..
        } = spec.info;
        let prefix = spec.names.prefix;
        let embed = TokenEmbedding::load(
            loader,
            &format!("{prefix}embed_tokens.weight"),
            vocab_size,
            hidden,
        )?;
        let layers = spec
            .layers
            .iter()
            .enumerate()
            .map(|(i, pattern)| load_layer(spec, loader, i, pattern))
            .collect::<Result<Vec<_>, _>>()?;
        let norm = RmsNorm::load(
            loader,
            &format!("{prefix}norm.weight"),
            hidden,
            spec.rms_norm_eps,
            spec.norm_weights,
        )?;
        let head = if spec.tie_embeddings {
            embed.tied_head()
        } else {
            Linear::load(loader, spec.names.lm_head, hidden, vocab_size, false)?
        };
        Ok(Self {
            info: spec.info.clone(),
            heads: spec.heads,
            device: loader.device().clone(),
            embed,
            embed_scale: spec.embed_scale,
            layers,
            ropes: spec
                .ropes
                .iter()
                .map(|r| Rope::new(r, spec.heads.head_dim))
                .collect(),
            norm,
            head,
            final_softcap: spec.final_softcap,
        })
    }
}

/// Reads block `i`.
fn load_layer(
    spec: &DecoderSpec,
    loader: &ParamLoader<'_>,
    i: usize,
    pattern: &LayerPattern,
) -> Result<DecoderLayer, LoadError> {
    let hidden = spec.info.hidden_size;
    let HeadLayout {
        heads,
        kv_heads,
        head_dim,
        ..
    } = spec.heads;
    let p = format!("{}layers.{i}", spec.names.prefix);
    let norm = |name: &str, dim: usize| {
        RmsNorm::load(
            loader,
            &format!("{p}.{name}.weight"),
            dim,
            spec.rms_norm_eps,
            spec.norm_weights,
        )
    };
    let (q, kv) = (heads * head_dim, kv_heads * head_dim);
    let inter = spec.intermediate_size;
    let (qkv, gate_up) = match spec.projections {
        ProjectionNames::Separate => (
            Linear::load_fused(
                loader,
                &[
                    (&format!("{p}.self_attn.q_proj"), q),
                    (&format!("{p}.self_attn.k_proj"), kv),
                    (&format!("{p}.self_attn.v_proj"), kv),
                ],
                hidden,
                spec.qkv_bias,
            )?,
            Linear::load_fused(
                loader,
                &[
                    (&format!("{p}.mlp.gate_proj"), inter),
                    (&format!("{p}.mlp.up_proj"), inter),
                ],
                hidden,
                spec.mlp_bias,
            )?,
        ),
        ProjectionNames::Fused => (
            Linear::load(
                loader,
                &format!("{p}.self_attn.qkv_proj"),
                hidden,
                q + 2 * kv,
                spec.qkv_bias,
            )?,
            Linear::load(
                loader,
                &format!("{p}.mlp.gate_up_proj"),
                hidden,
                2 * inter,
                spec.mlp_bias,
            )?,
        ),
    };
    let out = Linear::load(
        loader,
        &format!("{p}.self_attn.o_proj"),
        heads * head_dim,
        hidden,
        spec.out_bias,
    )?;
    let (q_norm, k_norm) = if spec.qk_norm {
        (
            Some(norm("self_attn.q_norm", head_dim)?),
            Some(norm("self_attn.k_norm", head_dim)?),
        )
    } else {
        (None, None)
    };
    let attention = SelfAttention::new(spec.heads, qkv, out, q_norm, k_norm);
    let down = Linear::load(
        loader,
        &format!("{p}.mlp.down_proj"),
        inter,
        hidden,
        spec.mlp_bias,
    )?;
    let mlp = GatedMlp::new(gate_up, down, inter, spec.activation);
    let norms = if spec.sandwich_norms {
        BlockNorms {
            input: norm("input_layernorm", hidden)?,
            post_attention: Some(norm("post_attention_layernorm", hidden)?),
            pre_feedforward: norm("pre_feedforward_layernorm", hidden)?,
            post_feedforward: Some(norm("post_feedforward_layernorm", hidden)?),
        }
    } else {
        BlockNorms {
            input: norm("input_layernorm", hidden)?,
            post_attention: None,
            pre_feedforward: norm("post_attention_layernorm", hidden)?,
            post_feedforward: None,
        }
    };
    Ok(DecoderLayer::new(
        norms,
        attention,
        mlp,
        pattern.window,
        pattern.rope,
    ))
}

impl CausalLm for DecoderModel {
    fn shape(&self) -> &ModelShape {
        &self.info
    }

    fn forward(
        &self,
        batch: &TokenBatch,
        mut cache: Option<&mut KvCache>,
        output_hidden_states: bool,
    ) -> Result<ForwardOutput, ForwardError> {
        let heads = &self.heads;
        batch.validate(
            self.info.vocab_size,
            cache.as_deref(),
            (self.info.num_layers, heads.kv_heads, heads.head_dim),
        )?;
        let (rows, seq) = (batch.rows(), batch.seq_len());
        let context = StepContext::new(batch.mask(), rows, seq, cache.as_deref(), &self.device);
        let tables: Vec<_> = self
            .ropes
            .iter()
            .map(|rope| rope.table(context.positions(), context.lengths()))
            .collect();
        let mut hidden = self.embed.lookup(batch, &self.device);
        if let Some(scale) = self.embed_scale {
            hidden = hidden.mul_scalar(scale);
        }
        let mut states = output_hidden_states.then(Vec::new);
        for (i, layer) in self.layers.iter().enumerate() {
            if let Some(states) = states.as_mut() {
                states.push(hidden.clone());
            }
            let slot = cache
                .as_deref_mut()
                .map(|cache| LayerCacheSlot { cache, layer: i });
            hidden = layer.forward(
                hidden,
                &tables[layer.rope()],
                context.for_layer(layer.window()),
                slot,
            )?;
        }
        let last = self.norm.forward(hidden)?;
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

    fn cache_stale_past(&self) -> Option<usize> {
        self.ropes.iter().find_map(Rope::short_context)
    }

    fn lm_head(&self, hidden: Tensor<2>) -> Result<Tensor<2>, ForwardError> {
        let width = hidden.dims()[1];
        if width != self.head.in_features() {
            return Err(ForwardError::HiddenSize {
                expected: self.head.in_features(),
                actual: width,
            });
        }
        let logits = self.head.forward(hidden)?;
        Ok(match self.final_softcap {
            Some(cap) => logits.div_scalar(cap).tanh().mul_scalar(cap),
            None => logits,
        })
    }
}
