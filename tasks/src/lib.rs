//! babelbench's evaluation tasks: Belebele, FLORES-200 translation, SIB-200, MEXA alignment,
//! bits per byte and tokenizer premium, the language table, and the registry that builds task
//! lists from names, groups and language globs.

mod accuracy;
pub mod alignment;
pub mod belebele;
pub mod bpb;
mod ci;
pub mod config;
pub mod fewshot;
pub mod flores;
pub mod languages;
pub mod metrics;
pub mod mexa;
pub mod names;
pub mod registry;
mod responses;
pub mod sib200;
pub mod template;
pub mod tokenizer_premium;
pub mod yaml;
