//! Q8_0: blocks of 32 values, an f16 scale `d` and 32 signed bytes; value = d * q.

use super::float::f16_at;
use super::{BlockFormat, GroupedFormat};

/// The Q8_0 block layout.
pub(super) struct Q8_0;

impl BlockFormat for Q8_0 {
    const ELEMS: usize = 32;
    const BYTES: usize = 34;
}

impl GroupedFormat for Q8_0 {
    const GROUP: usize = 32;
    const OFFSETS: bool = false;

    fn decode_grouped(block: &[u8], quants: &mut [i8], scales: &mut [f32], _: &mut [f32]) {
        scales[0] = f16_at(block, 0);
        for (q, &byte) in quants.iter_mut().zip(&block[2..34]) {
            *q = byte as i8;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::gguf::dequant::dequantize;
    use crate::gguf::ggml_type::GgmlType;

    #[test]
    fn values_are_signed_bytes_times_the_scale() {
        // d = 0.5 (f16 0x3800); quants -16, -15, ..., 15.
        let mut block = vec![0x00, 0x38];
        block.extend((0..32).map(|j| (j as i8 - 16) as u8));
        let out = dequantize(GgmlType::Q8_0, &block, 32).unwrap();
        let expected: Vec<f32> = (0..32).map(|j| (j as f32 - 16.0) * 0.5).collect();
        assert_eq!(out, expected);
        assert_eq!((out[0], out[16], out[31]), (-8.0, 0.0, 7.5));
    }
}
