//! MEXA cross-lingual alignment of one language with English (Kargaran et al., code
//! cisnlp/Mexa): the scoring of `output_type: alignment` (the built-in `mexa_*` tasks,
//! `tasks/builtin/mexa/`).
//!
//! Each sentence pair (the built-in tasks take the first 100 FLORES-200 devtest sentences, or
//! `--limit`) is encoded one by one (special tokens as the tokenizer adds them; sentences
//! stripped of surrounding whitespace, as MEXA does). Every entry of the hidden states, index 0
//! (the embeddings) included, is pooled in two ways: the position-weighted mean (weights 1..T,
//! MEXA's default) and the last token. Per entry and pooling the [`crate::alignment`] score is
//! computed; the model-level scores are its mean and maximum over entries.
//!
//! Metric names (`P` = `weighted_mean` or `last`):
//! - `mexa_P_mean`, `mexa_P_max`: mean and maximum over layers;
//! - `mexa_P_best_layer`: the first layer reaching the maximum;
//! - `layer_LL/P`: the score of hidden-state entry `LL` (zero-padded to the width of the
//!   largest index, at least 2 digits: `layer_00/last` is the embedding output).
//!
//! Per sample (one per sentence pair): `P_aligned_fraction`, the fraction of layers in which the
//! pair is aligned. English requests are identical for every language, so the run engine
//! computes them once.

use std::collections::BTreeMap;

use harness::request::{HiddenStatesRequest, Pooling, Request, Response};
use harness::task::{Doc, MetricValue, Sample, TaskError, TaskOutput};

use crate::alignment::{SimilarityMatrix, summarize_layers};
use crate::responses::{bad_response, check_shape, hidden_states};

/// The poolings computed, in request order after the pivot/other split.
pub const MEXA_POOLINGS: [Pooling; 2] = [Pooling::WeightedMean, Pooling::Last];

/// The request for `text` pooled by `pooling`.
fn encode(text: &str, pooling: Pooling) -> Request {
    Request::HiddenStates(HiddenStatesRequest {
        text: text.to_string(),
        pooling,
    })
}

/// `layer_03/weighted_mean`: the metric name of one layer's score.
pub fn layer_metric_name(layer: usize, num_layers: usize, pooling: Pooling) -> String {
    let width = num_layers.saturating_sub(1).to_string().len().max(2);
    format!("layer_{layer:0width$}/{}", pooling.name())
}

/// The request index of a (side, pooling) pair: pivot then other, per pooling.
fn request_index(pooling_index: usize, pivot: bool) -> usize {
    2 * pooling_index + usize::from(!pivot)
}

/// The document of one sentence pair: `text` and its English `pivot`, stripped of surrounding
/// whitespace as MEXA does, each encoded under every pooling (pivot first).
pub(crate) fn alignment_doc(id: String, text: &str, pivot: &str) -> Doc {
    let (text, pivot) = (text.trim(), pivot.trim());
    let requests = MEXA_POOLINGS
        .iter()
        .flat_map(|&pooling| [encode(pivot, pooling), encode(text, pooling)])
        .collect();
    Doc {
        id,
        prompt: text.to_string(),
        target: pivot.to_string(),
        requests,
    }
}

/// The alignment scores of task `task` from documents built by [`alignment_doc`].
pub(crate) fn score_alignment(
    task: &str,
    docs: &[Doc],
    responses: &[Vec<Response>],
) -> Result<TaskOutput, TaskError> {
    check_shape(task, docs, responses)?;
    let num_layers = layer_count(task, docs, responses)?;
    let mut metrics = Vec::new();
    let mut layer_metrics = Vec::new();
    // aligned_counts[p][i]: in how many layers pair i is aligned under pooling p.
    let mut aligned_counts = vec![vec![0usize; docs.len()]; MEXA_POOLINGS.len()];
    for (p, &pooling) in MEXA_POOLINGS.iter().enumerate() {
        let mut scores = Vec::with_capacity(num_layers);
        for layer in 0..num_layers {
            let side = |pivot: bool| -> Result<Vec<&[f32]>, TaskError> {
                docs.iter()
                    .zip(responses)
                    .map(|(doc, answers)| {
                        let index = request_index(p, pivot);
                        let states = hidden_states(task, doc, index, &answers[index])?;
                        Ok(states.layers[layer].as_slice())
                    })
                    .collect()
            };
            let matrix =
                SimilarityMatrix::from_embeddings(&side(true)?, &side(false)?).map_err(|e| {
                    TaskError::BadResponse {
                        task: task.to_string(),
                        doc_id: format!("(all, layer {layer}, {})", pooling.name()),
                        message: e.to_string(),
                    }
                })?;
            for (count, aligned) in aligned_counts[p].iter_mut().zip(matrix.aligned()) {
                *count += usize::from(aligned);
            }
            let score = matrix.score();
            scores.push(score);
            layer_metrics.push(plain_metric(
                layer_metric_name(layer, num_layers, pooling),
                score,
            ));
        }
        let summary = summarize_layers(&scores).ok_or_else(|| TaskError::BadResponse {
            task: task.to_string(),
            doc_id: docs[0].id.clone(),
            message: "no hidden-state layers in the responses".to_string(),
        })?;
        let name = pooling.name();
        metrics.push(plain_metric(format!("mexa_{name}_mean"), summary.mean));
        metrics.push(plain_metric(format!("mexa_{name}_max"), summary.max));
        metrics.push(plain_metric(
            format!("mexa_{name}_best_layer"),
            summary.best_layer as f64,
        ));
    }
    metrics.extend(layer_metrics);
    let samples = docs
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let scores = MEXA_POOLINGS
                .iter()
                .enumerate()
                .map(|(p, pooling)| {
                    (
                        format!("{}_aligned_fraction", pooling.name()),
                        aligned_counts[p][i] as f64 / num_layers as f64,
                    )
                })
                .collect::<BTreeMap<_, _>>();
            Sample::of(doc, String::new(), scores)
        })
        .collect();
    Ok(TaskOutput { samples, metrics })
}

/// The number of hidden-state entries, which every response must share.
fn layer_count(task: &str, docs: &[Doc], responses: &[Vec<Response>]) -> Result<usize, TaskError> {
    let mut expected: Option<usize> = None;
    for (doc, answers) in docs.iter().zip(responses) {
        if answers.len() != 2 * MEXA_POOLINGS.len() {
            return Err(bad_response(
                task,
                doc,
                format!(
                    "{} responses, expected {}; the document was not built by this task",
                    answers.len(),
                    2 * MEXA_POOLINGS.len()
                ),
            ));
        }
        for (index, answer) in answers.iter().enumerate() {
            let layers = hidden_states(task, doc, index, answer)?.layers.len();
            match expected {
                None if layers == 0 => {
                    return Err(bad_response(
                        task,
                        doc,
                        format!("response {index} holds no hidden-state layers"),
                    ));
                }
                None => expected = Some(layers),
                Some(n) if n != layers => {
                    return Err(bad_response(
                        task,
                        doc,
                        format!(
                            "response {index} holds {layers} hidden-state layers, but earlier \
                                 responses hold {n}; all must come from the same model"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(expected.unwrap_or(0))
}

/// A metric without interval or signature.
fn plain_metric(name: String, value: f64) -> MetricValue {
    MetricValue {
        name,
        value,
        ci: None,
        signature: None,
    }
}
