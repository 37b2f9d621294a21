//! `babelbench model`: load a model (HF folder or GGUF file) and inspect it, score texts,
//! pool hidden states or generate, reading JSONL `{"text": …}` lines and writing JSONL.
//! Timings go to standard error.

mod jsonl;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use harness::model::LanguageModel;
use harness::request::{GenerateRequest, HiddenStatesRequest, LoglikelihoodRequest, Pooling};
use models::device::DeviceChoice;
use models::dtype::Dtype;
use models::runner::{BurnModel, RunnerOptions};
use serde_json::json;

use jsonl::{Output, read_pairs, read_texts};

/// Subcommands of `babelbench model`.
#[derive(Subcommand)]
pub enum ModelCommand {
    /// Print the model's architecture, sizes, context length and backend as JSON.
    Info(ModelArgs),
    /// Log-probability of every token of each text given the tokens before it.
    Score(ScoreArgs),
    /// lm-evaluation-harness loglikelihood of {"context": …, "continuation": …} lines.
    Loglikelihood(ScoreArgs),
    /// Pooled hidden states of each text: one vector per layer (HF output_hidden_states).
    Embed(EmbedArgs),
    /// Greedy generation from each text.
    Generate(GenerateArgs),
}

/// Which model to load.
#[derive(Args)]
pub struct ModelArgs {
    /// An HF model folder (config.json + model.safetensors) or a .gguf file.
    #[arg(long)]
    pub model: PathBuf,
    /// The model's tokenizer.json (default: the one in the folder or beside the file).
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// Where the model runs: cpu, wgpu, wgpu:N or cuda[:N] (GPU backends need the cargo
    /// feature of the same name).
    #[arg(long, default_value = "cpu")]
    pub device: DeviceChoice,
    /// Precision of the matrix products: f32 (equal to HF transformers in float32) or bf16
    /// (weights and inputs rounded to bf16, sums in f32; CPU only).
    #[arg(long, default_value = "f32")]
    pub dtype: Dtype,
}

/// Input, output and batching shared by the commands that run the model.
#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// JSONL file with one {"text": …} object per line.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the JSONL results (default: standard output).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Texts sent to the model per call.
    #[arg(long, default_value_t = 8)]
    pub batch_size: usize,
    /// Most padded tokens in one forward pass.
    #[arg(long, default_value_t = RunnerOptions::default().max_batch_tokens)]
    pub max_batch_tokens: usize,
}

/// Arguments of `babelbench model score`.
#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub run: RunArgs,
}

/// Pooling accepted on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub enum PoolingArg {
    /// Mean over the text's tokens.
    Mean,
    /// Mean weighted by position (1..=T).
    WeightedMean,
    /// The last token.
    Last,
}

impl From<PoolingArg> for Pooling {
    fn from(arg: PoolingArg) -> Self {
        match arg {
            PoolingArg::Mean => Pooling::Mean,
            PoolingArg::WeightedMean => Pooling::WeightedMean,
            PoolingArg::Last => Pooling::Last,
        }
    }
}

/// Arguments of `babelbench model embed`.
#[derive(Args)]
pub struct EmbedArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// How each layer's token vectors are pooled.
    #[arg(long, value_enum, default_value = "mean")]
    pub pooling: PoolingArg,
}

/// Arguments of `babelbench model generate`.
#[derive(Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Most tokens to generate per text.
    #[arg(long, default_value_t = 32)]
    pub max_new_tokens: usize,
    /// Stop string (repeatable): generation ends at its first occurrence, which is cut off.
    #[arg(long)]
    pub until: Vec<String>,
}

/// Runs a `babelbench model` subcommand.
pub fn run(command: ModelCommand) -> anyhow::Result<()> {
    match command {
        ModelCommand::Info(args) => info(&args),
        ModelCommand::Score(args) => score(&args.run),
        ModelCommand::Loglikelihood(args) => loglikelihood(&args.run),
        ModelCommand::Embed(args) => embed(&args.run, args.pooling.into()),
        ModelCommand::Generate(args) => generate(&args),
    }
}

fn load(args: &ModelArgs) -> anyhow::Result<BurnModel> {
    let started = Instant::now();
    let device = args.device.open()?;
    let model =
        models::loader::load_model(&args.model, args.tokenizer.as_deref(), &device, args.dtype)
            .with_context(|| format!("cannot load model {}", args.model.display()))?;
    eprintln!(
        "loaded {} in {:.2}s",
        args.model.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(model)
}

/// Reads the input with `read` (before the slow model load, so bad input fails fast), then
/// loads the model.
fn prepare_with<T>(
    run: &RunArgs,
    read: impl FnOnce(&std::path::Path) -> anyhow::Result<Vec<T>>,
) -> anyhow::Result<(Vec<T>, BurnModel, Output)> {
    anyhow::ensure!(run.batch_size > 0, "--batch-size must be at least 1");
    anyhow::ensure!(
        run.max_batch_tokens > 0,
        "--max-batch-tokens must be at least 1"
    );
    let inputs = read(&run.input)?;
    let model = load(&run.model)?.with_options(RunnerOptions {
        max_batch_tokens: run.max_batch_tokens,
        max_context: None,
    });
    let output = Output::open(run.output.as_deref())?;
    Ok((inputs, model, output))
}

/// [`prepare_with`] for `{"text": …}` input.
fn prepare(run: &RunArgs) -> anyhow::Result<(Vec<String>, BurnModel, Output)> {
    prepare_with(run, read_texts)
}

fn info(args: &ModelArgs) -> anyhow::Result<()> {
    let model = load(args)?;
    let info = model.info();
    let value = json!({
        "architecture": info.architecture,
        "num_layers": info.num_layers,
        "hidden_size": info.hidden_size,
        "vocab_size": info.vocab_size,
        "max_context": info.max_context,
        "backend": info.backend,
        "dtype": info.dtype,
        "bos_token_id": model.tokenizer().bos_id(),
        "eos_token_ids": model.settings().eos_ids,
        "tokenizer": model.tokenizer().path(),
        "files": model.fingerprint_files(),
    });
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}

/// Prints `count` units done in `seconds` to standard error.
fn report_speed(what: &str, count: usize, unit: &str, seconds: f64) {
    eprintln!(
        "{what} {count} {unit} in {seconds:.2}s: {:.1} {unit}/s",
        count as f64 / seconds.max(f64::MIN_POSITIVE)
    );
}

fn score(run: &RunArgs) -> anyhow::Result<()> {
    let (texts, model, mut output) = prepare(run)?;
    let started = Instant::now();
    let mut scored = 0;
    for batch in texts.chunks(run.batch_size) {
        let ids = batch
            .iter()
            .map(|text| model.tokenize(text))
            .collect::<Result<Vec<_>, _>>()?;
        let logprobs = model.token_logprobs(&ids)?;
        for ((text, ids), logprobs) in batch.iter().zip(ids).zip(logprobs) {
            scored += ids.len();
            let sum: f64 = logprobs.iter().sum();
            output.line(&json!({
                "text": text,
                "input_ids": ids,
                "token_logprobs": logprobs,
                "sum_logprob": sum,
            }))?;
        }
    }
    report_speed("scored", scored, "tokens", started.elapsed().as_secs_f64());
    output.finish()
}

fn loglikelihood(run: &RunArgs) -> anyhow::Result<()> {
    let (requests, model, mut output) = prepare_with(run, read_pairs)?;
    let started = Instant::now();
    let mut tokens = 0;
    for batch in requests.chunks(run.batch_size) {
        let batch: Vec<LoglikelihoodRequest> = batch.to_vec();
        for (request, answer) in batch.iter().zip(model.loglikelihood(&batch)?) {
            tokens += model
                .tokenize(&format!("{}{}", request.context, request.continuation))?
                .len();
            output.line(&json!({
                "context": request.context,
                "continuation": request.continuation,
                "logprob": answer.logprob,
                "is_greedy": answer.is_greedy,
                "num_tokens": answer.num_tokens,
                "num_bytes": answer.num_bytes,
            }))?;
        }
    }
    report_speed(
        "scored",
        tokens,
        "request tokens",
        started.elapsed().as_secs_f64(),
    );
    output.finish()
}

fn embed(run: &RunArgs, pooling: Pooling) -> anyhow::Result<()> {
    let (texts, model, mut output) = prepare(run)?;
    let started = Instant::now();
    for batch in texts.chunks(run.batch_size) {
        let requests: Vec<HiddenStatesRequest> = batch
            .iter()
            .map(|text| HiddenStatesRequest {
                text: text.clone(),
                pooling,
            })
            .collect();
        let states = model.hidden_states(&requests)?;
        for (text, states) in batch.iter().zip(states) {
            output.line(&json!({
                "text": text,
                "pooling": pooling.name(),
                "layers": states.layers,
            }))?;
        }
    }
    report_speed(
        "embedded",
        texts.len(),
        "texts",
        started.elapsed().as_secs_f64(),
    );
    output.finish()
}

fn generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let (texts, model, mut output) = prepare(&args.run)?;
    let started = Instant::now();
    let mut generated = 0;
    for batch in texts.chunks(args.run.batch_size) {
        let requests: Vec<GenerateRequest> = batch
            .iter()
            .map(|text| GenerateRequest {
                context: text.clone(),
                until: args.until.clone(),
                max_new_tokens: args.max_new_tokens,
            })
            .collect();
        for (text, answer) in batch.iter().zip(model.generate(&requests)?) {
            generated += answer.token_ids.len();
            output.line(&json!({
                "text": text,
                "token_ids": answer.token_ids,
                "generated": answer.text,
            }))?;
        }
    }
    report_speed(
        "generated",
        generated,
        "tokens",
        started.elapsed().as_secs_f64(),
    );
    output.finish()
}
