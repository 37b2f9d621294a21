//! Runner throughput: lm-evaluation-harness-style multiple-choice scoring (one context, four
//! single-token answers) and greedy generation, on the tiny gemma3 fixture and, when it has
//! been fetched (scripts/fetch-default-model.sh), on gemma-3-270m with real Belebele prompts.
//! Throughput is reported in prompt tokens (scoring) or generated tokens (generation).
//! `scripts/bench_models.sh` compares the same workloads with HF transformers.

#[path = "../models/tests/suite/runner_support/mod.rs"]
mod runner_support;

use models::dtype::Dtype;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::model::LanguageModel;
use harness::request::{GenerateRequest, LoglikelihoodRequest};
use models::loader::load_model;

/// Belebele questions scored per iteration on gemma-3-270m.
const QUESTIONS: usize = 4;
/// Tokens generated per prompt.
const NEW_TOKENS: usize = 8;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// Belebele prompts in lm-evaluation-harness's format (P/Q/A-D/Answer:).
fn belebele_prompts(count: usize) -> Vec<String> {
    let path = shared().join("data/belebele/eng_Latn.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .take(count)
        .map(|line| {
            let item: serde_json::Value = serde_json::from_str(line).unwrap();
            let field = |name: &str| item[name].as_str().unwrap().to_string();
            format!(
                "P: {}\nQ: {}\nA: {}\nB: {}\nC: {}\nD: {}\nAnswer:",
                field("flores_passage"),
                field("question"),
                field("mc_answer1"),
                field("mc_answer2"),
                field("mc_answer3"),
                field("mc_answer4")
            )
        })
        .collect()
}

fn choices(contexts: &[String]) -> Vec<LoglikelihoodRequest> {
    contexts
        .iter()
        .flat_map(|context| {
            [" A", " B", " C", " D"].map(|c| LoglikelihoodRequest {
                context: context.clone(),
                continuation: c.to_string(),
            })
        })
        .collect()
}

fn bench_model(c: &mut Criterion, name: &str, model: &dyn LanguageModel, contexts: &[String]) {
    let requests = choices(contexts);
    let prompt_tokens: usize = contexts
        .iter()
        .map(|t| model.tokenize(t).unwrap().len())
        .sum();
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements(prompt_tokens as u64));
    group.bench_function("multiple_choice_score", |b| {
        b.iter(|| model.loglikelihood(&requests).unwrap())
    });
    let generate: Vec<GenerateRequest> = contexts
        .iter()
        .map(|context| GenerateRequest {
            context: context.clone(),
            until: Vec::new(),
            max_new_tokens: NEW_TOKENS,
        })
        .collect();
    let generated: usize = model
        .generate(&generate)
        .unwrap()
        .iter()
        .map(|g| g.token_ids.len())
        .sum();
    group.throughput(Throughput::Elements(generated as u64));
    group.bench_function("greedy_generate", |b| {
        b.iter(|| model.generate(&generate).unwrap())
    });
    group.finish();
}

fn tiny(c: &mut Criterion) {
    let (model, _dir) = runner_support::tiny_model("gemma3", true);
    let contexts: Vec<String> = (0..8)
        .map(|i| runner_support::words(&(10 + i..90 + i).collect::<Vec<u32>>()))
        .collect();
    bench_model(c, "tiny_gemma3", &model, &contexts);
}

fn gemma(c: &mut Criterion) {
    let root = harness::model_cache::model_cache().unwrap_or_default();
    let gguf = root.join(harness::model_cache::DEFAULT_MODEL);
    if !gguf.is_file() {
        eprintln!(
            "skipping gemma-3-270m: {} is missing; run scripts/fetch-default-model.sh",
            gguf.display()
        );
        return;
    }
    let model = load_model(&gguf, None, &Device::default(), Dtype::F32).unwrap();
    bench_model(c, "gemma3_270m", &model, &belebele_prompts(QUESTIONS));
}

criterion_group!(benches, tiny, gemma);
criterion_main!(benches);
