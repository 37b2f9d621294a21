//! Collation: dedup counts, batch boundaries and order, and order restoration.

use std::num::NonZeroUsize;

use harness::evaluator::{BatchGroup, RequestKind, dedup, make_batches, request_length, restore};
use harness::request::{
    GenerateRequest, HiddenStatesRequest, LoglikelihoodRequest, Pooling, Request, RollingRequest,
    TokenizeRequest,
};

fn ll(context: &str, continuation: &str) -> Request {
    Request::Loglikelihood(LoglikelihoodRequest {
        context: context.to_string(),
        continuation: continuation.to_string(),
    })
}

fn hidden(text: &str, pooling: Pooling) -> Request {
    Request::HiddenStates(HiddenStatesRequest {
        text: text.to_string(),
        pooling,
    })
}

fn size(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

#[test]
fn dedup_merges_identical_requests_and_records_origin_and_first_use() {
    let a = ll("ctx", " a");
    let b = ll("ctx", " b");
    let c = Request::Rolling(RollingRequest {
        text: "ctx".to_string(),
    });
    let requests = [
        a.clone(),
        b.clone(),
        a.clone(),
        c.clone(),
        b.clone(),
        a.clone(),
    ];
    let d = dedup(&requests);
    assert_eq!(d.unique, vec![&a, &b, &c]);
    assert_eq!(d.origin, vec![0, 1, 0, 2, 1, 0]);
    assert_eq!(d.first, vec![0, 1, 3]);
}

#[test]
fn dedup_of_nothing_is_empty() {
    let d = dedup(std::iter::empty());
    assert!(d.unique.is_empty() && d.origin.is_empty() && d.first.is_empty());
}

#[test]
fn restore_fans_answers_out_in_request_order() {
    let restored = restore(
        &[0, 1, 0, 2, 1, 0],
        vec!["A".to_string(), "B".into(), "C".into()],
    );
    assert_eq!(
        restored,
        Some(
            vec!["A", "B", "A", "C", "B", "A"]
                .into_iter()
                .map(String::from)
                .collect()
        )
    );
}

#[test]
fn restore_refuses_an_origin_without_answer() {
    assert_eq!(restore(&[0, 3], vec![1, 2]), None);
    assert_eq!(restore::<u8>(&[], vec![]), Some(vec![]));
}

#[test]
fn lengths_are_bytes_of_the_text_the_model_reads() {
    assert_eq!(request_length(&ll("héllo", " x")), 8);
    let generate = Request::Generate(GenerateRequest {
        context: "abc".to_string(),
        until: vec!["\n\n\n\n".to_string()],
        max_new_tokens: 100,
    });
    assert_eq!(request_length(&generate), 3);
    assert_eq!(request_length(&hidden("four", Pooling::Last)), 4);
}

#[test]
fn batches_group_by_kind_sort_longest_first_and_cut_at_the_batch_size() {
    let requests = vec![
        ll("a", "1"),                                            // 0: len 2
        hidden("tiny", Pooling::Mean),                           // 1
        ll("aaaa", "1"),                                         // 2: len 5
        Request::Tokenize(TokenizeRequest { text: "t".into() }), // 3
        ll("aaa", "1"),                                          // 4: len 4
        hidden("longer text", Pooling::Last),                    // 5
        ll("aaa", "2"),                                          // 6: len 4, ties with 4
        hidden("a much longer text", Pooling::Mean),             // 7
        ll("aaaaaaaa", "1"),                                     // 8: len 9
        hidden("other text!", Pooling::Mean),                    // 9: ties with 5
        hidden("longer text", Pooling::Mean),                    // 10: 5's text
    ];
    let refs: Vec<&Request> = requests.iter().collect();
    let batches = make_batches(&refs, size(2), |_| true);
    let shape: Vec<(BatchGroup, Vec<usize>)> =
        batches.into_iter().map(|b| (b.group, b.members)).collect();
    assert_eq!(
        shape,
        vec![
            (BatchGroup::Loglikelihood, vec![8, 2]),
            (BatchGroup::Loglikelihood, vec![4, 6]),
            (BatchGroup::Loglikelihood, vec![0]),
            // Any pooling; equal lengths by text, so a text's poolings are neighbours.
            (BatchGroup::HiddenStates, vec![7, 5]),
            (BatchGroup::HiddenStates, vec![10, 9]),
            (BatchGroup::HiddenStates, vec![1]),
            (BatchGroup::Tokenize, vec![3]),
        ]
    );
}

#[test]
fn batches_skip_requests_that_are_not_pending() {
    let requests: Vec<Request> = (0..6).map(|i| ll(&"c".repeat(i), "x")).collect();
    let refs: Vec<&Request> = requests.iter().collect();
    let batches = make_batches(&refs, size(4), |i| i % 2 == 0);
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].members, vec![4, 2, 0]);
    assert!(make_batches(&refs, size(4), |_| false).is_empty());
}

#[test]
fn every_pending_request_is_in_exactly_one_batch_of_at_most_the_batch_size() {
    let requests: Vec<Request> = (0..23)
        .map(|i| match i % 3 {
            0 => ll(&"q".repeat(i), " a"),
            1 => Request::Rolling(RollingRequest {
                text: "r".repeat(i),
            }),
            _ => hidden(&"h".repeat(i), Pooling::WeightedMean),
        })
        .collect();
    let refs: Vec<&Request> = requests.iter().collect();
    for batch_size in 1..=25 {
        let batches = make_batches(&refs, size(batch_size), |_| true);
        let mut seen: Vec<usize> = batches.iter().flat_map(|b| b.members.clone()).collect();
        seen.sort();
        assert_eq!(seen, (0..23).collect::<Vec<_>>(), "batch size {batch_size}");
        for b in &batches {
            assert!(!b.members.is_empty() && b.members.len() <= batch_size);
            assert!(
                b.members
                    .iter()
                    .all(|&i| BatchGroup::of(refs[i]) == b.group)
            );
        }
        // Only the last batch of a group may be short: 8 loglikelihood, 8 rolling, 7 hidden.
        let expected: usize = [8usize, 8, 7].iter().map(|n| n.div_ceil(batch_size)).sum();
        assert_eq!(batches.len(), expected, "batch size {batch_size}");
    }
}

#[test]
fn collated_answers_equal_direct_answers_for_any_batch_size() {
    let requests: Vec<Request> = (0..40)
        .map(|i| ll(&format!("context {}", i % 9), &format!(" choice {}", i % 4)))
        .collect();
    let direct: Vec<String> = requests.iter().map(|r| format!("{r:?}")).collect();
    for batch_size in [1, 2, 3, 7, 64] {
        let d = dedup(&requests);
        assert_eq!(d.unique.len(), 36, "pairs (i % 9, i % 4) repeat every 36");
        let batches = make_batches(&d.unique, size(batch_size), |_| true);
        let mut answers: Vec<Option<String>> = vec![None; d.unique.len()];
        for batch in &batches {
            assert_eq!(batch.group.kind(), RequestKind::Loglikelihood);
            for &u in &batch.members {
                assert!(answers[u].is_none(), "request {u} answered twice");
                answers[u] = Some(format!("{:?}", d.unique[u]));
            }
        }
        let answers: Vec<String> = answers.into_iter().map(Option::unwrap).collect();
        assert_eq!(restore(&d.origin, answers).unwrap(), direct);
    }
}

#[test]
fn kind_names_follow_lm_eval() {
    assert_eq!(RequestKind::Loglikelihood.name(), "loglikelihood");
    assert_eq!(RequestKind::Rolling.name(), "loglikelihood_rolling");
    assert_eq!(RequestKind::Generate.name(), "generate_until");
    assert_eq!(
        RequestKind::of(&hidden("x", Pooling::Mean)),
        RequestKind::HiddenStates
    );
}
