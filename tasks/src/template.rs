//! Prompt templates: minijinja sources embedded from `tasks/src/prompts/`, rendered with strict
//! undefined-variable checks and no HTML escaping.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

use harness::task::TaskError;

/// A named prompt template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptTemplate {
    /// File name under `tasks/src/prompts/`, e.g. `belebele.jinja`.
    pub name: &'static str,
    /// The template source.
    pub source: &'static str,
}

impl PromptTemplate {
    /// Renders the template with `context`; `task` names the task in errors.
    pub fn render(&self, task: &str, context: impl Serialize) -> Result<String, TaskError> {
        let config_error = |e: minijinja::Error| TaskError::Config {
            task: task.to_string(),
            message: format!("prompt template {}: {e:#}", self.name),
        };
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.add_template(self.name, self.source)
            .map_err(config_error)?;
        env.get_template(self.name)
            .and_then(|template| template.render(context))
            .map_err(config_error)
    }

    /// The first 12 hex digits of the sha256 of the source, stamped into task signatures.
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(self.source.as_bytes());
        hex::encode(&digest[..6])
    }
}
