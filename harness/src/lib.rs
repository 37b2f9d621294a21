//! The core of babelbench: what a model is asked ([`request`]), the contract every model backend
//! fulfils ([`model::LanguageModel`]), what a task is ([`task::Task`]), and the dataset registry
//! and loaders ([`data`]). Nothing here depends on a tensor library.

pub mod data;
pub mod evaluator;
pub mod guard;
pub mod languages;
pub mod metric;
pub mod model;
pub mod model_cache;
pub mod request;
pub mod results;
pub mod task;
