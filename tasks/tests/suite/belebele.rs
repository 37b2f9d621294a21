//! Belebele prompts from the real data, and scoring of hand-made responses.

use crate::common;

use common::{assert_close, config, ll, metric};
use harness::request::{LoglikelihoodRequest, Request};

const PASSAGE_1: &str = "Make sure your hand is as relaxed as possible while still hitting all the notes correctly - also try not to make much extraneous motion with your fingers. This way, you will tire yourself out as little as possible. Remember there's no need to hit the keys with a lot of force for extra volume like on the piano. On the accordion, to get extra volume, you use the bellows with more pressure or speed.";

/// lm-eval's doc_to_text of the first English question.
fn first_question() -> String {
    format!(
        "P: {PASSAGE_1}\n\
         Q: According to the passage, what would not be considered an accurate tip for successfully playing the accordion?\n\
         A: For additional volume, increase the force with which you hit the keys\n\
         B: Keep unnecessary movement to a minimum in order to preserve your stamina\n\
         C: Be mindful of hitting the notes while maintaining a relaxed hand\n\
         D: Increase the speed with which you operate the bellows to achieve extra volume\n\
         Answer:"
    )
}

/// lm-eval's doc_to_text of the second English question.
fn second_question() -> String {
    format!(
        "P: {PASSAGE_1}\n\
         Q: When playing the accordion, which of the following will help to increase the volume?\n\
         A: More speed\nB: More force\nC: Less pressure\nD: Less finger motion\nAnswer:"
    )
}

#[test]
fn zero_shot_prompt_and_choices_match_lm_eval() {
    let task = common::task("belebele_eng_Latn", config(Some(2), None));
    assert_eq!(task.name(), "belebele_eng_Latn");
    assert_eq!(task.group(), "belebele");
    assert_eq!(task.language(), "eng_Latn");
    let docs = task.docs().expect("docs");
    assert_eq!(docs.len(), 2);
    let doc = &docs[0];
    assert_eq!(doc.id, "0");
    assert_eq!(doc.prompt, first_question());
    assert_eq!(doc.target, "A");
    let expected: Vec<Request> = [" A", " B", " C", " D"]
        .iter()
        .map(|c| {
            Request::Loglikelihood(LoglikelihoodRequest {
                context: first_question(),
                continuation: c.to_string(),
            })
        })
        .collect();
    assert_eq!(doc.requests, expected);
    assert_eq!(docs[1].prompt, second_question());
}

#[test]
fn one_shot_uses_the_first_question_and_skips_the_query_itself() {
    let task = common::task("belebele_eng_Latn", config(Some(3), Some(1)));
    let docs = task.docs().expect("docs");
    // The first question takes the second as its example; the others take the first.
    assert_eq!(
        docs[0].prompt,
        format!("{} A\n\n{}", second_question(), first_question())
    );
    assert_eq!(
        docs[1].prompt,
        format!("{} A\n\n{}", first_question(), second_question())
    );
    assert!(docs[2].prompt.starts_with(&format!(
        "{} A\n\nP: One of the most common problems",
        first_question()
    )));
    assert!(
        docs[2]
            .prompt
            .ends_with("D: To cut subtitles too close to the bottom\nAnswer:")
    );
    assert_eq!(docs[2].target, "B");
    assert!(
        task.signature().contains("|fewshot=1|seed=1234|limit=3"),
        "{}",
        task.signature()
    );
}

#[test]
fn two_shot_german_prompt_joins_examples_with_blank_lines() {
    let task = common::task("belebele_deu_Latn", config(Some(3), Some(2)));
    let docs = task.docs().expect("docs");
    let third = &docs[2].prompt;
    let parts: Vec<&str> = third.split("\n\n").collect();
    assert_eq!(parts.len(), 3);
    assert!(parts[0].starts_with("P: Stellen Sie sicher, dass Ihre Hand so entspannt"));
    assert!(parts[0].ends_with("\nAnswer: A"));
    assert!(parts[1].starts_with("P: Stellen Sie sicher"));
    assert!(
        parts[1].ends_with("\nD: Weniger Fingerbewegungen\nAnswer: A"),
        "{}",
        parts[1]
    );
    assert!(parts[2].ends_with("\nAnswer:"));
}

#[test]
fn the_question_is_stripped() {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(root.path().join("belebele")).unwrap();
    let item = serde_json::json!({
        "link": "l", "question_number": 1, "flores_passage": "Passage.",
        "question": "  Why?\n", "mc_answer1": "a", "mc_answer2": "b", "mc_answer3": "c",
        "mc_answer4": "d", "correct_answer_num": "2", "dialect": "eng_Latn",
    });
    std::fs::write(
        root.path().join("belebele/eng_Latn.jsonl"),
        format!("{item}\n"),
    )
    .unwrap();
    let task = common::task(
        "belebele_eng_Latn",
        tasks::config::TaskConfig::new(root.path()),
    );
    let docs = task.docs().expect("docs");
    assert_eq!(
        docs[0].prompt,
        "P: Passage.\nQ: Why?\nA: a\nB: b\nC: c\nD: d\nAnswer:"
    );
    assert_eq!(docs[0].target, "B");
}

#[test]
fn too_many_shots_is_a_config_error() {
    let Some(root) = common::full_data() else {
        return;
    };
    let task = common::task(
        "belebele_eng_Latn",
        common::config_in(root, Some(1), Some(900)),
    );
    let err = task.docs().unwrap_err().to_string();
    assert!(
        err.contains("900 few-shot examples asked, but the few-shot split holds 899"),
        "{err}"
    );
}

#[test]
fn evaluate_scores_hand_made_loglikelihoods() {
    let task = common::task("belebele_eng_Latn", config(Some(4), None));
    let docs = task.docs().expect("docs");
    let targets: Vec<&str> = docs.iter().map(|d| d.target.as_str()).collect();
    assert_eq!(targets, vec!["A", "A", "B", "B"]);
    let responses = vec![
        // A wins: correct.
        vec![ll(-1.0), ll(-2.0), ll(-3.0), ll(-4.0)],
        // D wins: wrong.
        vec![ll(-4.0), ll(-3.0), ll(-2.0), ll(-1.0)],
        // B and C tie; the first (B) wins: correct.
        vec![ll(-5.0), ll(-0.5), ll(-0.5), ll(-9.0)],
        // A wins: wrong.
        vec![ll(-0.1), ll(-2.0), ll(-3.0), ll(-4.0)],
    ];
    let output = task.evaluate(&docs, &responses).expect("evaluates");
    let predictions: Vec<&str> = output
        .samples
        .iter()
        .map(|s| s.prediction.as_str())
        .collect();
    assert_eq!(predictions, vec!["A", "D", "B", "A"]);
    let acc: Vec<f64> = output.samples.iter().map(|s| s.scores["acc"]).collect();
    assert_eq!(acc, vec![1.0, 0.0, 1.0, 0.0]);
    let acc = metric(&output, "acc");
    assert_close(acc.value, 0.5);
    let (low, high) = acc.ci.expect("interval");
    assert!(
        (0.0..=0.5).contains(&low) && (0.5..=1.0).contains(&high),
        "{low} {high}"
    );
    // One-letter choices: normalizing by length changes nothing.
    assert_close(metric(&output, "acc_norm").value, 0.5);
    assert_eq!(output.samples[1].doc_id, docs[1].id);
    assert_eq!(output.samples[1].target, "A");
}

#[test]
fn evaluate_rejects_responses_of_the_wrong_shape() {
    let task = common::task("belebele_eng_Latn", config(Some(1), None));
    let docs = task.docs().expect("docs");
    let err = task
        .evaluate(&docs, &[vec![ll(-1.0)]])
        .unwrap_err()
        .to_string();
    assert!(err.contains("4 requests but 1 responses"), "{err}");
    let err = task.evaluate(&docs, &[]).unwrap_err().to_string();
    assert!(err.contains("1 documents but 0 response lists"), "{err}");
    let rolling = harness::request::Response::Rolling(harness::request::RollingResponse {
        logprob: -1.0,
        num_tokens: 1,
        num_bytes: 1,
    });
    let err = task
        .evaluate(&docs, &[vec![ll(-1.0), rolling, ll(-1.0), ll(-1.0)]])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("response 1 is a rolling response, but the request was loglikelihood"),
        "{err}"
    );
}
