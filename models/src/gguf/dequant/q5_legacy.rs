//! Q5_0 and Q5_1: blocks of 32 values whose 5-bit quants are split into 4 low bits (packed as
//! in Q4_0) and a 32-bit little-endian mask of fifth bits, bit `i` belonging to value `i`.

use super::float::f16_at;
use super::{BlockFormat, GroupedFormat};

/// The 5-bit quants of a block: `qh` is the fifth-bit mask, `qs` the 16 nibble bytes.
fn quants_of(qh: &[u8], qs: &[u8]) -> [u8; 32] {
    let mask = u32::from_le_bytes([qh[0], qh[1], qh[2], qh[3]]);
    let fifth = |i: usize| (((mask >> i) & 1) as u8) << 4;
    let mut q = [0u8; 32];
    for (j, &byte) in qs.iter().enumerate() {
        q[j] = (byte & 0x0F) | fifth(j);
        q[j + 16] = (byte >> 4) | fifth(j + 16);
    }
    q
}

/// Q5_0: an f16 scale `d`; value = d * (q - 16).
pub(super) struct Q5_0;

impl BlockFormat for Q5_0 {
    const ELEMS: usize = 32;
    const BYTES: usize = 22;
}

impl GroupedFormat for Q5_0 {
    const GROUP: usize = 32;
    const OFFSETS: bool = false;

    fn decode_grouped(block: &[u8], quants: &mut [i8], scales: &mut [f32], _: &mut [f32]) {
        scales[0] = f16_at(block, 0);
        for (out, q) in quants
            .iter_mut()
            .zip(quants_of(&block[2..6], &block[6..22]))
        {
            *out = q as i8 - 16;
        }
    }
}

/// Q5_1: an f16 scale `d` and minimum `m`; value = d * q + m.
pub(super) struct Q5_1;

impl BlockFormat for Q5_1 {
    const ELEMS: usize = 32;
    const BYTES: usize = 24;
}

/// `q * d + m` is `d * q - (-m)` bit for bit.
impl GroupedFormat for Q5_1 {
    const GROUP: usize = 32;
    const OFFSETS: bool = true;

    fn decode_grouped(block: &[u8], quants: &mut [i8], scales: &mut [f32], offsets: &mut [f32]) {
        scales[0] = f16_at(block, 0);
        offsets[0] = -f16_at(block, 2);
        for (out, q) in quants
            .iter_mut()
            .zip(quants_of(&block[4..8], &block[8..24]))
        {
            *out = q as i8;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::gguf::dequant::dequantize;
    use crate::gguf::ggml_type::GgmlType;

    #[test]
    fn q5_0_fifth_bits_come_from_the_mask() {
        // d = 1.0 (0x3C00); mask 0x80000001 sets the fifth bit of values 0 and 31; byte 1 is
        // 0x5F (value 1: low 15, value 17: high 5); all other nibbles 0.
        let mut block = vec![0x00, 0x3C, 0x01, 0x00, 0x00, 0x80];
        let mut qs = [0u8; 16];
        qs[1] = 0x5F;
        block.extend(qs);
        let out = dequantize(GgmlType::Q5_0, &block, 32).unwrap();
        let mut expected = [-16.0f32; 32];
        expected[0] = 0.0;
        expected[31] = 0.0;
        expected[1] = -1.0;
        expected[17] = -11.0;
        assert_eq!(out, expected);
    }

    #[test]
    fn q5_1_adds_the_minimum() {
        // d = 0.5 (0x3800), m = 2.0 (0x4000); mask bit 16 set; every byte 0x21.
        let mut block = vec![0x00, 0x38, 0x00, 0x40, 0x00, 0x00, 0x01, 0x00];
        block.extend([0x21; 16]);
        let out = dequantize(GgmlType::Q5_1, &block, 32).unwrap();
        assert_eq!(out[..16], [2.5; 16]);
        assert_eq!(out[16], 11.0);
        assert_eq!(out[17..], [3.0; 15]);
    }
}
