//! `babelbench run` and `babelbench merge` end to end with the default model (fetched by
//! scripts/fetch-default-model.sh; the tests print that they are skipped without it, and fail
//! with `CI=true`) on the committed data subset: a run killed with SIGKILL several times and rerun equals an
//! uninterrupted run, shards merge to the unsharded result, and bad input exits 2.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Small, quick tasks: rolling log-likelihood and loglikelihood requests, one per batch.
const TASKS: &str = "bpb_deu_Latn,bpb_fra_Latn,sib200_deu_Latn";
const LIMIT: &str = "3";

/// `babelbench run` of [`TASKS`] with the default model at `model` on the committed data subset.
fn run_args(model: &Path, output: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "run",
        "--quiet",
        "--model",
        model.to_str().unwrap(),
        "--data-dir",
        testdata::data().to_str().unwrap(),
        "--tasks",
        TASKS,
        "--limit",
        LIMIT,
        "--batch-size",
        "1",
        "--output",
        output.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn babelbench(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_babelbench"))
        .args(args)
        .output()
        .unwrap()
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "babelbench failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The results of a finished run folder, as written.
fn results(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("results.jsonl")).unwrap()
}

fn samples(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("samples.jsonl")).unwrap()
}

#[test]
fn killed_runs_resume_to_the_uninterrupted_result_and_shards_merge_to_it() {
    let Some(model) = testdata::default_model() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    assert_ok(&babelbench(&run_args(&model, &whole, &[])));

    // Kill the run with SIGKILL at growing delays, then let the last rerun finish.
    let killed = tmp.path().join("killed");
    let mut kills = 0;
    for delay_ms in [1500u64, 3000, 4500, 6000] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_babelbench"))
            .args(run_args(&model, &killed, &[]))
            .spawn()
            .unwrap();
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(delay_ms) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL on Unix
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(kills > 0, "the run finished before it could be killed");
    assert_ok(&babelbench(&run_args(&model, &killed, &[])));
    assert_eq!(results(&killed), results(&whole));
    assert_eq!(samples(&killed), samples(&whole));

    // Two shards, merged, equal the whole run.
    let shard0 = tmp.path().join("shard0");
    let shard1 = tmp.path().join("shard1");
    assert_ok(&babelbench(&run_args(&model, &shard0, &["--shard", "0/2"])));
    assert_ok(&babelbench(&run_args(&model, &shard1, &["--shard", "1/2"])));
    let merged = tmp.path().join("merged");
    let merge: Vec<String> = [
        "merge",
        "--quiet",
        shard0.to_str().unwrap(),
        shard1.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_ok(&babelbench(&merge));
    assert_eq!(results(&merged), results(&whole));
    assert_eq!(samples(&merged), samples(&whole));
}

/// `--dtype bf16` is recorded in the manifest and gives another model fingerprint (the key of
/// the response cache), so f32 and bf16 answers are never mixed.
#[test]
fn bf16_runs_are_recorded_and_never_reuse_f32_answers() {
    let Some(model) = testdata::default_model() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let manifest = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
    };
    let (f32_dir, bf16_dir) = (tmp.path().join("f32"), tmp.path().join("bf16"));
    assert_ok(&babelbench(&run_args(&model, &f32_dir, &[])));
    assert_ok(&babelbench(&run_args(
        &model,
        &bf16_dir,
        &["--dtype", "bf16"],
    )));
    let (f32_run, bf16_run) = (manifest(&f32_dir), manifest(&bf16_dir));
    assert_eq!(f32_run["dtype"], "f32");
    assert_eq!(bf16_run["dtype"], "bf16");
    assert_ne!(f32_run["model_fingerprint"], bf16_run["model_fingerprint"]);
    assert_ne!(
        samples(&f32_dir),
        samples(&bf16_dir),
        "bf16 rounds: some log-prob moves"
    );
}

/// `--prompt-language native` gives SIB-200 German its German prompt, records the language in
/// the task signature and the manifest, and `merge` rebuilds the same tasks from the shards.
#[test]
fn native_prompts_are_recorded_and_shards_merge_to_them() {
    let Some(model) = testdata::default_model() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let native = ["--prompt-language", "native"];
    let whole = tmp.path().join("whole");
    assert_ok(&babelbench(&run_args(&model, &whole, &native)));
    let sib: serde_json::Value =
        serde_json::from_str(samples(&whole).lines().last().unwrap()).unwrap();
    assert_eq!(sib["task"], "sib200_deu_Latn");
    assert!(
        sib["prompt"]
            .as_str()
            .unwrap()
            .starts_with("Thema: science/technology"),
        "{sib}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(whole.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["run_config"]["prompt_language"], "native");
    let signature = manifest["tasks"]["sib200_deu_Latn"].as_str().unwrap();
    assert!(signature.ends_with("|prompt=deu_Latn"), "{signature}");
    // Bits per byte has no prompt to localize.
    assert!(
        !manifest["tasks"]["bpb_deu_Latn"]
            .as_str()
            .unwrap()
            .contains("|prompt=")
    );

    let shards: Vec<_> = ["0/2", "1/2"]
        .iter()
        .enumerate()
        .map(|(i, shard)| {
            let dir = tmp.path().join(format!("shard{i}"));
            let mut args = native.to_vec();
            args.extend(["--shard", shard]);
            assert_ok(&babelbench(&run_args(&model, &dir, &args)));
            dir.to_str().unwrap().to_string()
        })
        .collect();
    let merged = tmp.path().join("merged");
    let mut merge = vec!["merge".to_string(), "--quiet".to_string()];
    merge.extend(shards);
    merge.extend(["--out".to_string(), merged.to_str().unwrap().to_string()]);
    assert_ok(&babelbench(&merge));
    assert_eq!(results(&merged), results(&whole));
    assert_eq!(samples(&merged), samples(&whole));
}

/// One task of each request kind, in English and German, at `--batch-size 1`, 5 and 16:
/// multiple choice, rolling log-likelihood, hidden states and greedy generation.
#[test]
fn results_do_not_depend_on_the_batch_size() {
    let Some(model) = testdata::default_model() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let tasks = "belebele_eng_Latn,belebele_deu_Latn,bpb_eng_Latn,bpb_deu_Latn,mexa_deu_Latn,\
                 flores_eng_Latn-deu_Latn";
    let run = |batch: &str| {
        let out = tmp.path().join(format!("batch{batch}"));
        let mut args = run_args(&model, &out, &["--max-new-tokens", "16"]);
        let at = |flag: &str| args.iter().position(|a| a == flag).unwrap() + 1;
        let (tasks_at, batch_at) = (at("--tasks"), at("--batch-size"));
        args[tasks_at] = tasks.to_string();
        args[batch_at] = batch.to_string();
        assert_ok(&babelbench(&args));
        out
    };
    let one = run("1");
    for batch in ["5", "16"] {
        let other = run(batch);
        assert_eq!(
            results(&other),
            results(&one),
            "results, --batch-size {batch}"
        );
        assert_eq!(
            samples(&other),
            samples(&one),
            "samples, --batch-size {batch}"
        );
    }
}

fn assert_exit_2(args: &[String], expected: &str) {
    let output = babelbench(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains(expected),
        "stderr does not mention `{expected}`: {stderr}"
    );
}

#[test]
fn bad_run_input_exits_2_with_a_clear_message() {
    let Some(model) = testdata::default_model() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut unknown = run_args(&model, &out, &[]);
    let at = unknown.iter().position(|a| a == TASKS).unwrap();
    unknown[at] = "belebel_deu_Latn".to_string();
    assert_exit_2(&unknown, "belebele");

    let mut zero = run_args(&model, &out, &[]);
    let at = zero.iter().position(|a| a == LIMIT).unwrap();
    zero[at] = "0".to_string();
    assert_exit_2(&zero, "--limit 0");
    assert_exit_2(
        &run_args(&model, &out, &["--prompt-language", "klingon"]),
        "`klingon` is not `english` or `native`",
    );
    assert_exit_2(
        &run_args(&model, &out, &["--device", "gpu"]),
        "`gpu` is not a device; use cpu, wgpu",
    );
    assert_exit_2(
        &run_args(&model, &out, &["--dtype", "fp8"]),
        "`fp8` is not a dtype; use f32 or bf16",
    );
    // CI builds no GPU backend.
    assert_exit_2(
        &run_args(&model, &out, &["--device", "cuda:1"]),
        "built without the `cuda` feature",
    );

    let shard = babelbench(&run_args(&model, &out, &["--shard", "3/2"]));
    assert_eq!(shard.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&shard.stderr).contains("3/2"));

    let mut missing = run_args(&model, &out, &[]);
    let at = missing.iter().position(|a| a.ends_with(".gguf")).unwrap();
    missing[at] = tmp
        .path()
        .join("no-such-model.gguf")
        .to_string_lossy()
        .into_owned();
    assert_exit_2(&missing, "no-such-model.gguf");
}
