//! `babelbench model …` end to end on the tiny gemma3 fixture with a word-level tokenizer
//! (`w{i}` is token id i), JSONL in and out, and exit code 2 on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::common;

fn tiny() -> PathBuf {
    testdata::fixtures().join("models/tiny/gemma3")
}

/// A tokenizer.json over `<pad>`, `<eos>`, `<bos>` and `w3`..`w511`, adding BOS when `bos`.
fn write_tokenizer(dir: &Path, bos: bool) -> PathBuf {
    let mut vocab = serde_json::Map::new();
    for (id, name) in common::SPECIAL_TOKENS.iter().enumerate() {
        vocab.insert(name.to_string(), json!(id));
    }
    for id in 3..512 {
        vocab.insert(format!("w{id}"), json!(id));
    }
    let post = if bos {
        common::bos_post_processor()
    } else {
        Value::Null
    };
    let tokenizer = json!({
        "version": "1.0", "truncation": null, "padding": null,
        "added_tokens": common::added_special_tokens(),
        "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": post, "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<pad>"}
    });
    let path = dir.join("tokenizer.json");
    std::fs::write(&path, tokenizer.to_string()).unwrap();
    path
}

fn babelbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_babelbench"))
        .args(args)
        .output()
        .unwrap()
}

fn json_lines(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn write_input(dir: &Path, lines: &[Value]) -> PathBuf {
    let path = dir.join("input.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn info_prints_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = write_tokenizer(dir.path(), true);
    let output = babelbench(&[
        "model",
        "info",
        "--model",
        path_str(&tiny()),
        "--tokenizer",
        path_str(&tokenizer),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let info: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(info["architecture"], "gemma3_text");
    assert_eq!(info["num_layers"], 3);
    assert_eq!(info["vocab_size"], 512);
    assert_eq!(info["max_context"], 128);
    assert_eq!(info["bos_token_id"], 2);
}

#[test]
fn score_matches_the_pytorch_reference() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(tiny().join("reference.json")).unwrap())
            .unwrap();
    let ids: Vec<u64> = reference["input_ids"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let text = ids
        .iter()
        .map(|id| format!("w{id}"))
        .collect::<Vec<_>>()
        .join(" ");
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = write_tokenizer(dir.path(), false);
    let input = write_input(dir.path(), &[json!({"text": text}), json!({"text": "w7"})]);
    let output = babelbench(&[
        "model",
        "score",
        "--model",
        path_str(&tiny()),
        "--tokenizer",
        path_str(&tokenizer),
        "--input",
        path_str(&input),
    ]);
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["input_ids"], json!(ids));
    let logprobs = lines[0]["token_logprobs"].as_array().unwrap();
    assert_eq!(logprobs.len(), ids.len() - 1);
    let mut sum = 0.0;
    for (position, got) in logprobs.iter().enumerate() {
        let row: Vec<f64> = reference["logits"][0][position]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log_z = max + row.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
        let expected = row[ids[position + 1] as usize] - log_z;
        let got = got.as_f64().unwrap();
        assert!(
            (got - expected).abs() < 1e-4,
            "position {position}: {got} vs {expected}"
        );
        sum += got;
    }
    assert!((lines[0]["sum_logprob"].as_f64().unwrap() - sum).abs() < 1e-9);
    // A single token has nothing to score.
    assert_eq!(lines[1]["token_logprobs"], json!([]));
    assert_eq!(lines[1]["sum_logprob"], json!(0.0));
}

#[test]
fn loglikelihood_embed_and_generate_write_one_line_per_input() {
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = write_tokenizer(dir.path(), true);
    let tiny = tiny();
    let model = [
        "--model",
        path_str(&tiny),
        "--tokenizer",
        path_str(&tokenizer),
    ];

    let pairs = write_input(
        dir.path(),
        &[
            json!({"context": "w10 w11 ", "continuation": "w12"}),
            json!({"context": "w10 w11", "continuation": " w12 w13"}),
        ],
    );
    let mut args = vec!["model", "loglikelihood"];
    args.extend(model);
    args.extend(["--input", path_str(&pairs)]);
    let lines = json_lines(&babelbench(&args));
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (
            lines[0]["num_tokens"].clone(),
            lines[0]["num_bytes"].clone()
        ),
        (json!(1), json!(4))
    );
    assert_eq!(lines[1]["num_tokens"], json!(2));
    assert!(lines[1]["logprob"].as_f64().unwrap() < lines[0]["logprob"].as_f64().unwrap());

    let texts = write_input(
        dir.path(),
        &[json!({"text": "w10 w11 w12"}), json!({"text": "w400"})],
    );
    let mut args = vec!["model", "embed"];
    args.extend(model);
    args.extend(["--input", path_str(&texts), "--pooling", "last"]);
    let lines = json_lines(&babelbench(&args));
    assert_eq!(lines.len(), 2);
    let layers = lines[0]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 4);
    assert!(layers.iter().all(|l| l.as_array().unwrap().len() == 64));
    assert_eq!(lines[0]["pooling"], "last");

    let mut args = vec!["model", "generate"];
    args.extend(model);
    args.extend([
        "--input",
        path_str(&texts),
        "--max-new-tokens",
        "3",
        "--batch-size",
        "1",
    ]);
    let lines = json_lines(&babelbench(&args));
    assert_eq!(lines.len(), 2);
    for line in &lines {
        let ids = line["token_ids"].as_array().unwrap();
        assert!(!ids.is_empty() && ids.len() <= 3);
        assert!(line["generated"].is_string());
    }
}

#[test]
fn bad_input_exits_2_with_the_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = write_tokenizer(dir.path(), true);
    let input = dir.path().join("bad.jsonl");
    std::fs::write(&input, "{\"text\": \"w5\"}\n{\"txt\": \"w6\"}\n").unwrap();
    let output = babelbench(&[
        "model",
        "score",
        "--model",
        path_str(&tiny()),
        "--tokenizer",
        path_str(&tokenizer),
        "--input",
        path_str(&input),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.jsonl:2:") && stderr.contains("\"text\""),
        "{stderr}"
    );

    std::fs::write(&input, "{\"text\": \"w5\"}\nnot json\n").unwrap();
    let output = babelbench(&[
        "model",
        "embed",
        "--model",
        path_str(&tiny()),
        "--input",
        path_str(&input),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bad.jsonl:2: not valid JSON"));
}

#[test]
fn a_missing_model_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = babelbench(&["model", "info", "--model", "/nonexistent/m.gguf"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/m.gguf") && stderr.contains("no such model"),
        "{stderr}"
    );
    // A folder model without tokenizer.json: the error says how to pass one.
    let input = write_input(dir.path(), &[json!({"text": "w5"})]);
    let output = babelbench(&[
        "model",
        "generate",
        "--model",
        path_str(&tiny()),
        "--input",
        path_str(&input),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tokenizer"));
}
