//! The model, device and batch budget that every runner operation works with.

use burn::tensor::Device;

use crate::arch::CausalLm;

/// A loaded model as the runner operations see it.
pub(crate) struct Engine<'a> {
    /// The architecture.
    pub(crate) lm: &'a dyn CausalLm,
    /// Where its tensors live.
    pub(crate) device: &'a Device,
    /// Most padded tokens in one forward pass.
    pub(crate) budget: usize,
}
