//! RMS normalization `x / sqrt(mean(x²) + eps) · w`, fused into one pass over host memory.
//! Gemma's `(1 + w)` weights are offset once at load time, which is exact in f32.

use burn::tensor::Tensor;

use crate::cpu::host::{for_each_row, from_host, to_host};
use crate::error::{ForwardError, LoadError};
use crate::layers::param::ParamLoader;

/// How a checkpoint stores RMSNorm weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NormWeights {
    /// The scale itself (Llama, Qwen2).
    Direct,
    /// The scale minus one (Gemma): the layer multiplies by `1 + w`.
    OffsetByOne,
}

/// An RMSNorm over the last dimension.
#[derive(Debug, Clone)]
pub(crate) struct RmsNorm {
    scale: Vec<f32>,
    eps: f32,
}

impl RmsNorm {
    /// Reads the `[dim]` weight `name`.
    pub(crate) fn load(
        loader: &ParamLoader<'_>,
        name: &str,
        dim: usize,
        eps: f64,
        weights: NormWeights,
    ) -> Result<Self, LoadError> {
        let mut scale = loader.host(name, &[dim])?;
        if weights == NormWeights::OffsetByOne {
            scale.iter_mut().for_each(|w| *w += 1.0);
        }
        Ok(Self {
            scale,
            eps: eps as f32,
        })
    }

    /// Width of the normalized dimension.
    pub(crate) fn dim(&self) -> usize {
        self.scale.len()
    }

    /// Normalizes one row of `dim()` values in place.
    pub(crate) fn apply_row(&self, row: &mut [f32]) {
        let sum_sq: f64 = row.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        let mean_sq = (sum_sq / row.len() as f64) as f32;
        let inv_rms = 1.0 / (mean_sq + self.eps).sqrt();
        for (v, w) in row.iter_mut().zip(&self.scale) {
            *v = (*v * inv_rms) * w;
        }
    }

    /// Normalizes every row of `x` (last dimension of width `dim()`).
    pub(crate) fn forward<const D: usize>(&self, x: Tensor<D>) -> Result<Tensor<D>, ForwardError> {
        let shape = x.dims();
        let device = x.device();
        let mut data = to_host(x)?;
        for_each_row(&mut data, self.dim(), |_, row| self.apply_row(row));
        Ok(from_host(data, shape, &device))
    }
}
