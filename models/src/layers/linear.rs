//! Dense projections `y = x·Wᵀ + b` with the weight kept in HF's row-major `[out, in]` layout,
//! or, for a quantized GGUF weight on the CPU backend, as grouped 8-bit quants
//! ([`QuantMatrix`]). On the CPU backend a quantized weight always goes through [`panel_gemm`],
//! and so do many rows of a dense one; its sums do not depend on the other rows of the batch.
//! A few rows of a dense weight (decoding steps, small LM-head calls) go through
//! [`matmul_rows`], which streams the weight once. Other backends use their own GEMM on a
//! transposed view.

use std::sync::Arc;

use burn::tensor::Tensor;
use burn::tensor::module::linear;
use burn_flex::Flex;

use crate::error::{ForwardError, LoadError};
use crate::layers::host::{from_host, to_host};
use crate::layers::matvec::{MAX_ROWS, matmul_rows};
use crate::layers::panel_gemm::{self, PanelWeight};
use crate::layers::param::ParamLoader;
use crate::layers::quant_matrix::QuantMatrix;

/// Where a layer's weight lives.
#[derive(Debug, Clone)]
enum Weight {
    /// `[out, in]` f32 on the device, contiguous.
    Dense(Box<Tensor<2>>),
    /// Grouped 8-bit quants on the host.
    Quantized(Arc<QuantMatrix>),
}

/// A dense layer.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    weight: Weight,
    bias: Option<Tensor<1>>,
    /// The bias on the host, for the few-rows path.
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
        if let Some(quantized) = load_grouped(loader, parts, in_features)? {
            return Ok(Self::new(
                Weight::Quantized(Arc::new(quantized)),
                bias,
                loader,
            ));
        }
        let mut weight = Vec::with_capacity(total_out * in_features);
        for (prefix, out) in parts {
            weight.extend(loader.host(&format!("{prefix}.weight"), &[*out, in_features])?);
        }
        let weight = loader.place(weight, [total_out, in_features]);
        Ok(Self::new(Weight::Dense(Box::new(weight)), bias, loader))
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
        let weight = loader.place(out_in, [out_features, in_features]);
        let bias = loader.host(&format!("{prefix}.bias"), &[out_features])?;
        Ok(Self::new(
            Weight::Dense(Box::new(weight)),
            Some(bias),
            loader,
        ))
    }

    /// A bias-free layer over an `[out, in]` matrix already on the device (a tied head).
    pub(crate) fn from_out_in(weight: Tensor<2>) -> Self {
        Self {
            weight: Weight::Dense(Box::new(weight)),
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
            Weight::Dense(weight) => weight.dims()[1],
            Weight::Quantized(weight) => weight.in_features(),
        }
    }

    /// `x·Wᵀ + b` over the last dimension of `x`.
    pub(crate) fn forward<const D: usize>(&self, x: Tensor<D>) -> Result<Tensor<D>, ForwardError> {
        let dims = x.dims();
        let rows: usize = dims[..D - 1].iter().product();
        let weight = match &self.weight {
            Weight::Dense(weight) => weight,
            Weight::Quantized(weight) => return self.forward_quantized(x, rows, weight),
        };
        let kernel = if rows <= MAX_ROWS {
            HostKernel::FewRows
        } else {
            HostKernel::Panels
        };
        if let Ok(values) = weight.clone().try_into_primitive::<Flex>()
            && let Some(values) = values.as_slice::<f32>()
        {
            let [n, _] = weight.dims();
            let device = x.device();
            let x_values = to_host(x)?;
            let out = kernel.run(&x_values, rows, values, n, self.bias_host.as_deref());
            let mut out_dims = dims;
            out_dims[D - 1] = n;
            return Ok(from_host(out, out_dims, &device));
        }
        Ok(linear(x, weight.clone().transpose(), self.bias.clone()))
    }

    /// [`Linear::forward`] for a quantized weight: the panel GEMM (expanded panels for many
    /// rows, the quantized kernel for a few; the same sums either way).
    fn forward_quantized<const D: usize>(
        &self,
        x: Tensor<D>,
        rows: usize,
        weight: &QuantMatrix,
    ) -> Result<Tensor<D>, ForwardError> {
        let mut dims = x.dims();
        let device = x.device();
        let values = to_host(x)?;
        let n = weight.out_features();
        let bias = self.bias_host.as_deref();
        let out = panel_gemm::matmul(&values, rows, PanelWeight::Quantized(weight), n, bias);
        dims[D - 1] = n;
        Ok(from_host(out, dims, &device))
    }
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

/// Where a product `x·Wᵀ + b` on host buffers runs.
#[derive(Clone, Copy)]
enum HostKernel {
    /// [`matmul_rows`]: up to [`MAX_ROWS`] rows.
    FewRows,
    /// [`panel_gemm::matmul`]: any number of rows.
    Panels,
}

impl HostKernel {
    /// `x` (`[rows, k]`) times the transpose of `weight` (`[n, k]`), plus `bias`.
    fn run(
        self,
        x: &[f32],
        rows: usize,
        weight: &[f32],
        n: usize,
        bias: Option<&[f32]>,
    ) -> Vec<f32> {
        match self {
            Self::FewRows => matmul_rows(x, rows, weight, n, bias),
            Self::Panels => panel_gemm::matmul(x, rows, PanelWeight::OutIn(weight), n, bias),
        }
    }
}
