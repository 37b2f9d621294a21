//! The token matrix of a decoder: its embedding table and, when the head is tied to it, its
//! LM head.
//!
//! It is an f32 tensor on the device, or, when a GGUF file stores it as Q8_0 and the model
//! runs on the CPU, [`Int8Rows`]: embedding rows are dequantized as they are looked up, and
//! head products read the bytes (a quarter of the f32 matrix, which for a 262k-token vocabulary
//! is most of what a decoding step reads) while summing exactly the f32 values in the f32
//! kernels' order, so every logit is bit for bit what the f32 matrix gives.

use burn::tensor::module::{embedding, linear};
use burn::tensor::{Device, Tensor};
use rayon::prelude::*;

use crate::arch::TokenBatch;
use crate::error::{ForwardError, LoadError};
use crate::layers::blas;
use crate::layers::host::{from_host, to_host};
use crate::layers::linear::Linear;
use crate::layers::matvec::{MAX_ROWS, Weight, matmul_rows};
use crate::layers::param::ParamLoader;
use crate::weights::Int8Rows;

/// Vocabulary rows dequantized per product when many input rows meet an [`Int8Rows`] head:
/// 5 MiB of f32 at width 640, reused from block to block.
const HEAD_BLOCK_ROWS: usize = 2048;

/// A `[vocab, hidden]` token matrix.
pub(crate) enum TokenMatrix {
    /// f32 on the device, with the product layer over the same tensor.
    Dense {
        /// The table, `[vocab, hidden]`.
        table: Tensor<2>,
        /// `x·tableᵀ`.
        head: Linear,
    },
    /// Q8_0 bytes and scales on the host.
    Int8(Int8Rows),
}

impl TokenMatrix {
    /// The `[vocab, hidden]` tensor `name`: kept as [`Int8Rows`] when the checkpoint stores it
    /// so and the device is the CPU, else read as f32.
    pub(crate) fn load(
        loader: &ParamLoader<'_>,
        name: &str,
        shape: [usize; 2],
    ) -> Result<Self, LoadError> {
        if loader.on_host()
            && let Some(rows) = loader.int8_rows(name, shape)?
        {
            return Ok(Self::Int8(rows));
        }
        let table = loader.tensor(name, shape)?;
        Ok(Self::Dense {
            head: Linear::from_out_in(table.clone()),
            table,
        })
    }

    /// The rows of `batch`'s ids, `[rows, seq, hidden]`.
    pub(crate) fn embed(&self, batch: &TokenBatch, device: &Device) -> Tensor<3> {
        match self {
            Self::Dense { table, .. } => embedding(table.clone(), batch.id_tensor(device)),
            Self::Int8(matrix) => {
                let hidden = matrix.cols();
                let mut out = vec![0.0f32; batch.ids().len() * hidden];
                out.par_chunks_mut(hidden)
                    .zip(batch.ids())
                    .for_each(|(row, &id)| matrix.dequantize_rows(id as usize, row));
                from_host(out, [batch.rows(), batch.seq_len(), hidden], device)
            }
        }
    }

    /// `hidden·matrixᵀ`: `[rows, hidden]` → `[rows, vocab]`.
    pub(crate) fn project(&self, hidden: Tensor<2>) -> Result<Tensor<2>, ForwardError> {
        let matrix = match self {
            Self::Dense { head, .. } => return head.forward(hidden),
            Self::Int8(matrix) => matrix,
        };
        let [rows, _] = hidden.dims();
        let device = hidden.device();
        let vocab = matrix.rows();
        let x = to_host(hidden)?;
        let logits = if rows <= MAX_ROWS {
            matmul_rows(&x, rows, Weight::Int8(matrix), vocab, None)
        } else {
            many_rows(&x, rows, matrix, &device)?
        };
        Ok(from_host(logits, [rows, vocab], &device))
    }

    /// The width of a row.
    pub(crate) fn hidden(&self) -> usize {
        match self {
            Self::Dense { table, .. } => table.dims()[1],
            Self::Int8(matrix) => matrix.cols(),
        }
    }
}

/// `x·matrixᵀ` for more rows than [`matmul_rows`] takes: the matrix dequantized
/// [`HEAD_BLOCK_ROWS`] rows at a time, each block multiplied as an f32 [`Linear`] weight would
/// be (OpenBLAS when loaded, else the backend's GEMM).
fn many_rows(
    x: &[f32],
    rows: usize,
    matrix: &Int8Rows,
    device: &Device,
) -> Result<Vec<f32>, ForwardError> {
    let (vocab, k) = (matrix.rows(), matrix.cols());
    let mut logits = vec![0.0f32; rows * vocab];
    let mut block = Vec::new();
    let x_tensor = (!blas::loaded()).then(|| from_host(x.to_vec(), [rows, k], device));
    for first in (0..vocab).step_by(HEAD_BLOCK_ROWS) {
        let n = HEAD_BLOCK_ROWS.min(vocab - first);
        block.resize(n * k, 0.0);
        block
            .par_chunks_mut(k * 64)
            .enumerate()
            .for_each(|(i, part)| matrix.dequantize_rows(first + i * 64, part));
        let part = match &x_tensor {
            None => blas::matmul_transposed(x, rows, &block, n, None)?,
            Some(x_tensor) => {
                let weight = from_host(block.clone(), [n, k], device);
                to_host(linear(x_tensor.clone(), weight.transpose(), None))?
            }
        };
        for (out, values) in logits.chunks_mut(vocab).zip(part.chunks(n)) {
            out[first..first + n].copy_from_slice(values);
        }
    }
    Ok(logits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same `[vocab, k]` values as [`Int8Rows`] and as a dense tensor.
    fn both(vocab: usize, k: usize) -> (TokenMatrix, TokenMatrix) {
        let bytes: Vec<i8> = (0..vocab * k)
            .map(|i| ((i * 31 + 11) % 255) as u8 as i8)
            .collect();
        let scales: Vec<f32> = (0..vocab * k / Int8Rows::BLOCK)
            .map(|b| ((b % 17) as f32 - 8.0) / 512.0)
            .collect();
        let int8 = Int8Rows::new(vocab, k, bytes, scales).unwrap();
        let mut values = vec![0.0f32; vocab * k];
        int8.dequantize_rows(0, &mut values);
        let table = from_host(values, [vocab, k], &Device::default());
        let dense = TokenMatrix::Dense {
            head: Linear::from_out_in(table.clone()),
            table,
        };
        (TokenMatrix::Int8(int8), dense)
    }

    #[test]
    fn int8_and_dense_matrices_embed_and_project_alike() {
        // More vocabulary rows than one dequantized block, and a ragged last block.
        let (vocab, k) = (HEAD_BLOCK_ROWS + 77, 64);
        let (int8, dense) = both(vocab, k);
        let batch = TokenBatch::new(2, 3, vec![0, 5, 2100, 7, 7, 1], vec![true; 6]).unwrap();
        let device = Device::default();
        let embedded = to_host(int8.embed(&batch, &device)).unwrap();
        assert_eq!(embedded, to_host(dense.embed(&batch, &device)).unwrap());
        // Few rows take the matrix-vector kernel, many rows the blocked GEMM.
        for rows in [1, MAX_ROWS, MAX_ROWS + 9] {
            let x: Vec<f32> = (0..rows * k).map(|i| ((i % 23) as f32 - 11.0) / 16.0).collect();
            let project = |m: &TokenMatrix| {
                let hidden = from_host(x.clone(), [rows, k], &device);
                to_host(m.project(hidden).unwrap()).unwrap()
            };
            let (got, expected) = (project(&int8), project(&dense));
            let worst = got
                .iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst <= 1e-5, "{rows} rows: max difference {worst}");
            // OpenBLAS sums each logit the same way whatever the block; burn's GEMM may not.
            if rows <= MAX_ROWS || blas::loaded() {
                assert_eq!(got, expected, "{rows} rows");
            }
        }
    }
}
