//! Whole runs: independence from batch size and task order, the run folder's files, folder
//! checks, bad inputs and progress.

use crate::evaluator_support;

use std::collections::HashSet;

use evaluator_support::*;
use harness::evaluator::{EvalError, RunLock, Shard};
use harness::request::Request;
use harness::results::RunManifest;

fn manifest(dir: &std::path::Path) -> RunManifest {
    serde_json::from_str(&read(dir, "manifest.json")).unwrap()
}

#[test]
fn results_do_not_depend_on_batch_size_or_task_order() {
    let tasks = standard_tasks();
    let mut shuffled = standard_tasks();
    shuffled.reverse();
    shuffled.rotate_left(1);
    let runs: Vec<(tempfile::TempDir, harness::evaluator::RunReport)> =
        [(&tasks, 1), (&tasks, 7), (&shuffled, 3)]
            .into_iter()
            .map(|(tasks, batch_size)| {
                let dir = tempfile::tempdir().unwrap();
                let tables = JsonTables::default();
                let setup = Setup {
                    batch_size,
                    tables: Some(&tables),
                    ..Setup::default()
                };
                let report =
                    run_with(dir.path(), &as_dyn(tasks), &FakeModel::new(), setup).unwrap();
                (dir, report)
            })
            .collect();
    let (first_dir, first) = &runs[0];
    let reference = stable_results_json(first_dir.path());
    for (dir, report) in &runs[1..] {
        assert_eq!(report.evaluated, first.evaluated);
        for file in [
            "samples.jsonl",
            "results.jsonl",
            "samples.parquet",
            "results.parquet",
        ] {
            assert_eq!(
                read(dir.path(), file),
                read(first_dir.path(), file),
                "{file}"
            );
        }
        let json = stable_results_json(dir.path());
        for section in [
            "results",
            "versions",
            "configs",
            "n-samples",
            "group_subtasks",
        ] {
            assert_eq!(json[section], reference[section], "{section}");
        }
    }
    let evaluated = first.evaluated.as_ref().unwrap();
    let order: Vec<&str> = evaluated.results.iter().map(|r| r.task.as_str()).collect();
    assert_eq!(
        order,
        [
            "choice_deu",
            "choice_deu",
            "choice_fra",
            "choice_fra",
            "choice_spa",
            "choice_spa",
            "mixed_und",
            "mixed_und"
        ]
    );
}

#[test]
fn each_distinct_request_is_computed_exactly_once() {
    let tasks = standard_tasks();
    let model = FakeModel::new();
    let dir = tempfile::tempdir().unwrap();
    let report = run_batched(dir.path(), &tasks, &model, 4).unwrap();
    let total: usize = tasks
        .iter()
        .flat_map(|t| &t.docs)
        .map(|d| d.requests.len())
        .sum();
    let unique = unique_requests(&tasks);
    assert!(unique < total, "the task set must hold duplicates");
    assert_eq!(report.stats.requests, total);
    assert_eq!(report.stats.unique, unique);
    assert_eq!((report.stats.cached, report.stats.computed), (0, unique));
    let answered = model.answered();
    assert_eq!(answered.len(), unique);
    assert_eq!(answered.iter().collect::<HashSet<&Request>>().len(), unique);
}

#[test]
fn a_run_folder_holds_manifest_plan_results_and_tables() {
    let tasks = standard_tasks();
    let dir = tempfile::tempdir().unwrap();
    let tables = JsonTables::default();
    let setup = Setup {
        tables: Some(&tables),
        ..Setup::default()
    };
    let report = run_with(dir.path(), &as_dyn(&tasks), &FakeModel::new(), setup).unwrap();
    let m = manifest(dir.path());
    assert_eq!(m, report.manifest);
    assert_eq!(m.model_fingerprint, FINGERPRINT);
    assert_eq!((m.backend.as_str(), m.dtype.as_str()), ("test", "f32"));
    assert_eq!(
        (m.model_name.as_str(), m.seed, m.threads),
        ("fake", 1234, 2)
    );
    assert_eq!(m.shard, None);
    assert!(m.finished_at.is_some());
    assert_eq!(m.tasks["choice_fra"], "choice_fra|v1");
    assert_eq!(m.tasks.len(), 4);
    assert_eq!(m.run_config["tasks"], "choice,mixed");
    let phases: Vec<&str> = m.phase_seconds.keys().map(String::as_str).collect();
    assert_eq!(
        phases,
        [
            "docs",
            "evaluate",
            "generate_until",
            "hidden_states",
            "loglikelihood",
            "loglikelihood_rolling",
            "tokenize",
            "write"
        ]
    );

    let json = stable_results_json(dir.path());
    let fra = &json["results"]["choice_fra"];
    let rows = &report.evaluated.as_ref().unwrap().results;
    let acc = rows
        .iter()
        .find(|r| r.task == "choice_fra" && r.metric == "acc")
        .unwrap();
    assert_eq!(fra["alias"], "choice_fra");
    assert_eq!(fra["acc,none"], acc.value);
    assert_eq!(fra["acc_ci_low,none"], acc.ci_low.unwrap());
    let stderr = fra["acc_stderr,none"].as_f64().unwrap();
    assert!((stderr - 0.2 / 3.919_927_969).abs() < 1e-9, "{stderr}");
    assert_eq!(fra["score_stderr,none"], "N/A");
    assert_eq!(json["n-samples"]["choice_fra"]["effective"], 13);
    assert_eq!(json["versions"]["mixed_und"], "mixed_und|v1");
    assert_eq!(json["configs"]["choice_fra"]["tag"], "choice");
    assert_eq!(
        json["group_subtasks"]["choice"],
        serde_json::json!(["choice_deu", "choice_fra", "choice_spa"])
    );
    assert_eq!(json["config"]["model_fingerprint"], FINGERPRINT);
    assert_eq!(json["config"]["model_args"], "pretrained=/models/fake");
    assert_eq!(json["config"]["batch_size"], 4);
    assert_eq!(json["git_hash"], "abc123");

    let samples = read(dir.path(), "samples.jsonl");
    assert_eq!(samples.lines().count(), 13 + 9 + 11 + 7);
    let first: serde_json::Value = serde_json::from_str(samples.lines().next().unwrap()).unwrap();
    assert_eq!(first["task"], "choice_deu");
    assert_eq!(first["doc_id"], "choice_deu-0");
    assert_eq!(read(dir.path(), "results.jsonl").lines().count(), 8);

    let parquet: Vec<harness::results::SampleRow> =
        serde_json::from_str(&read(dir.path(), "samples.parquet")).unwrap();
    assert_eq!(parquet, report.evaluated.as_ref().unwrap().samples);
    for path in tables.paths.lock().unwrap().iter() {
        assert_eq!(path.parent(), Some(dir.path()));
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            name.starts_with(".tmp-"),
            "tables are written to a temporary name: {name}"
        );
    }
    let plan: harness::evaluator::PlanFile =
        serde_json::from_str(&read(dir.path(), "plan.json")).unwrap();
    assert_eq!(plan.assigned.len(), plan.plan.units.len());
    assert_eq!(plan.plan.units.len(), 4 + 3 + 3 + 2);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".lock",
            "manifest.json",
            "plan.json",
            "responses.cache",
            "results.json",
            "results.jsonl",
            "results.parquet",
            "samples.jsonl",
            "samples.parquet"
        ]
    );
}

#[test]
fn rerunning_a_finished_run_computes_nothing_and_writes_the_same_results() {
    let tasks = standard_tasks();
    let dir = tempfile::tempdir().unwrap();
    let first = run_batched(dir.path(), &tasks, &FakeModel::new(), 4).unwrap();
    let samples = read(dir.path(), "samples.jsonl");
    let model = FakeModel::new();
    let again = run_batched(dir.path(), &tasks, &model, 2).unwrap();
    assert_eq!(model.calls.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(
        (again.stats.cached, again.stats.computed),
        (first.stats.unique, 0)
    );
    assert_eq!(again.evaluated, first.evaluated);
    assert_eq!(read(dir.path(), "samples.jsonl"), samples);
}

#[test]
fn a_folder_of_another_model_is_refused() {
    let tasks = vec![choice_task("choice_fra", "history", 3)];
    let dir = tempfile::tempdir().unwrap();
    run_batched(dir.path(), &tasks, &FakeModel::new(), 4).unwrap();
    let setup = Setup {
        fingerprint: "another-model",
        ..Setup::default()
    };
    let err = run_with(dir.path(), &as_dyn(&tasks), &FakeModel::new(), setup).unwrap_err();
    assert!(matches!(err, EvalError::FingerprintMismatch { .. }));
    let message = err.to_string();
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(FINGERPRINT) && message.contains("another-model"),
        "{message}"
    );
    assert!(message.contains("fresh --output"), "{message}");
}

#[test]
fn a_folder_with_foreign_files_is_refused_but_a_run_folder_may_hold_extras() {
    let tasks = vec![choice_task("choice_fra", "history", 3)];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let err = run_batched(dir.path(), &tasks, &FakeModel::new(), 4).unwrap_err();
    assert!(matches!(err, EvalError::ForeignFolder { .. }));
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert_eq!(read(dir.path(), "notes.txt"), "mine");

    let run_dir = tempfile::tempdir().unwrap();
    run_batched(run_dir.path(), &tasks, &FakeModel::new(), 4).unwrap();
    std::fs::write(run_dir.path().join("notes.txt"), "mine").unwrap();
    run_batched(run_dir.path(), &tasks, &FakeModel::new(), 4).unwrap();
    assert_eq!(read(run_dir.path(), "notes.txt"), "mine");
}

#[test]
fn a_folder_locked_by_a_live_run_is_refused() {
    let tasks = vec![choice_task("choice_fra", "history", 3)];
    let dir = tempfile::tempdir().unwrap();
    let held = RunLock::acquire(dir.path()).unwrap();
    let err = run_batched(dir.path(), &tasks, &FakeModel::new(), 4).unwrap_err();
    assert!(matches!(err, EvalError::Locked { .. }), "{err}");
    assert!(
        err.to_string().contains(&dir.path().display().to_string()),
        "{err}"
    );
    drop(held);
    run_batched(dir.path(), &tasks, &FakeModel::new(), 4).unwrap();
}

#[test]
fn bad_task_lists_are_refused_with_the_task_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = run_batched(dir.path(), &[], &FakeModel::new(), 4).unwrap_err();
    assert!(matches!(err, EvalError::NoTasks));
    let twice = vec![choice_task("same", "a", 2), choice_task("same", "b", 2)];
    let err = run_batched(dir.path(), &twice, &FakeModel::new(), 4).unwrap_err();
    assert!(err.to_string().contains("`same`"), "{err}");
    let empty = vec![choice_task("empty_task", "a", 0)];
    let err = run_batched(dir.path(), &empty, &FakeModel::new(), 4).unwrap_err();
    assert!(matches!(err, EvalError::NoDocs { .. }));
    assert!(err.to_string().contains("empty_task"), "{err}");
}

#[test]
fn model_failures_name_the_batch_and_say_how_to_resume() {
    let tasks = vec![choice_task("choice_fra", "history", 5)];
    let dir = tempfile::tempdir().unwrap();
    let err = run_batched(dir.path(), &tasks, &FakeModel::failing_after(0), 4).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, EvalError::Model { size: 4, .. }), "{message}");
    assert!(
        message.contains("loglikelihood batch of 4 requests"),
        "{message}"
    );
    assert!(
        message.contains("task choice_fra, document choice_fra-"),
        "{message}"
    );
    assert!(message.contains("rerun"), "{message}");
    // The model's own error is the source, which `{:#}` and anyhow chains print after it.
    let source = std::error::Error::source(&err).map(|e| e.to_string());
    assert!(
        source
            .as_deref()
            .is_some_and(|s| s.contains("simulated crash")),
        "{source:?}"
    );
    assert_eq!(manifest(dir.path()).finished_at, None);
    assert!(!dir.path().join("results.json").exists());

    let broken = FakeModel {
        drop_one: true,
        ..FakeModel::default()
    };
    let other = tempfile::tempdir().unwrap();
    let err = run_batched(other.path(), &tasks, &broken, 4).unwrap_err();
    assert!(
        matches!(
            err,
            EvalError::AnswerCount {
                expected: 4,
                got: 3,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_new_run_removes_the_previous_results_until_it_finishes() {
    let dir = tempfile::tempdir().unwrap();
    run_batched(
        dir.path(),
        &[choice_task("choice_fra", "history", 3)],
        &FakeModel::new(),
        4,
    )
    .unwrap();
    assert!(dir.path().join("results.json").exists());
    let more = vec![
        choice_task("choice_fra", "history", 3),
        choice_task("choice_x", "new", 3),
    ];
    run_batched(dir.path(), &more, &FakeModel::failing_after(0), 4).unwrap_err();
    for file in ["results.json", "samples.jsonl", "results.jsonl"] {
        assert!(
            !dir.path().join(file).exists(),
            "{file} of the previous run is gone"
        );
    }
    assert_eq!(manifest(dir.path()).tasks.len(), 2);
}

#[test]
fn progress_reports_every_phase_in_order() {
    let tasks = standard_tasks();
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let setup = Setup {
        progress: &recorder,
        ..Setup::default()
    };
    run_with(dir.path(), &as_dyn(&tasks), &FakeModel::new(), setup).unwrap();
    let events = recorder.events.lock().unwrap().clone();
    let loglikelihood: HashSet<&Request> = tasks
        .iter()
        .flat_map(|t| t.docs.iter().flat_map(|d| d.requests.iter()))
        .filter(|r| matches!(r, Request::Loglikelihood(_)))
        .collect();
    let ll = loglikelihood.len();
    assert_eq!(
        ll, 57,
        "history: 7 questions x 4 choices + 3 second variants; science: 6 x 4 + 2"
    );
    let starts: Vec<&str> = events
        .iter()
        .filter(|e| e.starts_with("start"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        starts,
        [
            "start docs 4",
            "start loglikelihood 57",
            "start loglikelihood_rolling 7",
            "start generate_until 7",
            "start hidden_states 14",
            "start tokenize 7",
            "start evaluate 4",
            "start write 1"
        ]
    );
    for (phase, total, tokens) in [
        ("loglikelihood", ll, true),
        ("hidden_states", 14, false),
        ("tokenize", 7, true),
    ] {
        let last = events
            .iter()
            .rfind(|e| e.starts_with(&format!("advance {phase} ")))
            .unwrap();
        assert_eq!(
            last,
            &format!("advance {phase} {total}/{total} tokens:{tokens}")
        );
    }
    assert_eq!(events.last().unwrap(), "finish write");
    assert!(recorder.warnings.lock().unwrap().is_empty());
}

#[test]
fn a_shard_run_computes_its_units_only_and_writes_no_results() {
    let tasks = standard_tasks();
    let dir = tempfile::tempdir().unwrap();
    let model = FakeModel::new();
    let setup = Setup {
        shard: Some(Shard::new(1, 3).unwrap()),
        ..Setup::default()
    };
    let report = run_with(dir.path(), &as_dyn(&tasks), &model, setup).unwrap();
    assert_eq!(report.evaluated, None);
    assert_eq!(report.manifest.shard, Some((1, 3)));
    assert!(report.manifest.finished_at.is_some());
    assert!(!dir.path().join("results.json").exists());
    let plan: harness::evaluator::PlanFile =
        serde_json::from_str(&read(dir.path(), "plan.json")).unwrap();
    // Units of 4 documents: choice_deu 3, choice_fra 4, choice_spa 3, mixed_und 2, dealt out
    // round-robin; shard 1 of 3 takes positions 1, 4, 7 and 10.
    assert_eq!(
        plan.assigned,
        [
            "choice_deu:4-8",
            "choice_fra:4-8",
            "choice_spa:0-4",
            "mixed_und:0-4"
        ]
    );
    assert_eq!(plan.plan.units.len(), 12);
    assert!(report.stats.computed > 0 && report.stats.computed < unique_requests(&tasks));
    assert_eq!(model.answered().len(), report.stats.computed);
}
