//! `--dtype`: the precision of the matrix products. `f32` is the reference path, whose numbers
//! equal HF transformers in float32. `bf16` rounds every projection's weights and input rows to
//! bf16 and sums their products in f32 ([`crate::cpu::bf16_kernel`]), as PyTorch's bf16 CPU
//! matmul does: twice the multiply-adds per instruction on CPUs with AVX512_BF16, half the
//! weight memory of f32. Norms, RoPE, attention and the log-softmax stay in f32 in both modes.

use std::fmt;
use std::str::FromStr;

/// The precision of the matrix products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dtype {
    /// f32 weights and inputs (quantized weights expanded to f32 in registers).
    #[default]
    F32,
    /// Weights and input rows rounded to bf16, products summed in f32.
    Bf16,
}

/// A `--dtype` value that is not a precision.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a dtype; use f32 or bf16")]
pub struct UnknownDtype(String);

impl FromStr for Dtype {
    type Err = UnknownDtype;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "f32" | "float32" => Ok(Dtype::F32),
            "bf16" | "bfloat16" => Ok(Dtype::Bf16),
            _ => Err(UnknownDtype(text.to_string())),
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dtype::F32 => "f32",
            Dtype::Bf16 => "bf16",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for (text, dtype) in [("f32", Dtype::F32), ("bf16", Dtype::Bf16)] {
            assert_eq!(text.parse::<Dtype>().unwrap(), dtype);
            assert_eq!(dtype.to_string(), text);
        }
        assert_eq!("bfloat16".parse::<Dtype>().unwrap(), Dtype::Bf16);
        let error = "fp8".parse::<Dtype>().unwrap_err().to_string();
        assert!(error.contains("use f32 or bf16"), "{error}");
    }
}
