//! Checking that responses fit the documents, and taking them apart by kind.

use harness::request::{
    GenerateResponse, HiddenStates, LoglikelihoodResponse, Response, RollingResponse,
    TokenizeResponse,
};
use harness::task::{Doc, TaskError};

/// Fails unless there is one response list per document, each as long as its request list.
pub(crate) fn check_shape(
    task: &str,
    docs: &[Doc],
    responses: &[Vec<Response>],
) -> Result<(), TaskError> {
    if docs.is_empty() {
        return Err(TaskError::Config {
            task: task.to_string(),
            message: "no documents to score; use a limit of at least 1".to_string(),
        });
    }
    if docs.len() != responses.len() {
        return Err(TaskError::Config {
            task: task.to_string(),
            message: format!(
                "{} documents but {} response lists; pass the responses of every document, in \
                 document order",
                docs.len(),
                responses.len()
            ),
        });
    }
    for (doc, answers) in docs.iter().zip(responses) {
        if doc.requests.len() != answers.len() {
            return Err(bad_response(
                task,
                doc,
                format!(
                    "{} requests but {} responses; answer every request, in order",
                    doc.requests.len(),
                    answers.len()
                ),
            ));
        }
    }
    Ok(())
}

/// A [`TaskError::BadResponse`] about `doc`.
pub(crate) fn bad_response(task: &str, doc: &Doc, message: String) -> TaskError {
    TaskError::BadResponse {
        task: task.to_string(),
        doc_id: doc.id.clone(),
        message,
    }
}

/// The error for a response of the wrong kind.
fn wrong_kind(task: &str, doc: &Doc, index: usize, expected: &str, found: &Response) -> TaskError {
    let found = match found {
        Response::Loglikelihood(_) => "loglikelihood",
        Response::Rolling(_) => "rolling",
        Response::Generate(_) => "generate",
        Response::HiddenStates(_) => "hidden_states",
        Response::Tokenize(_) => "tokenize",
    };
    bad_response(
        task,
        doc,
        format!("response {index} is a {found} response, but the request was {expected}"),
    )
}

/// Response `index` of `doc` as a loglikelihood response.
pub(crate) fn loglikelihood<'a>(
    task: &str,
    doc: &Doc,
    index: usize,
    response: &'a Response,
) -> Result<&'a LoglikelihoodResponse, TaskError> {
    match response {
        Response::Loglikelihood(r) if r.logprob.is_nan() => Err(bad_response(
            task,
            doc,
            format!("response {index}: log-probability is NaN"),
        )),
        Response::Loglikelihood(r) => Ok(r),
        other => Err(wrong_kind(task, doc, index, "loglikelihood", other)),
    }
}

/// Response `index` of `doc` as a rolling-loglikelihood response.
pub(crate) fn rolling<'a>(
    task: &str,
    doc: &Doc,
    index: usize,
    response: &'a Response,
) -> Result<&'a RollingResponse, TaskError> {
    match response {
        Response::Rolling(r) if !r.logprob.is_finite() || r.logprob > 0.0 => Err(bad_response(
            task,
            doc,
            format!(
                "response {index}: log-probability {} is not a finite value <= 0",
                r.logprob
            ),
        )),
        Response::Rolling(r) => Ok(r),
        other => Err(wrong_kind(task, doc, index, "rolling", other)),
    }
}

/// Response `index` of `doc` as a generation.
pub(crate) fn generation<'a>(
    task: &str,
    doc: &Doc,
    index: usize,
    response: &'a Response,
) -> Result<&'a GenerateResponse, TaskError> {
    match response {
        Response::Generate(r) => Ok(r),
        other => Err(wrong_kind(task, doc, index, "generate", other)),
    }
}

/// Response `index` of `doc` as pooled hidden states.
pub(crate) fn hidden_states<'a>(
    task: &str,
    doc: &Doc,
    index: usize,
    response: &'a Response,
) -> Result<&'a HiddenStates, TaskError> {
    match response {
        Response::HiddenStates(r) => Ok(r),
        other => Err(wrong_kind(task, doc, index, "hidden_states", other)),
    }
}

/// Response `index` of `doc` as token ids.
pub(crate) fn tokens<'a>(
    task: &str,
    doc: &Doc,
    index: usize,
    response: &'a Response,
) -> Result<&'a TokenizeResponse, TaskError> {
    match response {
        Response::Tokenize(r) => Ok(r),
        other => Err(wrong_kind(task, doc, index, "tokenize", other)),
    }
}
