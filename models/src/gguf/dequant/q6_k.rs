//! Q6_K: 256-value super-blocks of sixteen 16-value sub-blocks. Layout: 128 bytes of low
//! nibbles, 64 bytes of 2-bit high parts, 16 signed 8-bit scales, f16 `d`.
//! value = d * scale * (q - 32).
//!
//! Each half of the super-block (128 values) uses 64 nibble bytes `ql`, 32 high-part bytes
//! `qh` and 8 scales. For `l` in 0..32, value `l` is the low nibble of `ql[l]` with bits 0-1
//! of `qh[l]`; value `l + 32` the low nibble of `ql[l + 32]` with bits 2-3; value `l + 64`
//! the high nibble of `ql[l]` with bits 4-5; value `l + 96` the high nibble of `ql[l + 32]`
//! with bits 6-7. Value `v` of the half uses scale `v / 16`.

use super::float::f16_at;
use super::{BlockFormat, GroupedFormat};

/// The Q6_K block layout.
pub(super) struct Q6K;

impl BlockFormat for Q6K {
    const ELEMS: usize = 256;
    const BYTES: usize = 210;
}

impl GroupedFormat for Q6K {
    const GROUP: usize = 16;
    const OFFSETS: bool = false;

    fn decode_grouped(block: &[u8], quants: &mut [i8], scales: &mut [f32], _: &mut [f32]) {
        let d = f16_at(block, 208);
        for (scale, &s) in scales.iter_mut().zip(&block[192..208]) {
            *scale = d * f32::from(s as i8);
        }
        for (half, values) in quants.chunks_exact_mut(128).enumerate() {
            let ql = &block[64 * half..64 * half + 64];
            let qh = &block[128 + 32 * half..128 + 32 * half + 32];
            for l in 0..32 {
                let parts = [
                    (ql[l] & 0x0F) | ((qh[l] & 0x03) << 4),
                    (ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 0x03) << 4),
                    (ql[l] >> 4) | (((qh[l] >> 4) & 0x03) << 4),
                    (ql[l + 32] >> 4) | (((qh[l] >> 6) & 0x03) << 4),
                ];
                for (quarter, q) in parts.into_iter().enumerate() {
                    values[l + 32 * quarter] = q as i8 - 32;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::gguf::dequant::dequantize;
    use crate::gguf::ggml_type::GgmlType;

    #[test]
    fn quarters_take_their_high_bits_and_scales() {
        // Every ql byte 0x21 (low nibble 1, high nibble 2); every qh byte 0xE4 = 0b11_10_01_00
        // (high parts 0, 1, 2, 3 for the four quarters). Quants: 1 - 32 = -31, 17 - 32 = -15,
        // 34 - 32 = 2, 50 - 32 = 18. Scales 4, -2, 1, 8 for sub-blocks 0, 2, 4, 6, others 0;
        // d = 0.25 (0x3400).
        let mut block = vec![0x21u8; 128];
        block.extend([0xE4; 64]);
        let mut scales = [0u8; 16];
        scales[0] = 4;
        scales[2] = (-2i8) as u8;
        scales[4] = 1;
        scales[6] = 8;
        block.extend(scales);
        block.extend([0x00, 0x34]);
        let out = dequantize(GgmlType::Q6_K, &block, 256).unwrap();
        assert_eq!(out[..16], [-31.0; 16]); // 0.25 * 4 * -31
        assert_eq!(out[16..32], [0.0; 16]);
        assert_eq!(out[32..48], [7.5; 16]); // 0.25 * -2 * -15
        assert_eq!(out[48..64], [0.0; 16]);
        assert_eq!(out[64..80], [0.5; 16]); // 0.25 * 1 * 2
        assert_eq!(out[80..96], [0.0; 16]);
        assert_eq!(out[96..112], [36.0; 16]); // 0.25 * 8 * 18
        assert_eq!(out[112..], [0.0; 144]);
    }
}
