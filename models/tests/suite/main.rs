//! The models crate's integration tests: checkpoints, GGUF, the runner and forward passes against HF references.
//! One binary for all of them, so the crate's tests link once.

mod bad_checkpoints;
mod gemma3_270m;
mod gguf;
mod gguf_support;
mod half_checkpoints;
mod runner;
mod runner_loader;
mod runner_support;
mod tiny_models;
