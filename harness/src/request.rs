//! Requests a task sends to a model and the responses it gets back.
//!
//! The four kinds follow lm-evaluation-harness's model contract (loglikelihood, rolling
//! loglikelihood, generation) plus hidden states for representation-alignment tasks.

use serde::{Deserialize, Serialize};

/// Score `continuation` given `context`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LoglikelihoodRequest {
    /// Text the model conditions on.
    pub context: String,
    /// Text whose log-probability is returned.
    pub continuation: String,
}

/// Result of a [`LoglikelihoodRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoglikelihoodResponse {
    /// Sum of the natural-log probabilities of the continuation's tokens.
    pub logprob: f64,
    /// Whether greedy decoding from the context would produce exactly the continuation's tokens.
    pub is_greedy: bool,
    /// Number of continuation tokens scored.
    pub num_tokens: usize,
    /// UTF-8 length of the continuation in bytes (after moving trailing context spaces into it).
    pub num_bytes: usize,
}

/// Score a whole text, in disjoint windows of the model's context length.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RollingRequest {
    /// The text to score.
    pub text: String,
}

/// Result of a [`RollingRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingResponse {
    /// Sum of the natural-log probabilities of every token of the text.
    pub logprob: f64,
    /// Number of tokens scored.
    pub num_tokens: usize,
    /// UTF-8 length of the text in bytes.
    pub num_bytes: usize,
}

/// Greedy generation from `context`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GenerateRequest {
    /// The prompt.
    pub context: String,
    /// Stop strings: generation ends at the first one, which is cut off the result.
    pub until: Vec<String>,
    /// Upper bound on generated tokens.
    pub max_new_tokens: usize,
}

/// Result of a [`GenerateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateResponse {
    /// Generated text, cut at the first stop string.
    pub text: String,
    /// Generated token ids (up to and including the token that completed a stop string).
    pub token_ids: Vec<u32>,
}

/// How the token vectors of one layer are reduced to a single vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// Plain mean over the real (non-padding) tokens.
    Mean,
    /// Mean weighted by position, weights 1..=T (MEXA's default).
    WeightedMean,
    /// The last real token.
    Last,
}

impl Pooling {
    /// The name used on the command line and in result files.
    pub fn name(self) -> &'static str {
        match self {
            Pooling::Mean => "mean",
            Pooling::WeightedMean => "weighted_mean",
            Pooling::Last => "last",
        }
    }
}

/// Pooled hidden states of one text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HiddenStatesRequest {
    /// The text, encoded on its own (special tokens as the tokenizer adds them).
    pub text: String,
    /// How tokens are pooled.
    pub pooling: Pooling,
}

/// One pooled vector per entry of HF's `output_hidden_states`: index 0 is the embedding output,
/// index i the output of block i, the last entry after the final norm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HiddenStates {
    /// `layers[l]` is the pooled vector of hidden-state entry `l`.
    pub layers: Vec<Vec<f32>>,
}

/// The token ids of a text, as [`crate::model::LanguageModel::tokenize`] returns them (special
/// tokens as the tokenizer adds them). No forward pass.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenizeRequest {
    /// The text.
    pub text: String,
}

/// Result of a [`TokenizeRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizeResponse {
    /// The token ids.
    pub token_ids: Vec<u32>,
}

/// Any request a task can send.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// See [`LoglikelihoodRequest`].
    Loglikelihood(LoglikelihoodRequest),
    /// See [`RollingRequest`].
    Rolling(RollingRequest),
    /// See [`GenerateRequest`].
    Generate(GenerateRequest),
    /// See [`HiddenStatesRequest`].
    HiddenStates(HiddenStatesRequest),
    /// See [`TokenizeRequest`].
    Tokenize(TokenizeRequest),
}

/// The response to a [`Request`], of the matching kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    /// See [`LoglikelihoodResponse`].
    Loglikelihood(LoglikelihoodResponse),
    /// See [`RollingResponse`].
    Rolling(RollingResponse),
    /// See [`GenerateResponse`].
    Generate(GenerateResponse),
    /// See [`HiddenStates`].
    HiddenStates(HiddenStates),
    /// See [`TokenizeResponse`].
    Tokenize(TokenizeResponse),
}
