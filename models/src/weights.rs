//! A format-independent view of a checkpoint's tensors, named as in HF transformers'
//! safetensors (`model.layers.0.self_attn.q_proj.weight`, row-major, `[out, in]` for Linear).

use crate::error::LoadError;
use crate::quantized::GroupedQuants;

/// A tensor materialized on the host as f32.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    /// Dimensions, outermost first (PyTorch order).
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f32>,
}

/// The two 16-bit float formats a checkpoint may store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HalfFormat {
    /// bfloat16: the upper half of an f32.
    Bf16,
    /// IEEE 754 binary16.
    F16,
}

/// A tensor kept in its 16-bit storage format.
#[derive(Debug, Clone, PartialEq)]
pub struct HalfTensor {
    /// Dimensions, outermost first (PyTorch order).
    pub shape: Vec<usize>,
    /// How `bits` encode values.
    pub format: HalfFormat,
    /// Row-major values as their bit patterns.
    pub bits: Vec<u16>,
}

/// Where an architecture reads its weights from: a safetensors folder or a GGUF file, both
/// exposed with HF tensor names and HF conventions (GGUF's Gemma `1 + w` norms and permuted
/// llama Q/K rows already undone).
pub trait WeightSource {
    /// The tensor called `name`, converted to f32.
    fn tensor(&self, name: &str) -> Result<HostTensor, LoadError>;
    /// The matrix called `name` as grouped 8-bit quants, when it is stored quantized and its
    /// values need no conversion beyond reordering rows; `None` otherwise (read it with
    /// [`WeightSource::tensor`]).
    fn grouped(&self, name: &str) -> Result<Option<GroupedQuants>, LoadError> {
        let _ = name;
        Ok(None)
    }
    /// The tensor called `name` as its 16-bit values, when it is stored as bf16 or f16; `None`
    /// otherwise (read it with [`WeightSource::tensor`]). Widening the result gives the values
    /// [`WeightSource::tensor`] returns.
    fn half(&self, name: &str) -> Result<Option<HalfTensor>, LoadError> {
        let _ = name;
        Ok(None)
    }
    /// Whether a tensor called `name` exists (e.g. an untied `lm_head.weight`).
    fn contains(&self, name: &str) -> bool;
}
