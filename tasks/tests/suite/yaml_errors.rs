//! Bad task files and bad data end in an error naming the task file (and the line, or the
//! document), never in a panic or a half-run task.

use std::path::{Path, PathBuf};

use harness::languages::LanguageTable;
use harness::task::Task;
use tasks::config::TaskConfig;
use tasks::yaml::{DataPlaces, Params, TaskFileError, YamlTask, load_task, validate};

/// The task of the (non-family) file `path`, its data under `root`.
fn load_plain(path: &Path, root: &Path) -> Result<YamlTask, TaskFileError> {
    let places = DataPlaces {
        root: root.to_path_buf(),
        hub_dirs: Vec::new(),
    };
    load_task(path, &Params::new(), "t", TaskConfig::new(root), places)
}

/// A folder with `docs.jsonl` (two rows) and the task file `text`.
fn setup(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("docs.jsonl"),
        "{\"q\": \"Wer?\", \"choices\": [\"a\", \"b\"], \"label\": 1}\n{\"q\": \"Was?\", \"choices\": [\"c\", \"d\"], \"label\": 0}\n",
    )
    .unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

const BASE: &str = "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: docs.jsonl\ntest_split: test\noutput_type: multiple_choice\ndoc_to_text: \"{{q}}\"\ndoc_to_choice: choices\ndoc_to_target: label\n";

/// The error of building the task's documents, which must name `file`.
fn docs_error(text: &str) -> String {
    let (dir, path) = setup(text);
    let message = match load_plain(&path, dir.path()) {
        Err(e) => e.to_string(),
        Ok(task) => task
            .docs()
            .map(|_| ())
            .expect_err("the task must fail")
            .to_string(),
    };
    assert!(
        message.contains(&path.display().to_string()) || message.contains("docs.jsonl"),
        "{message}"
    );
    message
}

fn validate_error(text: &str) -> String {
    let (_dir, path) = setup(text);
    let errors = validate(&path, &LanguageTable::builtin().unwrap());
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].to_string()
}

#[test]
fn the_base_task_is_valid_and_builds_its_documents() {
    let (dir, path) = setup(BASE);
    assert!(validate(&path, &LanguageTable::builtin().unwrap()).is_empty());
    let task = load_plain(&path, dir.path()).unwrap();
    let docs = task.docs().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].target, "b");
    assert_eq!(docs[1].requests.len(), 2);
    assert_eq!(task.language(), "und");
    let (dir, path) = setup(&format!(
        "{BASE}dataset_name: de\nmetadata:\n  flores_language: deu_Latn\n"
    ));
    let task = load_plain(&path, dir.path()).unwrap();
    assert_eq!(task.language(), "deu_Latn");
}

#[test]
fn file_errors_name_the_file_line_and_field() {
    let err = validate_error("task: t\ndoc_to_text: [unclosed\n");
    assert!(
        err.contains("t.yaml:") && err.contains("not valid YAML"),
        "{err}"
    );
    let err = validate_error(&BASE.replace("output_type: multiple_choice", "output_type: ranking"));
    assert!(
        err.contains("t.yaml:7:") && err.contains("`ranking`"),
        "{err}"
    );
    let err = validate_error(&format!("{BASE}shuffle: true\n"));
    assert!(
        err.contains("t.yaml:11:") && err.contains("shuffle"),
        "{err}"
    );
    let err = validate_error(&BASE.replace("doc_to_text: \"{{q}}\"", "doc_to_text: \"{{q\""));
    assert!(err.contains("t.yaml:8:") && err.contains("Jinja"), "{err}");
    let err = validate_error(&format!("{BASE}process_results: x\n"));
    assert!(
        err.contains("t.yaml:11:") && err.contains("Python"),
        "{err}"
    );
    let err = validate_error(&format!("{BASE}metric_list:\n  - metric: f1\n"));
    assert!(err.contains("metric_list") && err.contains("f1"), "{err}");
    let err = validate_error(&format!("{BASE}generation_kwargs:\n  do_sample: true\n"));
    assert!(
        err.contains("generation_kwargs") && err.contains("greedily"),
        "{err}"
    );
}

#[test]
fn group_files_name_the_line_of_a_bad_aggregate_metric_list() {
    let group = "group: g\ntask: [t]\naggregate_metric_list:\n";
    let err = validate_error(&format!(
        "{group}  - metric: acc\n    aggregation: median\n"
    ));
    assert!(
        err.contains("t.yaml:3:") && err.contains("`median`") && err.contains("mean"),
        "{err}"
    );
    let err = validate_error(&format!("{group}  - metric: acc\n    weight: 2\n"));
    assert!(
        err.contains("t.yaml:3:") && err.contains("weight") && err.contains("weight_by_size"),
        "{err}"
    );
    let err = validate_error(&format!("{group}  - weight_by_size: true\n"));
    assert!(err.contains("t.yaml:3:") && err.contains("metric"), "{err}");
    let (_dir, path) = setup(&format!("{group}  - metric: acc\n    filter_list: none\n"));
    assert!(validate(&path, &LanguageTable::builtin().unwrap()).is_empty());
}

#[test]
fn data_errors_name_the_task_file_and_the_document() {
    let err = docs_error(&BASE.replace("{{q}}", "{{question}}"));
    assert!(
        err.contains("document 0") && err.contains("question"),
        "{err}"
    );
    let err = docs_error(&BASE.replace("test_split: test", "test_split: validation"));
    assert!(
        err.contains("validation") && err.contains("data_files"),
        "{err}"
    );
    let err = docs_error(&BASE.replace("doc_to_choice: choices", "doc_to_choice: q"));
    assert!(
        err.contains("document 0") && err.contains("not a list"),
        "{err}"
    );
    let err = docs_error(&BASE.replace("doc_to_target: label", "doc_to_target: \"{{label + 5}}\""));
    assert!(
        err.contains("document 0") && err.contains("outside"),
        "{err}"
    );
    let err = docs_error(&BASE.replace("docs.jsonl", "missing.jsonl"));
    assert!(err.contains("missing.jsonl"), "{err}");
    let (dir, path) = setup(BASE);
    std::fs::write(dir.path().join("docs.jsonl"), "{\"q\": 1}\nnot json\n").unwrap();
    let task = load_plain(&path, dir.path()).unwrap();
    let err = task.docs().unwrap_err().to_string();
    assert!(
        err.contains("docs.jsonl:2:") && err.contains(&path.display().to_string()),
        "{err}"
    );
}
