//! SIB-200 prompts from the real data, and scoring of hand-made responses.

use crate::common;

use common::{assert_close, config, ll, metric};
use harness::request::Request;

const HEADER: &str = "Topic of the text, one of: science/technology, travel, politics, sports, health, entertainment, geography";
const LABELS: [&str; 7] = [
    "science/technology",
    "travel",
    "politics",
    "sports",
    "health",
    "entertainment",
    "geography",
];

#[test]
fn zero_shot_prompt_lists_the_labels_and_scores_each() {
    let task = common::task("sib200_eng_Latn", config(Some(3), None));
    assert_eq!(task.name(), "sib200_eng_Latn");
    let docs = task.docs().expect("docs");
    assert_eq!(docs.len(), 3);
    // Documents are numbered by row, as lm-eval numbers them.
    assert_eq!(docs[0].id, "0");
    assert_eq!(
        docs[0].prompt,
        format!(
            "{HEADER}\nText: Mutation adds new genetic variation, and selection removes it from the pool of expressed variation.\nTopic:"
        )
    );
    assert_eq!(docs[0].target, "science/technology");
    let continuations: Vec<&str> = docs[0]
        .requests
        .iter()
        .map(|r| match r {
            Request::Loglikelihood(r) => {
                assert_eq!(r.context, docs[0].prompt);
                r.continuation.as_str()
            }
            other => panic!("unexpected request {other:?}"),
        })
        .collect();
    assert_eq!(
        continuations,
        vec![
            " science/technology",
            " travel",
            " politics",
            " sports",
            " health",
            " entertainment",
            " geography"
        ]
    );
}

#[test]
fn two_shot_prompt_takes_the_first_train_sentences() {
    let task = common::task("sib200_eng_Latn", config(Some(1), Some(2)));
    let docs = task.docs().expect("docs");
    let expected = format!(
        "{HEADER}\nText: Turkey is encircled by seas on three sides: the Aegean Sea to the west, the Black Sea to the north and the Mediterranean Sea to the south.\nTopic: geography\n\n\
         {HEADER}\nText: In the beginning of the war they mostly travelled on top of the sea, but as radar began developing and becoming more accurate the submarines were forced to go under water to avoid being seen.\nTopic: science/technology\n\n\
         {HEADER}\nText: Mutation adds new genetic variation, and selection removes it from the pool of expressed variation.\nTopic:"
    );
    assert_eq!(docs[0].prompt, expected);
    assert!(task.signature().starts_with("yaml|sib200_eng_Latn|config="));
    assert!(task.signature().ends_with("|fewshot=2|seed=1234|limit=1"));
}

#[test]
fn german_prompt_keeps_the_english_frame() {
    let task = common::task("sib200_deu_Latn", config(Some(1), None));
    let docs = task.docs().expect("docs");
    assert_eq!(
        docs[0].prompt,
        format!(
            "{HEADER}\nText: Mutation sorgt für neue genetische Variationen und Selektion entfernt diese aus dem Pool exprimierter Variationen.\nTopic:"
        )
    );
}

#[test]
fn evaluate_computes_acc_and_length_normalized_acc() {
    let task = common::task("sib200_eng_Latn", config(Some(3), None));
    let docs = task.docs().expect("docs");
    let targets: Vec<&str> = docs.iter().map(|d| d.target.as_str()).collect();
    assert_eq!(targets, vec!["science/technology"; 3]);
    // Log-probabilities in label order (science/technology = 18 bytes, travel = 6, ...).
    let responses = vec![
        // Raw: travel (-3) beats science/technology (-5). Normalized: -5/18 = -0.278 beats
        // -3/6 = -0.5, so acc = 0 and acc_norm = 1.
        vec![
            ll(-5.0),
            ll(-3.0),
            ll(-20.0),
            ll(-20.0),
            ll(-20.0),
            ll(-30.0),
            ll(-30.0),
        ],
        // science/technology wins both ways.
        vec![
            ll(-1.0),
            ll(-3.0),
            ll(-20.0),
            ll(-20.0),
            ll(-20.0),
            ll(-30.0),
            ll(-30.0),
        ],
        // sports wins both ways (-0.6/6 = -0.1 vs -9/18 = -0.5).
        vec![
            ll(-9.0),
            ll(-8.0),
            ll(-8.0),
            ll(-0.6),
            ll(-8.0),
            ll(-30.0),
            ll(-30.0),
        ],
    ];
    let output = task.evaluate(&docs, &responses).expect("evaluates");
    let predictions: Vec<&str> = output
        .samples
        .iter()
        .map(|s| s.prediction.as_str())
        .collect();
    assert_eq!(predictions, vec![LABELS[1], LABELS[0], LABELS[3]]);
    let norm: Vec<f64> = output
        .samples
        .iter()
        .map(|s| s.scores["acc_norm"])
        .collect();
    assert_eq!(norm, vec![1.0, 1.0, 0.0]);
    assert_close(metric(&output, "acc").value, 1.0 / 3.0);
    assert_close(metric(&output, "acc_norm").value, 2.0 / 3.0);
    assert!(metric(&output, "acc").ci.is_some());
}
