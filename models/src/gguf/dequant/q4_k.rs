//! Q4_K: 256-value super-blocks of eight 32-value sub-blocks. Layout: f16 `d`, f16 `dmin`,
//! 12 bytes of 6-bit scales and minima, 128 bytes of 4-bit quants. Each 32-byte group of
//! quants covers 64 values: low nibbles the first sub-block, high nibbles the next.
//! value = d * scale * q - dmin * min.

use super::float::f16_at;
use super::k_scales::scale_min;
use super::{BlockFormat, GroupedFormat};

/// The Q4_K block layout.
pub(super) struct Q4K;

impl BlockFormat for Q4K {
    const ELEMS: usize = 256;
    const BYTES: usize = 144;
}

impl GroupedFormat for Q4K {
    const GROUP: usize = 32;
    const OFFSETS: bool = true;

    fn decode_grouped(block: &[u8], quants: &mut [i8], scales: &mut [f32], offsets: &mut [f32]) {
        let d = f16_at(block, 0);
        let dmin = f16_at(block, 2);
        let table = &block[4..16];
        for (sub, (scale, offset)) in scales.iter_mut().zip(offsets.iter_mut()).enumerate() {
            let (s, m) = scale_min(table, sub);
            (*scale, *offset) = (d * f32::from(s), dmin * f32::from(m));
        }
        for (values, bytes) in quants
            .chunks_exact_mut(64)
            .zip(block[16..144].chunks_exact(32))
        {
            let (low, high) = values.split_at_mut(32);
            for ((lo, hi), &q) in low.iter_mut().zip(high).zip(bytes) {
                *lo = (q & 0x0F) as i8;
                *hi = (q >> 4) as i8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::gguf::dequant::dequantize;
    use crate::gguf::ggml_type::GgmlType;

    #[test]
    fn sub_blocks_use_their_own_scale_and_minimum() {
        // d = 1.0 (0x3C00), dmin = 0.5 (0x3800).
        // Table: byte 0 = 0x42 -> scale 0 = 2 and top bits 1 for scale 4; byte 4 = 4 -> min 0
        // = 4; byte 1 = 3 -> scale 1 = 3, min 1 = 0; byte 8 = 0x21 -> scale 4 = 16 | 1 = 17,
        // min 4 = 2. Every quant byte 0x95: low nibble 5, high nibble 9.
        let mut block = vec![0x00, 0x3C, 0x00, 0x38];
        let mut table = [0u8; 12];
        table[0] = 0x42;
        table[1] = 3;
        table[4] = 4;
        table[8] = 0x21;
        block.extend(table);
        block.extend([0x95; 128]);
        let out = dequantize(GgmlType::Q4_K, &block, 256).unwrap();
        // Sub-block 0: 1 * 2 * 5 - 0.5 * 4 = 8; sub-block 1: 3 * 9 - 0 = 27;
        // sub-block 4: 17 * 5 - 0.5 * 2 = 84; all others have scale and minimum 0.
        assert_eq!(out[..32], [8.0; 32]);
        assert_eq!(out[32..64], [27.0; 32]);
        assert_eq!(out[64..128], [0.0; 64]);
        assert_eq!(out[128..160], [84.0; 32]);
        assert_eq!(out[160..], [0.0; 96]);
    }
}
