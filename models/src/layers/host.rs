//! Moving f32 tensors between burn and host memory for the fused CPU kernels, and a row-parallel
//! loop over host buffers. On the flex backend a uniquely owned contiguous tensor moves without
//! a copy.

use burn::tensor::{Device, Tensor, TensorData};
use rayon::prelude::*;

use crate::error::ForwardError;

/// Buffers at least this long are processed on all cores.
const PARALLEL_MIN_LEN: usize = 1 << 14;

/// The values of `tensor`, row-major.
pub(crate) fn to_host<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ForwardError> {
    tensor
        .try_into_data()
        .map_err(|e| ForwardError::Backend(format!("reading a tensor back: {e:?}")))?
        .try_into_vec::<f32>()
        .map_err(|e| ForwardError::Backend(format!("reading a tensor as f32: {e:?}")))
}

/// A tensor of `shape` holding `data` (row-major).
pub(crate) fn from_host<const D: usize>(
    data: Vec<f32>,
    shape: [usize; D],
    device: &Device,
) -> Tensor<D> {
    Tensor::from_data(TensorData::new(data, shape), device)
}

/// Calls `f(row_index, row)` for every `row_len`-long row of `data`, in parallel when large.
pub(crate) fn for_each_row(
    data: &mut [f32],
    row_len: usize,
    f: impl Fn(usize, &mut [f32]) + Sync + Send,
) {
    if row_len == 0 {
        return;
    }
    if data.len() >= PARALLEL_MIN_LEN {
        data.par_chunks_mut(row_len)
            .enumerate()
            .for_each(|(i, row)| f(i, row));
    } else {
        data.chunks_mut(row_len)
            .enumerate()
            .for_each(|(i, row)| f(i, row));
    }
}
