//! The burn runtime of babelbench: transformer architectures, weight loading from safetensors
//! and GGUF, and a batched runner that implements [`harness::model::LanguageModel`].

pub mod arch;
pub mod chat_template;
mod cpu;
pub mod device;
pub mod dtype;
pub mod error;
pub mod gguf;
mod layers;
pub mod loader;
pub mod quantized;
pub mod runner;
pub mod safetensors_source;
pub mod tokenizer;
pub mod weights;
