//! Unquantized floats: F32, F16 and BF16, one value per "block".

use half::{bf16, f16};

use super::{BlockFormat, FloatFormat};

/// The little-endian f16 at `bytes[at..at + 2]`, widened to f32.
pub(super) fn f16_at(bytes: &[u8], at: usize) -> f32 {
    f16::from_le_bytes([bytes[at], bytes[at + 1]]).to_f32()
}

/// IEEE single precision.
pub(super) struct F32;

impl BlockFormat for F32 {
    const ELEMS: usize = 1;
    const BYTES: usize = 4;
}

impl FloatFormat for F32 {
    fn decode(block: &[u8], out: &mut [f32]) {
        out[0] = f32::from_le_bytes([block[0], block[1], block[2], block[3]]);
    }
}

/// IEEE half precision.
pub(super) struct F16;

impl BlockFormat for F16 {
    const ELEMS: usize = 1;
    const BYTES: usize = 2;
}

impl FloatFormat for F16 {
    fn decode(block: &[u8], out: &mut [f32]) {
        out[0] = f16_at(block, 0);
    }
}

/// bfloat16.
pub(super) struct BF16;

impl BlockFormat for BF16 {
    const ELEMS: usize = 1;
    const BYTES: usize = 2;
}

impl FloatFormat for BF16 {
    fn decode(block: &[u8], out: &mut [f32]) {
        out[0] = bf16::from_le_bytes([block[0], block[1]]).to_f32();
    }
}

#[cfg(test)]
mod tests {
    use crate::gguf::dequant::dequantize;
    use crate::gguf::ggml_type::GgmlType;

    #[test]
    fn f32_reads_little_endian_values() {
        let mut bytes = 1.5f32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&(-2.25f32).to_le_bytes());
        assert_eq!(dequantize(GgmlType::F32, &bytes, 2).unwrap(), [1.5, -2.25]);
    }

    #[test]
    fn f16_decodes_known_bit_patterns() {
        // 0x3C00 = 1.0, 0xC000 = -2.0, 0x3800 = 0.5, 0x7BFF = 65504 (largest f16).
        let bytes = [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B];
        assert_eq!(
            dequantize(GgmlType::F16, &bytes, 4).unwrap(),
            [1.0, -2.0, 0.5, 65504.0]
        );
    }

    #[test]
    fn bf16_is_the_top_half_of_an_f32() {
        // 0x3FC0 -> 0x3FC00000 = 1.5; 0xC040 -> 0xC0400000 = -3.0.
        let bytes = [0xC0, 0x3F, 0x40, 0xC0];
        assert_eq!(dequantize(GgmlType::BF16, &bytes, 2).unwrap(), [1.5, -3.0]);
    }
}
