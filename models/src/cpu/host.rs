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

/// An output buffer shared by parallel tasks that each write their own disjoint parts of it.
#[derive(Clone, Copy)]
pub(crate) struct SharedOut {
    start: *mut f32,
    len: usize,
}

// SAFETY: tasks write disjoint parts of the buffer (the contract of `slice`), which outlives
// them.
unsafe impl Send for SharedOut {}
// SAFETY: as for `Send`; the pointer itself is only read.
unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// Shares `buffer`; it must outlive every use of the result.
    pub(crate) fn new(buffer: &mut [f32]) -> Self {
        Self {
            start: buffer.as_mut_ptr(),
            len: buffer.len(),
        }
    }

    /// Values `at .. at + len` of the buffer.
    ///
    /// # Safety
    /// The buffer is still alive, and no other task reads or writes these values while the
    /// slice is in use.
    pub(crate) unsafe fn slice<'a>(self, at: usize, len: usize) -> &'a mut [f32] {
        assert!(
            at + len <= self.len,
            "{at} + {len} is past the shared buffer's end"
        );
        // SAFETY: in bounds (asserted), alive and exclusive (the caller's contract).
        unsafe { std::slice::from_raw_parts_mut(self.start.add(at), len) }
    }
}
