//! Sharded runs and `merge`: merging equals an unsharded run; missing, duplicated, unfinished
//! and mismatched shards are refused with the units or folders named.

use crate::evaluator_support;

use std::path::{Path, PathBuf};

use evaluator_support::*;
use harness::evaluator::{
    CACHE_FILE, CacheSnapshot, EvalError, MergeSpec, NoProgress, PLAN_FILE, PlanFile, RunReport,
    Shard, ShardFolder, merge,
};
use harness::task::Task;

/// Runs shard `index` of `count` of `tasks` into `root/shard-index-of-count`.
fn run_shard(
    root: &Path,
    tasks: &[FakeTask],
    index: usize,
    count: usize,
    unit_size: usize,
) -> PathBuf {
    let dir = root.join(format!("shard-{index}-of-{count}"));
    let setup = Setup {
        shard: Some(Shard::new(index, count).unwrap()),
        unit_size,
        ..Setup::default()
    };
    run_with(&dir, &as_dyn(tasks), &FakeModel::new(), setup).unwrap();
    dir
}

/// All shards of a `count`-way split.
fn run_shards(root: &Path, tasks: &[FakeTask], count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| run_shard(root, tasks, i, count, 4))
        .collect()
}

fn open(dirs: &[PathBuf]) -> Vec<ShardFolder> {
    dirs.iter().map(|d| ShardFolder::open(d).unwrap()).collect()
}

fn merge_into(
    out: &Path,
    shards: &[ShardFolder],
    tasks: &[&dyn Task],
) -> Result<RunReport, EvalError> {
    merge(&MergeSpec {
        shards,
        tasks,
        output: out,
        tables: None,
        progress: &NoProgress,
        groups: &[],
    })
}

/// What a finished run folder says, minus timings.
fn outputs(dir: &Path) -> (String, String, serde_json::Value) {
    (
        read(dir, "samples.jsonl"),
        read(dir, "results.jsonl"),
        stable_results_json(dir),
    )
}

#[test]
fn merging_the_shards_of_any_split_equals_an_unsharded_run() {
    let tasks = standard_tasks();
    let reference_dir = tempfile::tempdir().unwrap();
    let reference = run_batched(reference_dir.path(), &tasks, &FakeModel::new(), 4).unwrap();
    for count in [1, 2, 3, 5, 12, 13] {
        let root = tempfile::tempdir().unwrap();
        let dirs = run_shards(root.path(), &tasks, count);
        for dir in &dirs {
            assert!(!dir.join("results.json").exists());
        }
        let out = root.path().join("merged");
        let merged = merge_into(&out, &open(&dirs), &as_dyn(&tasks)).unwrap();
        assert_eq!(merged.evaluated, reference.evaluated, "{count} shards");
        assert_eq!(
            outputs(&out),
            outputs(reference_dir.path()),
            "{count} shards"
        );
        assert_eq!(merged.stats.cached, reference.stats.unique);
        assert_eq!(merged.manifest.shard, None);
        assert_eq!(merged.manifest.tasks, reference.manifest.tasks);
        assert!(merged.manifest.phase_seconds.contains_key("import"));
        assert!(merged.manifest.phase_seconds.contains_key("loglikelihood"));
        let cache = CacheSnapshot::read(&out.join(CACHE_FILE), FINGERPRINT).unwrap();
        assert_eq!(cache.entries.len(), reference.stats.unique);
    }
}

#[test]
fn a_merged_folder_is_a_complete_run_folder() {
    let tasks = standard_tasks();
    let root = tempfile::tempdir().unwrap();
    let dirs = run_shards(root.path(), &tasks, 3);
    let out = root.path().join("merged");
    merge_into(&out, &open(&dirs), &as_dyn(&tasks)).unwrap();
    let model = FakeModel::new();
    let rerun = run_batched(&out, &tasks, &model, 4).unwrap();
    assert_eq!(rerun.stats.computed, 0);
    assert!(model.answered().is_empty());
    // Merging again into the merged folder works too, and changes nothing.
    let before = outputs(&out);
    merge_into(&out, &open(&dirs), &as_dyn(&tasks)).unwrap();
    assert_eq!(outputs(&out), before);
}

#[test]
fn a_missing_shard_is_named_by_its_units() {
    let tasks = standard_tasks();
    let root = tempfile::tempdir().unwrap();
    let dirs = run_shards(root.path(), &tasks, 3);
    let partial = open(&[dirs[0].clone(), dirs[2].clone()]);
    let err = merge_into(&root.path().join("out"), &partial, &as_dyn(&tasks)).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, EvalError::MissingUnits { count: 4, .. }),
        "{message}"
    );
    assert!(
        message.contains("choice_deu:4-8, choice_fra:4-8, choice_spa:0-4, mixed_und:0-4"),
        "{message}"
    );
    assert!(
        !root.path().join("out").exists(),
        "nothing is written before the checks pass"
    );
}

#[test]
fn duplicated_units_are_named_with_their_folders() {
    let tasks = standard_tasks();
    let root = tempfile::tempdir().unwrap();
    let dirs = run_shards(root.path(), &tasks, 3);
    let mut twice = dirs.clone();
    twice.push(dirs[1].clone());
    let err = merge_into(&root.path().join("out"), &open(&twice), &as_dyn(&tasks)).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, EvalError::DuplicateUnits { count: 4, .. }),
        "{message}"
    );
    assert!(message.contains("choice_deu:4-8 (in "), "{message}");
    assert!(message.contains("shard-1-of-3"), "{message}");

    let mut mixed = dirs.clone();
    mixed.push(run_shard(root.path(), &tasks, 0, 2, 4));
    let err = merge_into(&root.path().join("out"), &open(&mixed), &as_dyn(&tasks)).unwrap_err();
    assert!(
        matches!(err, EvalError::DuplicateUnits { count: 6, .. }),
        "{err}"
    );
}

#[test]
fn unfinished_and_foreign_folders_are_refused_by_name() {
    let tasks = standard_tasks();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("crashed");
    let setup = Setup {
        shard: Some(Shard::new(0, 2).unwrap()),
        ..Setup::default()
    };
    run_with(&dir, &as_dyn(&tasks), &FakeModel::failing_after(1), setup).unwrap_err();
    let err = ShardFolder::open(&dir).unwrap_err();
    assert!(matches!(err, EvalError::UnfinishedShard { .. }), "{err}");
    assert!(
        err.to_string().contains("crashed") && err.to_string().contains("--shard"),
        "{err}"
    );
    let plan: PlanFile =
        serde_json::from_str(&std::fs::read_to_string(dir.join(PLAN_FILE)).unwrap()).unwrap();
    let first_unit = &plan.assigned[0];
    assert!(
        err.to_string().contains(&format!(
            "its {} unit(s) are missing from the merge: {first_unit}",
            plan.assigned.len()
        )),
        "{err}"
    );

    let empty = tempfile::tempdir().unwrap();
    let err = ShardFolder::open(empty.path()).unwrap_err();
    assert!(
        matches!(
            err,
            EvalError::NotARunFolder {
                file: "manifest.json",
                ..
            }
        ),
        "{err}"
    );
    assert!(merge_into(&root.path().join("out"), &[], &as_dyn(&tasks)).is_err());
}

#[test]
fn shards_of_different_runs_are_refused() {
    let tasks = standard_tasks();
    let root = tempfile::tempdir().unwrap();
    let a = run_shard(root.path(), &tasks, 0, 2, 4);
    let b = run_shard(root.path(), &tasks, 1, 2, 3);
    let err = merge_into(
        &root.path().join("out"),
        &open(&[a.clone(), b]),
        &as_dyn(&tasks),
    )
    .unwrap_err();
    assert!(matches!(err, EvalError::ShardsDiffer { .. }), "{err}");
    assert!(err.to_string().contains("unit size"), "{err}");

    let fewer = root.path().join("fewer");
    let setup = Setup {
        shard: Some(Shard::new(1, 2).unwrap()),
        ..Setup::default()
    };
    run_with(&fewer, &as_dyn(&tasks[..3]), &FakeModel::new(), setup).unwrap();
    let err = merge_into(
        &root.path().join("out"),
        &open(&[a, fewer]),
        &as_dyn(&tasks),
    )
    .unwrap_err();
    assert!(err.to_string().contains("task list"), "{err}");
}

#[test]
fn merge_needs_the_tasks_the_shards_planned() {
    let tasks = standard_tasks();
    let root = tempfile::tempdir().unwrap();
    let shards = open(&run_shards(root.path(), &tasks, 2));
    let out = root.path().join("out");
    let err = merge_into(&out, &shards, &as_dyn(&tasks[1..])).unwrap_err();
    assert!(matches!(err, EvalError::TaskMismatch { .. }), "{err}");
    assert!(err.to_string().contains("choice_fra"), "{err}");

    let mut shorter = standard_tasks();
    shorter[0] = choice_task("choice_fra", "history", 12);
    let err = merge_into(&out, &shards, &as_dyn(&shorter)).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("choice_fra") && message.contains("12 documents"),
        "{message}"
    );
}

#[test]
fn merge_refuses_to_write_into_a_shard_folder() {
    let tasks = standard_tasks();
    let root = tempfile::tempdir().unwrap();
    let dirs = run_shards(root.path(), &tasks, 2);
    let err = merge_into(&dirs[1], &open(&dirs), &as_dyn(&tasks)).unwrap_err();
    assert!(matches!(err, EvalError::MergeIntoShard { .. }), "{err}");
}

#[test]
fn a_lost_shard_cache_is_reported_with_the_unit_to_rerun() {
    let tasks = standard_tasks();
    let root = tempfile::tempdir().unwrap();
    let dirs = run_shards(root.path(), &tasks, 2);
    std::fs::remove_file(dirs[1].join(CACHE_FILE)).unwrap();
    let shards = open(&dirs);
    let err = merge_into(&root.path().join("out"), &shards, &as_dyn(&tasks)).unwrap_err();
    let message = err.to_string();
    let EvalError::MissingResponse { unit, .. } = &err else {
        panic!("expected a missing response, got {message}");
    };
    assert!(
        shards[1].plan.assigned.contains(unit),
        "{unit} is a unit of the lost shard"
    );
    assert!(message.contains(&format!("(unit {unit})")), "{message}");
    assert!(message.contains("rerun the shard"), "{message}");
}
