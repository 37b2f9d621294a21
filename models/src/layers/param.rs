//! Reading named weights from a [`WeightSource`] with the shapes a config implies.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};

use crate::arch::Checkpoint;
use crate::cpu::bf16_matrix::RowsToRound;
use crate::cpu::dense_matrix::DenseRows;
use crate::cpu::quant_kernel;
use crate::device::is_cpu;
use crate::dtype::Dtype;
use crate::error::LoadError;
use crate::quantized::GroupedQuants;
use crate::weights::{HalfTensor, HostTensor, WeightSource};

/// Reads checkpoint tensors, checks their shapes and places them on a device.
pub(crate) struct ParamLoader<'a> {
    weights: &'a dyn WeightSource,
    path: &'a Path,
    device: &'a Device,
    dtype: Dtype,
}

impl<'a> ParamLoader<'a> {
    /// A loader over the checkpoint's tensors for products in `checkpoint.dtype`.
    pub(crate) fn new(checkpoint: &Checkpoint<'a>, device: &'a Device) -> Self {
        Self {
            weights: checkpoint.weights,
            path: checkpoint.weights_path,
            device,
            dtype: checkpoint.dtype,
        }
    }

    /// The device tensors are placed on.
    pub(crate) fn device(&self) -> &Device {
        self.device
    }

    /// Whether the checkpoint has a tensor called `name`.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.weights.contains(name)
    }

    /// The tensor `name` as host values, checked against `shape`.
    pub(crate) fn host(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, LoadError> {
        let HostTensor {
            shape: actual,
            data,
        } = self.weights.tensor(name)?;
        self.check(name, actual, shape, data.len())?;
        Ok(data)
    }

    /// Whether matrices are packed into panels on the host ([`ParamLoader::dense`]): on the CPU
    /// backend.
    pub(crate) fn packs(&self) -> bool {
        is_cpu(self.device)
    }

    /// Whether matrices are rounded into bf16 panels ([`crate::cpu::bf16_matrix`]): under
    /// `--dtype bf16` on the CPU backend.
    pub(crate) fn rounds_to_bf16(&self) -> bool {
        self.packs() && self.dtype == Dtype::Bf16
    }

    /// The matrix `name`, checked against `shape` (`[out, in]`), as stored: 16-bit values
    /// when the checkpoint holds bf16 or f16, f32 otherwise.
    pub(crate) fn dense(&self, name: &str, shape: [usize; 2]) -> Result<DenseRows, LoadError> {
        match self.weights.half(name)? {
            Some(HalfTensor {
                shape: actual,
                format,
                bits,
            }) => {
                self.check(name, actual, &shape, bits.len())?;
                Ok(DenseRows::Half(format, bits))
            }
            None => Ok(DenseRows::F32(self.host(name, &shape)?)),
        }
    }

    /// An error unless tensor `name` of shape `actual` holding `len` values has `shape`.
    fn check(
        &self,
        name: &str,
        actual: Vec<usize>,
        shape: &[usize],
        len: usize,
    ) -> Result<(), LoadError> {
        if actual != shape {
            return Err(LoadError::ShapeMismatch {
                path: self.path.to_path_buf(),
                name: name.to_string(),
                actual,
                expected: shape.to_vec(),
            });
        }
        let expected_len: usize = shape.iter().product();
        if len != expected_len {
            return Err(LoadError::Format {
                path: self.path.to_path_buf(),
                message: format!(
                    "tensor `{name}` of shape {shape:?} holds {len} values instead of \
                     {expected_len}; re-create the checkpoint"
                ),
            });
        }
        Ok(())
    }

    /// The matrix `name` as grouped 8-bit quants, checked against `shape` (`[out, in]`), when
    /// the checkpoint stores it quantized and quantized weights pay off here: on the CPU
    /// backend of a CPU with the fast kernels, for f32 products, unless
    /// `BABELBENCH_QUANTIZED=off` asks for f32 weights. `None` means: read it with
    /// [`ParamLoader::host`].
    pub(crate) fn grouped(
        &self,
        name: &str,
        shape: [usize; 2],
    ) -> Result<Option<GroupedQuants>, LoadError> {
        let wanted = self.packs()
            && !self.rounds_to_bf16()
            && quant_kernel::fast()
            && !std::env::var("BABELBENCH_QUANTIZED").is_ok_and(|v| v == "off" || v == "0");
        if !wanted {
            return Ok(None);
        }
        self.stored_grouped(name, shape)
    }

    /// The matrix `name`, checked against `shape` (`[out, in]`), to be rounded to bf16: its
    /// grouped quants when the checkpoint stores it quantized (a quarter of the memory of the
    /// f32 values they expand to), else its f32 values.
    pub(crate) fn rows_to_round(
        &self,
        name: &str,
        shape: [usize; 2],
    ) -> Result<RowsToRound, LoadError> {
        Ok(match self.stored_grouped(name, shape)? {
            Some(grouped) => RowsToRound::Quantized(grouped),
            None => RowsToRound::Values(self.host(name, &shape)?),
        })
    }

    /// The matrix `name` as stored grouped quants, checked against `shape`; `None` when it is
    /// not stored quantized.
    fn stored_grouped(
        &self,
        name: &str,
        shape: [usize; 2],
    ) -> Result<Option<GroupedQuants>, LoadError> {
        let Some(grouped) = self.weights.grouped(name)? else {
            return Ok(None);
        };
        if [grouped.rows, grouped.cols] != shape {
            return Err(LoadError::ShapeMismatch {
                path: self.path.to_path_buf(),
                name: name.to_string(),
                actual: vec![grouped.rows, grouped.cols],
                expected: shape.to_vec(),
            });
        }
        Ok(Some(grouped))
    }

    /// The tensor `name` on the device, checked against `shape`.
    pub(crate) fn tensor<const D: usize>(
        &self,
        name: &str,
        shape: [usize; D],
    ) -> Result<Tensor<D>, LoadError> {
        let data = self.host(name, &shape)?;
        Ok(self.place(data, shape))
    }

    /// `data` as a tensor of `shape` on the device.
    pub(crate) fn place<const D: usize>(&self, data: Vec<f32>, shape: [usize; D]) -> Tensor<D> {
        Tensor::from_data(TensorData::new(data, shape), self.device)
    }
}
