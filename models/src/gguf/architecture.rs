//! The GGUF architectures (`general.architecture`) babelbench can load.

use std::fmt;

use super::metadata::MetaValue;
use super::reader::GgufFile;
use crate::error::LoadError;

/// A model family as llama.cpp names it in `general.architecture`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GgufArchitecture {
    /// `llama` (also Mistral and SmolLM, which llama.cpp converts as `llama`).
    Llama,
    /// `qwen2`.
    Qwen2,
    /// `gemma3` (the text model).
    Gemma3,
    /// `qwen3`.
    Qwen3,
    /// `gemma2`.
    Gemma2,
    /// `phi3` (Q/K/V fused in `attn_qkv`, gate and up in `ffn_up`).
    Phi3,
}

impl GgufArchitecture {
    /// Every supported architecture.
    pub const ALL: [Self; 6] = [
        Self::Llama,
        Self::Qwen2,
        Self::Gemma3,
        Self::Qwen3,
        Self::Gemma2,
        Self::Phi3,
    ];

    /// The name in `general.architecture`, also the prefix of its metadata keys.
    pub fn name(self) -> &'static str {
        match self {
            Self::Llama => "llama",
            Self::Qwen2 => "qwen2",
            Self::Gemma3 => "gemma3",
            Self::Qwen3 => "qwen3",
            Self::Gemma2 => "gemma2",
            Self::Phi3 => "phi3",
        }
    }

    /// The architecture named by `file`'s `general.architecture`.
    pub fn of(file: &GgufFile) -> Result<Self, LoadError> {
        let field = "general.architecture";
        let error = |message: String| LoadError::InvalidConfig {
            path: file.path().to_path_buf(),
            field: field.to_string(),
            message,
        };
        let name = match file.metadata().get(field) {
            Some(MetaValue::String(name)) => name,
            Some(other) => return Err(error(format!("expected a string, found {other:?}"))),
            None => {
                return Err(error(
                    "missing from the GGUF metadata; the file was not written by llama.cpp's \
                     converter"
                        .into(),
                ));
            }
        };
        Self::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| {
                error(format!(
                    "GGUF architecture `{name}` is not supported; supported: llama, qwen2, qwen3, \
                     gemma2, gemma3, phi3 (or load the model from an HF folder)"
                ))
            })
    }
}

impl fmt::Display for GgufArchitecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
