//! Every task end to end through `babelbench run` on the tiny gemma3 fixture, for English and
//! German with a small limit: the run folder is complete, its numbers agree with values computed
//! another way (byte counts, `model score`, `mt-score`, the per-layer MEXA scores), and the
//! results do not depend on the batch size.
//!
//! The fixture has no tokenizer; the test writes a byte-level one (each UTF-8 byte is one token,
//! ids 3..=258 under a BOS-adding post-processor), which fits its 512-token vocabulary and
//! encodes any text. Its config allows 128 positions; a copy allows 4096, so that Belebele
//! passages fit (Gemma 3 uses RoPE, so the weights do not limit positions).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::common;

const LIMIT: usize = 2;
const TASKS: &str = "belebele,flores,sib200,mexa,bpb,tokenizer_premium";

/// GPT-2's printable stand-in for every byte, as the `ByteLevel` pre-tokenizer maps bytes.
fn byte_symbols() -> Vec<char> {
    let printable = |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || b >= 174;
    let mut next = 256;
    (0..256u32)
        .map(|b| {
            if printable(b) {
                char::from_u32(b).unwrap()
            } else {
                let c = char::from_u32(next).unwrap();
                next += 1;
                c
            }
        })
        .collect()
}

/// A byte-level tokenizer.json: `<pad>`, `<eos>`, `<bos>`, then the 256 bytes.
fn write_byte_tokenizer(dir: &Path) -> PathBuf {
    let mut vocab = serde_json::Map::new();
    for (id, name) in common::SPECIAL_TOKENS.iter().enumerate() {
        vocab.insert(name.to_string(), json!(id));
    }
    for (byte, symbol) in byte_symbols().into_iter().enumerate() {
        vocab.insert(symbol.to_string(), json!(byte + 3));
    }
    let byte_level = json!({"type": "ByteLevel", "add_prefix_space": false,
                            "trim_offsets": false, "use_regex": false});
    let tokenizer = json!({
        "version": "1.0", "truncation": null, "padding": null,
        "added_tokens": common::added_special_tokens(),
        "normalizer": null, "pre_tokenizer": byte_level, "decoder": byte_level,
        "post_processor": common::bos_post_processor(),
        "model": {"type": "BPE", "dropout": null, "unk_token": null,
                  "continuing_subword_prefix": null, "end_of_word_suffix": null,
                  "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                  "vocab": vocab, "merges": []}
    });
    let path = dir.join("tokenizer.json");
    std::fs::write(&path, tokenizer.to_string()).unwrap();
    path
}

/// A copy of the tiny gemma3 fixture allowing 4096 positions, with the byte tokenizer.
fn tiny_model(dir: &Path) -> PathBuf {
    let fixture = testdata::fixtures().join("models/tiny/gemma3");
    let model = dir.join("gemma3");
    std::fs::create_dir(&model).unwrap();
    for file in ["model.safetensors", "generation_config.json"] {
        std::fs::copy(fixture.join(file), model.join(file)).unwrap();
    }
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("config.json")).unwrap())
            .unwrap();
    config["max_position_embeddings"] = json!(4096);
    std::fs::write(model.join("config.json"), config.to_string()).unwrap();
    write_byte_tokenizer(&model);
    model
}

fn babelbench(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_babelbench"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "babelbench {args:?} exited {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn run(model: &Path, output: &Path, batch_size: &str) {
    let data = testdata::data();
    babelbench(&[
        "run",
        "--quiet",
        "--model",
        model.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--tasks",
        TASKS,
        "--languages",
        "eng_Latn,deu_Latn",
        "--limit",
        &LIMIT.to_string(),
        "--max-new-tokens",
        "8",
        "--batch-size",
        batch_size,
        "--output",
        output.to_str().unwrap(),
    ]);
}

fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// `(task, metric)` → value, from results.jsonl.
fn metrics(dir: &Path) -> BTreeMap<(String, String), f64> {
    json_lines(&dir.join("results.jsonl"))
        .into_iter()
        .map(|row| {
            let key = (
                row["task"].as_str().unwrap().to_string(),
                row["metric"].as_str().unwrap().to_string(),
            );
            (key, row["value"].as_f64().unwrap())
        })
        .collect()
}

/// The samples of `task`, in document order.
fn samples(dir: &Path, task: &str) -> Vec<Value> {
    json_lines(&dir.join("samples.jsonl"))
        .into_iter()
        .filter(|row| row["task"] == task)
        .collect()
}

fn scores(sample: &Value) -> Value {
    serde_json::from_str(sample["scores_json"].as_str().unwrap()).unwrap()
}

/// The first `LIMIT` FLORES devtest sentences of `lang`.
fn devtest(lang: &str) -> Vec<String> {
    let path = testdata::data().join(format!("flores200/devtest/{lang}.devtest"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .take(LIMIT)
        .map(String::from)
        .collect()
}

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} vs {expected}"
    );
}

#[test]
fn every_task_runs_on_a_tiny_model_and_agrees_with_independent_computations() {
    let temp = tempfile::tempdir().unwrap();
    let model = tiny_model(temp.path());
    let small_batches = temp.path().join("batch1");
    let large_batches = temp.path().join("batch5");
    let largest_batches = temp.path().join("batch16");
    run(&model, &small_batches, "1");
    run(&model, &large_batches, "5");
    run(&model, &largest_batches, "16");
    let dir = small_batches.as_path();

    // Every task of both languages is there, each with LIMIT samples.
    let expected_tasks = [
        "belebele_deu_Latn",
        "belebele_eng_Latn",
        "bpb_deu_Latn",
        "bpb_eng_Latn",
        "flores_deu_Latn-eng_Latn",
        "flores_eng_Latn-deu_Latn",
        "mexa_deu_Latn",
        "sib200_deu_Latn",
        "sib200_eng_Latn",
        "tokenizer_premium_deu_Latn",
    ];
    let results = json_lines(&dir.join("results.jsonl"));
    let mut tasks: Vec<&str> = results
        .iter()
        .map(|r| r["task"].as_str().unwrap())
        .collect();
    tasks.dedup();
    assert_eq!(tasks, expected_tasks);
    for row in &results {
        assert_eq!(row["num_samples"], json!(LIMIT), "{row}");
    }
    for task in expected_tasks {
        assert_eq!(samples(dir, task).len(), LIMIT, "{task}");
    }
    for file in [
        "manifest.json",
        "results.json",
        "results.parquet",
        "samples.parquet",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let values = metrics(dir);
    let value = |task: &str, metric: &str| {
        *values
            .get(&(task.to_string(), metric.to_string()))
            .unwrap_or_else(|| panic!("no {metric} for {task}"))
    };

    // Batch size changes nothing.
    for file in ["results.jsonl", "samples.jsonl"] {
        for (other, size) in [(&large_batches, 5), (&largest_batches, 16)] {
            assert_eq!(
                std::fs::read_to_string(dir.join(file)).unwrap(),
                std::fs::read_to_string(other.join(file)).unwrap(),
                "{file} differs between --batch-size 1 and {size}"
            );
        }
    }

    // Tokenizer premium: with one token per byte, the ratio of UTF-8 byte counts.
    let bytes = |lang: &str| devtest(lang).iter().map(|s| s.len()).sum::<usize>() as f64;
    let task = "tokenizer_premium_deu_Latn";
    assert_eq!(value(task, "tokens"), bytes("deu_Latn"));
    assert_eq!(value(task, "english_tokens"), bytes("eng_Latn"));
    assert_close(
        value(task, "premium"),
        bytes("deu_Latn") / bytes("eng_Latn"),
        1e-12,
        task,
    );

    // Bits per byte: each sentence's negative log-likelihood equals `model score`'s sum over
    // the same tokens (one window, since the sentences fit the context).
    let input = temp.path().join("score.jsonl");
    let sentences = devtest("deu_Latn");
    let lines: String = sentences
        .iter()
        .map(|s| format!("{}\n", json!({ "text": s })))
        .collect();
    std::fs::write(&input, lines).unwrap();
    let scored = babelbench(&[
        "model",
        "score",
        "--model",
        model.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ]);
    let scored: Vec<Value> = String::from_utf8(scored.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut nll_total = 0.0;
    for ((sample, sentence), score) in samples(dir, "bpb_deu_Latn")
        .iter()
        .zip(&sentences)
        .zip(&scored)
    {
        let nll = scores(sample)["nll"].as_f64().unwrap();
        let expected = -score["sum_logprob"].as_f64().unwrap();
        assert_close(nll, expected, 1e-3 * expected.abs(), "bpb nll");
        assert_eq!(
            scores(sample)["bytes"].as_f64().unwrap(),
            sentence.len() as f64
        );
        nll_total += nll;
    }
    assert_close(
        value("bpb_deu_Latn", "bpb"),
        nll_total / bytes("deu_Latn") / std::f64::consts::LN_2,
        1e-9,
        "bpb",
    );

    // Multiple choice: accuracy is the share of samples whose prediction is the target.
    for task in [
        "belebele_eng_Latn",
        "belebele_deu_Latn",
        "sib200_eng_Latn",
        "sib200_deu_Latn",
    ] {
        let rows = samples(dir, task);
        let right = rows
            .iter()
            .filter(|r| r["prediction"] == r["target"])
            .count();
        assert_close(
            value(task, "acc"),
            right as f64 / rows.len() as f64,
            1e-12,
            task,
        );
        for row in &rows {
            let acc = scores(row)["acc"].as_f64().unwrap();
            assert_eq!(
                acc == 1.0,
                row["prediction"] == row["target"],
                "{task}: {row}"
            );
        }
    }

    // Translation: the direction's chrF++ is what `mt-score` gives for its predictions.
    for task in ["flores_deu_Latn-eng_Latn", "flores_eng_Latn-deu_Latn"] {
        let rows = samples(dir, task);
        assert!(
            rows.iter()
                .all(|r| r["prompt"].as_str().unwrap().ends_with(':'))
        );
        let text = |field: &str| -> String {
            rows.iter()
                .map(|r| format!("{}\n", r[field].as_str().unwrap()))
                .collect()
        };
        let (hyp, reference) = (temp.path().join("hyp.txt"), temp.path().join("ref.txt"));
        std::fs::write(&hyp, text("prediction")).unwrap();
        std::fs::write(&reference, text("target")).unwrap();
        let scored = babelbench(&[
            "mt-score",
            "--hyp",
            hyp.to_str().unwrap(),
            "--ref",
            reference.to_str().unwrap(),
            "--metrics",
            "chrf++",
            "--json",
        ]);
        let scored: Value = serde_json::from_slice(&scored.stdout).unwrap();
        // mt-score rounds to sacrebleu's one decimal.
        assert_close(
            value(task, "chrf++"),
            scored["score"].as_f64().unwrap(),
            0.05 + 1e-9,
            task,
        );
    }

    // MEXA: a score per hidden state (3 blocks + the embeddings) and pooling; mean and max over
    // them.
    for pooling in ["weighted_mean", "last"] {
        let layers: Vec<f64> = (0..4)
            .map(|layer| value("mexa_deu_Latn", &format!("layer_{layer:02}/{pooling}")))
            .collect();
        assert!(!values.contains_key(&("mexa_deu_Latn".into(), format!("layer_04/{pooling}"))));
        for &score in &layers {
            assert!([0.0, 0.5, 1.0].contains(&score), "{pooling}: {layers:?}");
        }
        let mean = layers.iter().sum::<f64>() / layers.len() as f64;
        let max = layers.iter().cloned().fold(f64::MIN, f64::max);
        assert_close(
            value("mexa_deu_Latn", &format!("mexa_{pooling}_mean")),
            mean,
            1e-12,
            pooling,
        );
        assert_close(
            value("mexa_deu_Latn", &format!("mexa_{pooling}_max")),
            max,
            1e-12,
            pooling,
        );
    }

    // The run folder makes a report.
    let site = temp.path().join("site");
    babelbench(&[
        "report",
        dir.to_str().unwrap(),
        "--out",
        site.to_str().unwrap(),
    ]);
    assert!(site.join("index.html").is_file());
}

/// A folder laid out as the Hugging Face Hub cache holds facebook/belebele (`data/{lang}.jsonl`,
/// a card whose `configs:` name them), the files linked to the committed data subset.
fn belebele_hub_snapshot(dir: &Path) -> PathBuf {
    let cache = dir.join("hub");
    let repo = cache.join("datasets--facebook--belebele");
    let snapshot = repo.join("snapshots/0123abcd");
    std::fs::create_dir_all(snapshot.join("data")).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), "0123abcd").unwrap();
    let mut card = String::from("---\nconfigs:\n");
    for lang in ["eng_Latn", "deu_Latn"] {
        let file = format!("data/{lang}.jsonl");
        std::os::unix::fs::symlink(
            testdata::data()
                .join("belebele")
                .join(format!("{lang}.jsonl")),
            snapshot.join(&file),
        )
        .unwrap();
        card.push_str(&format!(
            "- config_name: {lang}\n  data_files:\n  - split: test\n    path: {file}\n"
        ));
    }
    card.push_str("---\n");
    std::fs::write(snapshot.join("README.md"), card).unwrap();
    cache
}

/// Per document: (task, prompt, prediction, acc, acc_norm), from samples.jsonl.
fn choice_samples(dir: &Path) -> Vec<(String, String, String, Value, Value)> {
    json_lines(&dir.join("samples.jsonl"))
        .into_iter()
        .map(|s| {
            let scores = scores(&s);
            (
                s["task"].as_str().unwrap().to_string(),
                s["prompt"].as_str().unwrap().to_string(),
                s["prediction"].as_str().unwrap().to_string(),
                scores["acc"].clone(),
                scores["acc_norm"].clone(),
            )
        })
        .collect()
}

#[test]
fn lm_eval_belebele_yamls_from_a_hub_snapshot_equal_the_built_in_task_and_a_one_file_translation_task_runs()
 {
    let temp = tempfile::tempdir().unwrap();
    let model = tiny_model(temp.path());
    let data = testdata::data();
    let hub = belebele_hub_snapshot(temp.path());
    let yamls =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tasks/tests/fixtures/lm_eval/tasks/belebele");
    let common = |out: &Path| -> Vec<String> {
        [
            "run",
            "--quiet",
            "--model",
            model.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "--limit",
            "4",
            "--batch-size",
            "4",
            "--output",
            out.to_str().unwrap(),
            "--tasks",
            "belebele_eng_Latn,belebele_deu_Latn",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let built_in = temp.path().join("built_in");
    let args = common(&built_in);
    babelbench(&args.iter().map(String::as_str).collect::<Vec<_>>());
    // The same two tasks selected through a group that combines their metrics, as lm-eval's
    // `_belebele.yaml` does for all of Belebele.
    let group_dir = temp.path().join("group");
    std::fs::create_dir_all(&group_dir).unwrap();
    std::fs::write(
        group_dir.join("pair.yaml"),
        "group: belebele_pair\ntask: [belebele_eng_Latn, belebele_deu_Latn]\n\
         aggregate_metric_list:\n  - metric: acc\n    weight_by_size: true\n\
         \x20 - {metric: acc_norm, aggregation: mean, weight_by_size: false}\n",
    )
    .unwrap();
    let from_yaml = temp.path().join("from_yaml");
    let mut args = common(&from_yaml);
    *args.last_mut().unwrap() = "belebele_pair".into();
    args.extend([
        "--include-path".into(),
        yamls.to_str().unwrap().into(),
        "--include-path".into(),
        group_dir.to_str().unwrap().into(),
        "--hf-data".into(),
        hub.to_str().unwrap().into(),
    ]);
    babelbench(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let (a, b) = (choice_samples(&built_in), choice_samples(&from_yaml));
    assert_eq!(a.len(), 8);
    assert_eq!(a, b, "lm-eval's YAMLs and the built-in Belebele disagree");
    // The group's row: lm-eval's size-weighted mean and pooled standard error for acc, the
    // plain mean and sqrt(Σ se²)/k for acc_norm, from the two tasks' own rows.
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(from_yaml.join("results.json")).unwrap())
            .unwrap();
    let task = |lang: &str, key: &str| {
        results["results"][format!("belebele_{lang}_Latn")][key]
            .as_f64()
            .unwrap()
    };
    let group = &results["groups"]["belebele_pair"];
    assert_eq!(group, &results["results"]["belebele_pair"]);
    assert_eq!(group["sample_len"], 8);
    let mean = |key: &str| (task("eng", key) + task("deu", key)) / 2.0;
    assert_close(
        group["acc,none"].as_f64().unwrap(),
        mean("acc,none"),
        1e-12,
        "group acc",
    );
    assert_close(
        group["acc_norm,none"].as_f64().unwrap(),
        mean("acc_norm,none"),
        1e-12,
        "group acc_norm",
    );
    let (se_eng, se_deu) = (
        task("eng", "acc_stderr,none"),
        task("deu", "acc_stderr,none"),
    );
    let pooled = ((3.0 * 4.0 * (se_eng * se_eng + se_deu * se_deu)) / 6.0 / 8.0).sqrt();
    assert_close(
        group["acc_stderr,none"].as_f64().unwrap(),
        pooled,
        1e-12,
        "pooled stderr",
    );
    let (ne, nd) = (
        task("eng", "acc_norm_stderr,none"),
        task("deu", "acc_norm_stderr,none"),
    );
    assert_close(
        group["acc_norm_stderr,none"].as_f64().unwrap(),
        (ne * ne + nd * nd).sqrt() / 2.0,
        1e-12,
        "unweighted stderr",
    );
    // Each run records the sha256 of the files its tasks read: under the data root by their
    // path there, elsewhere (the Hub snapshot) by their full path.
    let checksums = |run: &Path| -> Vec<String> {
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap())
                .unwrap();
        manifest["dataset_checksums"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        checksums(&built_in),
        ["belebele/deu_Latn.jsonl", "belebele/eng_Latn.jsonl"]
    );
    let hub_files = checksums(&from_yaml);
    assert_eq!(hub_files.len(), 2, "{hub_files:?}");
    assert!(
        hub_files
            .iter()
            .all(|k| k.starts_with(hub.to_str().unwrap())),
        "{hub_files:?}"
    );

    // One file, no code: German → English over two aligned line files.
    let translation = temp.path().join("translation");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("tasks/examples/translation");
    let translate = |output: &Path, extra: &[&str]| {
        let mut args = vec![
            "run",
            "--quiet",
            "--model",
            model.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "--include-path",
            example.to_str().unwrap(),
            "--tasks",
            "translate_deu-eng",
            "--limit",
            "2",
            "--max-new-tokens",
            "8",
            "--output",
            output.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        babelbench(&args);
    };
    translate(&translation, &[]);
    let values = metrics(&translation);
    for metric in ["chrf++,strip", "chrf,strip", "bleu,strip"] {
        let value = values[&("translate_deu-eng".to_string(), metric.to_string())];
        assert!((0.0..=100.0).contains(&value), "{metric} = {value}");
    }
    // TER of the two outputs, as `mt-score`'s TER computes it from the same text.
    let outputs: Vec<Value> = samples(&translation, "translate_deu-eng");
    let ter = values[&("translate_deu-eng".to_string(), "ter,strip".to_string())];
    let (edits, words) = outputs.iter().fold((0.0, 0.0), |(e, w), s| {
        let sentence = scores(s)["ter,strip"].as_f64().unwrap();
        let reference = s["target"].as_str().unwrap().split_whitespace().count() as f64;
        (e + sentence * reference / 100.0, w + reference)
    });
    assert_close(
        ter,
        100.0 * edits / words,
        1e-9,
        "ter is the sum of the sentences' edits",
    );
    // Shards of a file-defined task merge to the unsharded run.
    let shards: Vec<PathBuf> = (0..2)
        .map(|i| temp.path().join(format!("shard{i}")))
        .collect();
    for (i, shard) in shards.iter().enumerate() {
        let spec = format!("{i}/2");
        translate(shard, &["--shard", &spec]);
    }
    let merged = temp.path().join("merged");
    babelbench(&[
        "merge",
        "--quiet",
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    for file in ["results.jsonl", "samples.jsonl"] {
        assert_eq!(
            std::fs::read_to_string(merged.join(file)).unwrap(),
            std::fs::read_to_string(translation.join(file)).unwrap(),
            "{file}: merged shards differ from the whole run"
        );
    }
    let samples = samples(&translation, "translate_deu-eng");
    assert_eq!(samples.len(), 2);
    let references: Vec<String> = samples
        .iter()
        .map(|s| s["target"].as_str().unwrap().to_string())
        .collect();
    let english = devtest("eng_Latn");
    assert_eq!(references, english[..2]);
}

#[test]
fn tasks_lists_included_files_and_validate_reports_every_problem_with_exit_2() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tasks/tests/fixtures/lm_eval/tasks");
    let list = babelbench(&[
        "tasks",
        "--all",
        "--include-path",
        fixtures.to_str().unwrap(),
    ]);
    let names = String::from_utf8(list.stdout).unwrap();
    for task in ["belebele_eng_Latn", "xnli_de", "mgsm_direct_de", "xcopa_et"] {
        assert!(
            names.lines().any(|l| l == task),
            "{task} not listed:\n{names}"
        );
    }
    let good = fixtures.join("belebele");
    // lm-eval's two Belebele files replace the built-in tasks of their names and count as
    // included.
    let summary = babelbench(&["tasks", "--include-path", good.to_str().unwrap()]);
    let summary = String::from_utf8(summary.stdout).unwrap();
    assert!(
        summary
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["(included)", "2", "tasks"]),
        "{summary}"
    );
    babelbench(&["tasks", "validate", good.to_str().unwrap()]);
    let output = Command::new(env!("CARGO_BIN_EXE_babelbench"))
        .args(["tasks", "validate", fixtures.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // xcopa's `!function` fields and global_piqa's sampled generation, each with file and line.
    assert!(
        stdout.contains("default_et.yaml:7:") && stdout.contains("Python"),
        "{stdout}"
    );
    assert!(
        stdout.contains("parallel_generation/_template:") && stdout.contains("greedily"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("problem(s)"));
}

#[test]
fn mexa_and_tokenizer_premium_as_task_files_equal_the_built_in_tasks() {
    let temp = tempfile::tempdir().unwrap();
    let model = tiny_model(temp.path());
    let data = testdata::data();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("tasks/examples/alignment");
    let run = |tasks: &str, out: &Path| {
        babelbench(&[
            "run",
            "--quiet",
            "--model",
            model.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "--include-path",
            examples.to_str().unwrap(),
            "--tasks",
            tasks,
            "--limit",
            "3",
            "--output",
            out.to_str().unwrap(),
        ]);
    };
    let (built_in, files) = (temp.path().join("built_in"), temp.path().join("files"));
    run("mexa_deu_Latn,tokenizer_premium_deu_Latn", &built_in);
    run("mexa_file_deu_Latn,tokenizer_premium_file_deu_Latn", &files);
    let (a, b) = (metrics(&built_in), metrics(&files));
    for (built, file) in [
        ("mexa_deu_Latn", "mexa_file_deu_Latn"),
        (
            "tokenizer_premium_deu_Latn",
            "tokenizer_premium_file_deu_Latn",
        ),
    ] {
        let of = |values: &BTreeMap<(String, String), f64>, task: &str| -> BTreeMap<String, f64> {
            values
                .iter()
                .filter(|((t, _), _)| t == task)
                .map(|((_, m), v)| (m.clone(), *v))
                .collect()
        };
        let (want, got) = (of(&a, built), of(&b, file));
        assert!(want.len() >= 3, "{built}: {want:?}");
        assert_eq!(got, want, "{file} against {built}");
    }
    let reported: Vec<Value> = json_lines(&files.join("results.jsonl"));
    assert!(
        reported.iter().all(|r| r["language"] == "deu_Latn"),
        "{reported:?}"
    );
}
