//! The key/value cache for incremental decoding, kept outside the model: per layer the keys and
//! values of every past slot, plus which slots hold real tokens and at which positions.

use burn::tensor::Tensor;

use crate::error::ForwardError;

/// Keys and values of one layer, `[rows, kv_heads, slots, head_dim]` each.
#[derive(Debug, Clone)]
pub(crate) struct LayerKv {
    pub(crate) keys: Tensor<4>,
    pub(crate) values: Tensor<4>,
}

/// Past keys and values of a batch, for prefill-then-step decoding.
///
/// Create it with [`crate::arch::CausalLm::new_cache`], pass it to every forward call of the
/// same batch rows, and drop it when the batch is done. Padding slots stay in the cache, masked.
#[derive(Debug, Clone)]
pub struct KvCache {
    rows: usize,
    slots: usize,
    layers: Vec<Option<LayerKv>>,
    /// `[rows × slots]`: whether each slot holds a real token.
    slot_real: Vec<bool>,
    /// `[rows × slots]`: position id of each slot.
    slot_position: Vec<usize>,
    /// Real tokens seen so far per row (the next token's position id).
    seen: Vec<usize>,
}

impl KvCache {
    /// An empty cache for `rows` batch rows of a model with `num_layers` layers.
    pub fn new(num_layers: usize, rows: usize) -> Self {
        Self {
            rows,
            slots: 0,
            layers: vec![None; num_layers],
            slot_real: Vec::new(),
            slot_position: Vec::new(),
            seen: vec![0; rows],
        }
    }

    /// Batch rows this cache serves.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of layers this cache serves.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// Cached slots per row, padding included.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Real tokens cached for `row` (0 for a row index out of range).
    pub fn real_tokens(&self, row: usize) -> usize {
        self.seen.get(row).copied().unwrap_or(0)
    }

    /// Checks that this cache was made for `rows` rows of a model with `num_layers` layers of
    /// `kv_heads` key/value heads of width `head_dim`.
    pub(crate) fn check(
        &self,
        rows: usize,
        num_layers: usize,
        kv_heads: usize,
        head_dim: usize,
    ) -> Result<(), ForwardError> {
        if self.rows != rows {
            return Err(ForwardError::CacheMismatch(format!(
                "the cache holds {} rows but the batch has {rows}; use one cache per batch",
                self.rows
            )));
        }
        if self.layers.len() != num_layers {
            return Err(ForwardError::CacheMismatch(format!(
                "the cache has {} layers but the model has {num_layers}; create it with this \
                 model's new_cache",
                self.layers.len()
            )));
        }
        for kv in self.layers.iter().flatten() {
            let [_, heads, _, width] = kv.keys.dims();
            if (heads, width) != (kv_heads, head_dim) {
                return Err(ForwardError::CacheMismatch(format!(
                    "the cache holds {heads} key/value heads of width {width} but the model \
                     has {kv_heads} of width {head_dim}; it was filled by another model"
                )));
            }
        }
        Ok(())
    }

    /// Whether slot `slot` of `row` is a real token.
    pub(crate) fn slot_real(&self, row: usize, slot: usize) -> bool {
        self.slot_real[row * self.slots + slot]
    }

    /// Position id of slot `slot` of `row`.
    pub(crate) fn slot_position(&self, row: usize, slot: usize) -> usize {
        self.slot_position[row * self.slots + slot]
    }

    /// Keys and values of layer `layer`, if any were stored.
    pub(crate) fn layer(&self, layer: usize) -> Option<&LayerKv> {
        self.layers[layer].as_ref()
    }

    /// Replaces the keys and values of layer `layer` (past slots plus the new ones).
    pub(crate) fn set_layer(&mut self, layer: usize, kv: LayerKv) {
        self.layers[layer] = Some(kv);
    }

    /// Records a chunk of `chunk_len` new slots per row, after every layer has stored its
    /// keys and values for it.
    pub(crate) fn commit(&mut self, chunk_len: usize, mask: &[bool], positions: &[usize]) {
        let new_slots = self.slots + chunk_len;
        let mut real = Vec::with_capacity(self.rows * new_slots);
        let mut pos = Vec::with_capacity(self.rows * new_slots);
        for row in 0..self.rows {
            let old = row * self.slots..(row + 1) * self.slots;
            let new = row * chunk_len..(row + 1) * chunk_len;
            real.extend_from_slice(&self.slot_real[old.clone()]);
            real.extend_from_slice(&mask[new.clone()]);
            pos.extend_from_slice(&self.slot_position[old]);
            pos.extend_from_slice(&positions[new.clone()]);
            self.seen[row] += mask[new].iter().filter(|&&m| m).count();
        }
        self.slots = new_slots;
        self.slot_real = real;
        self.slot_position = pos;
    }
}
