//! babelbench's evaluation tasks: task files (lm-evaluation-harness's YAML schema, with the
//! built-in Belebele, FLORES-200, SIB-200, MEXA, bits-per-byte and tokenizer-premium families
//! under `tasks/builtin/`), their metrics, and the registry that builds task
//! lists from names, groups and language globs; the language and script identification of
//! generated outputs ([`langid`]).

pub mod alignment;
pub mod chat;
mod ci;
pub mod config;
pub mod langid;
pub mod metrics;
pub mod mexa;
pub mod names;
pub mod prompt_words;
pub mod registry;
mod responses;
pub mod tokenizer_premium;
pub mod yaml;
