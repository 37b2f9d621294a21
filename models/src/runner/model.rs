//! [`BurnModel`]: a burn architecture plus its tokenizer, answering the harness's requests
//! with lm-evaluation-harness's HF-model semantics.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::tensor::Device;
use harness::model::{LanguageModel, ModelError, ModelInfo};
use harness::request::{
    GenerateRequest, GenerateResponse, HiddenStates, HiddenStatesRequest, LoglikelihoodRequest,
    LoglikelihoodResponse, Pooling, RollingRequest, RollingResponse,
};

use crate::arch::CausalLm;
use crate::device::is_cpu;
use crate::dtype::Dtype;
use crate::runner::encode::{
    continuation_tokens, move_trailing_spaces, rolling_windows, scoring_input,
};
use crate::runner::engine::Engine;
use crate::runner::generate::{GenerationJob, generate};
use crate::runner::hidden::pooled_hidden_states;
use crate::runner::score::{ScoreItem, score};
use crate::runner::settings::{ModelSettings, RunnerOptions};
use crate::tokenizer::TextTokenizer;

/// A loaded model ready to answer [`LanguageModel`] requests.
pub struct BurnModel {
    lm: Box<dyn CausalLm>,
    tokenizer: TextTokenizer,
    settings: ModelSettings,
    options: RunnerOptions,
    device: Device,
    /// The precision of the matrix products.
    dtype: Dtype,
    files: Vec<PathBuf>,
    /// Real tokens run through the forward pass so far.
    forwarded: AtomicU64,
}

impl std::fmt::Debug for BurnModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BurnModel")
            .field("settings", &self.settings)
            .field("tokenizer", &self.tokenizer)
            .field("options", &self.options)
            .finish()
    }
}

impl BurnModel {
    /// Joins an architecture loaded on `device` for products in `dtype`, its tokenizer and
    /// settings; `files` are the files that define the model (for its fingerprint).
    pub fn new(
        lm: Box<dyn CausalLm>,
        tokenizer: TextTokenizer,
        settings: ModelSettings,
        device: Device,
        dtype: Dtype,
        files: Vec<PathBuf>,
    ) -> Self {
        Self {
            lm,
            tokenizer,
            settings,
            options: RunnerOptions::default(),
            device,
            dtype,
            files,
            forwarded: AtomicU64::new(0),
        }
    }

    /// The same model with other runner options.
    pub fn with_options(mut self, options: RunnerOptions) -> Self {
        self.options = options;
        self
    }

    /// The runner options in force.
    pub fn options(&self) -> RunnerOptions {
        self.options
    }

    /// What the model's config states.
    pub fn settings(&self) -> &ModelSettings {
        &self.settings
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// The weight, config and tokenizer files, to fingerprint the model by.
    pub fn fingerprint_files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Longest sequence the model is run on (the options' override, else the config's).
    pub fn max_context(&self) -> usize {
        self.options
            .max_context
            .unwrap_or(self.settings.max_context)
    }

    /// For each token sequence, the log-probability of every token after the first given the
    /// ones before it (`n - 1` values for `n` tokens).
    pub fn token_logprobs(&self, sequences: &[Vec<u32>]) -> Result<Vec<Vec<f64>>, ModelError> {
        let max = self.max_context();
        let items = sequences
            .iter()
            .map(|tokens| {
                if tokens.len() > max + 1 {
                    return Err(ModelError::InvalidRequest(format!(
                        "{} tokens, but the model reads at most {max} before the last; score \
                         a shorter text",
                        tokens.len()
                    )));
                }
                Ok(ScoreItem {
                    input: tokens[..tokens.len().saturating_sub(1)].to_vec(),
                    targets: tokens.get(1..).unwrap_or_default().to_vec(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let scores = score(&self.engine(), &items)?;
        Ok(scores
            .into_iter()
            .map(|row| row.into_iter().map(|s| s.logprob).collect())
            .collect())
    }

    /// The text of generated `ids`, special tokens left out.
    pub fn detokenize(&self, ids: &[u32]) -> Result<String, ModelError> {
        self.tokenizer
            .inner()
            .decode(ids, true)
            .map_err(|e| ModelError::Tokenizer(format!("cannot decode {} ids: {e}", ids.len())))
    }

    fn engine(&self) -> Engine<'_> {
        Engine {
            lm: self.lm.as_ref(),
            device: &self.device,
            budget: self.options.max_batch_tokens.max(1),
            forwarded: &self.forwarded,
        }
    }

    fn encode(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        self.tokenizer
            .encode(text)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))
    }

    /// Tokens of `text` without the BOS the tokenizer may prepend.
    fn encode_plain(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        let mut ids = self.encode(text)?;
        if self.tokenizer.bos_id().is_some() && !ids.is_empty() {
            ids.remove(0);
        }
        Ok(ids)
    }

    /// The token that stands before a text with no context: BOS, else the first EOS.
    fn prefix_token(&self) -> Result<u32, ModelError> {
        self.tokenizer
            .bos_id()
            .or_else(|| self.settings.eos_ids.first().copied())
            .ok_or_else(|| {
                ModelError::InvalidRequest(
                    "scoring without context needs a BOS or EOS token, and this model's \
                     tokenizer and config define neither; give the request a context"
                        .into(),
                )
            })
    }

    /// The scoring item and continuation byte count of a loglikelihood request.
    fn loglikelihood_item(
        &self,
        request: &LoglikelihoodRequest,
    ) -> Result<(ScoreItem, usize), ModelError> {
        let (context, continuation, text) = if request.context.is_empty() {
            let continuation = self.encode_plain(&request.continuation)?;
            (
                vec![self.prefix_token()?],
                continuation,
                request.continuation.clone(),
            )
        } else {
            let (context, continuation) =
                move_trailing_spaces(&request.context, &request.continuation);
            let whole = self.encode(&format!("{context}{continuation}"))?;
            let context_ids = self.encode(&context)?;
            let continuation_ids = continuation_tokens(&whole, context_ids.len());
            (context_ids, continuation_ids, continuation)
        };
        let max = self.max_context();
        if continuation.is_empty() {
            return Err(ModelError::InvalidRequest(format!(
                "continuation {:?} adds no tokens to context {:?}; every continuation must \
                 encode to at least one token",
                preview(&request.continuation),
                preview(&request.context)
            )));
        }
        if continuation.len() > max {
            return Err(ModelError::InvalidRequest(format!(
                "continuation {:?} has {} tokens, more than the model's context of {max}",
                preview(&request.continuation),
                continuation.len()
            )));
        }
        let item = ScoreItem {
            input: scoring_input(&context, &continuation, max),
            targets: continuation,
        };
        Ok((item, text.len()))
    }
}

/// The start of `text` for error messages.
fn preview(text: &str) -> String {
    const LEN: usize = 60;
    let mut out: String = text.chars().take(LEN).collect();
    if text.chars().nth(LEN).is_some() {
        out.push('…');
    }
    out
}

/// The backend's short name (`flex`, `cuda`, …) from the device's debug form
/// (`Device<Flex(FlexDevice)>`); `flex+panels` for the CPU backend, whose projections go
/// through babelbench's host kernels (the panel GEMM), which round otherwise than burn's GEMM
/// and than the OpenBLAS path of earlier versions, so runs and caches keep them apart.
fn backend_name(device: &Device) -> String {
    let debug = format!("{device:?}");
    let inner = debug.strip_prefix("Device<").unwrap_or(&debug);
    let name = inner
        .split(['(', ' ', '{', '>'])
        .next()
        .unwrap_or(inner)
        .to_lowercase();
    if is_cpu(device) {
        format!("{name}+panels")
    } else {
        name
    }
}

impl LanguageModel for BurnModel {
    fn info(&self) -> ModelInfo {
        let shape = self.lm.shape();
        ModelInfo {
            architecture: self.settings.model_type.clone(),
            num_layers: shape.num_layers,
            hidden_size: shape.hidden_size,
            vocab_size: shape.vocab_size,
            max_context: self.max_context(),
            backend: backend_name(&self.device),
            dtype: self.dtype.to_string(),
        }
    }

    fn tokenize(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        self.encode(text)
    }

    fn loglikelihood(
        &self,
        requests: &[LoglikelihoodRequest],
    ) -> Result<Vec<LoglikelihoodResponse>, ModelError> {
        let (items, bytes): (Vec<ScoreItem>, Vec<usize>) = requests
            .iter()
            .map(|r| self.loglikelihood_item(r))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .unzip();
        let scores = score(&self.engine(), &items)?;
        Ok(scores
            .into_iter()
            .zip(bytes)
            .map(|(tokens, num_bytes)| LoglikelihoodResponse {
                logprob: tokens.iter().map(|t| t.logprob).sum(),
                is_greedy: tokens.iter().all(|t| t.greedy),
                num_tokens: tokens.len(),
                num_bytes,
            })
            .collect())
    }

    fn loglikelihood_rolling(
        &self,
        requests: &[RollingRequest],
    ) -> Result<Vec<RollingResponse>, ModelError> {
        let max = self.max_context();
        let mut items = Vec::new();
        let mut owners = Vec::new();
        let mut token_counts = Vec::with_capacity(requests.len());
        for (index, request) in requests.iter().enumerate() {
            let tokens = self.encode_plain(&request.text)?;
            token_counts.push(tokens.len());
            if tokens.is_empty() {
                continue;
            }
            for (context, continuation) in rolling_windows(&tokens, self.prefix_token()?, max) {
                items.push(ScoreItem {
                    input: scoring_input(&context, &continuation, max),
                    targets: continuation,
                });
                owners.push(index);
            }
        }
        let scores = score(&self.engine(), &items)?;
        let mut sums = vec![0f64; requests.len()];
        for (owner, window) in owners.into_iter().zip(scores) {
            sums[owner] += window.iter().map(|t| t.logprob).sum::<f64>();
        }
        Ok(requests
            .iter()
            .zip(sums)
            .zip(token_counts)
            .map(|((request, logprob), num_tokens)| RollingResponse {
                logprob,
                num_tokens,
                num_bytes: request.text.len(),
            })
            .collect())
    }

    fn generate(&self, requests: &[GenerateRequest]) -> Result<Vec<GenerateResponse>, ModelError> {
        let max = self.max_context();
        let jobs = requests
            .iter()
            .map(|request| {
                if request.max_new_tokens >= max {
                    return Err(ModelError::InvalidRequest(format!(
                        "max_new_tokens {} leaves no room for the prompt in the model's \
                         context of {max} tokens; ask for fewer tokens",
                        request.max_new_tokens
                    )));
                }
                let mut prompt = self.encode(&request.context)?;
                let keep = max - request.max_new_tokens;
                if prompt.len() > keep {
                    prompt.drain(..prompt.len() - keep);
                }
                Ok(GenerationJob {
                    prompt,
                    until: &request.until,
                    max_new_tokens: request.max_new_tokens,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        generate(&self.engine(), &jobs, &self.settings.eos_ids, &|ids| {
            self.detokenize(ids)
        })
    }

    fn hidden_states(
        &self,
        requests: &[HiddenStatesRequest],
    ) -> Result<Vec<HiddenStates>, ModelError> {
        // One sequence per distinct text, with every pooling asked of it.
        let mut texts: Vec<&str> = Vec::new();
        let mut poolings: Vec<Vec<Pooling>> = Vec::new();
        let mut slots = Vec::with_capacity(requests.len());
        for request in requests {
            let text = match texts.iter().position(|t| *t == request.text) {
                Some(text) => text,
                None => {
                    texts.push(&request.text);
                    poolings.push(Vec::new());
                    texts.len() - 1
                }
            };
            let kinds = &mut poolings[text];
            let kind = kinds
                .iter()
                .position(|p| *p == request.pooling)
                .unwrap_or_else(|| {
                    kinds.push(request.pooling);
                    kinds.len() - 1
                });
            slots.push((text, kind));
        }
        let max = self.max_context();
        let sequences = texts
            .iter()
            .map(|text| {
                let ids = self.encode(text)?;
                if ids.is_empty() || ids.len() > max {
                    return Err(ModelError::InvalidRequest(format!(
                        "text {:?} encodes to {} tokens; hidden states need 1 to {max}",
                        preview(text),
                        ids.len()
                    )));
                }
                Ok(ids)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let pooled = pooled_hidden_states(&self.engine(), &sequences, &poolings)?;
        Ok(slots
            .into_iter()
            .map(|(text, kind)| pooled[text][kind].clone())
            .collect())
    }

    fn forwarded_tokens(&self) -> Option<u64> {
        Some(self.forwarded.load(Ordering::Relaxed))
    }
}
