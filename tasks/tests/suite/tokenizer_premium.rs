//! Tokenizer premium: tokenize requests and the ratio of summed token counts.

use crate::common;

use common::{assert_close, config, metric};
use harness::request::{Request, Response, TokenizeRequest, TokenizeResponse};

/// A response of `n` tokens.
fn ids(n: u32) -> Response {
    Response::Tokenize(TokenizeResponse {
        token_ids: (0..n).collect(),
    })
}

#[test]
fn each_document_tokenizes_the_sentence_its_english_source_and_the_empty_text() {
    let task = common::task("tokenizer_premium_deu_Latn", config(Some(3), None));
    assert_eq!(task.name(), "tokenizer_premium_deu_Latn");
    let docs = task.docs().expect("docs");
    assert_eq!(docs.len(), 3);
    let english = "\"We now have 4-month-old mice that are non-diabetic that used to be diabetic,\" he added.";
    let tokenize = |text: &str| {
        Request::Tokenize(TokenizeRequest {
            text: text.to_string(),
        })
    };
    assert_eq!(docs[0].target, english);
    assert_eq!(
        docs[0].requests,
        vec![tokenize(&docs[0].prompt), tokenize(english), tokenize("")]
    );
}

#[test]
fn premium_is_the_ratio_of_summed_counts_without_special_tokens() {
    let task = common::task("tokenizer_premium_deu_Latn", config(Some(3), None));
    let docs = task.docs().expect("docs");
    // One special token (BOS) on every text; sentence tokens 20/10, 30/25 and 40/25.
    let responses = vec![
        vec![ids(21), ids(11), ids(1)],
        vec![ids(31), ids(26), ids(1)],
        vec![ids(41), ids(26), ids(1)],
    ];
    let output = task.evaluate(&docs, &responses).expect("evaluates");
    let premium = metric(&output, "premium");
    assert_close(premium.value, 90.0 / 60.0);
    let (low, high) = premium.ci.expect("interval");
    assert!(
        (1.2..=1.5).contains(&low) && (1.5..=2.0).contains(&high),
        "{low} {high}"
    );
    assert_eq!(metric(&output, "tokens").value, 90.0);
    assert_eq!(metric(&output, "english_tokens").value, 60.0);
    let per_sample: Vec<f64> = output.samples.iter().map(|s| s.scores["premium"]).collect();
    assert_eq!(per_sample, vec![2.0, 1.2, 1.6]);
}

#[test]
fn a_sentence_without_its_own_tokens_is_an_error() {
    let task = common::task("tokenizer_premium_deu_Latn", config(Some(1), None));
    let docs = task.docs().expect("docs");
    let err = task
        .evaluate(&docs, &[vec![ids(5), ids(1), ids(1)]])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("response 1: 1 tokens, but the empty text alone has 1"),
        "{err}"
    );
}
