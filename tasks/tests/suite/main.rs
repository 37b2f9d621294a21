//! The tasks crate's integration tests: task definitions, prompts and metrics against reference fixtures.
//! One binary for all of them, so the crate's tests link once.

mod alignment;
mod belebele;
mod bpb;
mod chat_templates;
mod common;
mod flores;
mod lm_eval_requests;
mod mexa;
mod names;
mod native_prompts;
mod output_language;
mod registry;
mod sacrebleu_parity;
mod sib200;
mod tokenizer_premium;
mod yaml_errors;
