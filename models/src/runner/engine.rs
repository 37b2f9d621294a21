//! The model, device and batch budget that every runner operation works with.

use std::sync::atomic::{AtomicU64, Ordering};

use burn::tensor::Device;

use crate::arch::{CausalLm, ForwardOutput, TokenBatch};
use crate::error::ForwardError;
use crate::layers::kv_cache::KvCache;

/// A loaded model as the runner operations see it.
pub(crate) struct Engine<'a> {
    /// The architecture.
    pub(crate) lm: &'a dyn CausalLm,
    /// Where its tensors live.
    pub(crate) device: &'a Device,
    /// Most padded tokens in one forward pass.
    pub(crate) budget: usize,
    /// Real tokens run through the model so far.
    pub(crate) forwarded: &'a AtomicU64,
}

impl Engine<'_> {
    /// One forward pass of `batch`, counting its real (non-padding) tokens.
    pub(crate) fn forward(
        &self,
        batch: &TokenBatch,
        cache: Option<&mut KvCache>,
        output_hidden_states: bool,
    ) -> Result<ForwardOutput, ForwardError> {
        let output = self.lm.forward(batch, cache, output_hidden_states)?;
        let real = batch.mask().iter().filter(|&&real| real).count();
        self.forwarded.fetch_add(real as u64, Ordering::Relaxed);
        Ok(output)
    }
}
