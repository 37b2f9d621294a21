//! Multiple-choice scoring shared by Belebele and SIB-200: one loglikelihood request per choice,
//! the prediction is the choice with the highest log-probability (the first on ties).
//!
//! - `acc`: the prediction is the gold choice.
//! - `acc_norm`: the same with each log-probability divided by the length in characters of its
//!   choice text (without the leading delimiter), as lm-evaluation-harness divides it.

use std::collections::BTreeMap;

use harness::request::{LoglikelihoodRequest, Request, Response};
use harness::task::{Doc, Sample, TaskError, TaskOutput};

use crate::ci::{BootstrapSettings, mean};
use crate::fewshot::TARGET_DELIMITER;
use crate::responses::{bad_response, check_shape, loglikelihood};

/// A multiple-choice question with its full context (few-shot examples included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChoiceQuestion {
    /// The document id.
    pub id: String,
    /// The context every choice is scored after.
    pub context: String,
    /// The choice texts, without the delimiter.
    pub choices: Vec<String>,
    /// Index of the correct choice.
    pub gold: usize,
}

impl ChoiceQuestion {
    /// The document: target = the gold choice, one request per choice, continuation
    /// `" " + choice`.
    pub fn into_doc(self) -> Doc {
        let requests = self
            .choices
            .iter()
            .map(|choice| {
                Request::Loglikelihood(LoglikelihoodRequest {
                    context: self.context.clone(),
                    continuation: format!("{TARGET_DELIMITER}{choice}"),
                })
            })
            .collect();
        Doc {
            id: self.id,
            prompt: self.context,
            target: self.choices[self.gold].clone(),
            requests,
        }
    }
}

/// The choice texts of a document built by [`ChoiceQuestion::into_doc`].
fn choices_of(task: &str, doc: &Doc) -> Result<Vec<String>, TaskError> {
    doc.requests
        .iter()
        .enumerate()
        .map(|(index, request)| match request {
            Request::Loglikelihood(r) => r
                .continuation
                .strip_prefix(TARGET_DELIMITER)
                .map(str::to_string)
                .ok_or_else(|| {
                    bad_response(
                        task,
                        doc,
                        format!(
                            "request {index}: continuation {:?} does not start with {TARGET_DELIMITER:?}; \
                             the document was not built by this task",
                            r.continuation
                        ),
                    )
                }),
            _ => Err(bad_response(
                task,
                doc,
                format!("request {index} is not a loglikelihood request; the document was not built by this task"),
            )),
        })
        .collect()
}

/// Index of the largest value, the first on ties (like `numpy.argmax`).
pub(crate) fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (index, &value) in values.iter().enumerate() {
        if value > values[best] {
            best = index;
        }
    }
    best
}

/// Scores multiple-choice documents: per-sample `acc` and `acc_norm`, and their means with
/// bootstrap confidence intervals.
pub(crate) fn evaluate_choices(
    task: &str,
    docs: &[Doc],
    responses: &[Vec<Response>],
    bootstrap: &BootstrapSettings,
) -> Result<TaskOutput, TaskError> {
    check_shape(task, docs, responses)?;
    let mut samples = Vec::with_capacity(docs.len());
    let mut acc = Vec::with_capacity(docs.len());
    let mut acc_norm = Vec::with_capacity(docs.len());
    for (doc, answers) in docs.iter().zip(responses) {
        let choices = choices_of(task, doc)?;
        if choices.is_empty() {
            return Err(bad_response(task, doc, "no choices to score".to_string()));
        }
        let gold = choices
            .iter()
            .position(|c| *c == doc.target)
            .ok_or_else(|| {
                bad_response(
                    task,
                    doc,
                    format!("target {:?} is none of the choices {choices:?}", doc.target),
                )
            })?;
        let logprobs = answers
            .iter()
            .enumerate()
            .map(|(index, response)| loglikelihood(task, doc, index, response).map(|r| r.logprob))
            .collect::<Result<Vec<f64>, TaskError>>()?;
        let normalized: Vec<f64> = logprobs
            .iter()
            .zip(&choices)
            .map(|(logprob, choice)| logprob / choice.chars().count().max(1) as f64)
            .collect();
        let predicted = argmax(&logprobs);
        let predicted_norm = argmax(&normalized);
        let correct = f64::from(u8::from(predicted == gold));
        let correct_norm = f64::from(u8::from(predicted_norm == gold));
        acc.push(correct);
        acc_norm.push(correct_norm);
        samples.push(Sample::of(
            doc,
            choices[predicted].clone(),
            BTreeMap::from([
                ("acc".to_string(), correct),
                ("acc_norm".to_string(), correct_norm),
            ]),
        ));
    }
    let metrics = vec![
        mean("acc", &acc, bootstrap).named("acc"),
        mean("acc_norm", &acc_norm, bootstrap).named("acc_norm"),
    ];
    Ok(TaskOutput { samples, metrics })
}
