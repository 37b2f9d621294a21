//! Chat templates, rendered as HF transformers renders them and applied to a conversation as
//! lm-evaluation-harness applies them (`--apply_chat_template`).
//!
//! transformers compiles a model's `chat_template` in a sandboxed Jinja environment with
//! `trim_blocks` and `lstrip_blocks`, loop controls, the globals `raise_exception` and
//! `strftime_now`, a `tojson` filter that is Python's `json.dumps`, and renders it with
//! `messages`, `add_generation_prompt`, `tools` and `documents` (none here) and the tokenizer's
//! special tokens (`bos_token`, `eos_token`, ...). Values print as Python prints them and
//! strings have Python's methods (minijinja-contrib's pycompat), as in the task templates.
//!
//! lm-eval asks for a generation prompt unless the task has a `gen_prefix`; then the prefix is
//! the last (assistant) message and the rendering stops right after it
//! (`continue_final_message`). A template that raises an error on the conversation is tried
//! again without its system messages, as lm-eval's HF model does.

use std::collections::BTreeMap;
use std::fmt;

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::metrics::pystr;
use crate::yaml::jinja::python_environment;

/// Why a chat template could not be used.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ChatError {
    /// The template does not parse.
    #[error("chat template {name}: {message}; fix the template or pick another one")]
    Syntax {
        /// Where the template came from.
        name: String,
        /// The parser's message.
        message: String,
    },
    /// Rendering failed (the template raised an error, or a value had the wrong type).
    #[error("chat template {name}: {message}")]
    Render {
        /// Where the template came from.
        name: String,
        /// What went wrong.
        message: String,
    },
}

/// A message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
}

impl ChatMessage {
    /// A message of `role` with `content`.
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        ChatMessage {
            role: role.to_string(),
            content: content.into(),
        }
    }
}

/// The marker transformers appends to the final message to find where it ends once rendered.
const CONTINUE_TAG: &str = "CONTINUE_FINAL_MESSAGE_TAG ";

/// A compiled chat template with the special tokens it is rendered with.
pub struct ChatTemplate {
    name: String,
    source: String,
    special_tokens: BTreeMap<String, String>,
    env: Environment<'static>,
}

impl fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("name", &self.name)
            .field("digest", &self.digest())
            .finish()
    }
}

impl PartialEq for ChatTemplate {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, &self.source, &self.special_tokens)
            == (&other.name, &other.source, &other.special_tokens)
    }
}

impl Eq for ChatTemplate {}

impl ChatTemplate {
    /// Compiles `source`, named `name` in errors and signatures (e.g. `tokenizer_config.json`),
    /// rendered with `special_tokens` (`bos_token` → `<bos>`, ...).
    pub fn new(
        name: impl Into<String>,
        source: impl Into<String>,
        special_tokens: BTreeMap<String, String>,
    ) -> Result<Self, ChatError> {
        let (name, source) = (name.into(), source.into());
        let mut env = python_environment();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_function("raise_exception", raise_exception);
        env.add_function("strftime_now", strftime_now);
        env.add_filter("tojson", tojson);
        env.add_filter("trim", trim);
        env.add_template_owned("chat", source.clone())
            .map_err(|e| ChatError::Syntax {
                name: name.clone(),
                message: describe(&e),
            })?;
        Ok(ChatTemplate {
            name,
            source,
            special_tokens,
            env,
        })
    }

    /// Where the template came from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first 12 hex digits of the template text's SHA-256, for signatures.
    pub fn digest(&self) -> String {
        hex::encode(&Sha256::digest(self.source.as_bytes())[..6])
    }

    /// `messages` rendered as lm-eval's HF model renders them: with a generation prompt when
    /// `add_generation_prompt`, otherwise continuing the final message; again without system
    /// messages when the template raises an error.
    pub fn apply(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String, ChatError> {
        match self.render(messages, add_generation_prompt) {
            Err(RenderError::Template(_)) if messages.iter().any(|m| m.role == "system") => {
                let without: Vec<ChatMessage> = messages
                    .iter()
                    .filter(|m| m.role != "system")
                    .cloned()
                    .collect();
                self.render(&without, add_generation_prompt)
            }
            other => other,
        }
        .map_err(|e| ChatError::Render {
            name: self.name.clone(),
            message: e.to_string(),
        })
    }

    /// transformers' `apply_chat_template(messages, add_generation_prompt=add_generation_prompt,
    /// continue_final_message=not add_generation_prompt)`.
    fn render(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String, RenderError> {
        let mut messages = messages.to_vec();
        let continue_final = !add_generation_prompt;
        if continue_final {
            let last = messages.last_mut().ok_or(RenderError::Continue(
                "the conversation is empty, there is no message to continue",
            ))?;
            if !self.source.contains("content") {
                return Err(RenderError::Continue(
                    "the template never reads a message's content, so the final message cannot be continued",
                ));
            }
            last.content.push_str(CONTINUE_TAG);
        }
        let mut context: BTreeMap<&str, Value> = self
            .special_tokens
            .iter()
            .map(|(key, value)| (key.as_str(), Value::from(value.as_str())))
            .collect();
        context.insert("messages", Value::from_serialize(&messages));
        context.insert("add_generation_prompt", Value::from(add_generation_prompt));
        context.insert("tools", Value::from(()));
        context.insert("documents", Value::from(()));
        let rendered = self
            .env
            .get_template("chat")
            .and_then(|template| template.render(&context))
            .map_err(|e| RenderError::Template(describe(&e)))?;
        if !continue_final {
            return Ok(rendered);
        }
        let tag = CONTINUE_TAG.trim_end();
        let at = rendered.rfind(tag).ok_or(RenderError::Continue(
            "the final message does not appear in the rendered conversation",
        ))?;
        Ok(if rendered[at..].starts_with(CONTINUE_TAG) {
            rendered[..at].to_string()
        } else {
            pystr::rstrip(&rendered[..at]).to_string()
        })
    }
}

/// Why one rendering failed: the template's own error (which lm-eval answers by dropping the
/// system messages) or the final message could not be continued.
#[derive(Debug)]
enum RenderError {
    Template(String),
    Continue(&'static str),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Template(message) => f.write_str(message),
            RenderError::Continue(message) => {
                write!(f, "cannot continue the final message: {message}")
            }
        }
    }
}

/// A minijinja error with its line and its causes.
fn describe(error: &Error) -> String {
    let mut message = match error.line() {
        Some(line) => format!("line {line}: {}", error.kind()),
        None => error.kind().to_string(),
    };
    if let Some(detail) = error.detail() {
        message.push_str(": ");
        message.push_str(detail);
    }
    message
}

/// transformers' `raise_exception(message)`.
fn raise_exception(message: String) -> Result<Value, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, message))
}

/// transformers' `strftime_now(format)`: the local time, formatted as Python's `strftime`.
fn strftime_now(format: String) -> String {
    chrono::Local::now().format(&format).to_string()
}

/// Jinja's `trim` with Python's whitespace (`str.strip()`), or the given characters.
fn trim(text: String, chars: Option<String>) -> String {
    match chars {
        Some(chars) => text.trim_matches(|c| chars.contains(c)).to_string(),
        None => pystr::strip(&text).to_string(),
    }
}

/// transformers' `tojson`: Python's `json.dumps(value, ensure_ascii=False, indent=indent,
/// separators=separators, sort_keys=sort_keys)`.
fn tojson(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    let separators: Option<Vec<String>> = kwargs.get("separators")?;
    kwargs.assert_all_used()?;
    let (item, key) = match separators.as_deref() {
        Some([item, key]) => (item.clone(), key.clone()),
        Some(_) => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "tojson: separators must be two strings",
            ));
        }
        None if indent.is_some() => (",".to_string(), ": ".to_string()),
        None => (", ".to_string(), ": ".to_string()),
    };
    let json = Json {
        indent,
        sort_keys: sort_keys.unwrap_or(false),
        item,
        key,
    };
    let mut out = String::new();
    json.write(&value, 0, &mut out)?;
    Ok(Value::from_safe_string(out))
}

/// Python's `json.dumps` layout.
struct Json {
    indent: Option<usize>,
    sort_keys: bool,
    item: String,
    key: String,
}

impl Json {
    fn write(&self, value: &Value, depth: usize, out: &mut String) -> Result<(), Error> {
        match value.kind() {
            ValueKind::Undefined | ValueKind::None => out.push_str("null"),
            ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
            ValueKind::Number => out.push_str(&value.to_string()),
            ValueKind::String => {
                out.push_str(&serde_json::Value::from(value.to_string()).to_string())
            }
            ValueKind::Seq | ValueKind::Iterable => {
                let items: Vec<Value> = value.try_iter()?.collect();
                self.container(out, depth, '[', ']', &items, |item, depth, out| {
                    self.write(item, depth, out)
                })?;
            }
            ValueKind::Map => {
                let mut keys: Vec<Value> = value.try_iter()?.collect();
                if self.sort_keys {
                    keys.sort_by_key(|k| k.to_string());
                }
                self.container(out, depth, '{', '}', &keys, |key, depth, out| {
                    out.push_str(&serde_json::Value::from(key.to_string()).to_string());
                    out.push_str(&self.key);
                    self.write(&value.get_item(key)?, depth, out)
                })?;
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("tojson: {value} is not JSON"),
                ));
            }
        }
        Ok(())
    }

    /// `open`, the items written by `each` with separators (and newlines and indentation with
    /// `indent`), `close`.
    fn container(
        &self,
        out: &mut String,
        depth: usize,
        open: char,
        close: char,
        items: &[Value],
        each: impl Fn(&Value, usize, &mut String) -> Result<(), Error>,
    ) -> Result<(), Error> {
        out.push(open);
        if items.is_empty() {
            out.push(close);
            return Ok(());
        }
        let newline = |out: &mut String, depth: usize| {
            if let Some(indent) = self.indent {
                out.push('\n');
                out.push_str(&" ".repeat(indent * depth));
            }
        };
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(&self.item);
            }
            newline(out, depth + 1);
            each(item, depth + 1, out)?;
        }
        newline(out, depth);
        out.push(close);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(source: &str) -> ChatTemplate {
        let tokens = BTreeMap::from([
            ("bos_token".to_string(), "<s>".to_string()),
            ("eos_token".to_string(), "</s>".to_string()),
        ]);
        ChatTemplate::new("test", source, tokens).unwrap()
    }

    const TURNS: &str = "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";

    #[test]
    fn renders_a_generation_prompt_or_continues_the_final_message() {
        let chat = template(TURNS);
        let user = ChatMessage::new("user", "Hi ");
        assert_eq!(
            chat.apply(std::slice::from_ref(&user), true).unwrap(),
            "<s><user>Hi </user><assistant>"
        );
        let prefix = ChatMessage::new("assistant", "Answer:");
        assert_eq!(
            chat.apply(&[user, prefix], false).unwrap(),
            "<s><user>Hi </user><assistant>Answer:"
        );
    }

    #[test]
    fn a_trimmed_final_message_is_cut_after_its_text() {
        // The template trims contents, so the marker loses its trailing space: transformers then
        // cuts before it and strips trailing whitespace.
        let chat = template("{% for m in messages %}[{{ m.content | trim }}]{% endfor %}");
        let messages = [ChatMessage::new("assistant", "Answer: ")];
        assert_eq!(chat.apply(&messages, false).unwrap(), "[Answer:");
    }

    #[test]
    fn a_template_that_rejects_the_system_role_is_retried_without_it() {
        let chat = template(
            "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}{{ m.content }}{% endfor %}",
        );
        let messages = [
            ChatMessage::new("system", "Be brief."),
            ChatMessage::new("user", "Hi"),
        ];
        assert_eq!(chat.apply(&messages, true).unwrap(), "Hi");
        let refuses = template("{{ raise_exception('no conversation is right') }}");
        let err = refuses.apply(&messages, true).unwrap_err().to_string();
        assert_eq!(
            err,
            "chat template test: line 1: invalid operation: no conversation is right"
        );
    }

    #[test]
    fn blocks_are_trimmed_and_values_print_as_python() {
        let chat = template("{% if true %}\n  x{{ none }} {{ true }}\n{% endif %}\n");
        assert_eq!(
            chat.apply(&[ChatMessage::new("user", "")], true).unwrap(),
            "  xNone True\n"
        );
    }

    #[test]
    fn tojson_is_pythons_json_dumps() {
        let chat = template(
            "{{ {'b': [1, 'ü\"'], 'a': none} | tojson }}|{{ {'b': 1, 'a': {}} | tojson(indent=2, sort_keys=true) }}",
        );
        assert_eq!(
            chat.apply(&[ChatMessage::new("user", "")], true).unwrap(),
            "{\"b\": [1, \"ü\\\"\"], \"a\": null}|{\n  \"a\": {},\n  \"b\": 1\n}"
        );
    }

    #[test]
    fn syntax_errors_name_the_template_and_the_line() {
        let tokens = BTreeMap::new();
        let err = ChatTemplate::new("tokenizer_config.json", "a\n{% if %}", tokens).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("chat template tokenizer_config.json: line 2: syntax error"),
            "{err}"
        );
    }
}
