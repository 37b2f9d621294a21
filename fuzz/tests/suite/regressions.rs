//! What CI runs of the fuzzing: every checked-in regression input replayed through its target,
//! every seed run once, and a short mutation run of each target with a fixed seed. The long
//! fuzzing is `scripts/fuzz.sh`'s.

use std::path::PathBuf;

use fuzz::driver::{self, Options};

/// The regression inputs of `target`: every file of its folder except the `.txt` notes.
fn regression_inputs(target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz::regression_dir(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "txt" && e != "md"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_regression_input_replays_without_a_panic() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for target in fuzz::all() {
        for file in regression_inputs(target.name) {
            let bytes = std::fs::read(&file).unwrap();
            replayed += 1;
            if let Err(panic) = driver::run_once(target, &bytes) {
                failures.push(format!("{}: {panic}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(replayed > 0, "no regression input was replayed");
}

#[test]
fn every_regression_folder_belongs_to_a_target_and_notes_its_cause() {
    let root = fuzz::crate_dir().join("regressions");
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() {
            continue;
        }
        assert!(
            fuzz::find(&name).is_some(),
            "regressions/{name} names no target"
        );
        for input in regression_inputs(&name) {
            let note = input.with_extension("txt");
            assert!(
                note.is_file(),
                "{} has no note {} saying what it broke",
                input.display(),
                note.display()
            );
        }
    }
}

#[test]
fn target_names_are_unique_and_every_target_has_a_seed() {
    let mut names: Vec<&str> = fuzz::all().iter().map(|t| t.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), fuzz::all().len());
    for target in fuzz::all() {
        assert!(!(target.seeds)().is_empty(), "{} has no seed", target.name);
    }
}

#[test]
fn every_seed_runs_and_a_short_mutation_run_finds_no_panic() {
    let mut failures = Vec::new();
    for target in fuzz::all() {
        let seeds = (target.seeds)().len() as u64;
        let options = Options {
            max_runs: Some(seeds + 40),
            seed: 20,
            ..Options::default()
        };
        let report = driver::run(target, &options);
        assert!(
            report.runs >= seeds.min(options.max_runs.unwrap()),
            "{report}"
        );
        failures.extend(
            report
                .crashes
                .iter()
                .map(|c| format!("{}: {} ({} bytes)", target.name, c.message, c.input.len())),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
