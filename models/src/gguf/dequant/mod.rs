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
use crate::quantized::{GroupedQuants, expand};

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
}

/// An unquantized float type.
trait FloatFormat: BlockFormat {
    /// Decodes `block` (exactly `BYTES` bytes) into `out` (exactly `ELEMS` values).
    fn decode(block: &[u8], out: &mut [f32]);
}

/// A quantized type. ggml computes its every value as `scale * q - offset` in f32 (adding a
/// minimum is subtracting its negation, bit for bit) for an 8-bit `q` and a scale and offset
/// shared by `GROUP` consecutive values (see [`crate::quantized`]); the f32 values are
/// expanded from this form.
trait GroupedFormat: BlockFormat {
    /// Values per scale.
    const GROUP: usize;
    /// Whether the type has offsets (else every offset is left zero).
    const OFFSETS: bool;
    /// Decodes `block` into `ELEMS` quants and `ELEMS / GROUP` scales and offsets.
    fn decode_grouped(block: &[u8], quants: &mut [i8], scales: &mut [f32], offsets: &mut [f32]);
}

/// Blocks decoded by one parallel task.
const BLOCKS_PER_TASK: usize = 2048;

/// Most values in a block of any quantized type, and most groups.
const MAX_ELEMS: usize = 256;
const MAX_GROUPS: usize = 16;

/// Decodes whole blocks of `data` into `out`; lengths are checked by the caller.
fn decode_all<F: FloatFormat>(data: &[u8], out: &mut [f32]) {
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

/// Decodes whole blocks of `data` into `out` through their grouped form; lengths are checked
/// by the caller.
fn decode_all_grouped<F: GroupedFormat>(data: &[u8], out: &mut [f32]) {
    let groups = F::ELEMS / F::GROUP;
    out.par_chunks_mut(F::ELEMS * BLOCKS_PER_TASK)
        .zip(data.par_chunks(F::BYTES * BLOCKS_PER_TASK))
        .for_each(|(out, data)| {
            let mut quants = [0i8; MAX_ELEMS];
            let (mut scales, mut offsets) = ([0.0f32; MAX_GROUPS], [0.0f32; MAX_GROUPS]);
            for (values, block) in out
                .chunks_exact_mut(F::ELEMS)
                .zip(data.chunks_exact(F::BYTES))
            {
                F::decode_grouped(
                    block,
                    &mut quants[..F::ELEMS],
                    &mut scales[..groups],
                    &mut offsets[..groups],
                );
                for (i, v) in values.iter_mut().enumerate() {
                    let g = i / F::GROUP;
                    *v = expand(quants[i], scales[g], F::OFFSETS.then_some(offsets[g]));
                }
            }
        });
}

/// The `n_elements` values of type `ty` packed in `data`, as f32 in storage order.
pub fn dequantize(ty: GgmlType, data: &[u8], n_elements: usize) -> Result<Vec<f32>, DequantError> {
    check(ty, data, n_elements)?;
    let mut out = vec![0.0f32; n_elements];
    match ty {
        GgmlType::F32 => decode_all::<float::F32>(data, &mut out),
        GgmlType::F16 => decode_all::<float::F16>(data, &mut out),
        GgmlType::BF16 => decode_all::<float::BF16>(data, &mut out),
        GgmlType::Q8_0 => decode_all_grouped::<q8_0::Q8_0>(data, &mut out),
        GgmlType::Q4_0 => decode_all_grouped::<q4_legacy::Q4_0>(data, &mut out),
        GgmlType::Q4_1 => decode_all_grouped::<q4_legacy::Q4_1>(data, &mut out),
        GgmlType::Q5_0 => decode_all_grouped::<q5_legacy::Q5_0>(data, &mut out),
        GgmlType::Q5_1 => decode_all_grouped::<q5_legacy::Q5_1>(data, &mut out),
        GgmlType::Q4_K => decode_all_grouped::<q4_k::Q4K>(data, &mut out),
        GgmlType::Q5_K => decode_all_grouped::<q5_k::Q5K>(data, &mut out),
        GgmlType::Q6_K => decode_all_grouped::<q6_k::Q6K>(data, &mut out),
    }
    Ok(out)
}

/// The `rows × cols` matrix of type `ty` packed in `data` as grouped 8-bit quants, whose
/// values are bit for bit those of [`dequantize`]; `None` for the float types. Every row must
/// be a whole number of blocks, as GGUF requires.
pub fn dequantize_grouped(
    ty: GgmlType,
    data: &[u8],
    rows: usize,
    cols: usize,
) -> Result<Option<GroupedQuants>, DequantError> {
    let n_elements = rows.saturating_mul(cols);
    check(ty, data, n_elements)?;
    if !cols.is_multiple_of(ty.block_elements()) {
        return Err(DequantError::PartialBlock {
            ty,
            n_elements: cols,
            block: ty.block_elements(),
        });
    }
    Ok(match ty {
        GgmlType::F32 | GgmlType::F16 | GgmlType::BF16 => None,
        GgmlType::Q8_0 => Some(grouped::<q8_0::Q8_0>(data, rows, cols)),
        GgmlType::Q4_0 => Some(grouped::<q4_legacy::Q4_0>(data, rows, cols)),
        GgmlType::Q4_1 => Some(grouped::<q4_legacy::Q4_1>(data, rows, cols)),
        GgmlType::Q5_0 => Some(grouped::<q5_legacy::Q5_0>(data, rows, cols)),
        GgmlType::Q5_1 => Some(grouped::<q5_legacy::Q5_1>(data, rows, cols)),
        GgmlType::Q4_K => Some(grouped::<q4_k::Q4K>(data, rows, cols)),
        GgmlType::Q5_K => Some(grouped::<q5_k::Q5K>(data, rows, cols)),
        GgmlType::Q6_K => Some(grouped::<q6_k::Q6K>(data, rows, cols)),
    })
}

/// Checks that `data` holds exactly the whole blocks of `n_elements` values of type `ty`.
fn check(ty: GgmlType, data: &[u8], n_elements: usize) -> Result<(), DequantError> {
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
    Ok(())
}

/// Decodes the checked `data` of a `rows × cols` matrix into grouped quants.
fn grouped<F: GroupedFormat>(data: &[u8], rows: usize, cols: usize) -> GroupedQuants {
    let n = rows * cols;
    let mut quants = vec![0i8; n];
    let mut scales = vec![0.0f32; n / F::GROUP];
    let mut offsets = vec![0.0f32; n / F::GROUP];
    let groups_per_block = F::ELEMS / F::GROUP;
    quants
        .par_chunks_mut(F::ELEMS * BLOCKS_PER_TASK)
        .zip(scales.par_chunks_mut(groups_per_block * BLOCKS_PER_TASK))
        .zip(offsets.par_chunks_mut(groups_per_block * BLOCKS_PER_TASK))
        .zip(data.par_chunks(F::BYTES * BLOCKS_PER_TASK))
        .for_each(|(((quants, scales), offsets), data)| {
            for (((q, s), o), block) in quants
                .chunks_exact_mut(F::ELEMS)
                .zip(scales.chunks_exact_mut(groups_per_block))
                .zip(offsets.chunks_exact_mut(groups_per_block))
                .zip(data.chunks_exact(F::BYTES))
            {
                F::decode_grouped(block, q, s, o);
            }
        });
    GroupedQuants {
        rows,
        cols,
        group: F::GROUP,
        quants,
        scales,
        offsets: F::OFFSETS.then_some(offsets),
    }
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
    fn grouped_quants_expand_to_the_dequantized_bits() {
        // Pseudo-random block bytes (xorshift), four rows of two blocks each.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut byte = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        };
        for ty in SUPPORTED {
            let (rows, cols) = (4, 2 * ty.block_elements());
            let data: Vec<u8> = (0..rows * 2 * ty.block_bytes()).map(|_| byte()).collect();
            let grouped = dequantize_grouped(ty, &data, rows, cols).unwrap();
            let Some(grouped) = grouped else {
                assert!(matches!(ty, GgmlType::F32 | GgmlType::F16 | GgmlType::BF16));
                continue;
            };
            let dense = dequantize(ty, &data, rows * cols).unwrap();
            assert_eq!((grouped.rows, grouped.cols), (rows, cols), "{ty}");
            for (i, (a, b)) in grouped.to_f32().iter().zip(&dense).enumerate() {
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{ty} value {i}: {a} vs {b}"
                );
            }
        }
        assert!(matches!(
            dequantize_grouped(GgmlType::Q8_0, &[0; 34 * 3], 3, 32),
            Ok(Some(_))
        ));
        assert!(matches!(
            dequantize_grouped(GgmlType::Q8_0, &[0; 34 * 3], 2, 48),
            Err(DequantError::PartialBlock { n_elements: 48, .. })
        ));
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
