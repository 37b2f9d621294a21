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
    /// Whether a tensor called `name` exists (e.g. an untied `lm_head.weight`).
    fn contains(&self, name: &str) -> bool;
}
