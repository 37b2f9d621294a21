//! The harness's integration tests: data sources and the evaluator, against real data and temporary roots.
//! One binary for all of them, so the crate's tests link once.

mod common;
mod data_fetch;
mod data_loaders;
mod data_registry;
mod data_verify;
mod evaluator_cache;
mod evaluator_collate;
mod evaluator_merge;
mod evaluator_plan;
mod evaluator_resume;
mod evaluator_run;
mod evaluator_support;
mod languages;
