//! Documents to prompts exactly as lm-evaluation-harness 0.4.13 builds them:
//! `doc_to_text`/`doc_to_target`/`doc_to_choice` (a column name, a Jinja template, or a fixed
//! value), the system instruction and description, few-shot examples
//! (`text + target_delimiter + answer + fewshot_delimiter`) and `gen_prefix`, laid out as plain
//! text or through a chat template (`turns`).

use serde_json::Value;

use super::jinja::{Templates, repr_str};
use super::pyliteral::literal_eval;
use super::spec::{Field, TaskSpec};
use super::turns::{Message, maybe_delimit, qa_turn, render};
use crate::config::PromptFormat;

/// What `doc_to_*` gave for one document, as lm-eval types it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    /// Text.
    Text(String),
    /// An index (into the choices, or the texts of a multiple-input task).
    Index(i64),
    /// Several targets, or a fixed list.
    List(Vec<Value>),
    /// A column's raw value that is none of these (a number, a bool, null).
    Other(Value),
}

impl Resolved {
    fn from_value(value: Value) -> Resolved {
        match value {
            Value::String(s) => Resolved::Text(s),
            Value::Number(n) if n.is_i64() => Resolved::Index(n.as_i64().unwrap_or_default()),
            Value::Array(items) => Resolved::List(items),
            other => Resolved::Other(other),
        }
    }
}

/// Python's `str()` of a JSON value.
pub(crate) fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => repr_str(s),
                    other => python_str(other),
                })
                .collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(_) => value.to_string(),
    }
}

/// Python's `str.isdigit()` for what templates print.
fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit())
}

/// Builds the prompts of one task.
#[derive(Debug)]
pub(crate) struct Prompter<'a> {
    /// The task's config.
    pub spec: &'a TaskSpec,
    /// The Jinja environment.
    pub templates: &'a Templates,
    /// The evaluated split's columns (a `doc_to_*` naming one reads it raw).
    pub columns: &'a [String],
    /// Whether `doc_to_text` gives an index: the choices are the contexts (Winogrande-style).
    pub multiple_input: bool,
    /// Plain text or a chat template, and the system instruction.
    pub format: &'a PromptFormat,
}

impl Prompter<'_> {
    fn render(&self, template: &str, doc: &Value) -> Result<String, String> {
        self.templates
            .render(template, doc)
            .map_err(|e| format!("template {template:?}: {e:#}"))
    }

    fn column<'d>(&self, name: &str, doc: &'d Value) -> Option<&'d Value> {
        if self.columns.iter().any(|c| c == name) {
            doc.get(name)
        } else {
            None
        }
    }

    /// A `doc_to_text`/`doc_to_target` string as lm-eval reads it: a column's raw value, else
    /// the rendered template, an index when it is all digits and the task has choices, and
    /// (`lists`, for targets) a list when it reads as a Python list literal.
    fn resolve(&self, template: &str, doc: &Value, lists: bool) -> Result<Resolved, String> {
        if let Some(value) = self.column(template, doc) {
            return Ok(Resolved::from_value(value.clone()));
        }
        let text = self.render(template, doc)?;
        if is_digits(&text) && self.spec.doc_to_choice.is_some() {
            return text.parse().map(Resolved::Index).map_err(|e| e.to_string());
        }
        if lists && text.len() >= 2 && text.starts_with('[') && text.ends_with(']') {
            // lm-eval keeps the text when it is not a literal.
            if let Ok(Value::Array(items)) = literal_eval(&text) {
                return Ok(Resolved::List(items));
            }
        }
        Ok(Resolved::Text(text))
    }

    /// `doc_to_text` (or the few-shot override `field`).
    pub(crate) fn text(&self, field: Option<&Field>, doc: &Value) -> Result<Resolved, String> {
        match field.or(self.spec.doc_to_text.as_ref()) {
            None => Err("doc_to_text is not set".into()),
            Some(Field::Index(i)) => Ok(Resolved::Index(*i)),
            Some(Field::Text(template)) => self.resolve(template, doc, false),
            Some(_) => Err("doc_to_text must be a template, a column name or an index".into()),
        }
    }

    /// `doc_to_target` (or the few-shot override `field`).
    pub(crate) fn target(&self, field: Option<&Field>, doc: &Value) -> Result<Resolved, String> {
        match field.or(self.spec.doc_to_target.as_ref()) {
            None => Err("doc_to_target is not set".into()),
            Some(Field::Index(i)) => Ok(Resolved::Index(*i)),
            Some(Field::List(items)) => Ok(Resolved::List(items.clone())),
            Some(Field::Text(template)) => self.resolve(template, doc, true),
            Some(Field::Map(_)) => {
                Err("doc_to_target must be a template, a column name, an index or a list".into())
            }
        }
    }

    /// `doc_to_choice` (or the few-shot override `field`): the choice texts.
    pub(crate) fn choices(
        &self,
        field: Option<&Field>,
        doc: &Value,
    ) -> Result<Vec<String>, String> {
        let values: Vec<Value> = match field.or(self.spec.doc_to_choice.as_ref()) {
            None => return Err("doc_to_choice is not set".into()),
            Some(Field::List(items)) => items.clone(),
            Some(Field::Map(map)) => map.values().cloned().collect(),
            Some(Field::Index(_)) => {
                return Err("doc_to_choice must be a list, a column or a template".into());
            }
            Some(Field::Text(template)) => {
                if let Some(value) = self.column(template, doc) {
                    match value {
                        Value::Array(items) => items.clone(),
                        other => {
                            return Err(format!(
                                "column `{template}` holds {other}, not a list of choices"
                            ));
                        }
                    }
                } else {
                    let value = match self.templates.eval_expression(template, doc) {
                        Some(result) => {
                            result.map_err(|e| format!("template {template:?}: {e:#}"))?
                        }
                        None => literal_eval(&self.render(template, doc)?).map_err(|e| {
                            format!("doc_to_choice did not render a Python list: {e}")
                        })?,
                    };
                    match value {
                        Value::Array(items) => items,
                        other => {
                            return Err(format!(
                                "doc_to_choice gave {other}, not a list of choices"
                            ));
                        }
                    }
                }
            }
        };
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s),
                other => Err(format!("choice {i} is {other}, not text")),
            })
            .collect()
    }

    /// A `description`/`gen_prefix`-style field: a column's value or a rendered template.
    fn field_text(&self, field: Option<&str>, doc: &Value) -> Result<Option<String>, String> {
        let Some(field) = field.filter(|f| !f.is_empty()) else {
            return Ok(None);
        };
        if let Some(value) = doc.get(field) {
            return Ok(Some(python_str(value)));
        }
        self.render(field, doc).map(Some)
    }

    /// The answer text of a few-shot example: `choices[t]` for an index, the first of a list,
    /// the text itself; `None` when empty.
    fn answer_text(
        target: &Resolved,
        choices: Option<&[String]>,
    ) -> Result<Option<String>, String> {
        Ok(match target {
            Resolved::Text(t) => Some(t.clone()),
            Resolved::Index(i) => match choices {
                Some(choices) => Some(
                    usize::try_from(*i)
                        .ok()
                        .and_then(|i| choices.get(i))
                        .cloned()
                        .ok_or_else(|| {
                            format!("target index {i} is outside the {} choices", choices.len())
                        })?,
                ),
                None => {
                    return Err(format!(
                        "target {i} is an index, but the task has no doc_to_choice"
                    ));
                }
            },
            Resolved::List(items) => items.first().map(python_str),
            Resolved::Other(Value::Null) => None,
            Resolved::Other(other) => return Err(format!("target {other} is not text")),
        })
    }

    /// The context of `doc` after the few-shot examples `examples`.
    pub(crate) fn context(&self, doc: &Value, examples: &[&Value]) -> Result<Context, String> {
        let spec = self.spec;
        let fewshot = spec.fewshot_config.as_ref();
        let description = self
            .field_text(spec.description.as_deref(), doc)?
            .unwrap_or_default();
        let system_prompt = maybe_delimit(
            self.format.system_instruction.as_deref(),
            &description,
            &spec.fewshot_delimiter,
        );
        let mut messages = Vec::new();
        if !system_prompt.is_empty() {
            messages.push(Message::system(system_prompt));
        }
        let fs_target_delimiter = fewshot
            .and_then(|f| f.target_delimiter.clone())
            .unwrap_or_else(|| spec.target_delimiter.clone());
        let fs_fewshot_delimiter = fewshot
            .and_then(|f| f.fewshot_delimiter.clone())
            .unwrap_or_else(|| spec.fewshot_delimiter.clone());
        let fs_text = fewshot.and_then(|f| f.doc_to_text.as_ref());
        let fs_target = fewshot.and_then(|f| f.doc_to_target.as_ref());
        let fs_choice = fewshot
            .and_then(|f| f.doc_to_choice.as_ref())
            .or(spec.doc_to_choice.as_ref());
        let fs_prefix = fewshot
            .and_then(|f| f.gen_prefix.as_deref())
            .or(spec.gen_prefix.as_deref());
        for example in examples {
            let q = self.text(fs_text, example)?;
            let choices = match fs_choice {
                Some(field) => Some(self.choices(Some(field), example)?),
                None => None,
            };
            let (q, choices) = match (q, self.multiple_input) {
                (Resolved::Index(i), true) => {
                    let choices = choices.ok_or("multiple inputs need doc_to_choice")?;
                    let q = usize::try_from(i)
                        .ok()
                        .and_then(|i| choices.get(i).cloned())
                        .ok_or_else(|| format!("text index {i} is outside the choices"))?;
                    (q, None)
                }
                (Resolved::Text(q), _) => (q, choices),
                (other, _) => return Err(format!("doc_to_text gave {other:?}, not text")),
            };
            let target = self.target(fs_target, example)?;
            let answer = Self::answer_text(&target, choices.as_deref())?;
            let prefix = self.field_text(fs_prefix, example)?;
            messages.extend(qa_turn(
                &q,
                answer,
                prefix.as_deref(),
                &fs_target_delimiter,
                &fs_fewshot_delimiter,
            ));
        }
        let prefix = self.field_text(spec.gen_prefix.as_deref(), doc)?;
        let has_prefix = prefix.as_deref().is_some_and(|p| !p.is_empty());
        let with_turn = |q: &str, target_delimiter: &str| {
            let mut all = messages.clone();
            all.extend(qa_turn(q, None, prefix.as_deref(), target_delimiter, ""));
            render(&all, self.format, has_prefix)
        };
        match self.text(None, doc)? {
            Resolved::Text(q) => Ok(Context::One(with_turn(&q, &spec.target_delimiter)?)),
            Resolved::Index(_) if self.multiple_input => Ok(Context::PerChoice(
                self.choices(None, doc)?
                    .iter()
                    .map(|choice| with_turn(choice, ""))
                    .collect::<Result<_, _>>()?,
            )),
            other => Err(format!("doc_to_text gave {other:?}, not text")),
        }
    }
}

/// A document's context: one, or one per choice (multiple input).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Context {
    /// The usual case.
    One(String),
    /// Winogrande-style: the choices fill the context, the target is the continuation.
    PerChoice(Vec<String>),
}
