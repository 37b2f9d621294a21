//! Multi-head self-attention with grouped key/value heads: one fused Q/K/V projection, a host
//! pass that splits heads and applies the optional per-head RMSNorm and RoPE, the attention
//! itself (on the CPU backend, and for one new token per row over a KV cache on any backend,
//! the host kernel in [`crate::cpu::attention`]; otherwise the backend's fused masked
//! attention), and the output projection.

use burn::tensor::Tensor;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use crate::cpu::attention::attend;
use crate::cpu::host::{for_each_row, from_host, to_host};
use crate::device::is_cpu;
use crate::error::ForwardError;
use crate::layers::kv_cache::{KvCache, LayerKv};
use crate::layers::linear::Linear;
use crate::layers::mask::LayerMask;
use crate::layers::rms_norm::RmsNorm;
use crate::layers::rope::RopeTable;

/// Head counts and score scaling of an attention layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HeadLayout {
    /// Query heads.
    pub(crate) heads: usize,
    /// Key/value heads (divides `heads`).
    pub(crate) kv_heads: usize,
    /// Width of one head.
    pub(crate) head_dim: usize,
    /// Multiplier of `q·k`.
    pub(crate) scale: f64,
    /// `cap·tanh(s/cap)` applied to the scaled scores, when set.
    pub(crate) softcap: Option<f64>,
}

/// A self-attention block.
#[derive(Debug, Clone)]
pub(crate) struct SelfAttention {
    layout: HeadLayout,
    /// `hidden → (heads + 2·kv_heads)·head_dim`, queries then keys then values.
    qkv: Linear,
    out: Linear,
    q_norm: Option<RmsNorm>,
    k_norm: Option<RmsNorm>,
}

/// Where one layer's keys and values live during a forward call.
pub(crate) struct LayerCacheSlot<'a> {
    /// The batch cache.
    pub(crate) cache: &'a mut KvCache,
    /// Index of this layer.
    pub(crate) layer: usize,
}

impl SelfAttention {
    /// An attention block from its fused projection, output projection and optional per-head
    /// query/key norms.
    pub(crate) fn new(
        layout: HeadLayout,
        qkv: Linear,
        out: Linear,
        q_norm: Option<RmsNorm>,
        k_norm: Option<RmsNorm>,
    ) -> Self {
        Self {
            layout,
            qkv,
            out,
            q_norm,
            k_norm,
        }
    }

    /// Attends `x` (`[rows, seq, hidden]`) under `mask`, rotating queries and keys with `rope`
    /// when given, and appending this step's keys and values to `cache` when given.
    pub(crate) fn forward(
        &self,
        x: Tensor<3>,
        rope: Option<&RopeTable>,
        mask: LayerMask<'_>,
        cache: Option<LayerCacheSlot<'_>>,
    ) -> Result<Tensor<3>, ForwardError> {
        let [rows, seq, _] = x.dims();
        let device = x.device();
        let HeadLayout {
            heads,
            kv_heads,
            head_dim,
            ..
        } = self.layout;
        let fused = to_host(self.qkv.forward(x)?)?;
        let width = (heads + 2 * kv_heads) * head_dim;
        let split = HeadSplit {
            fused: &fused,
            width,
            seq,
            head_dim,
            rope,
        };
        let q = split.heads(0, heads, self.q_norm.as_ref(), true);
        let k = split.heads(heads * head_dim, kv_heads, self.k_norm.as_ref(), true);
        let v = split.heads((heads + kv_heads) * head_dim, kv_heads, None, false);
        if is_cpu(&device) || (cache.is_some() && seq == 1) {
            let step;
            let kv = match cache {
                Some(LayerCacheSlot { cache, layer }) => {
                    cache.append(layer, (kv_heads, head_dim), &k, &v, seq)
                }
                None => {
                    step = LayerKv::of_step(k, v, rows, (kv_heads, head_dim), seq);
                    &step
                }
            };
            let context = attend(&q, kv, &mask.hidden(), seq, &self.layout);
            let merged = from_host(context, [rows, seq, heads * head_dim], &device);
            return self.out.forward(merged);
        }
        let (k, v) = match cache {
            Some(LayerCacheSlot { cache, layer }) => cache
                .append(layer, (kv_heads, head_dim), &k, &v, seq)
                .tensors(&device),
            None => {
                let kv_shape = [rows, kv_heads, seq, head_dim];
                (
                    from_host(k, kv_shape, &device),
                    from_host(v, kv_shape, &device),
                )
            }
        };
        let q = from_host(q, [rows, heads, seq, head_dim], &device);
        let (k, v) = (grouped_heads(k, heads), grouped_heads(v, heads));
        let options = AttentionModuleOptions {
            scale: Some(self.layout.scale),
            softcap: self.layout.softcap,
            is_causal: false,
        };
        let context = attention(q, k, v, Some(mask.tensor()), None, options);
        let merged = context
            .swap_dims(1, 2)
            .reshape([rows, seq, heads * head_dim]);
        self.out.forward(merged)
    }
}

/// Keys or values `[rows, kv_heads, seq, head_dim]` for `heads` query heads: the GPU backends'
/// attention needs one per query head, so each is repeated for its group (query head `h` reads
/// key/value head `h / (heads / kv_heads)`, as in HF's `repeat_kv`).
fn grouped_heads(kv: Tensor<4>, heads: usize) -> Tensor<4> {
    let [rows, kv_heads, seq, head_dim] = kv.dims();
    if kv_heads == heads {
        return kv;
    }
    kv.unsqueeze_dim::<5>(2)
        .expand([rows, kv_heads, heads / kv_heads, seq, head_dim])
        .reshape([rows, heads, seq, head_dim])
}

/// Splits a fused `[rows·seq, width]` projection into head-major tensors.
struct HeadSplit<'a> {
    fused: &'a [f32],
    width: usize,
    seq: usize,
    head_dim: usize,
    rope: Option<&'a RopeTable>,
}

impl HeadSplit<'_> {
    /// `[rows, count, seq, head_dim]` values of the `count` heads starting at column `offset`,
    /// each normalized by `norm` when given and rotated when `rotate` and RoPE is configured.
    fn heads(&self, offset: usize, count: usize, norm: Option<&RmsNorm>, rotate: bool) -> Vec<f32> {
        let rope = self.rope.filter(|_| rotate);
        let (seq, head_dim, width) = (self.seq, self.head_dim, self.width);
        let tokens = self.fused.len() / width;
        let mut out = vec![0.0f32; tokens * count * head_dim];
        for_each_row(&mut out, seq * head_dim, |block, dst| {
            let (row, head) = (block / count, block % count);
            for t in 0..seq {
                let token = row * seq + t;
                let start = token * width + offset + head * head_dim;
                let vector = &mut dst[t * head_dim..(t + 1) * head_dim];
                vector.copy_from_slice(&self.fused[start..start + head_dim]);
                if let Some(norm) = norm {
                    norm.apply_row(vector);
                }
                if let Some(rope) = rope {
                    rope.rotate(token, vector);
                }
            }
        });
        out
    }
}
