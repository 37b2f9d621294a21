//! The token embedding table: f32 on the device, or grouped 8-bit quants on the host when the
//! checkpoint stores it quantized (see [`ParamLoader::grouped`]), where a tied LM head reads
//! the same quants.

use std::sync::Arc;

use burn::tensor::module::embedding;
use burn::tensor::{Device, Tensor};

use crate::arch::TokenBatch;
use crate::error::LoadError;
use crate::layers::host::{for_each_row, from_host};
use crate::layers::linear::Linear;
use crate::layers::param::ParamLoader;
use crate::layers::quant_matrix::QuantMatrix;

/// A `[vocab, hidden]` embedding table.
#[derive(Debug, Clone)]
pub(crate) enum TokenEmbedding {
    /// f32 on the device.
    Dense(Box<Tensor<2>>),
    /// Grouped 8-bit quants on the host.
    Quantized(Arc<QuantMatrix>),
}

impl TokenEmbedding {
    /// The table `name` of shape `[vocab, hidden]`.
    pub(crate) fn load(
        loader: &ParamLoader<'_>,
        name: &str,
        vocab: usize,
        hidden: usize,
    ) -> Result<Self, LoadError> {
        Ok(match loader.grouped(name, [vocab, hidden])? {
            Some(grouped) => Self::Quantized(Arc::new(QuantMatrix::from_parts(vec![grouped]))),
            None => Self::Dense(Box::new(loader.tensor(name, [vocab, hidden])?)),
        })
    }

    /// The embeddings of `batch`'s tokens, `[rows, seq, hidden]`; the ids must be in range.
    pub(crate) fn lookup(&self, batch: &TokenBatch, device: &Device) -> Tensor<3> {
        match self {
            Self::Dense(table) => embedding(*table.clone(), batch.id_tensor(device)),
            Self::Quantized(table) => {
                let hidden = table.in_features();
                let ids = batch.ids();
                let mut values = vec![0.0f32; ids.len() * hidden];
                for_each_row(&mut values, hidden, |i, row| {
                    table.row_into(ids[i] as usize, row);
                });
                from_host(values, [batch.rows(), batch.seq_len(), hidden], device)
            }
        }
    }

    /// An LM head that reuses the table.
    pub(crate) fn tied_head(&self) -> Linear {
        match self {
            Self::Dense(table) => Linear::from_out_in(*table.clone()),
            Self::Quantized(table) => Linear::from_quantized(Arc::clone(table)),
        }
    }
}
