//! The key/value cache for incremental decoding, kept outside the model: per layer the keys and
//! values of every past slot, plus which slots hold real tokens and at which positions. Keys
//! and values live on the host with spare capacity, so a decoding step appends in place
//! instead of copying the whole cache.

use burn::tensor::{Device, Tensor};

use crate::cpu::host::from_host;
use crate::error::ForwardError;

/// Keys and values of one layer, `[rows, kv_heads, capacity, head_dim]` each, of which the
/// first `len` slots of every row and head are filled.
#[derive(Debug, Clone)]
pub(crate) struct LayerKv {
    keys: Vec<f32>,
    values: Vec<f32>,
    rows: usize,
    kv_heads: usize,
    head_dim: usize,
    capacity: usize,
    len: usize,
}

impl LayerKv {
    fn new(rows: usize, kv_heads: usize, head_dim: usize) -> Self {
        Self {
            keys: Vec::new(),
            values: Vec::new(),
            rows,
            kv_heads,
            head_dim,
            capacity: 0,
            len: 0,
        }
    }

    /// The keys and values of one forward step alone, `[rows, kv_heads, seq, head_dim]` each,
    /// for attention without a cache.
    pub(crate) fn of_step(
        keys: Vec<f32>,
        values: Vec<f32>,
        rows: usize,
        (kv_heads, head_dim): (usize, usize),
        seq: usize,
    ) -> Self {
        debug_assert_eq!(keys.len(), rows * kv_heads * seq * head_dim);
        Self {
            keys,
            values,
            rows,
            kv_heads,
            head_dim,
            capacity: seq,
            len: seq,
        }
    }

    /// Filled slots per row.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The `len × head_dim` keys of `row` and key/value head `head`.
    pub(crate) fn keys(&self, row: usize, head: usize) -> &[f32] {
        let at = self.start(row, head);
        &self.keys[at..at + self.len * self.head_dim]
    }

    /// The `len × head_dim` values of `row` and key/value head `head`.
    pub(crate) fn values(&self, row: usize, head: usize) -> &[f32] {
        let at = self.start(row, head);
        &self.values[at..at + self.len * self.head_dim]
    }

    fn start(&self, row: usize, head: usize) -> usize {
        (row * self.kv_heads + head) * self.capacity * self.head_dim
    }

    /// Appends `seq` slots per row from `keys` and `values` (`[rows, kv_heads, seq, head_dim]`),
    /// growing the capacity by doubling when it runs out.
    fn append(&mut self, keys: &[f32], values: &[f32], seq: usize) {
        let needed = self.len + seq;
        if needed > self.capacity {
            self.grow(needed.max(2 * self.capacity));
        }
        let width = seq * self.head_dim;
        for block in 0..self.rows * self.kv_heads {
            let to = block * self.capacity * self.head_dim + self.len * self.head_dim;
            let from = block * width;
            self.keys[to..to + width].copy_from_slice(&keys[from..from + width]);
            self.values[to..to + width].copy_from_slice(&values[from..from + width]);
        }
        self.len = needed;
    }

    fn grow(&mut self, capacity: usize) {
        let (old, filled) = (self.capacity * self.head_dim, self.len * self.head_dim);
        let new = capacity * self.head_dim;
        let blocks = self.rows * self.kv_heads;
        let mut keys = vec![0.0f32; blocks * new];
        let mut values = vec![0.0f32; blocks * new];
        for block in 0..blocks {
            keys[block * new..block * new + filled]
                .copy_from_slice(&self.keys[block * old..block * old + filled]);
            values[block * new..block * new + filled]
                .copy_from_slice(&self.values[block * old..block * old + filled]);
        }
        self.keys = keys;
        self.values = values;
        self.capacity = capacity;
    }

    /// One layer for a batch made of rows of other layers (`(layer, row)` pairs), each
    /// right-aligned in `len` slots (the slots before a row's own are zeros, masked by the
    /// cache).
    fn stack_left(parts: &[(&LayerKv, usize)], len: usize) -> Self {
        let (kv_heads, head_dim) = (parts[0].0.kv_heads, parts[0].0.head_dim);
        let block = len * head_dim;
        let mut keys = vec![0.0f32; parts.len() * kv_heads * block];
        let mut values = vec![0.0f32; parts.len() * kv_heads * block];
        for (row, &(part, part_row)) in parts.iter().enumerate() {
            let filled = part.len * head_dim;
            for head in 0..kv_heads {
                let at = (row * kv_heads + head) * block + block - filled;
                keys[at..at + filled].copy_from_slice(part.keys(part_row, head));
                values[at..at + filled].copy_from_slice(part.values(part_row, head));
            }
        }
        Self {
            keys,
            values,
            rows: parts.len(),
            kv_heads,
            head_dim,
            capacity: len,
            len,
        }
    }

    /// The filled keys and values as `[rows, kv_heads, len, head_dim]` tensors (copies).
    pub(crate) fn tensors(&self, device: &Device) -> (Tensor<4>, Tensor<4>) {
        let width = self.len * self.head_dim;
        let gather = |buffer: &[f32]| {
            let mut out = Vec::with_capacity(self.rows * self.kv_heads * width);
            for block in 0..self.rows * self.kv_heads {
                let at = block * self.capacity * self.head_dim;
                out.extend_from_slice(&buffer[at..at + width]);
            }
            out
        };
        let shape = [self.rows, self.kv_heads, self.len, self.head_dim];
        (
            from_host(gather(&self.keys), shape, device),
            from_host(gather(&self.values), shape, device),
        )
    }
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

    /// One cache for a batch made of rows of other caches of the same model (`(cache, row)`
    /// pairs: prompts prefilled in groups of similar length), each row right-aligned as left
    /// padding would leave it, so that decoding continues on all rows at once. `None` when
    /// there are no rows, a row is out of range or a layer is empty, or the caches disagree on
    /// the layer count.
    pub(crate) fn stack_left(rows: &[(&KvCache, usize)]) -> Option<Self> {
        let num_layers = rows.first()?.0.layers.len();
        if rows
            .iter()
            .any(|(c, r)| *r >= c.rows || c.layers.len() != num_layers || c.slots == 0)
        {
            return None;
        }
        let slots = rows.iter().map(|(c, _)| c.slots).max()?;
        let mut layers = Vec::with_capacity(num_layers);
        for layer in 0..num_layers {
            let parts: Option<Vec<(&LayerKv, usize)>> = rows
                .iter()
                .map(|&(c, r)| c.layers[layer].as_ref().map(|kv| (kv, r)))
                .collect();
            layers.push(Some(LayerKv::stack_left(&parts?, slots)));
        }
        let mut slot_real = Vec::with_capacity(rows.len() * slots);
        let mut slot_position = Vec::with_capacity(rows.len() * slots);
        for &(cache, row) in rows {
            let pad = slots - cache.slots;
            let own = row * cache.slots..(row + 1) * cache.slots;
            slot_real.extend(std::iter::repeat_n(false, pad));
            slot_real.extend_from_slice(&cache.slot_real[own.clone()]);
            slot_position.extend(std::iter::repeat_n(0, pad));
            slot_position.extend_from_slice(&cache.slot_position[own]);
        }
        Some(Self {
            rows: rows.len(),
            slots,
            layers,
            slot_real,
            slot_position,
            seen: rows.iter().map(|&(c, r)| c.seen[r]).collect(),
        })
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
            let (heads, width) = (kv.kv_heads, kv.head_dim);
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

    /// Appends this step's keys and values (`[rows, kv_heads, seq, head_dim]` each) to layer
    /// `layer` and returns all of that layer's keys and values.
    pub(crate) fn append(
        &mut self,
        layer: usize,
        (kv_heads, head_dim): (usize, usize),
        keys: &[f32],
        values: &[f32],
        seq: usize,
    ) -> &LayerKv {
        let rows = self.rows;
        let kv = self.layers[layer].get_or_insert_with(|| LayerKv::new(rows, kv_heads, head_dim));
        kv.append(keys, values, seq);
        kv
    }

    /// Records a chunk of `chunk_len` new slots per row, after every layer has appended its
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacking_right_aligns_rows_and_masks_the_padding() {
        // Row 0 holds 1 slot, row 1 holds 3; one layer, one head of width 2.
        let parts: Vec<KvCache> = [1usize, 3]
            .iter()
            .map(|&n| {
                let mut cache = KvCache::new(1, 1);
                let keys: Vec<f32> = (0..2 * n).map(|i| (10 * n + i) as f32).collect();
                cache.append(0, (1, 2), &keys, &keys, n);
                cache.commit(n, &vec![true; n], &(0..n).collect::<Vec<_>>());
                cache
            })
            .collect();
        let stacked =
            KvCache::stack_left(&[(&parts[0], 0), (&parts[1], 0)]).expect("two one-row caches");
        assert_eq!((stacked.rows(), stacked.slots()), (2, 3));
        assert_eq!((stacked.real_tokens(0), stacked.real_tokens(1)), (1, 3));
        let real: Vec<bool> = (0..3).map(|s| stacked.slot_real(0, s)).collect();
        assert_eq!(real, [false, false, true]);
        assert_eq!(stacked.slot_position(0, 2), 0);
        assert_eq!(stacked.slot_position(1, 2), 2);
        let kv = stacked.layers[0].as_ref().expect("layer 0");
        assert_eq!(kv.keys(0, 0), [0.0, 0.0, 0.0, 0.0, 10.0, 11.0]);
        assert_eq!(kv.values(1, 0), [30.0, 31.0, 32.0, 33.0, 34.0, 35.0]);
        assert!(KvCache::stack_left(&[(&KvCache::new(1, 2), 0)]).is_none());
        assert!(KvCache::stack_left(&[(&parts[0], 1)]).is_none());
    }

    #[test]
    fn appends_in_place_and_keeps_rows_and_heads_apart_across_growth() {
        // 2 rows × 2 heads × width 3; slots appended 1, then 2, then 1 at a time, growing the
        // capacity twice. Every value encodes (row, head, slot, lane).
        let (rows, heads, dim) = (2, 2, 3);
        let value =
            |r: usize, h: usize, s: usize, l: usize| (r * 1000 + h * 100 + s * 10 + l) as f32;
        let chunk = |from: usize, seq: usize| -> Vec<f32> {
            let mut out = Vec::new();
            for r in 0..rows {
                for h in 0..heads {
                    for s in from..from + seq {
                        out.extend((0..dim).map(|l| value(r, h, s, l)));
                    }
                }
            }
            out
        };
        let mut cache = KvCache::new(1, rows);
        let mut filled = 0;
        for seq in [1, 2, 1] {
            let keys = chunk(filled, seq);
            let values: Vec<f32> = keys.iter().map(|v| -v).collect();
            cache.append(0, (heads, dim), &keys, &values, seq);
            filled += seq;
        }
        let kv = cache.layers[0].as_ref().expect("layer 0 stored");
        assert_eq!(kv.len(), 4);
        for r in 0..rows {
            for h in 0..heads {
                let expected: Vec<f32> = (0..4)
                    .flat_map(|s| (0..dim).map(move |l| value(r, h, s, l)))
                    .collect();
                assert_eq!(kv.keys(r, h), expected);
                let negated: Vec<f32> = expected.iter().map(|v| -v).collect();
                assert_eq!(kv.values(r, h), negated);
            }
        }
    }
}
