//! The ggml tensor types babelbench can dequantize, with their block geometry.

use std::fmt;

/// A ggml tensor type that [`crate::gguf::dequant`] converts to f32.
///
/// Values are stored in blocks: `block_elements()` consecutive values of a row take
/// `block_bytes()` bytes. Rows (GGUF's innermost dimension) always hold whole blocks.
#[allow(non_camel_case_types)] // ggml's own names, as printed in errors and GGUF tools
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GgmlType {
    /// IEEE 754 single precision.
    F32,
    /// IEEE 754 half precision.
    F16,
    /// bfloat16 (the top half of an f32).
    BF16,
    /// 32 values: f16 scale, 32 signed 8-bit quants.
    Q8_0,
    /// 32 values: f16 scale, 32 4-bit quants offset by 8.
    Q4_0,
    /// 32 values: f16 scale and minimum, 32 unsigned 4-bit quants.
    Q4_1,
    /// 32 values: f16 scale, 32 5-bit quants offset by 16.
    Q5_0,
    /// 32 values: f16 scale and minimum, 32 unsigned 5-bit quants.
    Q5_1,
    /// 256-value super-blocks of eight 32-value sub-blocks with 6-bit scales and minima, 4-bit quants.
    Q4_K,
    /// As [`GgmlType::Q4_K`] with 5-bit quants.
    Q5_K,
    /// 256-value super-blocks of sixteen 16-value sub-blocks with 8-bit scales, 6-bit quants.
    Q6_K,
}

/// Every supported type, in ggml id order.
pub const SUPPORTED: [GgmlType; 11] = [
    GgmlType::F32,
    GgmlType::F16,
    GgmlType::Q4_0,
    GgmlType::Q4_1,
    GgmlType::Q5_0,
    GgmlType::Q5_1,
    GgmlType::Q8_0,
    GgmlType::Q4_K,
    GgmlType::Q5_K,
    GgmlType::Q6_K,
    GgmlType::BF16,
];

/// Names of the ggml type ids that are known but not supported, for error messages.
const OTHER_NAMES: [(u32, &str); 21] = [
    (9, "Q8_1"),
    (10, "Q2_K"),
    (11, "Q3_K"),
    (15, "Q8_K"),
    (16, "IQ2_XXS"),
    (17, "IQ2_XS"),
    (18, "IQ3_XXS"),
    (19, "IQ1_S"),
    (20, "IQ4_NL"),
    (21, "IQ3_S"),
    (22, "IQ2_S"),
    (23, "IQ4_XS"),
    (24, "I8"),
    (25, "I16"),
    (26, "I32"),
    (27, "I64"),
    (28, "F64"),
    (29, "IQ1_M"),
    (34, "TQ1_0"),
    (35, "TQ2_0"),
    (39, "MXFP4"),
];

impl GgmlType {
    /// The supported type with ggml id `id`, or `None`.
    pub fn from_id(id: u32) -> Option<Self> {
        SUPPORTED.into_iter().find(|t| t.id() == id)
    }

    /// The ggml type id stored in GGUF tensor infos.
    pub fn id(self) -> u32 {
        match self {
            Self::F32 => 0,
            Self::F16 => 1,
            Self::Q4_0 => 2,
            Self::Q4_1 => 3,
            Self::Q5_0 => 6,
            Self::Q5_1 => 7,
            Self::Q8_0 => 8,
            Self::Q4_K => 12,
            Self::Q5_K => 13,
            Self::Q6_K => 14,
            Self::BF16 => 30,
        }
    }

    /// ggml's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "F32",
            Self::F16 => "F16",
            Self::BF16 => "BF16",
            Self::Q8_0 => "Q8_0",
            Self::Q4_0 => "Q4_0",
            Self::Q4_1 => "Q4_1",
            Self::Q5_0 => "Q5_0",
            Self::Q5_1 => "Q5_1",
            Self::Q4_K => "Q4_K",
            Self::Q5_K => "Q5_K",
            Self::Q6_K => "Q6_K",
        }
    }

    /// Values per block.
    pub fn block_elements(self) -> usize {
        match self {
            Self::F32 | Self::F16 | Self::BF16 => 1,
            Self::Q8_0 | Self::Q4_0 | Self::Q4_1 | Self::Q5_0 | Self::Q5_1 => 32,
            Self::Q4_K | Self::Q5_K | Self::Q6_K => 256,
        }
    }

    /// Bytes per block.
    pub fn block_bytes(self) -> usize {
        match self {
            Self::F32 => 4,
            Self::F16 | Self::BF16 => 2,
            Self::Q8_0 => 34,
            Self::Q4_0 => 18,
            Self::Q4_1 => 20,
            Self::Q5_0 => 22,
            Self::Q5_1 => 24,
            Self::Q4_K => 144,
            Self::Q5_K => 176,
            Self::Q6_K => 210,
        }
    }
}

impl fmt::Display for GgmlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// ggml's name for type id `id` (supported or not), or `type id N` when the id is unknown.
pub fn type_name(id: u32) -> String {
    if let Some(t) = GgmlType::from_id(id) {
        return t.name().to_string();
    }
    OTHER_NAMES
        .iter()
        .find(|(other, _)| *other == id)
        .map_or_else(|| format!("type id {id}"), |(_, name)| (*name).to_string())
}

/// The supported type names, comma-separated, for error messages.
pub fn supported_list() -> String {
    SUPPORTED.map(GgmlType::name).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_name_unsupported_types() {
        for t in SUPPORTED {
            assert_eq!(GgmlType::from_id(t.id()), Some(t));
        }
        assert_eq!(GgmlType::from_id(16), None);
        assert_eq!(type_name(16), "IQ2_XXS");
        assert_eq!(type_name(14), "Q6_K");
        assert_eq!(type_name(4), "type id 4");
        assert_eq!(
            supported_list(),
            "F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16"
        );
    }
}
