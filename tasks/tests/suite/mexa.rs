//! MEXA: hidden-state requests from the real data, and alignment of hand-built embeddings.

use crate::common;

use common::{assert_close, config, metric};
use harness::request::{HiddenStates, HiddenStatesRequest, Pooling, Request, Response};
use tasks::mexa::{MEXA_POOLINGS, layer_metric_name, ranker_layer_metric_name};

fn unit(i: usize) -> Vec<f32> {
    (0..3).map(|k| if k == i { 1.0 } else { 0.0 }).collect()
}

/// Layers of one response: one vector per hidden-state entry.
fn states(layers: Vec<Vec<f32>>) -> Response {
    Response::HiddenStates(HiddenStates { layers })
}

#[test]
fn documents_ask_for_both_poolings_of_both_sides() {
    let task = common::task("mexa_deu_Latn", config(Some(2), None));
    assert_eq!(task.name(), "mexa_deu_Latn");
    assert!(task.signature().ends_with("|limit=2"));
    let docs = task.docs().expect("docs");
    assert_eq!(docs.len(), 2);
    let english = "\"We now have 4-month-old mice that are non-diabetic that used to be diabetic,\" he added.";
    let german = "„Wir haben jetzt 4 Monate alte Mäuse, die Diabetes hatten und jetzt keinen mehr haben“, fügte er hinzu.";
    let encode = |text: &str, pooling| {
        Request::HiddenStates(HiddenStatesRequest {
            text: text.to_string(),
            pooling,
        })
    };
    assert_eq!(
        docs[0].requests,
        vec![
            encode(english, Pooling::WeightedMean),
            encode(german, Pooling::WeightedMean),
            encode(english, Pooling::Last),
            encode(german, Pooling::Last),
        ]
    );
    assert_eq!(
        (docs[0].prompt.as_str(), docs[0].target.as_str()),
        (german, english)
    );
    // The English requests are the same for every language.
    let french = common::task("mexa_fra_Latn", config(Some(2), None))
        .docs()
        .expect("docs");
    assert_eq!(french[1].requests[0], docs[1].requests[0]);
    assert_eq!(french[1].requests[2], docs[1].requests[2]);
}

#[test]
fn fewer_than_two_sentences_is_a_config_error() {
    let err = common::task("mexa_deu_Latn", config(Some(1), None))
        .docs()
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "alignment needs at least 2 sentence pairs; the split gives 1 (raise --limit)"
        ),
        "{err}"
    );
}

#[test]
fn evaluate_scores_every_layer_and_pooling() {
    let task = common::task("mexa_deu_Latn", config(Some(3), None));
    let docs = task.docs().expect("docs");
    // Two hidden-state entries. Weighted mean: layer 0 identical (all aligned), layer 1 a
    // cyclic permutation (none). Last token: layer 0 maps sentences 0 and 1 onto the same
    // vector (a tie: only sentence 2 aligned), layer 1 identical.
    let responses: Vec<Vec<Response>> = (0..3)
        .map(|i| {
            vec![
                states(vec![unit(i), unit(i)]),
                states(vec![unit(i), unit((i + 1) % 3)]),
                states(vec![unit(i), unit(i)]),
                states(vec![unit(if i == 1 { 0 } else { i }), unit(i)]),
            ]
        })
        .collect();
    let output = task.evaluate(&docs, &responses).expect("evaluates");
    assert_close(metric(&output, "mexa_weighted_mean_mean").value, 0.5);
    assert_close(metric(&output, "mexa_weighted_mean_max").value, 1.0);
    assert_eq!(metric(&output, "mexa_weighted_mean_best_layer").value, 0.0);
    assert_close(metric(&output, "mexa_last_mean").value, 2.0 / 3.0);
    assert_close(metric(&output, "mexa_last_max").value, 1.0);
    assert_eq!(metric(&output, "mexa_last_best_layer").value, 1.0);
    assert_eq!(metric(&output, "layer_00/weighted_mean").value, 1.0);
    assert_eq!(metric(&output, "layer_01/weighted_mean").value, 0.0);
    assert_close(metric(&output, "layer_00/last").value, 1.0 / 3.0);
    assert_eq!(metric(&output, "layer_01/last").value, 1.0);
    // Language Ranker, last token only: the diagonal cosines are (1, 0, 1) in layer 0 (pair 1
    // is unit 1 against unit 0) and (1, 1, 1) in layer 1. The summaries skip the embedding
    // output (layer 0): the mean over blocks is layer 1's 1.0, not (2/3 + 1) / 2.
    assert_close(metric(&output, "ranker_layer_00/last").value, 2.0 / 3.0);
    assert_eq!(metric(&output, "ranker_layer_01/last").value, 1.0);
    assert_eq!(metric(&output, "ranker_last_mean").value, 1.0);
    assert_eq!(metric(&output, "ranker_last_max").value, 1.0);
    assert_eq!(metric(&output, "ranker_last_best_layer").value, 1.0);
    assert!(
        !output
            .metrics
            .iter()
            .any(|m| m.name.starts_with("ranker_") && m.name.contains("weighted_mean")),
        "the Language Ranker uses the last token only"
    );
    // 3 summaries and 2 layers per MEXA pooling, 3 summaries and 2 layers of the Ranker.
    assert_eq!(output.metrics.len(), 15);
    let cosine: Vec<f64> = output
        .samples
        .iter()
        .map(|s| s.scores["last_parallel_cosine"])
        .collect();
    assert_eq!(cosine, vec![1.0, 1.0, 1.0]);
    let last: Vec<f64> = output
        .samples
        .iter()
        .map(|s| s.scores["last_aligned_fraction"])
        .collect();
    assert_eq!(last, vec![0.5, 0.5, 1.0]);
    let weighted: Vec<f64> = output
        .samples
        .iter()
        .map(|s| s.scores["weighted_mean_aligned_fraction"])
        .collect();
    assert_eq!(weighted, vec![0.5, 0.5, 0.5]);
}

#[test]
fn ranker_is_the_mean_cosine_of_each_sentence_with_its_translation() {
    let task = common::task("mexa_deu_Latn", config(Some(2), None));
    let docs = task.docs().expect("docs");
    // One hidden-state entry (so the summaries cover it). Last token: pair 0 is (3, 4, 0) against (4, 3, 0), cosine
    // 24/25; pair 1 is (1, 0, 0) against (-1, 1, 0), cosine -1/sqrt(2). The weighted-mean
    // vectors only need to be valid.
    let last = [
        (vec![3.0, 4.0, 0.0], vec![4.0, 3.0, 0.0]),
        (vec![1.0, 0.0, 0.0], vec![-1.0, 1.0, 0.0]),
    ];
    let responses: Vec<Vec<Response>> = last
        .iter()
        .enumerate()
        .map(|(i, (pivot, other))| {
            vec![
                states(vec![unit(i)]),
                states(vec![unit(i)]),
                states(vec![pivot.clone()]),
                states(vec![other.clone()]),
            ]
        })
        .collect();
    let output = task.evaluate(&docs, &responses).expect("evaluates");
    let expected = (0.96 - 1.0 / 2f64.sqrt()) / 2.0;
    assert_close(metric(&output, "ranker_layer_00/last").value, expected);
    assert_close(metric(&output, "ranker_last_mean").value, expected);
    assert_close(metric(&output, "ranker_last_max").value, expected);
    assert_eq!(metric(&output, "ranker_last_best_layer").value, 0.0);
    // MEXA in the same layer: C = [[0.96, 0.141], [0.8, -0.707]]; pair 0 wins its row and its
    // column, pair 1 loses its row to C[1][0] = 0.8.
    assert_close(metric(&output, "layer_00/last").value, 0.5);
    let cosine: Vec<f64> = output
        .samples
        .iter()
        .map(|s| s.scores["last_parallel_cosine"])
        .collect();
    assert_close(cosine[0], 0.96);
    assert_close(cosine[1], -1.0 / 2f64.sqrt());
}

#[test]
fn layer_names_are_zero_padded_to_the_largest_index() {
    assert_eq!(
        layer_metric_name(3, 19, Pooling::WeightedMean),
        "layer_03/weighted_mean"
    );
    assert_eq!(layer_metric_name(7, 101, Pooling::Last), "layer_007/last");
    assert_eq!(ranker_layer_metric_name(3, 19), "ranker_layer_03/last");
    assert_eq!(ranker_layer_metric_name(7, 101), "ranker_layer_007/last");
}

#[test]
fn inconsistent_layer_counts_are_errors() {
    let task = common::task("mexa_deu_Latn", config(Some(2), None));
    let docs = task.docs().expect("docs");
    let good = || states(vec![unit(0), unit(1)]);
    let responses = vec![
        vec![good(), good(), good(), good()],
        vec![good(), states(vec![unit(0)]), good(), good()],
    ];
    let err = task.evaluate(&docs, &responses).unwrap_err().to_string();
    assert!(
        err.contains(
            "document 1: response 1 holds 1 hidden-state layers, but earlier responses hold 2"
        ),
        "{err}"
    );
    let zero = vec![
        vec![good(), states(vec![vec![0.0; 3], unit(1)]), good(), good()],
        vec![good(), good(), good(), good()],
    ];
    let err = task.evaluate(&docs, &zero).unwrap_err().to_string();
    assert!(err.contains("layer 0, weighted_mean"), "{err}");
    assert!(
        err.contains("other sentence 0: the vector is zero"),
        "{err}"
    );
}

/// `tasks/tests/fixtures/alignment/tiny_gemma3_deu.json`: real hidden states and the numpy
/// reference values `scripts/alignment_reference.py` computed from them.
fn reference_fixture() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/alignment/tiny_gemma3_deu.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

/// `states[pooling][pair]` of one side as responses: a vector per layer.
fn fixture_states(side: &serde_json::Value, pooling: &str, pair: usize) -> Response {
    let layers: Vec<Vec<f32>> = serde_json::from_value(side[pooling][pair].clone()).expect("f32");
    states(layers)
}

#[test]
fn metrics_equal_the_numpy_reference_on_real_hidden_states() {
    let fixture = reference_fixture();
    let texts: Vec<String> = serde_json::from_value(fixture["texts"].clone()).unwrap();
    let pivots: Vec<String> = serde_json::from_value(fixture["pivot_texts"].clone()).unwrap();
    let task = common::task("mexa_deu_Latn", config(Some(texts.len()), None));
    let docs = task.docs().expect("docs");
    // The stored states belong to the task's own sentences.
    for ((doc, text), pivot) in docs.iter().zip(&texts).zip(&pivots) {
        assert_eq!((&doc.prompt, &doc.target), (text, pivot));
    }
    let responses: Vec<Vec<Response>> = (0..docs.len())
        .map(|i| {
            MEXA_POOLINGS
                .iter()
                .flat_map(|pooling| {
                    [
                        fixture_states(&fixture["pivot_states"], pooling.name(), i),
                        fixture_states(&fixture["states"], pooling.name(), i),
                    ]
                })
                .collect()
        })
        .collect();
    let output = task.evaluate(&docs, &responses).expect("evaluates");

    let reference = fixture["reference_metrics"].as_object().unwrap();
    let mut names: Vec<&str> = output.metrics.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = reference.keys().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
    let mut worst = 0.0f64;
    for m in &output.metrics {
        worst = worst.max((m.value - reference[&m.name].as_f64().unwrap()).abs());
    }
    let samples = fixture["reference_samples"].as_array().unwrap();
    for (sample, reference) in output.samples.iter().zip(samples) {
        let reference = reference.as_object().unwrap();
        assert_eq!(sample.scores.len(), reference.len());
        for (key, value) in reference {
            worst = worst.max((sample.scores[key] - value.as_f64().unwrap()).abs());
        }
    }
    eprintln!("max |babelbench - numpy| over metrics and samples: {worst:e}");
    assert!(worst < 1e-12, "max difference {worst}");
    // Real states give cosines strictly inside (-1, 1): the comparison is not of trivial values.
    let ranker = metric(&output, "ranker_last_mean").value;
    assert!(ranker.abs() < 1.0 && ranker != 0.0, "{ranker}");
}
