//! Every case of testdata/fixtures/metrics/sacrebleu.json (made by sacrebleu 2.6.0): corpus and
//! sentence scores of chrF, chrF++ and BLEU within 1e-4, and identical signature strings; and
//! every case of tests/fixtures/sacrebleu_ter.json (scripts/sacrebleu_ter_fixture.py): TER's
//! edits and reference lengths exactly, per sentence and per corpus.

use std::path::PathBuf;

use harness::metric::Metric;
use serde_json::Value;
use tasks::metrics::{Bleu, BleuTokenizer, Chrf, Ter, TranslationMetric};

const TOLERANCE: f64 = 1e-4;

fn fixture() -> Value {
    let path = testdata::fixtures().join("metrics/sacrebleu.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array of strings")
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

/// Checks one metric of one case: `corpus_metric` for the corpus score and signature,
/// `sentence_metric` for the sentence scores and their signature.
fn check<C: TranslationMetric, S: TranslationMetric>(
    case: &str,
    expected: &Value,
    corpus_metric: &C,
    sentence_metric: &S,
    hyps: &[String],
    refs: &[String],
) -> Vec<String> {
    let mut failures = Vec::new();
    let name = corpus_metric.name();
    let stats = corpus_metric.corpus_stats(hyps, refs).unwrap();
    let corpus = corpus_metric.corpus_score(&stats);
    let want = expected["corpus"].as_f64().unwrap();
    if (corpus - want).abs() > TOLERANCE {
        failures.push(format!("{case} {name} corpus: {corpus} != {want}"));
    }
    let signature = corpus_metric.signature().to_string();
    if signature != expected["signature"].as_str().unwrap() {
        failures.push(format!(
            "{case} {name} signature: {signature} != {}",
            expected["signature"]
        ));
    }
    let sentence_signature = sentence_metric.signature().to_string();
    if sentence_signature != expected["sentence_signature"].as_str().unwrap() {
        failures.push(format!(
            "{case} {name} sentence signature: {sentence_signature} != {}",
            expected["sentence_signature"]
        ));
    }
    let sentences = expected["sentence"].as_array().unwrap();
    assert!(!sentences.is_empty(), "{case} {name}: no sentence scores");
    for (i, want) in sentences.iter().enumerate() {
        let want = want.as_f64().unwrap();
        let got = sentence_metric.sentence_score(&hyps[i], &refs[i]);
        if (got - want).abs() > TOLERANCE {
            failures.push(format!("{case} {name} sentence {i}: {got} != {want}"));
        }
    }
    failures
}

#[test]
fn every_case_matches_sacrebleu() {
    let fixture = fixture();
    assert_eq!(fixture["sacrebleu_version"], "2.6.0");
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 13);
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let hyps = strings(&case["hyps"]);
        let refs = strings(&case["refs"]);
        let tokenizer: BleuTokenizer = case["bleu_tokenize"].as_str().unwrap().parse().unwrap();
        let scores = &case["scores"];
        let chrf = Chrf::chrf();
        failures.extend(check(name, &scores["chrF"], &chrf, &chrf, &hyps, &refs));
        let chrf_pp = Chrf::chrf_plus_plus();
        failures.extend(check(
            name,
            &scores["chrF++"],
            &chrf_pp,
            &chrf_pp,
            &hyps,
            &refs,
        ));
        failures.extend(check(
            name,
            &scores["BLEU"],
            &Bleu::new(tokenizer),
            &Bleu::sentence(tokenizer),
            &hyps,
            &refs,
        ));
        checked += 1;
    }
    assert_eq!(checked, 13);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_edge_cases_are_the_ones_the_fixture_describes() {
    let fixture = fixture();
    let edge = fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "edge-cases")
        .expect("an edge-cases case");
    let hyps = strings(&edge["hyps"]);
    // The first edge case is an empty hypothesis, which scores 0 everywhere.
    assert_eq!(hyps[0], "");
    assert_eq!(edge["scores"]["BLEU"]["sentence"][0], 0.0);
    assert_eq!(
        Chrf::chrf().sentence_score(&hyps[0], &strings(&edge["refs"])[0]),
        0.0
    );
}

#[test]
fn ter_equals_sacrebleu_on_every_case() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sacrebleu_ter.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(fixture["sacrebleu"], "2.6.0");
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    let mut failures = Vec::new();
    let mut sentences = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let hyps = strings(&case["hypotheses"]);
        let refs = strings(&case["references"]);
        let stats = Ter.corpus_stats(&hyps, &refs).unwrap();
        for (i, (got, want)) in stats
            .iter()
            .zip(case["sentences"].as_array().unwrap())
            .enumerate()
        {
            let want = (
                want["num_edits"].as_u64().unwrap(),
                want["ref_length"].as_f64().unwrap(),
            );
            if (got.edits, got.reference_words as f64) != want {
                failures.push(format!("{name} sentence {i}: {got:?} != {want:?}"));
            }
            sentences += 1;
        }
        let total = Ter.aggregate(&stats);
        let corpus = &case["corpus"];
        assert_eq!(total.edits, corpus["num_edits"].as_u64().unwrap(), "{name}");
        assert_eq!(
            total.reference_words as f64,
            corpus["ref_length"].as_f64().unwrap(),
            "{name}"
        );
        assert!(
            (Ter.score(&total) - corpus["score"].as_f64().unwrap()).abs() < 1e-9,
            "{name}"
        );
        assert_eq!(
            Ter.signature().to_string(),
            case["signature"].as_str().unwrap()
        );
    }
    assert_eq!(sentences, 6 * 30 + 9);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
