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
//!
//! # Language Ranker
//!
//! The same responses give the Language Ranker similarity (Li et al., "Language Ranker: A
//! Metric for Quantifying LLM Performance Across High and Low-Resource Languages", AAAI 2025,
//! arXiv 2404.11553) at no extra model cost: per entry, the mean over sentence pairs of the
//! cosine similarity between the sentence and its English translation
//! ([`SimilarityMatrix::parallel_similarity`]).
//!
//! - Pooling: the last token only ([`RANKER_POOLING`]). The paper takes, for each sentence, the
//!   hidden state of its final token, because in a causal model that is the one position that
//!   has attended to the whole sentence; it does not use a mean over tokens. The `last`
//!   responses MEXA already requests are that vector, so nothing is asked of the model twice.
//! - Layers: every hidden-state entry gets its `ranker_layer_LL/last`, the embedding output
//!   (index 0) included, so the curve shares MEXA's x axis. The summaries (`ranker_last_mean`,
//!   `_max`, `_best_layer`) cover the transformer blocks' outputs only, entries 1 to L (all
//!   entries when there is just one): entry 0 of the last token is the embedding of the final
//!   token alone, before any context, so it measures whether two sentences end in the same token
//!   (the tiny test model gives exactly 1 for sentences that both end in "."), not how the model
//!   represents them. The paper compares the representations layer by layer across the model's
//!   layers; which layers its single per-language number summarizes could not be read from the
//!   sources available here (summaries of the paper, not its tables), so babelbench reports
//!   every layer and, like MEXA, the mean and the maximum over the blocks; `ranker_last_mean` is
//!   the headline.
//! - Sentences: MEXA's (the first 100 FLORES-200 devtest pairs, or `--limit`), not the paper's
//!   OPUS-100 samples.
//!
//! Metric names, beside MEXA's: `ranker_last_mean`, `ranker_last_max`,
//! `ranker_last_best_layer`, and `ranker_layer_LL/last` (padded like `layer_LL/P`). Values are
//! cosines in `[-1, 1]`, not fractions. Per sample: `last_parallel_cosine`, the pair's cosine
//! averaged over the same entries as `ranker_last_mean` (its mean over samples).

use std::collections::BTreeMap;

use harness::request::{HiddenStatesRequest, Pooling, Request, Response};
use harness::task::{Doc, MetricValue, Sample, TaskError, TaskOutput};

use crate::alignment::{SimilarityMatrix, summarize_layers};
use crate::responses::{bad_response, check_shape, hidden_states};

/// The poolings computed, in request order after the pivot/other split.
pub const MEXA_POOLINGS: [Pooling; 2] = [Pooling::WeightedMean, Pooling::Last];

/// The pooling of the Language Ranker similarity: the last token, as Li et al. use it.
pub const RANKER_POOLING: Pooling = Pooling::Last;

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

/// `ranker_layer_03/last`: the metric name of one layer's Language Ranker similarity, padded
/// like [`layer_metric_name`].
pub fn ranker_layer_metric_name(layer: usize, num_layers: usize) -> String {
    format!(
        "ranker_{}",
        layer_metric_name(layer, num_layers, RANKER_POOLING)
    )
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
    // Language Ranker: per layer the mean parallel cosine, per pair the sum over layers.
    let mut ranker_scores = Vec::with_capacity(num_layers);
    let mut ranker_metrics = Vec::with_capacity(num_layers);
    let mut cosine_sums = vec![0.0f64; docs.len()];
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
            if pooling == RANKER_POOLING {
                if layer > 0 || num_layers == 1 {
                    for (sum, cosine) in cosine_sums.iter_mut().zip(matrix.diagonal()) {
                        *sum += cosine;
                    }
                }
                let similarity = matrix.parallel_similarity();
                ranker_scores.push(similarity);
                ranker_metrics.push(plain_metric(
                    ranker_layer_metric_name(layer, num_layers),
                    similarity,
                ));
            }
        }
        push_summary(task, docs, &mut metrics, ("mexa", 0), pooling, &scores)?;
    }
    // The blocks' outputs (entries 1..), unless the embedding output is the only entry.
    let first_block = usize::from(ranker_scores.len() > 1);
    push_summary(
        task,
        docs,
        &mut metrics,
        ("ranker", first_block),
        RANKER_POOLING,
        &ranker_scores[first_block..],
    )?;
    metrics.extend(layer_metrics);
    metrics.extend(ranker_metrics);
    let samples = docs
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let mut scores = MEXA_POOLINGS
                .iter()
                .enumerate()
                .map(|(p, pooling)| {
                    (
                        format!("{}_aligned_fraction", pooling.name()),
                        aligned_counts[p][i] as f64 / num_layers as f64,
                    )
                })
                .collect::<BTreeMap<_, _>>();
            scores.insert(
                format!("{}_parallel_cosine", RANKER_POOLING.name()),
                cosine_sums[i] / (num_layers - usize::from(num_layers > 1)) as f64,
            );
            Sample::of(doc, String::new(), scores)
        })
        .collect();
    Ok(TaskOutput { samples, metrics })
}

/// Pushes `{family}_{pooling}_mean`, `_max` and `_best_layer` of the per-layer `scores`, whose
/// first entry is hidden-state entry `first`.
fn push_summary(
    task: &str,
    docs: &[Doc],
    metrics: &mut Vec<MetricValue>,
    (family, first): (&str, usize),
    pooling: Pooling,
    scores: &[f64],
) -> Result<(), TaskError> {
    let summary = summarize_layers(scores).ok_or_else(|| TaskError::BadResponse {
        task: task.to_string(),
        doc_id: docs[0].id.clone(),
        message: "no hidden-state layers in the responses".to_string(),
    })?;
    let prefix = format!("{family}_{}", pooling.name());
    metrics.push(plain_metric(format!("{prefix}_mean"), summary.mean));
    metrics.push(plain_metric(format!("{prefix}_max"), summary.max));
    metrics.push(plain_metric(
        format!("{prefix}_best_layer"),
        (first + summary.best_layer) as f64,
    ));
    Ok(())
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
