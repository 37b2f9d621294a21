//! `babelbench run`: evaluate a model on tasks into a run folder (resumable, shardable).

mod progress;
mod selection;
mod suite;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use harness::evaluator::{
    DEFAULT_UNIT_SIZE, NoProgress, Progress, RunIdentity, RunSpec, Shard, model_fingerprint,
};
use harness::model::LanguageModel;
use harness::model_cache;
use harness::task::Task;
use models::device::DeviceChoice;
use models::dtype::Dtype;
use reports::run_files::ParquetTables;
use tasks::config::PromptLanguage;

pub use progress::Bars;
pub use selection::Selection;

/// Batch size when `--batch-size auto` is given: enough rows to keep both matmul dimensions
/// busy on a CPU, while the runner still splits batches by its token budget.
const AUTO_BATCH_SIZE: usize = 16;

/// Arguments of `babelbench run`.
#[derive(Args)]
pub struct RunArgs {
    /// An HF model folder or a .gguf file (default: the default model in the model cache,
    /// fetched by scripts/fetch-default-model.sh).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The model's tokenizer.json (default: the one in the folder or beside the file).
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// Where the model runs: cpu, wgpu, wgpu:N or cuda[:N] (GPU backends need the cargo
    /// feature of the same name); recorded in the manifest's `backend` and the model
    /// fingerprint, so answers of different devices are never mixed.
    #[arg(long, default_value = "cpu")]
    pub device: DeviceChoice,
    /// Precision of the matrix products: f32 (equal to HF transformers in float32) or bf16
    /// (weights and inputs rounded to bf16, sums in f32; CPU only); recorded in the
    /// manifest's `dtype` and the model fingerprint.
    #[arg(long, default_value = "f32")]
    pub dtype: Dtype,
    /// Comma-separated task names or groups (default: the default suite).
    #[arg(long, value_delimiter = ',')]
    pub tasks: Vec<String>,
    /// Comma-separated language globs, e.g. `deu_*,*_Cyrl`.
    #[arg(long, value_delimiter = ',')]
    pub languages: Vec<String>,
    /// Documents per task (for MEXA: sentences aligned).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Few-shot examples per prompt (default: each task's own).
    #[arg(long)]
    pub num_fewshot: Option<usize>,
    /// Most tokens generated per translation (default: 256); lower it for models with a short
    /// context.
    #[arg(long)]
    pub max_new_tokens: Option<usize>,
    /// Requests per model call: a number or `auto`.
    #[arg(long, default_value = "auto")]
    pub batch_size: BatchSize,
    /// Data root (default: $BABELBENCH_DATA, else ./data).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// A folder (or file) of lm-evaluation-harness task YAMLs whose tasks, groups and tags
    /// `--tasks` can name; repeatable.
    #[arg(long = "include-path", value_name = "DIR")]
    pub include_paths: Vec<PathBuf>,
    /// A folder of Hugging Face Hub dataset snapshots (a Hub cache, or ORG/NAME folders) for
    /// task files that name Hub datasets (default: $HF_HUB_CACHE, $HF_HOME/hub,
    /// ~/.cache/huggingface/hub).
    #[arg(long)]
    pub hf_data: Option<PathBuf>,
    /// Run folder (default: runs/<model name>).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Run only shard I of N (0-based), e.g. `3/8`; combine shards with `babelbench merge`.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Lay every prompt out through the model's chat template (from chat_template.jinja or
    /// tokenizer_config.json beside the tokenizer, or the GGUF's metadata), as
    /// lm-evaluation-harness's `--apply_chat_template`; NAME picks one of several named
    /// templates.
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub apply_chat_template: Option<String>,
    /// A system instruction before every prompt (the system message under a chat template).
    #[arg(long, value_name = "TEXT")]
    pub system_instruction: Option<String>,
    /// Few-shot examples as user/assistant turns of the chat (default: true under
    /// --apply-chat-template, as in lm-evaluation-harness 0.4.13); `false` folds them into one
    /// user message.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub fewshot_as_multiturn: Option<bool>,
    /// `native`: the prompts of Belebele, FLORES-200 and SIB-200 in each task's language where
    /// tasks/data/prompt_words.tsv has the words (FLORES: the target's), otherwise English;
    /// `english` (the default): lm-evaluation-harness's English prompts.
    #[arg(long, value_name = "english|native", default_value = "english")]
    pub prompt_language: PromptLanguage,
    /// Seed of the bootstrap confidence intervals.
    #[arg(long, default_value_t = harness::metric::Bootstrap::DEFAULT_SEED)]
    pub seed: u64,
    /// No progress bars (for cron).
    #[arg(long)]
    pub quiet: bool,
}

/// `--batch-size`: a positive number or `auto`.
#[derive(Debug, Clone, Copy)]
pub struct BatchSize(NonZeroUsize);

impl FromStr for BatchSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "auto" {
            return Ok(BatchSize(
                NonZeroUsize::new(AUTO_BATCH_SIZE).expect("constant is positive"),
            ));
        }
        text.parse::<NonZeroUsize>()
            .map(BatchSize)
            .map_err(|_| format!("`{text}` is not a positive number or `auto`"))
    }
}

/// Runs `babelbench run`.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let model_path = match args.model {
        Some(path) => path,
        None => default_model_path()?,
    };
    let chat_template = match &args.apply_chat_template {
        None => None,
        Some(name) => {
            let tokenizer = models::tokenizer::resolve(args.tokenizer.as_deref(), &model_path)?;
            let name = Some(name.as_str()).filter(|n| !n.is_empty());
            Some(models::chat_template::find(&model_path, &tokenizer, name)?)
        }
    };
    let fewshot_as_multiturn = match (args.fewshot_as_multiturn, &chat_template) {
        (Some(true), None) => {
            bail!("--fewshot-as-multiturn needs --apply-chat-template: add it, or drop the flag")
        }
        (Some(multiturn), _) => multiturn,
        (None, chat) => chat.is_some(),
    };
    let selection = Selection {
        tasks: if args.tasks.is_empty() {
            suite::default_selectors()
        } else {
            args.tasks
        },
        languages: args.languages,
        limit: args.limit,
        num_fewshot: args.num_fewshot,
        max_new_tokens: args.max_new_tokens,
        data_dir: harness::data::resolve_data_root(args.data_dir.as_deref()),
        // Absolute, so that `merge` rebuilds the same tasks from any folder.
        include_paths: args
            .include_paths
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .collect(),
        hf_data: args.hf_data.map(|p| std::path::absolute(&p).unwrap_or(p)),
        seed: args.seed,
        chat_template,
        system_instruction: args.system_instruction,
        fewshot_as_multiturn,
        prompt_language: args.prompt_language,
    };
    let (tasks, groups) = selection.build()?;
    let name = model_name(&model_path);
    let output = args.output.unwrap_or_else(|| Path::new("runs").join(&name));
    let progress: Box<dyn Progress> = if args.quiet {
        Box::new(NoProgress)
    } else {
        Box::new(Bars::new())
    };

    let device = args.device.open()?;
    let load_clock = Instant::now();
    let model =
        models::loader::load_model(&model_path, args.tokenizer.as_deref(), &device, args.dtype)
            .with_context(|| format!("loading the model {}", model_path.display()))?;
    let info = model.info();
    let fingerprint = model_fingerprint(model.fingerprint_files(), &info.backend, &info.dtype)?;
    if !args.quiet {
        eprintln!(
            "loaded {} ({}, {} layers) in {:.1}s; {} tasks into {}",
            model_path.display(),
            info.architecture,
            info.num_layers,
            load_clock.elapsed().as_secs_f64(),
            tasks.len(),
            output.display()
        );
    }

    let identity = RunIdentity {
        babelbench_version: env!("CARGO_PKG_VERSION").to_string(),
        git_revision: option_env!("BABELBENCH_GIT_REVISION").map(String::from),
        model_path: model_path.display().to_string(),
        model_name: name,
        threads: rayon_threads(),
        dataset_checksums: data_checksums(&tasks, &selection.data_dir)?,
        seed: selection.seed,
        run_config: selection.to_run_config()?,
    };
    let task_refs: Vec<&dyn Task> = tasks.iter().map(|t| t.as_ref()).collect();
    let report = harness::evaluator::run(&RunSpec {
        tasks: &task_refs,
        model: &model,
        fingerprint: &fingerprint,
        batch_size: args.batch_size.0,
        unit_size: DEFAULT_UNIT_SIZE,
        shard: args.shard,
        output: &output,
        identity: &identity,
        tables: Some(&ParquetTables),
        progress: progress.as_ref(),
        groups: &groups,
    })?;
    if !args.quiet {
        eprintln!(
            "{} requests ({} distinct): {} computed, {} from the cache",
            report.stats.requests, report.stats.unique, report.stats.computed, report.stats.cached
        );
    }
    if report.evaluated.is_some() {
        println!("{}", output.display());
    } else {
        println!(
            "{} (shard; combine with `babelbench merge`)",
            output.display()
        );
    }
    Ok(())
}

/// The default model: google/gemma-3-270m (Q4_K_M GGUF) in the model cache.
fn default_model_path() -> anyhow::Result<PathBuf> {
    let Some(cache) = model_cache::model_cache() else {
        bail!("neither --model nor $BABELBENCH_MODELS nor $HOME is set");
    };
    let path = cache.join(model_cache::DEFAULT_MODEL);
    if !path.is_file() {
        bail!(
            "the default model {} is missing: run scripts/fetch-default-model.sh, or pass --model",
            path.display()
        );
    }
    Ok(path)
}

/// A display name: the file name without `.gguf`, or the folder name.
fn model_name(path: &Path) -> String {
    let stem = if path.is_dir() {
        path.file_name()
    } else {
        path.file_stem()
    };
    stem.map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Worker threads of the compute pool: `$RAYON_NUM_THREADS`, else one per core.
fn rayon_threads() -> usize {
    super::threads::from_env().unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

/// sha256 of every data file the tasks read (each task declares its files), keyed by the path
/// under the data root `root` (the full path for files elsewhere).
fn data_checksums(
    tasks: &[Box<dyn Task>],
    root: &Path,
) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    let mut sums = std::collections::BTreeMap::new();
    for task in tasks {
        for file in task.data_files()? {
            let key = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            if let std::collections::btree_map::Entry::Vacant(slot) = sums.entry(key) {
                slot.insert(harness::data::sha256_file(&file)?);
            }
        }
    }
    Ok(sums)
}
