//! GGUF checkpoints (llama.cpp's format): parsing, dequantization to f32, HF tensor names and
//! an HF-style config synthesized from the metadata, so that the architectures load a GGUF
//! exactly as they load an HF folder.
//!
//! ```no_run
//! use models::weights::WeightSource;
//!
//! let checkpoint = models::gguf::open(std::path::Path::new("gemma-3-270m-q4_k_m.gguf"))?;
//! assert_eq!(checkpoint.config["model_type"], "gemma3_text");
//! let embeddings = checkpoint.weights.tensor("model.embed_tokens.weight")?;
//! # Ok::<(), models::error::LoadError>(())
//! ```

mod architecture;
mod config;
mod conventions;
mod cursor;
pub mod dequant;
mod ggml_type;
mod metadata;
pub mod names;
mod reader;
mod source;
pub mod writer;

pub use architecture::GgufArchitecture;
pub use config::synthesize as synthesize_config;
pub use ggml_type::{GgmlType, supported_list};
pub use metadata::{MetaArray, MetaValue, Metadata};
pub use reader::{GgufFile, TensorInfo};
pub use source::{GgufCheckpoint, GgufSource, open};
