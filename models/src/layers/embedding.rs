//! The token embedding table: on the CPU backend in panels on the host, as the checkpoint
//! stores it (grouped 8-bit quants, see [`ParamLoader::grouped`]; or f32, bf16 or f16 values,
//! see [`ParamLoader::dense`]), where a tied LM head reads the same panels and a lookup reads
//! rows out of them, so the table is held once; under `--dtype bf16` rounded into bf16 panels;
//! f32 on other devices.

use std::sync::Arc;

use burn::tensor::module::embedding;
use burn::tensor::{Device, Tensor};

use crate::arch::TokenBatch;
use crate::cpu::bf16_matrix::Bf16Matrix;
use crate::cpu::dense_matrix::DenseMatrix;
use crate::cpu::host::{for_each_row, from_host};
use crate::cpu::quant_matrix::QuantMatrix;
use crate::error::LoadError;
use crate::layers::linear::Linear;
use crate::layers::param::ParamLoader;

/// A `[vocab, hidden]` embedding table.
#[derive(Debug, Clone)]
pub(crate) enum TokenEmbedding {
    /// f32 on a device other than the CPU backend's.
    Device(Box<Tensor<2>>),
    /// Values in panels on the host.
    Dense(Arc<DenseMatrix>),
    /// Grouped 8-bit quants on the host.
    Quantized(Arc<QuantMatrix>),
    /// bf16 pairs on the host (`--dtype bf16`).
    Bf16(Arc<Bf16Matrix>),
}

impl TokenEmbedding {
    /// The table `name` of shape `[vocab, hidden]`.
    pub(crate) fn load(
        loader: &ParamLoader<'_>,
        name: &str,
        vocab: usize,
        hidden: usize,
    ) -> Result<Self, LoadError> {
        if loader.rounds_to_bf16() {
            let rows = loader.rows_to_round(name, [vocab, hidden])?;
            return Ok(Self::Bf16(Arc::new(Bf16Matrix::from_parts(
                &[rows],
                hidden,
            ))));
        }
        Ok(match loader.grouped(name, [vocab, hidden])? {
            Some(grouped) => Self::Quantized(Arc::new(QuantMatrix::from_parts(vec![grouped]))),
            None if loader.packs() => {
                let rows = loader.dense(name, [vocab, hidden])?;
                Self::Dense(Arc::new(DenseMatrix::from_parts(vec![rows], hidden)))
            }
            None => Self::Device(Box::new(loader.tensor(name, [vocab, hidden])?)),
        })
    }

    /// The embeddings of `batch`'s tokens, `[rows, seq, hidden]`; the ids must be in range.
    pub(crate) fn lookup(&self, batch: &TokenBatch, device: &Device) -> Tensor<3> {
        match self {
            Self::Device(table) => embedding(*table.clone(), batch.id_tensor(device)),
            Self::Dense(table) => rows_of(batch, device, table.in_features(), |id, row| {
                table.row_into(id, row)
            }),
            Self::Quantized(table) => rows_of(batch, device, table.in_features(), |id, row| {
                table.row_into(id, row)
            }),
            Self::Bf16(table) => rows_of(batch, device, table.in_features(), |id, row| {
                table.row_into(id, row)
            }),
        }
    }

    /// An LM head that reuses the table.
    pub(crate) fn tied_head(&self) -> Linear {
        match self {
            Self::Device(table) => Linear::from_out_in(*table.clone()),
            Self::Dense(table) => Linear::from_dense(Arc::clone(table)),
            Self::Quantized(table) => Linear::from_quantized(Arc::clone(table)),
            Self::Bf16(table) => Linear::from_bf16(Arc::clone(table)),
        }
    }
}

/// The rows `[rows, seq, hidden]` of `batch`'s tokens, each written by `row_into(id, row)`.
fn rows_of(
    batch: &TokenBatch,
    device: &Device,
    hidden: usize,
    row_into: impl Fn(usize, &mut [f32]) + Sync + Send,
) -> Tensor<3> {
    let ids = batch.ids();
    let mut values = vec![0.0f32; ids.len() * hidden];
    for_each_row(&mut values, hidden, |i, row| row_into(ids[i] as usize, row));
    from_host(values, [batch.rows(), batch.seq_len(), hidden], device)
}
