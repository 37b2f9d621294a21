//! `verify_datasets` and the lock, on the real data and on small broken copies. A copy that must
//! verify clean holds whole files, so it comes from the full data root; a copy that only needs
//! real file names and rows comes from the committed subset.

use crate::common;

use std::path::Path;

use common::{copy_real, data, full_data, replace_line, repo_root, truncate_lines};
use harness::data::{DataError, DatasetReport, Lock, Registry, sha256_file, verify_datasets};

fn verify_one(root: &Path, name: &str) -> DatasetReport {
    let mut report = verify_datasets(&Registry::builtin(), &[name.to_string()], root).unwrap();
    assert_eq!(report.datasets.len(), 1);
    report.datasets.remove(0)
}

#[test]
fn real_data_verifies_and_matches_the_repository_lock() {
    let Some(root) = full_data() else { return };
    let report = verify_datasets(&Registry::builtin(), &[], &root).unwrap();
    let summary: Vec<(&str, usize, usize)> = report
        .datasets
        .iter()
        .map(|d| (d.name.as_str(), d.languages.len(), d.checksums.len()))
        .collect();
    assert_eq!(
        summary,
        [
            ("belebele", 2, 2),
            ("flores200_dev_partial", 205, 205),
            ("flores200_devtest", 204, 205),
            ("sib200", 205, 820),
        ]
    );
    for dataset in &report.datasets {
        assert!(
            dataset.problems.is_empty(),
            "{}: {:?}",
            dataset.name,
            dataset.problems
        );
    }
    let devtest = &report.datasets[2];
    assert_eq!(
        devtest.records,
        [
            ("devtest".to_string(), 1012),
            ("metadata".to_string(), 1012)
        ]
    );
    let lock = Lock::load(&repo_root().join("datasets.lock")).unwrap();
    for dataset in &report.datasets {
        let problems = lock.check(dataset, &root);
        assert!(problems.is_empty(), "{}: {problems:?}", dataset.name);
    }
    assert_eq!(lock.files("sib200").unwrap().len(), 820);
}

/// A root with FLORES devtest for three languages and the metadata, copied from `from`.
fn small_flores(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["deu_Latn", "eng_Latn", "fra_Latn"] {
        copy_real(
            from,
            dir.path(),
            &format!("flores200/devtest/{lang}.devtest"),
        );
    }
    copy_real(from, dir.path(), "flores200/metadata_devtest.tsv");
    dir
}

#[test]
fn small_copy_verifies() {
    let Some(full) = full_data() else { return };
    let dir = small_flores(&full);
    let report = verify_one(dir.path(), "flores200_devtest");
    assert_eq!(report.languages, ["deu_Latn", "eng_Latn", "fra_Latn"]);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // `sha256sum shared/data/flores200/devtest/fra_Latn.devtest`
    let real = "82f5b000db419ef9254eea7857cce82943b361090942f17ed696e3dce2944f42";
    assert_eq!(report.checksums["flores200/devtest/fra_Latn.devtest"], real);
    let path = full.join("flores200/devtest/fra_Latn.devtest");
    assert_eq!(sha256_file(&path).unwrap(), real);
    assert_eq!(report.checksums.len(), 4);
}

#[test]
fn file_shorter_than_its_siblings_is_reported() {
    let Some(full) = full_data() else { return };
    let dir = small_flores(&full);
    let short = dir.path().join("flores200/devtest/fra_Latn.devtest");
    truncate_lines(&short, 1011);
    let report = verify_one(dir.path(), "flores200_devtest");
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    match &report.problems[0] {
        DataError::RecordCount {
            path,
            found,
            expected,
            reason,
        } => {
            assert_eq!(path, &short);
            assert_eq!((*found, *expected), (1011, 1012));
            assert_eq!(
                reason,
                "datasets.toml sets records = 1012, and 2 parallel files hold that many"
            );
        }
        other => panic!("expected RecordCount, got {other:?}"),
    }
}

#[test]
fn invalid_utf8_and_missing_shared_file_are_reported() {
    let Some(full) = full_data() else { return };
    let dir = small_flores(&full);
    let bad = dir.path().join("flores200/devtest/deu_Latn.devtest");
    let mut bytes = std::fs::read(&bad).unwrap();
    bytes[0] = 0xC3;
    bytes[1] = 0x28;
    std::fs::write(&bad, bytes).unwrap();
    std::fs::remove_file(dir.path().join("flores200/metadata_devtest.tsv")).unwrap();
    let report = verify_one(dir.path(), "flores200_devtest");
    let messages: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        matches!(report.problems[0], DataError::InvalidUtf8 { line: 1, .. }),
        "{messages:?}"
    );
    assert!(
        matches!(report.problems[1], DataError::MissingFile { .. }),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("metadata_devtest.tsv: missing file of dataset flores200_devtest")
    );
    assert!(report.missing.contains("flores200/metadata_devtest.tsv"));
}

/// A root with the SIB-200 files of two languages, copied from `from`.
fn small_sib(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["eng_Latn", "fra_Latn"] {
        for file in ["train.tsv", "dev.tsv", "test.tsv", "labels.txt"] {
            copy_real(from, dir.path(), &format!("sib200/annotated/{lang}/{file}"));
        }
    }
    dir
}

#[test]
fn sib_language_missing_a_file_is_reported() {
    let Some(full) = full_data() else { return };
    let dir = small_sib(&full);
    std::fs::remove_file(dir.path().join("sib200/annotated/fra_Latn/labels.txt")).unwrap();
    let report = verify_one(dir.path(), "sib200");
    assert_eq!(report.languages, ["eng_Latn", "fra_Latn"]);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        matches!(&report.problems[0], DataError::MissingFile { path, .. }
        if path.ends_with("sib200/annotated/fra_Latn/labels.txt"))
    );
}

#[test]
fn reordered_rows_are_not_parallel() {
    let Some(full) = full_data() else { return };
    let dir = small_sib(&full);
    let path = dir.path().join("sib200/annotated/fra_Latn/dev.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(1, 2);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let report = verify_one(dir.path(), "sib200");
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    match &report.problems[0] {
        DataError::NotParallel { path: p, what, .. } => {
            assert!(p == &path || p.ends_with("eng_Latn/dev.tsv"), "{p:?}");
            assert_eq!(*what, "index_id values");
        }
        other => panic!("expected NotParallel, got {other:?}"),
    }
}

#[test]
fn category_outside_the_labels_is_reported_on_its_line() {
    let Some(full) = full_data() else { return };
    let dir = small_sib(&full);
    let path = dir.path().join("sib200/annotated/fra_Latn/test.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    let row = text.lines().nth(3).unwrap().to_string();
    let fields: Vec<&str> = row.split('\t').collect();
    replace_line(&path, 4, &format!("{}\tcooking\t{}", fields[0], fields[2]));
    let report = verify_one(dir.path(), "sib200");
    let messages: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("test.tsv:4: category `cooking` is not a label of"),
        "{messages:?}"
    );
}

#[test]
fn dataset_absent_from_root_is_reported() {
    let dir = small_sib(&data());
    let report = verify_one(dir.path(), "belebele");
    assert!(report.languages.is_empty());
    assert!(matches!(
        report.problems.as_slice(),
        [DataError::DatasetAbsent { .. }]
    ));
    assert!(
        report.problems[0]
            .to_string()
            .contains("babelbench data fetch belebele")
    );
}

#[test]
fn unknown_dataset_and_missing_root_fail() {
    let dir = small_sib(&data());
    let err = verify_datasets(&Registry::builtin(), &["sib".to_string()], dir.path()).unwrap_err();
    assert!(matches!(err, DataError::UnknownDataset { .. }));
    let err =
        verify_datasets(&Registry::builtin(), &[], Path::new("/nonexistent/root")).unwrap_err();
    assert!(matches!(err, DataError::MissingRoot { .. }));
}

#[test]
fn lock_detects_changed_unlisted_and_missing_files() {
    let Some(full) = full_data() else { return };
    let dir = small_flores(&full);
    let report = verify_one(dir.path(), "flores200_devtest");
    let lock_dir = tempfile::tempdir().unwrap();
    let lock_path = lock_dir.path().join("datasets.lock");
    let mut lock = Lock::load_or_new(&lock_path).unwrap();
    lock.record(&report);
    lock.save().unwrap();
    let names: Vec<_> = std::fs::read_dir(lock_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["datasets.lock"], "no temporary file is left behind");
    let lock = Lock::load(&lock_path).unwrap();
    assert!(lock.check(&report, dir.path()).is_empty());

    // Change one file, remove another, add a language.
    let changed = dir.path().join("flores200/devtest/fra_Latn.devtest");
    let mut bytes = std::fs::read(&changed).unwrap();
    bytes[0] = b'X';
    std::fs::write(&changed, bytes).unwrap();
    std::fs::remove_file(dir.path().join("flores200/devtest/deu_Latn.devtest")).unwrap();
    copy_real(&full, dir.path(), "flores200/devtest/ita_Latn.devtest");
    let report = verify_one(dir.path(), "flores200_devtest");
    let problems = lock.check(&report, dir.path());
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        matches!(&problems[0], DataError::MissingFile { path, .. } if path.ends_with("deu_Latn.devtest"))
    );
    assert!(
        matches!(&problems[1], DataError::ChecksumMismatch { what, .. } if what.ends_with("fra_Latn.devtest"))
    );
    assert!(
        matches!(&problems[2], DataError::NotInLock { path, .. } if path.ends_with("ita_Latn.devtest"))
    );
    assert!(problems[1].to_string().contains("sha256 mismatch"));
}

#[test]
fn lock_without_the_dataset_says_how_to_record_it() {
    let dir = small_flores(&data());
    let report = verify_one(dir.path(), "flores200_devtest");
    let lock = Lock::parse("[belebele]\n", Path::new("x.lock")).unwrap();
    let problems = lock.check(&report, dir.path());
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].to_string(),
        "x.lock: no checksums for dataset flores200_devtest; record them with \
         `babelbench data verify --update flores200_devtest`"
    );
}

#[test]
fn malformed_lock_names_its_line() {
    let text = "[belebele]\n\"belebele/eng_Latn.jsonl\" = \"abc\"\n";
    match Lock::parse(text, Path::new("x.lock")) {
        Err(DataError::Lock { line, message, .. }) => {
            assert_eq!(line, 2);
            assert!(message.contains("not a sha256"), "{message}");
        }
        other => panic!("expected a lock error, got {other:?}"),
    }
    let err = Lock::load(Path::new("/nonexistent/datasets.lock")).unwrap_err();
    assert!(matches!(err, DataError::LockMissing { .. }));
}
