//! lm-evaluation-harness's own task YAMLs, unchanged, build the same requests in babelbench as
//! in lm-eval 0.4.13: every context, continuation and stop list of the fixtures written by
//! `scripts/lm_eval_requests.py` (`tasks/tests/fixtures/lm_eval/`). Each task reads the
//! fixture's local documents through a wrapper file that includes the original YAML and
//! overrides its dataset, exactly as the script overrode it for lm-eval.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness::request::Request;
use harness::task::Task;
use serde_json::{Value, json};
use tasks::chat::ChatTemplate;
use tasks::config::{PromptFormat, TaskConfig};
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

/// Builds the task of the request fixture `file` (under `root`) with prompts laid out as
/// `prompt` and asserts every request equals lm-eval's; the number of requests compared, or
/// `None` when babelbench refuses the task (sampled generation).
fn check_fixture(root: &Path, file: &Path, prompt: PromptFormat) -> Option<usize> {
    let dir = tempfile::tempdir().unwrap();
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let yaml = root.join("tasks").join(fixture["yaml"].as_str().unwrap());
    let path = wrapper(dir.path(), &yaml, fixture["splits"].as_object().unwrap());
    let mut config = TaskConfig::new(dir.path());
    config.num_fewshot = Some(fixture["num_fewshot"].as_u64().unwrap() as usize);
    config.prompt = prompt;
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
            return None;
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
    if let Some(want_targets) = fixture.get("targets").and_then(Value::as_array) {
        let targets: Vec<Value> = docs.iter().map(|d| json!(d.target)).collect();
        let want_targets: Vec<Value> = want_targets
            .iter()
            .map(|t| match t {
                Value::String(_) => t.clone(),
                other => json!(other.to_string()),
            })
            .collect();
        if fixture["output_type"] != "multiple_choice" {
            assert_eq!(targets, want_targets, "{}: targets", file.display());
        }
    }
    Some(built.len())
}

/// The JSON files in `dir`, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_task_builds_the_requests_lm_eval_builds() {
    let (mut tasks, mut requests, mut refused) = (0, 0, 0);
    for file in json_files(&fixtures().join("requests")) {
        match check_fixture(&fixtures(), &file, PromptFormat::default()) {
            Some(n) => {
                tasks += 1;
                requests += n;
            }
            None => refused += 1,
        }
    }
    eprintln!("{tasks} fixture tasks, {requests} requests identical to lm-eval's");
    assert!(tasks >= 15, "only {tasks} fixtures compared");
    assert_eq!(refused, 2);
}

/// The chat template of `tasks/tests/fixtures/chat/templates/<name>.json`.
pub fn fixture_template(name: &str) -> ChatTemplate {
    let path = chat_fixtures()
        .join("templates")
        .join(format!("{name}.json"));
    let t: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let special = t["special_tokens"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    ChatTemplate::new(
        t["origin"].as_str().unwrap(),
        t["source"].as_str().unwrap(),
        special,
    )
    .unwrap()
}

/// The chat fixtures written by `scripts/chat_template_fixtures.py`.
pub fn chat_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chat")
}

#[test]
fn under_a_chat_template_tasks_build_the_requests_lm_eval_builds() {
    let (mut tasks, mut requests) = (0, 0);
    for file in json_files(&chat_fixtures().join("requests")) {
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let prompt = PromptFormat {
            chat_template: Some(Arc::new(fixture_template(
                fixture["template"].as_str().unwrap(),
            ))),
            system_instruction: fixture["system_instruction"].as_str().map(String::from),
            fewshot_as_multiturn: fixture["fewshot_as_multiturn"].as_bool().unwrap(),
            ..PromptFormat::default()
        };
        if let Some(n) = check_fixture(&fixtures(), &file, prompt) {
            tasks += 1;
            requests += n;
        }
    }
    eprintln!("{tasks} chat fixture runs, {requests} requests identical to lm-eval's");
    assert!(tasks >= 7, "only {tasks} chat fixtures compared");
}
