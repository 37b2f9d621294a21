//! Dense projections `y = x·Wᵀ + b`. On the CPU backend the weight is packed at load into
//! panels ([`DenseMatrix`], in the checkpoint's f32, bf16 or f16) or kept as grouped 8-bit
//! quants ([`QuantMatrix`]), and every product, of any number of rows, goes through
//! [`panel_gemm`], whose sums do not depend on the other rows of the batch. Other backends keep
//! HF's row-major `[out, in]` tensor and use their own GEMM on a transposed view. Under
//! `--dtype bf16` every weight is rounded into bf16 panels ([`Bf16Matrix`]) whatever the
//! checkpoint stored.

use std::sync::Arc;

use burn::tensor::Tensor;
use burn::tensor::module::linear;

use crate::cpu::bf16_matrix::{Bf16Matrix, RowsToRound};
use crate::cpu::dense_matrix::{DenseMatrix, DenseRows};
use crate::cpu::host::{from_host, to_host};
use crate::cpu::panel_gemm::{self, PanelWeight};
use crate::cpu::quant_matrix::QuantMatrix;
use crate::error::{ForwardError, LoadError};
use crate::layers::param::ParamLoader;

/// Where a layer's weight lives.
#[derive(Debug, Clone)]
enum Weight {
    /// `[out, in]` f32 on a device other than the CPU backend's.
    Device(Box<Tensor<2>>),
    /// Panels on the host (the CPU backend).
    Dense(Arc<DenseMatrix>),
    /// Grouped 8-bit quants on the host.
    Quantized(Arc<QuantMatrix>),
    /// bf16 pairs on the host (`--dtype bf16`).
    Bf16(Arc<Bf16Matrix>),
}

/// A dense layer.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    weight: Weight,
    bias: Option<Tensor<1>>,
    /// The bias on the host, for the panel GEMM.
    bias_host: Option<Vec<f32>>,
}

impl Linear {
    /// An HF `nn.Linear` at `prefix` (`prefix.weight` `[out, in]`, optional `prefix.bias`).
    pub(crate) fn load(
        loader: &ParamLoader<'_>,
        prefix: &str,
        in_features: usize,
        out_features: usize,
        bias: bool,
    ) -> Result<Self, LoadError> {
        Self::load_fused(loader, &[(prefix, out_features)], in_features, bias)
    }

    /// Several HF `nn.Linear`s reading the same input, stacked into one matrix so that a single
    /// product computes them all; the outputs come out concatenated in the order given.
    pub(crate) fn load_fused(
        loader: &ParamLoader<'_>,
        parts: &[(&str, usize)],
        in_features: usize,
        bias: bool,
    ) -> Result<Self, LoadError> {
        let total_out: usize = parts.iter().map(|(_, out)| out).sum();
        let bias = if bias {
            let mut values = Vec::with_capacity(total_out);
            for (prefix, out) in parts {
                values.extend(loader.host(&format!("{prefix}.bias"), &[*out])?);
            }
            Some(values)
        } else {
            None
        };
        if loader.rounds_to_bf16() {
            let parts = parts
                .iter()
                .map(|(prefix, out)| {
                    loader.rows_to_round(&format!("{prefix}.weight"), [*out, in_features])
                })
                .collect::<Result<Vec<_>, _>>()?;
            let weight = Bf16Matrix::from_parts(&parts, in_features);
            return Ok(Self::new(Weight::Bf16(Arc::new(weight)), bias, loader));
        }
        if let Some(quantized) = load_grouped(loader, parts, in_features)? {
            return Ok(Self::new(
                Weight::Quantized(Arc::new(quantized)),
                bias,
                loader,
            ));
        }
        if loader.packs() {
            let parts = parts
                .iter()
                .map(|(prefix, out)| loader.dense(&format!("{prefix}.weight"), [*out, in_features]))
                .collect::<Result<Vec<_>, _>>()?;
            let weight = DenseMatrix::from_parts(parts, in_features);
            return Ok(Self::new(Weight::Dense(Arc::new(weight)), bias, loader));
        }
        let mut weight = Vec::with_capacity(total_out * in_features);
        for (prefix, out) in parts {
            weight.extend(loader.host(&format!("{prefix}.weight"), &[*out, in_features])?);
        }
        let weight = loader.place(weight, [total_out, in_features]);
        Ok(Self::new(Weight::Device(Box::new(weight)), bias, loader))
    }

    /// A GPT-2 `Conv1D` at `prefix`: `prefix.weight` stored `[in, out]` and `prefix.bias`.
    pub(crate) fn load_conv1d(
        loader: &ParamLoader<'_>,
        prefix: &str,
        in_features: usize,
        out_features: usize,
    ) -> Result<Self, LoadError> {
        let in_out = loader.host(&format!("{prefix}.weight"), &[in_features, out_features])?;
        let mut out_in = vec![0.0f32; in_out.len()];
        for (i, row) in in_out.chunks_exact(out_features).enumerate() {
            for (o, &v) in row.iter().enumerate() {
                out_in[o * in_features + i] = v;
            }
        }
        let weight = if loader.rounds_to_bf16() {
            let rows = [RowsToRound::Values(out_in)];
            Weight::Bf16(Arc::new(Bf16Matrix::from_parts(&rows, in_features)))
        } else if loader.packs() {
            let rows = DenseRows::F32(out_in);
            Weight::Dense(Arc::new(DenseMatrix::from_parts(vec![rows], in_features)))
        } else {
            Weight::Device(Box::new(loader.place(out_in, [out_features, in_features])))
        };
        let bias = loader.host(&format!("{prefix}.bias"), &[out_features])?;
        Ok(Self::new(weight, Some(bias), loader))
    }

    /// A bias-free layer over an `[out, in]` matrix on a device other than the CPU backend's
    /// (a tied head).
    pub(crate) fn from_out_in(weight: Tensor<2>) -> Self {
        Self {
            weight: Weight::Device(Box::new(weight)),
            bias: None,
            bias_host: None,
        }
    }

    /// A bias-free layer over a dense `[out, in]` matrix in panels (a tied head).
    pub(crate) fn from_dense(weight: Arc<DenseMatrix>) -> Self {
        Self {
            weight: Weight::Dense(weight),
            bias: None,
            bias_host: None,
        }
    }

    /// A bias-free layer over an `[out, in]` matrix in bf16 panels (a tied head).
    pub(crate) fn from_bf16(weight: Arc<Bf16Matrix>) -> Self {
        Self {
            weight: Weight::Bf16(weight),
            bias: None,
            bias_host: None,
        }
    }

    /// A bias-free layer over a quantized `[out, in]` matrix (a tied head).
    pub(crate) fn from_quantized(weight: Arc<QuantMatrix>) -> Self {
        Self {
            weight: Weight::Quantized(weight),
            bias: None,
            bias_host: None,
        }
    }

    fn new(weight: Weight, bias: Option<Vec<f32>>, loader: &ParamLoader<'_>) -> Self {
        let bias_tensor = bias.as_ref().map(|b| {
            let len = b.len();
            loader.place(b.clone(), [len])
        });
        Self {
            weight,
            bias: bias_tensor,
            bias_host: bias,
        }
    }

    /// Input width.
    pub(crate) fn in_features(&self) -> usize {
        match &self.weight {
            Weight::Device(weight) => weight.dims()[1],
            Weight::Dense(weight) => weight.in_features(),
            Weight::Quantized(weight) => weight.in_features(),
            Weight::Bf16(weight) => weight.in_features(),
        }
    }

    /// `x·Wᵀ + b` over the last dimension of `x`.
    pub(crate) fn forward<const D: usize>(&self, x: Tensor<D>) -> Result<Tensor<D>, ForwardError> {
        let bias = self.bias_host.as_deref();
        match &self.weight {
            Weight::Device(weight) => Ok(linear(x, weight.clone().transpose(), self.bias.clone())),
            Weight::Dense(weight) => on_host(x, weight.out_features(), |values, rows, n| {
                panel_gemm::matmul(values, rows, PanelWeight::Dense(weight), n, bias)
            }),
            Weight::Quantized(weight) => on_host(x, weight.out_features(), |values, rows, n| {
                panel_gemm::matmul(values, rows, PanelWeight::Quantized(weight), n, bias)
            }),
            Weight::Bf16(weight) => on_host(x, weight.out_features(), |values, rows, n| {
                panel_gemm::matmul_bf16(values, rows, weight, n, bias)
            }),
        }
    }
}

/// `product(values, rows, n)` of `x`'s values on the host, `rows` vectors of its last
/// dimension, as a tensor whose last dimension is `n`.
fn on_host<const D: usize>(
    x: Tensor<D>,
    n: usize,
    product: impl FnOnce(&[f32], usize, usize) -> Vec<f32>,
) -> Result<Tensor<D>, ForwardError> {
    let mut dims = x.dims();
    let rows: usize = dims[..D - 1].iter().product();
    let device = x.device();
    let out = product(&to_host(x)?, rows, n);
    dims[D - 1] = n;
    Ok(from_host(out, dims, &device))
}

/// The parts of a fused layer as one quantized matrix, when every part can be kept quantized
/// (see [`ParamLoader::grouped`]); `None` when any cannot.
fn load_grouped(
    loader: &ParamLoader<'_>,
    parts: &[(&str, usize)],
    in_features: usize,
) -> Result<Option<QuantMatrix>, LoadError> {
    let mut grouped = Vec::with_capacity(parts.len());
    for (prefix, out) in parts {
        match loader.grouped(&format!("{prefix}.weight"), [*out, in_features])? {
            Some(part) => grouped.push(part),
            None => return Ok(None),
        }
    }
    Ok(Some(QuantMatrix::from_parts(grouped)))
}
