//! Bits per byte: documents from the real data and a hand-computed aggregate.

use crate::common;

use common::{assert_close, config, metric};
use harness::request::{Request, Response, RollingRequest, RollingResponse};

fn rolling(logprob: f64, num_tokens: usize) -> Response {
    Response::Rolling(RollingResponse {
        logprob,
        num_tokens,
        num_bytes: 0,
    })
}

#[test]
fn corpus_bpb_sums_nats_and_utf8_bytes() {
    let task = common::task("bpb_deu_Latn", config(Some(2), None));
    assert_eq!(task.name(), "bpb_deu_Latn");
    let docs = task.docs().expect("docs");
    assert_eq!(docs.len(), 2);
    let first = "„Wir haben jetzt 4 Monate alte Mäuse, die Diabetes hatten und jetzt keinen mehr haben“, fügte er hinzu.";
    assert_eq!(docs[0].id, "0");
    assert_eq!(docs[0].target, first);
    assert_eq!(
        docs[0].requests,
        vec![Request::Rolling(RollingRequest {
            text: first.to_string()
        })]
    );
    // 109 and 258 UTF-8 bytes (103 and 256 characters).
    assert_eq!((docs[0].target.len(), docs[1].target.len()), (109, 258));

    let output = task
        .evaluate(&docs, &[vec![rolling(-50.0, 30)], vec![rolling(-70.0, 60)]])
        .expect("evaluates");
    // 120 nats / 367 bytes / ln 2.
    let bpb = metric(&output, "bpb");
    assert_close(bpb.value, 120.0 / 367.0 / std::f64::consts::LN_2);
    assert_close(bpb.value, 0.47172589892827144);
    let (low, high) = bpb.ci.expect("interval");
    assert!(low <= bpb.value && bpb.value <= high);
    assert!(low >= 0.3914 && high <= 0.6618, "{low} {high}");
    let per_sample: Vec<f64> = output.samples.iter().map(|s| s.scores["bpb"]).collect();
    assert_close(per_sample[0], 0.6617867160041118);
    assert_close(per_sample[1], 0.391428887062897);
    assert_eq!(output.samples[1].scores["tokens"], 60.0);
    assert_eq!(output.samples[0].scores["bytes"], 109.0);
}

#[test]
fn positive_log_probabilities_are_rejected() {
    let task = common::task("bpb_deu_Latn", config(Some(1), None));
    let docs = task.docs().expect("docs");
    let err = task
        .evaluate(&docs, &[vec![rolling(0.5, 1)]])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("task bpb_deu_Latn: document 0: response 0: log-probability 0.5"),
        "{err}"
    );
}
