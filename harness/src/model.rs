//! The contract between the evaluator and a model backend.

use crate::request::{
    GenerateRequest, GenerateResponse, HiddenStates, HiddenStatesRequest, LoglikelihoodRequest,
    LoglikelihoodResponse, RollingRequest, RollingResponse,
};

/// Why a model could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The tokenizer failed on an input.
    #[error("tokenizer error: {0}")]
    Tokenizer(String),
    /// A request cannot be served (for example a context longer than the model allows).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The backend failed while computing.
    #[error("backend error: {0}")]
    Backend(String),
}

/// What a loaded model is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelInfo {
    /// Architecture name, e.g. `gemma3`.
    pub architecture: String,
    /// Number of transformer blocks.
    pub num_layers: usize,
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Rows of the embedding matrix.
    pub vocab_size: usize,
    /// Longest sequence the model accepts.
    pub max_context: usize,
    /// Backend name, e.g. `flex+panels` (the CPU backend with babelbench's host kernels).
    pub backend: String,
    /// Compute dtype, e.g. `f32`.
    pub dtype: String,
}

/// A causal language model. Every method takes a batch and answers in request order; answers
/// never depend on how requests are batched.
pub trait LanguageModel: Send + Sync {
    /// What the model is.
    fn info(&self) -> ModelInfo;

    /// Token ids of `text`, with special tokens as the tokenizer's configuration adds them.
    fn tokenize(&self, text: &str) -> Result<Vec<u32>, ModelError>;

    /// Log-probability of each continuation given its context.
    fn loglikelihood(
        &self,
        requests: &[LoglikelihoodRequest],
    ) -> Result<Vec<LoglikelihoodResponse>, ModelError>;

    /// Log-probability of each whole text, in disjoint windows of the context length.
    fn loglikelihood_rolling(
        &self,
        requests: &[RollingRequest],
    ) -> Result<Vec<RollingResponse>, ModelError>;

    /// Greedy generation.
    fn generate(&self, requests: &[GenerateRequest]) -> Result<Vec<GenerateResponse>, ModelError>;

    /// Pooled hidden states of each request, one vector per hidden-state entry. One forward
    /// pass of a text serves every request of the call for it, whatever their poolings.
    fn hidden_states(
        &self,
        requests: &[HiddenStatesRequest],
    ) -> Result<Vec<HiddenStates>, ModelError>;

    /// Real (non-padding) tokens this model has run through its forward pass so far, if it
    /// counts them: the run engine reports throughput from the difference over each batch.
    fn forwarded_tokens(&self) -> Option<u64> {
        None
    }
}
