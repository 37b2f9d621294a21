//! Tokenizer premium, the scoring of `output_type: tokenizer_premium` (the built-in
//! `tokenizer_premium_*` tasks, `tasks/builtin/tokenizer_premium/`): how many tokens a language
//! needs for a set of sentences relative to the same sentences in English, `Σ tokens(lang) / Σ tokens(eng_Latn)` over the
//! evaluated lines (the interval resamples lines). No forward pass.
//!
//! Token counts come through the run engine like every other answer: each document asks for
//! [`Request::Tokenize`] of the sentence, of its English translation, and of the empty text.
//! The empty text's count is the special tokens the tokenizer adds to every text (e.g. BOS); it
//! is subtracted from both counts, so that only the sentence's own tokens are compared.

use std::collections::BTreeMap;

use harness::request::{Request, Response, TokenizeRequest};
use harness::task::{Doc, MetricValue, Sample, TaskError, TaskOutput};

use crate::ci::{BootstrapSettings, ratio};
use crate::responses::{bad_response, check_shape, tokens};

/// A tokenize request for `text`.
fn tokenize(text: &str) -> Request {
    Request::Tokenize(TokenizeRequest {
        text: text.to_string(),
    })
}

/// A total without interval or signature.
fn total(name: &str, counts: &[f64]) -> MetricValue {
    MetricValue {
        name: name.to_string(),
        value: counts.iter().sum(),
        ci: None,
        signature: None,
    }
}

/// The document of one sentence pair: the token counts of `text`, of its English `pivot`, and
/// of the empty text.
pub(crate) fn premium_doc(id: String, text: String, pivot: String) -> Doc {
    Doc {
        id,
        requests: vec![tokenize(&text), tokenize(&pivot), tokenize("")],
        prompt: text,
        target: pivot,
    }
}

/// The premium of task `task` from documents built by [`premium_doc`].
pub(crate) fn score_premium(
    task: &str,
    docs: &[Doc],
    responses: &[Vec<Response>],
    settings: &BootstrapSettings,
) -> Result<TaskOutput, TaskError> {
    check_shape(task, docs, responses)?;
    let mut samples = Vec::with_capacity(docs.len());
    let mut lang_tokens = Vec::with_capacity(docs.len());
    let mut english_tokens = Vec::with_capacity(docs.len());
    for (doc, answers) in docs.iter().zip(responses) {
        let count = |index: usize| -> Result<usize, TaskError> {
            Ok(tokens(task, doc, index, &answers[index])?.token_ids.len())
        };
        let special = count(2)?;
        let own = |index: usize| -> Result<usize, TaskError> {
            let total = count(index)?;
            total
                .checked_sub(special)
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    bad_response(
                        task,
                        doc,
                        format!(
                            "response {index}: {total} tokens, but the empty text alone has \
                             {special}; a sentence must add at least one token"
                        ),
                    )
                })
        };
        let (lang, english) = (own(0)? as f64, own(1)? as f64);
        lang_tokens.push(lang);
        english_tokens.push(english);
        samples.push(Sample::of(
            doc,
            String::new(),
            BTreeMap::from([
                ("premium".to_string(), lang / english),
                ("tokens".to_string(), lang),
                ("english_tokens".to_string(), english),
            ]),
        ));
    }
    let premium = ratio("premium", &lang_tokens, &english_tokens, 1.0, settings);
    Ok(TaskOutput {
        samples,
        metrics: vec![
            premium.named("premium"),
            total("tokens", &lang_tokens),
            total("english_tokens", &english_tokens),
        ],
    })
}
