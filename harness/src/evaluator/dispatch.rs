//! One batch to the model: the typed call that answers a [`BatchGroup`].

use super::collate::BatchGroup;
use crate::model::{LanguageModel, ModelError};
use crate::request::{Request, Response, TokenizeResponse};

/// Asks `model` to answer `requests`, all of `group`. Requests of another group are left out,
/// so the caller's count check catches them.
pub(crate) fn answer(
    model: &dyn LanguageModel,
    group: BatchGroup,
    requests: &[&Request],
) -> Result<Vec<Response>, ModelError> {
    Ok(match group {
        BatchGroup::Loglikelihood => {
            let batch: Vec<_> = requests
                .iter()
                .filter_map(|r| match r {
                    Request::Loglikelihood(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            wrap(model.loglikelihood(&batch)?, Response::Loglikelihood)
        }
        BatchGroup::Rolling => {
            let batch: Vec<_> = requests
                .iter()
                .filter_map(|r| match r {
                    Request::Rolling(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            wrap(model.loglikelihood_rolling(&batch)?, Response::Rolling)
        }
        BatchGroup::Generate => {
            let batch: Vec<_> = requests
                .iter()
                .filter_map(|r| match r {
                    Request::Generate(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            wrap(model.generate(&batch)?, Response::Generate)
        }
        BatchGroup::HiddenStates => {
            let batch: Vec<_> = requests
                .iter()
                .filter_map(|r| match r {
                    Request::HiddenStates(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            wrap(model.hidden_states(&batch)?, Response::HiddenStates)
        }
        BatchGroup::Tokenize => requests
            .iter()
            .filter_map(|r| match r {
                Request::Tokenize(r) => Some(r),
                _ => None,
            })
            .map(|r| {
                model
                    .tokenize(&r.text)
                    .map(|token_ids| Response::Tokenize(TokenizeResponse { token_ids }))
            })
            .collect::<Result<_, _>>()?,
    })
}

/// Wraps typed answers into [`Response`]s.
fn wrap<T>(answers: Vec<T>, into: impl Fn(T) -> Response) -> Vec<Response> {
    answers.into_iter().map(into).collect()
}

/// Tokens an answer counts, for throughput: scored or generated tokens; `None` for hidden
/// states.
pub(crate) fn tokens_of(response: &Response) -> Option<usize> {
    match response {
        Response::Loglikelihood(r) => Some(r.num_tokens),
        Response::Rolling(r) => Some(r.num_tokens),
        Response::Generate(r) => Some(r.token_ids.len()),
        Response::Tokenize(r) => Some(r.token_ids.len()),
        Response::HiddenStates(_) => None,
    }
}
