//! Q5_K: Q4_K's super-block (f16 `d`, f16 `dmin`, 12-byte scale table) plus 32 bytes of
//! fifth bits before the 128 bytes of low nibbles. Bit `2g` of byte `l` is the fifth bit of
//! value `l` in the low sub-block of group `g`; bit `2g + 1` the one in its high sub-block.
//! value = d * scale * q - dmin * min.

use super::float::f16_at;
use super::k_scales::scale_min;
use super::{BlockFormat, GroupedFormat};

/// The Q5_K block layout.
pub(super) struct Q5K;

impl BlockFormat for Q5K {
    const ELEMS: usize = 256;
    const BYTES: usize = 176;
}

impl GroupedFormat for Q5K {
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
        let fifth_bits = &block[16..48];
        for (group, (values, bytes)) in quants
            .chunks_exact_mut(64)
            .zip(block[48..176].chunks_exact(32))
            .enumerate()
        {
            let (bit_lo, bit_hi) = (1u8 << (2 * group), 1u8 << (2 * group + 1));
            let (low, high) = values.split_at_mut(32);
            for (((lo, hi), &q), &h) in low.iter_mut().zip(high).zip(bytes).zip(fifth_bits) {
                *lo = ((q & 0x0F) | if h & bit_lo != 0 { 16 } else { 0 }) as i8;
                *hi = ((q >> 4) | if h & bit_hi != 0 { 16 } else { 0 }) as i8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::gguf::dequant::dequantize;
    use crate::gguf::ggml_type::GgmlType;

    #[test]
    fn fifth_bits_add_16_per_value() {
        // d = 0.5 (0x3800), dmin = 1.0 (0x3C00). Scale/min of sub-block 0 = 1/3, of
        // sub-block 1 = 2/1. Fifth-bit bytes: 0b11 at even positions (bits of sub-blocks 0
        // and 1), 0 at odd ones. Every quant byte 0x47: low nibble 7, high nibble 4.
        let mut block = vec![0x00, 0x38, 0x00, 0x3C];
        let mut table = [0u8; 12];
        table[0] = 1;
        table[1] = 2;
        table[4] = 3;
        table[5] = 1;
        block.extend(table);
        block.extend((0..32).map(|l| if l % 2 == 0 { 0b11 } else { 0 }));
        block.extend([0x47; 128]);
        let out = dequantize(GgmlType::Q5_K, &block, 256).unwrap();
        for l in 0..32 {
            let even = l % 2 == 0;
            // 0.5 * (7 + 16) - 3 = 8.5 or 0.5 * 7 - 3 = 0.5
            assert_eq!(out[l], if even { 8.5 } else { 0.5 }, "value {l}");
            // 1.0 * (4 + 16) - 1 = 19 or 4 - 1 = 3
            assert_eq!(
                out[32 + l],
                if even { 19.0 } else { 3.0 },
                "value {}",
                32 + l
            );
        }
        assert_eq!(out[64..], [0.0; 192]);
    }
}
