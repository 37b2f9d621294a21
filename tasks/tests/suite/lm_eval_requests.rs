//! lm-evaluation-harness's own task YAMLs, unchanged, build the same requests in babelbench as
//! in lm-eval 0.4.13: every context, continuation and stop list of the fixtures written by
//! `scripts/lm_eval_requests.py` (`tasks/tests/fixtures/lm_eval/`). Each task reads the
//! fixture's local documents through a wrapper file that includes the original YAML and
//! overrides its dataset, exactly as the script overrode it for lm-eval.

use std::path::{Path, PathBuf};

use harness::request::Request;
use harness::task::Task;
use serde_json::{Value, json};
use tasks::config::TaskConfig;
use tasks::yaml::{DataPlaces, Params, load_task};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lm_eval")
}

/// A task file that includes `yaml` and reads `splits` (relative to the fixtures) as JSON.
fn wrapper(dir: &Path, yaml: &Path, splits: &serde_json::Map<String, Value>) -> PathBuf {
    let data_files: serde_json::Map<String, Value> = splits
        .iter()
        .map(|(split, file)| {
            let path = fixtures().join(file.as_str().unwrap());
            (split.clone(), json!(path.to_str().unwrap()))
        })
        .collect();
    let text = format!(
        "include: {}\ndataset_path: json\ndataset_name: null\ndataset_kwargs:\n  data_files: {}\n",
        serde_json::to_string(yaml.to_str().unwrap()).unwrap(),
        Value::Object(data_files)
    );
    let path = dir.join(yaml.file_name().unwrap()).with_extension("yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A request as lm-eval writes it: its type and arguments.
fn as_lm_eval(request: &Request) -> (String, Value) {
    match request {
        Request::Loglikelihood(r) => ("loglikelihood".into(), json!([r.context, r.continuation])),
        Request::Rolling(r) => ("loglikelihood_rolling".into(), json!([r.text])),
        Request::Generate(r) => (
            "generate_until".into(),
            json!([r.context, {"until": r.until, "max_gen_toks": r.max_new_tokens}]),
        ),
        other => panic!("unexpected request {other:?}"),
    }
}

/// lm-eval's generation arguments as babelbench honours them: the stop list and the token
/// limit (256 when the task sets none); `do_sample: false` and `temperature: 0` are greedy.
fn expected_arguments(kind: &str, arguments: &Value) -> Value {
    if kind != "generate_until" {
        return arguments.clone();
    }
    let kwargs = &arguments[1];
    json!([arguments[0], {
        "until": kwargs["until"],
        "max_gen_toks": kwargs.get("max_gen_toks").cloned().unwrap_or(json!(256)),
    }])
}

#[test]
fn every_fixture_task_builds_the_requests_lm_eval_builds() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join("requests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut tasks, mut requests, mut refused) = (0, 0, Vec::new());
    for file in &files {
        let fixture: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let yaml = fixtures()
            .join("tasks")
            .join(fixture["yaml"].as_str().unwrap());
        let path = wrapper(dir.path(), &yaml, fixture["splits"].as_object().unwrap());
        let mut config = TaskConfig::new(dir.path());
        config.num_fewshot = Some(fixture["num_fewshot"].as_u64().unwrap() as usize);
        let places = DataPlaces {
            root: dir.path().to_path_buf(),
            hub_dirs: Vec::new(),
        };
        let name = fixture["task"].as_str().unwrap();
        let task = match load_task(&path, &Params::new(), name, config, places) {
            Ok(task) => task,
            Err(e) => {
                // Sampled generation is refused, never run half-supported.
                let message = e.to_string();
                assert!(
                    message.contains("greedily"),
                    "{}: {message}",
                    file.display()
                );
                refused.push(name.to_string());
                continue;
            }
        };
        assert_eq!(task.name(), name);
        let docs = task
            .docs()
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let built: Vec<(usize, usize, String, Value)> = docs
            .iter()
            .enumerate()
            .flat_map(|(d, doc)| {
                doc.requests.iter().enumerate().map(move |(i, r)| {
                    let (kind, arguments) = as_lm_eval(r);
                    (d, i, kind, arguments)
                })
            })
            .collect();
        let expected = fixture["requests"].as_array().unwrap();
        assert_eq!(
            built.len(),
            expected.len(),
            "{}: request count",
            file.display()
        );
        for ((doc, idx, kind, arguments), want) in built.iter().zip(expected) {
            let where_ = format!("{} doc {doc} request {idx}", file.display());
            assert_eq!(*doc as u64, want["doc_id"].as_u64().unwrap(), "{where_}");
            assert_eq!(*idx as u64, want["idx"].as_u64().unwrap(), "{where_}");
            assert_eq!(kind, want["request_type"].as_str().unwrap(), "{where_}");
            assert_eq!(
                arguments,
                &expected_arguments(kind, &want["arguments"]),
                "{where_}"
            );
        }
        let targets: Vec<Value> = docs.iter().map(|d| json!(d.target)).collect();
        let want_targets: Vec<Value> = fixture["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| match t {
                Value::String(_) => t.clone(),
                other => json!(other.to_string()),
            })
            .collect();
        if fixture["output_type"] != "multiple_choice" {
            assert_eq!(targets, want_targets, "{}: targets", file.display());
        }
        tasks += 1;
        requests += built.len();
    }
    eprintln!(
        "{tasks} fixture tasks, {requests} requests identical to lm-eval's; refused: {}",
        refused.join(", ")
    );
    assert!(tasks >= 15, "only {tasks} fixtures compared");
    assert_eq!(refused.len(), 2, "{refused:?}");
}
