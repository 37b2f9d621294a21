//! A format-independent view of a checkpoint's tensors, named as in HF transformers'
//! safetensors (`model.layers.0.self_attn.q_proj.weight`, row-major, `[out, in]` for Linear).

use crate::error::LoadError;

/// A tensor materialized on the host as f32.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    /// Dimensions, outermost first (PyTorch order).
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f32>,
}

/// A matrix kept as GGUF's Q8_0 stores it: per row, blocks of [`Int8Rows::BLOCK`] signed bytes
/// with one scale each. A value is `scale × byte`, which f32 holds exactly (an f16 scale times
/// a byte needs at most 19 significant bits), so the rows this gives are the very f32 values a
/// full dequantization gives, in a quarter of the memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Rows {
    rows: usize,
    cols: usize,
    /// `rows × cols` bytes, row-major.
    bytes: Vec<i8>,
    /// One scale per block, row-major.
    scales: Vec<f32>,
}

impl Int8Rows {
    /// Values per block (per scale).
    pub const BLOCK: usize = 32;

    /// A `rows × cols` matrix from its bytes and block scales; `None` when `cols` is not a
    /// whole number of blocks or the lengths do not fit the shape.
    pub fn new(rows: usize, cols: usize, bytes: Vec<i8>, scales: Vec<f32>) -> Option<Self> {
        let fits = cols.is_multiple_of(Self::BLOCK)
            && rows.checked_mul(cols) == Some(bytes.len())
            && scales.len() * Self::BLOCK == bytes.len();
        fits.then_some(Self {
            rows,
            cols,
            bytes,
            scales,
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Writes rows `first..first + out.len() / cols` into `out` as f32.
    pub fn dequantize_rows(&self, first: usize, out: &mut [f32]) {
        let start = first * self.cols;
        let bytes = &self.bytes[start..start + out.len()];
        let scales = &self.scales[start / Self::BLOCK..];
        for ((values, block), &scale) in out
            .chunks_exact_mut(Self::BLOCK)
            .zip(bytes.chunks_exact(Self::BLOCK))
            .zip(scales)
        {
            for (value, &byte) in values.iter_mut().zip(block) {
                *value = f32::from(byte) * scale;
            }
        }
    }
}

/// Where an architecture reads its weights from: a safetensors folder or a GGUF file, both
/// exposed with HF tensor names and HF conventions (GGUF's Gemma `1 + w` norms and permuted
/// llama Q/K rows already undone).
pub trait WeightSource {
    /// The tensor called `name`, converted to f32.
    fn tensor(&self, name: &str) -> Result<HostTensor, LoadError>;
    /// Whether a tensor called `name` exists (e.g. an untied `lm_head.weight`).
    fn contains(&self, name: &str) -> bool;
    /// The 2-D tensor called `name` as [`Int8Rows`], when it is stored that way; `None` when
    /// it is stored otherwise (then [`WeightSource::tensor`] reads it).
    fn int8_rows(&self, _name: &str) -> Result<Option<Int8Rows>, LoadError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_rows_dequantize_to_scale_times_byte() {
        let bytes: Vec<i8> = (0..128).map(|i| (i as i8).wrapping_mul(37)).collect();
        let scales = vec![0.5, -0.25, 3.0, 1e-3];
        let rows = Int8Rows::new(2, 64, bytes.clone(), scales.clone()).unwrap();
        let mut second = vec![0.0; 64];
        rows.dequantize_rows(1, &mut second);
        assert_eq!(second[0], f32::from(bytes[64]) * 3.0);
        assert_eq!(second[63], f32::from(bytes[127]) * 1e-3);
        let mut both = vec![0.0; 128];
        rows.dequantize_rows(0, &mut both);
        assert_eq!(&both[64..], &second[..]);
        assert_eq!(both[32], f32::from(bytes[32]) * -0.25);
        assert!(Int8Rows::new(2, 48, vec![0; 96], vec![1.0; 3]).is_none());
        assert!(Int8Rows::new(2, 64, vec![0; 128], vec![1.0; 3]).is_none());
    }
}
