//! Kill and resume at library level: a model that dies after some batches, a cache with a torn
//! tail written by hand, and a rerun that computes only what is missing and ends with the results
//! of an uninterrupted run.

use crate::evaluator_support;

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;

use evaluator_support::*;
use harness::evaluator::{CACHE_FILE, CacheSnapshot, EvalError};
use harness::request::Request;

/// What a finished run folder says, minus timings.
fn outputs(dir: &std::path::Path) -> (String, String, serde_json::Value) {
    (
        read(dir, "samples.jsonl"),
        read(dir, "results.jsonl"),
        stable_results_json(dir)["results"].clone(),
    )
}

#[test]
fn a_killed_run_resumes_with_only_the_missing_requests_and_the_same_results() {
    let tasks = standard_tasks();
    let unique = unique_requests(&tasks);
    let reference_dir = tempfile::tempdir().unwrap();
    let reference = run_batched(reference_dir.path(), &tasks, &FakeModel::new(), 3).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let dying = FakeModel::failing_after(5);
    let err = run_batched(dir.path(), &tasks, &dying, 3).unwrap_err();
    assert!(matches!(err, EvalError::Model { .. }), "{err}");
    let before = dying.answered();
    assert_eq!(
        before.len(),
        15,
        "five batches of three were answered before the crash"
    );
    let cache_path = dir.path().join(CACHE_FILE);
    let snapshot = CacheSnapshot::read(&cache_path, FINGERPRINT).unwrap();
    assert_eq!(
        snapshot.entries.len(),
        15,
        "every answered batch was cached"
    );

    // The process dies while appending the next batch: half a frame reaches the disk.
    OpenOptions::new()
        .append(true)
        .open(&cache_path)
        .unwrap()
        .write_all(&[200, 1, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3])
        .unwrap();

    let recorder = Recorder::default();
    let resumed_model = FakeModel::new();
    let setup = Setup {
        batch_size: 5,
        progress: &recorder,
        ..Setup::default()
    };
    let resumed = run_with(dir.path(), &as_dyn(&tasks), &resumed_model, setup).unwrap();

    let recovery = resumed
        .recovery
        .as_ref()
        .expect("the torn tail is reported");
    assert_eq!(recovery.intact_records, 15);
    assert_eq!(recovery.dropped_bytes, 11);
    let warnings = recorder.warnings.lock().unwrap().clone();
    assert_eq!(warnings, [recovery.to_string()]);
    assert_eq!(resumed.stats.cached, 15);
    assert_eq!(resumed.stats.computed, unique - 15);
    let after = resumed_model.answered();
    assert_eq!(after.len(), unique - 15);
    let before: HashSet<&Request> = before.iter().collect();
    assert!(
        after.iter().all(|r| !before.contains(r)),
        "cached requests were computed again"
    );

    assert_eq!(resumed.evaluated, reference.evaluated);
    assert_eq!(outputs(dir.path()), outputs(reference_dir.path()));
    assert_eq!(
        CacheSnapshot::read(&cache_path, FINGERPRINT)
            .unwrap()
            .recovery,
        None
    );
}

#[test]
fn a_torn_last_record_is_computed_again() {
    let tasks = standard_tasks();
    let dir = tempfile::tempdir().unwrap();
    let first = run_batched(dir.path(), &tasks, &FakeModel::new(), 3).unwrap();
    let expected = outputs(dir.path());
    let cache_path = dir.path().join(CACHE_FILE);
    let length = std::fs::metadata(&cache_path).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&cache_path)
        .unwrap()
        .set_len(length - 10)
        .unwrap();

    let model = FakeModel::new();
    let again = run_batched(dir.path(), &tasks, &model, 3).unwrap();
    let recovery = again.recovery.unwrap();
    assert_eq!(recovery.intact_records, first.stats.unique - 1);
    assert_eq!(again.stats.computed, 1);
    assert_eq!(model.answered().len(), 1);
    assert!(
        matches!(model.answered()[0], Request::Tokenize(_)),
        "the last batch tokenizes"
    );
    assert_eq!(again.evaluated, first.evaluated);
    assert_eq!(outputs(dir.path()), expected);
}

#[test]
fn repeated_crashes_lose_at_most_the_batch_in_flight_and_end_with_the_same_results() {
    let tasks = standard_tasks();
    let unique = unique_requests(&tasks);
    let reference_dir = tempfile::tempdir().unwrap();
    run_batched(reference_dir.path(), &tasks, &FakeModel::new(), 4).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let cache_path = dir.path().join(CACHE_FILE);
    let cached = || {
        CacheSnapshot::read(&cache_path, FINGERPRINT)
            .unwrap()
            .entries
            .len()
    };
    let mut attempts = 0;
    loop {
        attempts += 1;
        assert!(attempts < 50, "no progress");
        let before = cached();
        let model = FakeModel::failing_after(6);
        let result = run_batched(dir.path(), &tasks, &model, 4);
        let answered = model.answered().len();
        let saved = cached() - before;
        // Tokenization answers text by text, so a crash may cut a batch after some answers.
        assert!(
            answered - saved <= 4,
            "attempt {attempts}: {answered} answered, {saved} saved"
        );
        match result {
            Ok(report) => {
                assert_eq!(
                    (report.stats.computed, answered, saved),
                    (saved, saved, saved)
                );
                break;
            }
            Err(EvalError::Model { .. }) => assert!(saved > 0, "attempt {attempts} saved nothing"),
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert!(attempts > 2);
    assert_eq!(cached(), unique);
    assert_eq!(outputs(dir.path()), outputs(reference_dir.path()));
}
