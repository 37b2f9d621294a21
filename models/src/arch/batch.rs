//! A batch of token-id rows of equal length with a mask of real tokens.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::error::ForwardError;
use crate::layers::kv_cache::KvCache;

/// Which end of a row receives padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadSide {
    /// Padding before the tokens (the usual choice for generation).
    Left,
    /// Padding after the tokens.
    Right,
}

/// Token ids `[rows, seq_len]` with an attention mask (`true` = real token).
///
/// Padding may sit anywhere; a token's position id is the number of real tokens before it in
/// its row (plus those already in the KV cache), so padding never shifts positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBatch {
    rows: usize,
    seq_len: usize,
    ids: Vec<u32>,
    mask: Vec<bool>,
}

impl TokenBatch {
    /// A batch from row-major `ids` and `mask`, both `rows × seq_len` long.
    pub fn new(
        rows: usize,
        seq_len: usize,
        ids: Vec<u32>,
        mask: Vec<bool>,
    ) -> Result<Self, ForwardError> {
        if rows == 0 || seq_len == 0 {
            return Err(ForwardError::InvalidBatch(format!(
                "{rows} rows of {seq_len} tokens; a batch needs at least one token per row"
            )));
        }
        let expected = rows * seq_len;
        if ids.len() != expected || mask.len() != expected {
            return Err(ForwardError::InvalidBatch(format!(
                "{} ids and {} mask entries for {rows} rows of {seq_len}; both must be {expected}",
                ids.len(),
                mask.len()
            )));
        }
        Ok(Self {
            rows,
            seq_len,
            ids,
            mask,
        })
    }

    /// Pads `sequences` to the longest one on `side` with id 0 (masked out).
    pub fn padded<S: AsRef<[u32]>>(sequences: &[S], side: PadSide) -> Result<Self, ForwardError> {
        let seq_len = sequences
            .iter()
            .map(|s| s.as_ref().len())
            .max()
            .unwrap_or(0);
        let mut ids = Vec::with_capacity(sequences.len() * seq_len);
        let mut mask = Vec::with_capacity(sequences.len() * seq_len);
        for sequence in sequences {
            let tokens = sequence.as_ref();
            let pad = seq_len - tokens.len();
            if side == PadSide::Left {
                ids.extend(std::iter::repeat_n(0, pad));
                mask.extend(std::iter::repeat_n(false, pad));
            }
            ids.extend_from_slice(tokens);
            mask.extend(std::iter::repeat_n(true, tokens.len()));
            if side == PadSide::Right {
                ids.extend(std::iter::repeat_n(0, pad));
                mask.extend(std::iter::repeat_n(false, pad));
            }
        }
        Self::new(sequences.len(), seq_len, ids, mask)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Tokens per row, padding included.
    pub fn seq_len(&self) -> usize {
        self.seq_len
    }

    /// Row-major token ids.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// Row-major mask, `true` for real tokens.
    pub fn mask(&self) -> &[bool] {
        &self.mask
    }

    /// Checks the ids against a vocabulary, and the cache against this batch and the model's
    /// `num_layers` layers of `kv_heads` key/value heads of width `head_dim`.
    pub(crate) fn validate(
        &self,
        vocab: usize,
        cache: Option<&KvCache>,
        (num_layers, kv_heads, head_dim): (usize, usize, usize),
    ) -> Result<(), ForwardError> {
        if let Some((index, &id)) = self
            .ids
            .iter()
            .enumerate()
            .find(|&(_, &id)| id as usize >= vocab)
        {
            return Err(ForwardError::TokenOutOfRange {
                row: index / self.seq_len,
                column: index % self.seq_len,
                id,
                vocab,
            });
        }
        match cache {
            Some(cache) => cache.check(self.rows, num_layers, kv_heads, head_dim),
            None => Ok(()),
        }
    }

    /// The ids as an `[rows, seq_len]` integer tensor.
    pub(crate) fn id_tensor(&self, device: &Device) -> Tensor<2, Int> {
        let ids: Vec<i64> = self.ids.iter().map(|&id| i64::from(id)).collect();
        Tensor::from_data(TensorData::new(ids, [self.rows, self.seq_len]), device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_on_either_side() {
        let left = TokenBatch::padded(&[vec![5, 6, 7], vec![8]], PadSide::Left).unwrap();
        assert_eq!(left.ids(), &[5, 6, 7, 0, 0, 8]);
        assert_eq!(left.mask(), &[true, true, true, false, false, true]);
        let right = TokenBatch::padded(&[vec![5, 6, 7], vec![8]], PadSide::Right).unwrap();
        assert_eq!(right.ids(), &[5, 6, 7, 8, 0, 0]);
        assert_eq!(right.mask(), &[true, true, true, true, false, false]);
    }

    #[test]
    fn malformed_batches_are_rejected() {
        assert!(matches!(
            TokenBatch::new(2, 3, vec![1; 5], vec![true; 6]),
            Err(ForwardError::InvalidBatch(_))
        ));
        assert!(matches!(
            TokenBatch::padded::<Vec<u32>>(&[], PadSide::Left),
            Err(ForwardError::InvalidBatch(_))
        ));
        let batch = TokenBatch::new(1, 2, vec![3, 900], vec![true, true]).unwrap();
        assert!(matches!(
            batch.validate(512, None, (2, 1, 16)),
            Err(ForwardError::TokenOutOfRange {
                row: 0,
                column: 1,
                id: 900,
                vocab: 512
            })
        ));
    }
}
