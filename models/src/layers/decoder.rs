//! The pre-norm decoder block shared by Llama, Mistral, Qwen2/3, Gemma 2/3 and Phi-3:
//! `h += [post_attn_norm](attn(input_norm(h)))`, then
//! `h += [post_ffn_norm](mlp(pre_ffn_norm(h)))`, where the bracketed norms are Gemma's.

use burn::tensor::Tensor;

use crate::error::ForwardError;
use crate::layers::attention::{LayerCacheSlot, SelfAttention};
use crate::layers::mask::LayerMask;
use crate::layers::mlp::GatedMlp;
use crate::layers::rms_norm::RmsNorm;
use crate::layers::rope::RopeTable;

/// Norms around the two sub-blocks.
#[derive(Debug, Clone)]
pub(crate) struct BlockNorms {
    /// Before attention.
    pub(crate) input: RmsNorm,
    /// On the attention output, before the residual add (Gemma).
    pub(crate) post_attention: Option<RmsNorm>,
    /// Before the feed-forward block (Llama's `post_attention_layernorm`).
    pub(crate) pre_feedforward: RmsNorm,
    /// On the feed-forward output, before the residual add (Gemma).
    pub(crate) post_feedforward: Option<RmsNorm>,
}

/// One decoder block.
#[derive(Debug, Clone)]
pub(crate) struct DecoderLayer {
    norms: BlockNorms,
    attention: SelfAttention,
    mlp: GatedMlp,
    /// Sliding-window size in positions, `None` for global attention.
    window: Option<usize>,
    /// Index of this layer's RoPE table in the model.
    rope: usize,
}

impl DecoderLayer {
    /// A block attending within `window` positions (or globally) with RoPE table `rope`.
    pub(crate) fn new(
        norms: BlockNorms,
        attention: SelfAttention,
        mlp: GatedMlp,
        window: Option<usize>,
        rope: usize,
    ) -> Self {
        Self {
            norms,
            attention,
            mlp,
            window,
            rope,
        }
    }

    /// The sliding window of this block.
    pub(crate) fn window(&self) -> Option<usize> {
        self.window
    }

    /// Index of the RoPE table this block uses.
    pub(crate) fn rope(&self) -> usize {
        self.rope
    }

    /// Runs the block on `hidden` (`[rows, seq, hidden]`).
    pub(crate) fn forward(
        &self,
        hidden: Tensor<3>,
        rope: &RopeTable,
        mask: LayerMask<'_>,
        cache: Option<LayerCacheSlot<'_>>,
    ) -> Result<Tensor<3>, ForwardError> {
        let normed = self.norms.input.forward(hidden.clone())?;
        let mut attended = self.attention.forward(normed, Some(rope), mask, cache)?;
        if let Some(norm) = &self.norms.post_attention {
            attended = norm.forward(attended)?;
        }
        let hidden = hidden + attended;
        let normed = self.norms.pre_feedforward.forward(hidden.clone())?;
        let mut fed = self.mlp.forward(normed)?;
        if let Some(norm) = &self.norms.post_feedforward {
            fed = norm.forward(fed)?;
        }
        Ok(hidden + fed)
    }
}
