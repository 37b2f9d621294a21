//! Settings every task is built with.

use std::path::PathBuf;
use std::sync::Arc;

use harness::metric::Bootstrap;
use sha2::{Digest, Sha256};

use crate::chat::ChatTemplate;

/// Settings shared by every task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskConfig {
    /// Folder holding the datasets (`flores200/`, `belebele/`, `sib200/`).
    pub data_root: PathBuf,
    /// Evaluate only the first `limit` documents (for MEXA: align the first `limit` sentences).
    pub limit: Option<usize>,
    /// Few-shot examples per prompt; `None` takes each task's default.
    pub num_fewshot: Option<usize>,
    /// Most tokens a generation task may generate per prompt; `None` takes each task's default.
    pub max_new_tokens: Option<usize>,
    /// Seed of the bootstrap confidence intervals.
    pub seed: u64,
    /// Bootstrap resamples per confidence interval; 0 computes no intervals.
    pub bootstrap_resamples: usize,
    /// How prompts are laid out: plain text (the default) or through a chat template.
    pub prompt: PromptFormat,
}

/// How prompts are laid out, as lm-evaluation-harness's `--apply_chat_template`,
/// `--system_instruction` and `--fewshot_as_multiturn` lay them out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PromptFormat {
    /// The model's chat template, applied to every prompt; `None` gives plain text.
    pub chat_template: Option<Arc<ChatTemplate>>,
    /// An instruction before every prompt: the system message under a chat template, otherwise
    /// text before the task's description.
    pub system_instruction: Option<String>,
    /// Under a chat template, few-shot examples as user/assistant turns instead of one user
    /// message.
    pub fewshot_as_multiturn: bool,
    /// The language of the prompts' own words (`--prompt-language`).
    pub language: PromptLanguage,
}

/// The language of the words a prompt is made of (its instructions, labels and language names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptLanguage {
    /// The task files' English prompts, as lm-evaluation-harness writes them.
    #[default]
    English,
    /// Each task's `native_prompt`, in the task's language where the prompt-word table has the
    /// words it needs (`tasks/data/prompt_words.tsv`).
    Native,
}

impl PromptFormat {
    /// What task signatures append: nothing for plain prompts without a system instruction,
    /// otherwise `|chat=<name>:<digest>`, `|system=<digest>` and `|multiturn` as they apply.
    pub(crate) fn label(&self) -> String {
        let mut label = String::new();
        if let Some(template) = &self.chat_template {
            label.push_str(&format!("|chat={}:{}", template.name(), template.digest()));
            if self.fewshot_as_multiturn {
                label.push_str("|multiturn");
            }
        }
        if let Some(instruction) = &self.system_instruction {
            let digest = Sha256::digest(instruction.as_bytes());
            label.push_str(&format!("|system={}", hex::encode(&digest[..6])));
        }
        label
    }
}

impl std::str::FromStr for PromptLanguage {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "english" => Ok(PromptLanguage::English),
            "native" => Ok(PromptLanguage::Native),
            _ => Err(format!("`{text}` is not `english` or `native`")),
        }
    }
}

impl TaskConfig {
    /// Defaults for data under `data_root`: no limit, each task's default few-shot count,
    /// and [`Bootstrap::default`]'s seed and resamples.
    pub fn new(data_root: impl Into<PathBuf>) -> Self {
        TaskConfig {
            data_root: data_root.into(),
            limit: None,
            num_fewshot: None,
            max_new_tokens: None,
            seed: Bootstrap::DEFAULT_SEED,
            bootstrap_resamples: Bootstrap::DEFAULT_RESAMPLES,
            prompt: PromptFormat::default(),
        }
    }

    /// `limit=N` or `limit=none`, for task signatures.
    pub(crate) fn limit_label(&self) -> String {
        match self.limit {
            Some(limit) => format!("limit={limit}"),
            None => "limit=none".to_string(),
        }
    }
}
