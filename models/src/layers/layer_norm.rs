//! LayerNorm with weight and bias over the last dimension (GPT-2).

use burn::tensor::Tensor;
use burn::tensor::module::layer_norm;

use crate::error::LoadError;
use crate::layers::param::ParamLoader;

/// `(x − mean) / sqrt(var + eps) · w + b`.
#[derive(Debug, Clone)]
pub(crate) struct LayerNorm {
    weight: Tensor<1>,
    bias: Tensor<1>,
    eps: f64,
}

impl LayerNorm {
    /// Reads `prefix.weight` and `prefix.bias`, both `[dim]`.
    pub(crate) fn load(
        loader: &ParamLoader<'_>,
        prefix: &str,
        dim: usize,
        eps: f64,
    ) -> Result<Self, LoadError> {
        Ok(Self {
            weight: loader.tensor(&format!("{prefix}.weight"), [dim])?,
            bias: loader.tensor(&format!("{prefix}.bias"), [dim])?,
            eps,
        })
    }

    /// Normalizes every row of `x`.
    pub(crate) fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        layer_norm(x, self.weight.clone(), Some(self.bias.clone()), self.eps)
    }
}
