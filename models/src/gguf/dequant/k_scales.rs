//! The 12-byte table of Q4_K and Q5_K that packs eight 6-bit scales and eight 6-bit minima.
//!
//! Sub-blocks 0..4 keep their scale in the low 6 bits of byte `j` and their minimum in the
//! low 6 bits of byte `j + 4`. Sub-blocks 4..8 take their low 4 bits from byte `j + 4` (scale
//! in the low nibble, minimum in the high nibble) and their top 2 bits from the spare top
//! bits of bytes `j - 4` (scale) and `j` (minimum).

/// Scale and minimum of sub-block `j` (0..8) in `table` (12 bytes).
pub(super) fn scale_min(table: &[u8], j: usize) -> (u8, u8) {
    if j < 4 {
        (table[j] & 0x3F, table[j + 4] & 0x3F)
    } else {
        let scale = (table[j + 4] & 0x0F) | ((table[j - 4] >> 6) << 4);
        let min = (table[j + 4] >> 4) | ((table[j] >> 6) << 4);
        (scale, min)
    }
}

#[cfg(test)]
mod tests {
    use super::scale_min;

    #[test]
    fn unpacks_low_and_high_sub_blocks() {
        let mut table = [0u8; 12];
        table[0] = 0b11_000101; // scale 0 = 5; top bits 3 -> scale 4 gets 0b11_0000
        table[4] = 0b10_111111; // min 0 = 63; top bits 2 -> min 4 gets 0b10_0000
        table[8] = 0x9A; // scale 4 low nibble 0xA, min 4 low nibble 0x9
        assert_eq!(scale_min(&table, 0), (5, 63));
        assert_eq!(scale_min(&table, 4), (0x30 | 0xA, 0x20 | 0x9));
        assert_eq!(scale_min(&table, 1), (0, 0));
        assert_eq!(scale_min(&table, 7), (0, 0));
    }
}
