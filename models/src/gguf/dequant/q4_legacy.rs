//! Q4_0 and Q4_1: blocks of 32 values with 16 bytes of 4-bit quants. Byte `j` holds value `j`
//! in its low nibble and value `j + 16` in its high nibble.

use super::float::f16_at;
use super::{BlockFormat, GroupedFormat};

/// Q4_0: an f16 scale `d`; value = d * (q - 8).
pub(super) struct Q4_0;

impl BlockFormat for Q4_0 {
    const ELEMS: usize = 32;
    const BYTES: usize = 18;
}

impl GroupedFormat for Q4_0 {
    const GROUP: usize = 32;
    const OFFSETS: bool = false;

    fn decode_grouped(block: &[u8], quants: &mut [i8], scales: &mut [f32], _: &mut [f32]) {
        scales[0] = f16_at(block, 0);
        let (low, high) = quants.split_at_mut(16);
        for ((lo, hi), &q) in low.iter_mut().zip(high).zip(&block[2..18]) {
            *lo = (q & 0x0F) as i8 - 8;
            *hi = (q >> 4) as i8 - 8;
        }
    }
}

/// Q4_1: an f16 scale `d` and minimum `m`; value = d * q + m.
pub(super) struct Q4_1;

impl BlockFormat for Q4_1 {
    const ELEMS: usize = 32;
    const BYTES: usize = 20;
}

/// `q * d + m` is `d * q - (-m)` bit for bit.
impl GroupedFormat for Q4_1 {
    const GROUP: usize = 32;
    const OFFSETS: bool = true;

    fn decode_grouped(block: &[u8], quants: &mut [i8], scales: &mut [f32], offsets: &mut [f32]) {
        scales[0] = f16_at(block, 0);
        offsets[0] = -f16_at(block, 2);
        let (low, high) = quants.split_at_mut(16);
        for ((lo, hi), &q) in low.iter_mut().zip(high).zip(&block[4..20]) {
            *lo = (q & 0x0F) as i8;
            *hi = (q >> 4) as i8;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::gguf::dequant::dequantize;
    use crate::gguf::ggml_type::GgmlType;

    #[test]
    fn q4_0_low_nibbles_come_first_and_are_offset_by_8() {
        // d = 0.5 (f16 0x3800); byte j = (15 - j) << 4 | j, so value j has quant j and
        // value j + 16 has quant 15 - j.
        let mut block = vec![0x00, 0x38];
        block.extend((0..16u8).map(|j| ((15 - j) << 4) | j));
        let out = dequantize(GgmlType::Q4_0, &block, 32).unwrap();
        let expected = [
            -4.0, -3.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5,
            3.5, 3.0, 2.5, 2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0, -1.5, -2.0, -2.5, -3.0, -3.5, -4.0,
        ];
        assert_eq!(out, expected);
    }

    #[test]
    fn q4_1_adds_the_minimum() {
        // d = 0.25 (0x3400), m = -1.0 (0xBC00); every byte 0x3A: low quant 10, high quant 3.
        let mut block = vec![0x00, 0x34, 0x00, 0xBC];
        block.extend([0x3A; 16]);
        let out = dequantize(GgmlType::Q4_1, &block, 32).unwrap();
        assert_eq!(out[..16], [1.5; 16]);
        assert_eq!(out[16..], [-0.25; 16]);
    }
}
