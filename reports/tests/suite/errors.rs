use std::path::PathBuf;

use reports::{ReportError, compare, site};

use crate::fixtures::{RunSpec, TaskSpec, alpha_v1, alpha_v2, languages, write_run};

#[test]
fn a_folder_without_manifest_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_run(dir.path(), &alpha_v1());
    let empty = dir.path().join("not_a_run");
    std::fs::create_dir(&empty).unwrap();
    let message = compare(&good, &empty).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "{} is not a run folder: it has no manifest.json; pass a folder written by `babelbench run`",
            empty.display()
        )
    );
    let error = site::build(
        &[good, empty.clone()],
        &languages(),
        &dir.path().join("site"),
    )
    .unwrap_err();
    assert!(matches!(error, ReportError::NotARun { dir } if dir == empty));
}

#[test]
fn an_empty_list_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let message = site::build(&[], &languages(), dir.path())
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "no run folders given; pass at least one folder written by `babelbench run`"
    );
}

#[test]
fn mixed_task_versions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_run(dir.path(), &alpha_v1());
    let b = write_run(
        dir.path(),
        &RunSpec {
            signature: "v2",
            ..alpha_v2()
        },
    );
    let message = compare(&a, &b).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "task belebele_amh_Ethi differs between runs: {} has task signature `v1`, {} has `v2`; compare only runs of the same task version (re-run the older one)",
            a.display(),
            b.display()
        )
    );
    let error = site::build(&[a, b], &languages(), &dir.path().join("site")).unwrap_err();
    assert!(matches!(error, ReportError::TaskVersionMismatch { .. }));
}

#[test]
fn runs_without_common_tasks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_run(dir.path(), &alpha_v1());
    let other = RunSpec {
        folder: "other",
        model: "other",
        started_at: "2025-03-01T00:00:00Z",
        signature: "v1",
        tasks: vec![TaskSpec::Accuracy {
            group: "belebele",
            language: "fra_Latn",
            correct: vec![1.0],
        }],
    };
    let b = write_run(dir.path(), &other);
    let message = compare(&a, &b).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "{} and {} share no task and language with per-sample scores; compare runs of the same tasks",
            a.display(),
            b.display()
        )
    );
}

#[test]
fn an_invalid_manifest_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let run = write_run(dir.path(), &alpha_v1());
    std::fs::write(run.join("manifest.json"), "{\"model_name\": 3}").unwrap();
    let message = site::build(
        std::slice::from_ref(&run),
        &languages(),
        &dir.path().join("site"),
    )
    .unwrap_err()
    .to_string();
    let manifest: PathBuf = run.join("manifest.json");
    assert!(
        message.starts_with(&format!(
            "{} is not a valid run manifest: ",
            manifest.display()
        )),
        "{message}"
    );
}

#[test]
fn missing_results_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let run = write_run(dir.path(), &alpha_v1());
    std::fs::remove_file(run.join("results.parquet")).unwrap();
    let message = site::build(
        std::slice::from_ref(&run),
        &languages(),
        &dir.path().join("site"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        message.starts_with(&format!(
            "cannot read {}",
            run.join("results.parquet").display()
        )),
        "{message}"
    );
}

#[test]
fn bad_scores_json_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_run(dir.path(), &alpha_v1());
    let b = write_run(dir.path(), &alpha_v2());
    let path = b.join("samples.parquet");
    let mut rows = reports::run_files::read_samples_parquet(&path).unwrap();
    rows[0].scores_json = "{\"acc\": \"yes\"}".into();
    reports::run_files::write_samples_parquet(&path, &rows).unwrap();
    let message = compare(&a, &b).unwrap_err().to_string();
    assert!(
        message.starts_with(&format!(
            "{}: task belebele_deu_Latn, doc d0: scores_json is not a JSON object of numbers",
            path.display()
        )),
        "{message}"
    );
}

#[test]
fn a_folder_given_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = write_run(dir.path(), &alpha_v1());
    let message = site::build(
        &[run.clone(), run.clone()],
        &languages(),
        &dir.path().join("site"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        message,
        format!(
            "{} is given twice; pass each run folder once",
            run.display()
        )
    );
}

#[test]
fn runs_sharing_model_and_folder_names_are_labelled_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let first = write_run(&dir.path().join("a"), &alpha_v1());
    let second = write_run(&dir.path().join("b"), &alpha_v1());
    let third = write_run(dir.path(), &alpha_v2());
    let runs = reports::run::open_runs(&[first.clone(), second.clone(), third]).unwrap();
    let labels: Vec<String> = runs.into_iter().map(|r| r.label).collect();
    assert_eq!(
        labels,
        [
            format!("alpha ({})", first.display()),
            format!("alpha ({})", second.display()),
            "alpha (alpha_v2)".to_string(),
        ]
    );
}
