//! SIB-200 topic classification as a 7-way multiple choice scored by loglikelihood.
//!
//! Prompt (`prompts/sib200.jinja`, the same English wording for every language):
//! `Topic of the text, one of: {labels joined by ", "}\nText: {text}\nTopic:`; each label is
//! scored as the continuation ` {label}` (`acc`, `acc_norm`). Labels come from the language's
//! `labels.txt`, in file order. The test split is evaluated; few-shot examples are the first k
//! sentences of the train split, each followed by ` ` and its label, joined by blank lines.

use harness::data::{SibItem, SibSplit, load_sib200, load_sib200_labels};
use harness::request::Response;
use harness::task::{Doc, Task, TaskError, TaskOutput};
use serde::Serialize;

use crate::accuracy::{ChoiceQuestion, evaluate_choices};
use crate::ci::BootstrapSettings;
use crate::config::TaskConfig;
use crate::fewshot::fewshot_context;
use crate::template::PromptTemplate;

/// The group name.
pub const SIB200_GROUP: &str = "sib200";

/// Few-shot examples when none are configured.
pub const SIB200_DEFAULT_FEWSHOT: usize = 0;

/// The version of this task's prompt and scoring.
const VERSION: &str = "version=1|prompt=babelbench-topic-v1";

/// The prompt template.
pub const SIB200_TEMPLATE: PromptTemplate = PromptTemplate {
    name: "sib200.jinja",
    source: include_str!("prompts/sib200.jinja"),
};

/// SIB-200 in one language: `sib200_<lang>`.
#[derive(Debug, Clone)]
pub struct Sib200Task {
    name: String,
    language: String,
    config: TaskConfig,
}

/// The template's variables.
#[derive(Serialize)]
struct PromptVars<'a> {
    labels: &'a [String],
    text: &'a str,
}

impl Sib200Task {
    /// SIB-200 for `language` (a SIB-200 code).
    pub fn new(language: &str, config: TaskConfig) -> Self {
        Sib200Task {
            name: format!("{SIB200_GROUP}_{language}"),
            language: language.to_string(),
            config,
        }
    }

    /// The few-shot count in effect.
    fn num_fewshot(&self) -> usize {
        self.config.fewshot_or(SIB200_DEFAULT_FEWSHOT)
    }

    /// The prompt of one sentence, without few-shot examples.
    pub fn render_item(&self, labels: &[String], text: &str) -> Result<String, TaskError> {
        SIB200_TEMPLATE.render(&self.name, PromptVars { labels, text })
    }

    /// The index of an item's category among the labels.
    fn gold(&self, labels: &[String], item: &SibItem, split: SibSplit) -> Result<usize, TaskError> {
        labels.iter().position(|l| *l == item.category).ok_or_else(|| TaskError::Config {
            task: self.name.clone(),
            message: format!(
                "{split} sentence {}: category `{}` is not in labels.txt ({}); fix the data files",
                item.index_id,
                item.category,
                labels.join(", ")
            ),
        })
    }
}

impl Task for Sib200Task {
    fn name(&self) -> &str {
        &self.name
    }

    fn group(&self) -> &str {
        SIB200_GROUP
    }

    fn language(&self) -> &str {
        &self.language
    }

    fn signature(&self) -> String {
        format!(
            "{SIB200_GROUP}|{VERSION}|template={}|fewshot={}|{}",
            SIB200_TEMPLATE.hash(),
            self.num_fewshot(),
            self.config.limit_label()
        )
    }

    fn docs(&self) -> Result<Vec<Doc>, TaskError> {
        let root = &self.config.data_root;
        let labels = load_sib200_labels(root, &self.language)?;
        let k = self.num_fewshot();
        let examples = if k == 0 {
            Vec::new()
        } else {
            let train = load_sib200(root, &self.language, SibSplit::Train)?;
            if k > train.len() {
                return Err(TaskError::Config {
                    task: self.name.clone(),
                    message: format!(
                        "{k} few-shot examples asked, but the train split holds {}",
                        train.len()
                    ),
                });
            }
            train[..k]
                .iter()
                .map(|item| {
                    self.gold(&labels, item, SibSplit::Train)?;
                    Ok((
                        self.render_item(&labels, &item.text)?,
                        item.category.clone(),
                    ))
                })
                .collect::<Result<Vec<_>, TaskError>>()?
        };
        let test = self
            .config
            .apply_limit(load_sib200(root, &self.language, SibSplit::Test)?);
        test.iter()
            .map(|item| {
                let query = self.render_item(&labels, &item.text)?;
                Ok(ChoiceQuestion {
                    id: item.index_id.to_string(),
                    context: fewshot_context(&examples, &query),
                    choices: labels.clone(),
                    gold: self.gold(&labels, item, SibSplit::Test)?,
                }
                .into_doc())
            })
            .collect()
    }

    fn evaluate(&self, docs: &[Doc], responses: &[Vec<Response>]) -> Result<TaskOutput, TaskError> {
        evaluate_choices(
            &self.name,
            docs,
            responses,
            &BootstrapSettings::from_config(&self.config),
        )
    }
}
