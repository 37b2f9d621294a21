//! Conversion of ggml tensor data to f32, one file per block family. Layouts follow ggml's
//! reference dequantization (`ggml-quants.c`); every block is decoded independently.

mod float;
mod k_scales;
mod q4_k;
mod q4_legacy;
mod q5_k;
mod q5_legacy;
mod q6_k;
mod q8_0;

use rayon::prelude::*;

use super::ggml_type::GgmlType;

/// Data handed to [`dequantize`] does not match the number of values asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DequantError {
    /// The value count is not a whole number of blocks.
    #[error("{n_elements} values are not a whole number of {ty} blocks of {block} values")]
    PartialBlock {
        /// The type.
        ty: GgmlType,
        /// Values asked for.
        n_elements: usize,
        /// Values per block.
        block: usize,
    },
    /// The byte count is not what the value count needs (a truncated or oversized block).
    #[error(
        "{blocks} {ty} blocks of {block_bytes} bytes were expected, but the data has {actual} \
         bytes"
    )]
    WrongLength {
        /// The type.
        ty: GgmlType,
        /// Blocks the value count implies.
        blocks: usize,
        /// Bytes per block.
        block_bytes: usize,
        /// Bytes given.
        actual: usize,
    },
}

/// How one block of a type is packed.
trait BlockFormat {
    /// Values per block.
    const ELEMS: usize;
    /// Bytes per block.
    const BYTES: usize;
    /// Decodes `block` (exactly `BYTES` bytes) into `out` (exactly `ELEMS` values).
    fn decode(block: &[u8], out: &mut [f32]);
}

/// Blocks decoded by one parallel task.
const BLOCKS_PER_TASK: usize = 2048;

/// Decodes whole blocks of `data` into `out`; lengths are checked by the caller.
fn decode_all<F: BlockFormat>(data: &[u8], out: &mut [f32]) {
    out.par_chunks_mut(F::ELEMS * BLOCKS_PER_TASK)
        .zip(data.par_chunks(F::BYTES * BLOCKS_PER_TASK))
        .for_each(|(out, data)| {
            for (values, block) in out
                .chunks_exact_mut(F::ELEMS)
                .zip(data.chunks_exact(F::BYTES))
            {
                F::decode(block, values);
            }
        });
}

/// The `n_elements` values of type `ty` packed in `data`, as f32 in storage order.
pub fn dequantize(ty: GgmlType, data: &[u8], n_elements: usize) -> Result<Vec<f32>, DequantError> {
    let block = ty.block_elements();
    if !n_elements.is_multiple_of(block) {
        return Err(DequantError::PartialBlock {
            ty,
            n_elements,
            block,
        });
    }
    let blocks = n_elements / block;
    let block_bytes = ty.block_bytes();
    if blocks.checked_mul(block_bytes) != Some(data.len()) {
        return Err(DequantError::WrongLength {
            ty,
            blocks,
            block_bytes,
            actual: data.len(),
        });
    }
    let mut out = vec![0.0f32; n_elements];
    match ty {
        GgmlType::F32 => decode_all::<float::F32>(data, &mut out),
        GgmlType::F16 => decode_all::<float::F16>(data, &mut out),
        GgmlType::BF16 => decode_all::<float::BF16>(data, &mut out),
        GgmlType::Q8_0 => decode_all::<q8_0::Q8_0>(data, &mut out),
        GgmlType::Q4_0 => decode_all::<q4_legacy::Q4_0>(data, &mut out),
        GgmlType::Q4_1 => decode_all::<q4_legacy::Q4_1>(data, &mut out),
        GgmlType::Q5_0 => decode_all::<q5_legacy::Q5_0>(data, &mut out),
        GgmlType::Q5_1 => decode_all::<q5_legacy::Q5_1>(data, &mut out),
        GgmlType::Q4_K => decode_all::<q4_k::Q4K>(data, &mut out),
        GgmlType::Q5_K => decode_all::<q5_k::Q5K>(data, &mut out),
        GgmlType::Q6_K => decode_all::<q6_k::Q6K>(data, &mut out),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::ggml_type::SUPPORTED;

    #[test]
    fn every_type_rejects_a_truncated_block_and_a_partial_block() {
        for ty in SUPPORTED {
            let n = ty.block_elements() * 3;
            let bytes = vec![0u8; ty.block_bytes() * 3];
            assert_eq!(dequantize(ty, &bytes, n).map(|v| v.len()), Ok(n), "{ty}");
            assert_eq!(
                dequantize(ty, &bytes[..bytes.len() - 1], n),
                Err(DequantError::WrongLength {
                    ty,
                    blocks: 3,
                    block_bytes: ty.block_bytes(),
                    actual: bytes.len() - 1,
                }),
                "{ty}"
            );
        }
        assert_eq!(
            dequantize(GgmlType::Q4_K, &[0; 144], 255),
            Err(DequantError::PartialBlock {
                ty: GgmlType::Q4_K,
                n_elements: 255,
                block: 256
            })
        );
    }

    #[test]
    fn absurd_counts_error_instead_of_allocating() {
        let err = dequantize(GgmlType::Q8_0, &[0; 34], usize::MAX - 31).unwrap_err();
        assert!(
            matches!(err, DequantError::WrongLength { actual: 34, .. }),
            "{err}"
        );
    }

    #[test]
    fn many_blocks_decode_in_order_across_parallel_tasks() {
        // Q8_0 blocks with d = 1 and every quant equal to the block index modulo 100.
        let blocks = BLOCKS_PER_TASK * 2 + 5;
        let mut data = Vec::with_capacity(blocks * 34);
        for b in 0..blocks {
            data.extend_from_slice(&[0x00, 0x3C]);
            data.extend(std::iter::repeat_n((b % 100) as u8, 32));
        }
        let out = dequantize(GgmlType::Q8_0, &data, blocks * 32).unwrap();
        assert_eq!(out.len(), blocks * 32);
        assert_eq!(out[0], 0.0);
        assert_eq!(out[32 * 99 + 31], 99.0);
        assert_eq!(out[32 * (blocks - 1)], ((blocks - 1) % 100) as f32);
    }
}
