//! The options that decide which tasks a run evaluates. They are stored in the manifest's
//! `run_config`, so `merge` rebuilds exactly the tasks the shards ran.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use harness::task::{Task, TaskGroup};
use models::chat_template::ShippedTemplate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tasks::chat::ChatTemplate;
use tasks::config::{PromptFormat, PromptLanguage, TaskConfig};
use tasks::registry::TaskRegistry;
use tasks::yaml::Localized;

/// Which tasks, on which data, with which settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// Task selectors (groups, task names, globs).
    pub tasks: Vec<String>,
    /// Language globs that filter the tasks; empty keeps all.
    pub languages: Vec<String>,
    /// Documents per task.
    pub limit: Option<usize>,
    /// Few-shot examples per prompt.
    pub num_fewshot: Option<usize>,
    /// Most tokens generated per prompt (FLORES).
    #[serde(default)]
    pub max_new_tokens: Option<usize>,
    /// The data root.
    pub data_dir: PathBuf,
    /// Folders of task files (`--include-path`).
    #[serde(default)]
    pub include_paths: Vec<PathBuf>,
    /// The folder of Hub dataset snapshots (`--hf-data`).
    #[serde(default)]
    pub hf_data: Option<PathBuf>,
    /// Seed of the bootstrap resampling.
    pub seed: u64,
    /// The model's chat template, when prompts go through it (`--apply-chat-template`); kept
    /// whole, so that `merge` lays prompts out as the run did without the model.
    #[serde(default)]
    pub chat_template: Option<ShippedTemplate>,
    /// `--system-instruction`.
    #[serde(default)]
    pub system_instruction: Option<String>,
    /// Few-shot examples as chat turns (`--fewshot-as-multiturn`).
    #[serde(default)]
    pub fewshot_as_multiturn: bool,
    /// `--prompt-language`.
    #[serde(default)]
    pub prompt_language: PromptLanguage,
}

/// The tasks of a selection, and the selected groups that combine their metrics.
pub type Selected = (Vec<Box<dyn Task>>, Vec<TaskGroup>);

impl Selection {
    /// Builds the tasks, and the selected groups that combine their metrics.
    pub fn build(&self) -> anyhow::Result<Selected> {
        if self.limit == Some(0) {
            bail!("--limit 0 selects no documents; give a positive number or leave it out");
        }
        if self.max_new_tokens == Some(0) {
            bail!("--max-new-tokens 0 generates nothing; give a positive number or leave it out");
        }
        harness::data::check_data_root(&self.data_dir)?;
        let mut config = TaskConfig::new(&self.data_dir);
        config.limit = self.limit;
        config.num_fewshot = self.num_fewshot;
        config.max_new_tokens = self.max_new_tokens;
        config.seed = self.seed;
        config.prompt = PromptFormat {
            chat_template: match &self.chat_template {
                Some(shipped) => Some(Arc::new(ChatTemplate::new(
                    &shipped.origin,
                    &shipped.source,
                    shipped.special_tokens.clone(),
                )?)),
                None => None,
            },
            system_instruction: self.system_instruction.clone(),
            fewshot_as_multiturn: self.fewshot_as_multiturn,
            language: self.prompt_language,
        };
        let registry = TaskRegistry::new(config)?.with_task_files(
            &self.include_paths,
            harness::data::hub_search_dirs(self.hf_data.as_deref()),
        )?;
        let selectors: Vec<&str> = self.tasks.iter().map(String::as_str).collect();
        let globs: Vec<&str> = self.languages.iter().map(String::as_str).collect();
        let tasks = registry.select(&selectors, &globs)?;
        if tasks.is_empty() {
            bail!("--tasks selected no task; see `babelbench tasks` for the names");
        }
        let groups = registry.groups(&selectors, &tasks)?;
        if self.prompt_language == PromptLanguage::Native {
            eprintln!("{}", native_summary(&registry.native_prompts(&tasks)));
        }
        Ok((tasks, groups))
    }

    /// The selection as the manifest's `run_config` entries.
    pub fn to_run_config(&self) -> anyhow::Result<BTreeMap<String, Value>> {
        match serde_json::to_value(self)? {
            Value::Object(map) => Ok(map.into_iter().collect()),
            other => bail!("selection serialized to {other}, not an object"),
        }
    }

    /// The selection a run recorded in its manifest.
    pub fn from_run_config(config: &BTreeMap<String, Value>) -> anyhow::Result<Selection> {
        let object: serde_json::Map<String, Value> =
            config.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        serde_json::from_value(Value::Object(object))
            .context("the shard's manifest.json run_config does not describe a babelbench run")
    }
}

/// One line on what `--prompt-language native` did: how many tasks have their native prompt,
/// and which kept the English one for want of which words.
fn native_summary(prompts: &[(String, Localized)]) -> String {
    let native = prompts
        .iter()
        .filter(|(_, p)| matches!(p, Localized::Native(_)))
        .count();
    let mut missing: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (task, prompt) in prompts {
        if let Localized::Missing { words, .. } = prompt {
            missing.entry(words.join(" ")).or_default().push(task);
        }
    }
    let mut line = format!("--prompt-language native: {native} tasks with native prompts");
    for (words, tasks) in &missing {
        let shown: Vec<&str> = tasks.iter().take(6).copied().collect();
        let more = if tasks.len() > shown.len() {
            format!(" and {} more", tasks.len() - shown.len())
        } else {
            String::new()
        };
        line.push_str(&format!(
            "; English for {} without {words} in tasks/data/prompt_words.tsv ({}{more})",
            tasks.len(),
            shown.join(", ")
        ));
    }
    line
}
