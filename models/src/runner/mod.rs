//! The batched runner: [`BurnModel`] implements [`harness::model::LanguageModel`] on the burn
//! architectures with lm-evaluation-harness's HF-model semantics.
//!
//! - loglikelihood: the context's trailing whitespace moves to the continuation, context and
//!   continuation are encoded together and split at the context's token count, the input is
//!   cut from the left to the context length, and the LM head runs only at the scored
//!   positions. Requests whose inputs coincide or are prefixes of one another share one
//!   forward pass.
//! - rolling loglikelihood: disjoint windows of the context length after a BOS (else EOS).
//! - generation: greedy, left-padded batches with a KV cache, cut at the first stop string.
//! - hidden states: every `output_hidden_states` entry pooled over real tokens.
//!
//! Requests are run in the order given (the evaluator collates them); a call is cut into
//! consecutive forward passes of at most [`RunnerOptions::max_batch_tokens`] padded tokens.

mod chunks;
mod encode;
mod engine;
mod errors;
mod generate;
mod hidden;
mod logprobs;
mod model;
mod score;
mod settings;
mod stop;

pub use model::BurnModel;
pub use settings::{DEFAULT_MAX_CONTEXT, ModelSettings, RunnerOptions};
