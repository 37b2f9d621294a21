//! Native prompts (`--prompt-language native`), babelbench's extension of a family file: its
//! `native_prompt` block names the language the prompt is written in (`language`, default
//! `{lang}`) and the fields it replaces, which may use `{word_answer}`, `{word_topic}` and
//! `{word_text}`. Under native prompts, `{lang_name}`, `{src_name}` and `{tgt_name}` are the
//! names in that language ([`PromptWords`]): the language's own name for itself, or its name
//! for English; another language's name is not in the table. A task whose language lacks a word
//! its native prompt uses keeps the English prompt, and says which words were missing; English
//! itself always has the English prompt. A task given its native prompt records the language
//! as `metadata.prompt_language`.

use serde_json::Value;

use super::error::TaskFileError;
use super::family::{Params, fill};
use super::source::TaskSource;
use crate::config::PromptLanguage;
use crate::prompt_words::PromptWords;

/// The family field holding the native prompt.
pub(crate) const FIELD: &str = "native_prompt";

/// The language whose prompts are the English ones.
const ENGLISH: &str = "eng_Latn";

/// What became of one task's prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Localized {
    /// The English prompt: English asked for, the language is English, or the file has no
    /// native prompt.
    English,
    /// The native prompt in this language.
    Native(String),
    /// Native asked for, but the table lacks these words of the language: the English prompt.
    Missing {
        /// The prompt's language.
        language: String,
        /// The placeholders without a native value (`{word_answer}`, `{src_name}`, ...).
        words: Vec<String>,
    },
}

/// Takes the `native_prompt` block out of `source` and, under native prompts, applies it for
/// the task of `params`: its fields replace the file's and `params` gain the native words.
pub(crate) fn localize(
    source: &mut TaskSource,
    params: &mut Params,
    language: PromptLanguage,
    words: &PromptWords,
) -> Result<Localized, TaskFileError> {
    let Some(block) = source.fields.remove(FIELD) else {
        return Ok(Localized::English);
    };
    let Value::Object(mut overrides) = block else {
        return Err(source.error_at(
            FIELD,
            "must be a mapping: `language` and the fields of the native prompt",
        ));
    };
    if params.is_empty() {
        return Err(source.error_at(
            FIELD,
            "belongs to a family file (one with `languages`), whose tasks each have a language",
        ));
    }
    let prompt_language = match overrides.remove("language") {
        None => fill("{lang}", params),
        Some(Value::String(template)) => fill(&template, params),
        Some(_) => {
            return Err(source.error_at(
                FIELD,
                "`language` must be a language code or a placeholder such as \"{tgt}\"",
            ));
        }
    };
    if language == PromptLanguage::English || prompt_language == ENGLISH {
        return Ok(Localized::English);
    }
    let native = native_params(params, &prompt_language, words);
    let mut fields = source.fields.clone();
    fields.extend(overrides);
    let text = Value::Object(fields.clone()).to_string();
    let missing: Vec<String> = placeholders(params, words)
        .filter(|key| !native.contains_key(key) && uses(&text, key))
        .map(|key| format!("{{{key}}}"))
        .collect();
    if !missing.is_empty() {
        return Ok(Localized::Missing {
            language: prompt_language,
            words: missing,
        });
    }
    let metadata = fields
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    match metadata {
        Value::Object(map) => {
            map.insert(
                "prompt_language".into(),
                Value::String(prompt_language.clone()),
            );
        }
        _ => return Err(source.error_at("metadata", "must be a mapping")),
    }
    source.fields = fields;
    *params = native;
    Ok(Localized::Native(prompt_language))
}

/// `params` with the names in `language` and its words.
fn native_params(params: &Params, language: &str, words: &PromptWords) -> Params {
    let mut native = params.clone();
    for key in ["lang", "src", "tgt"] {
        let Some(code) = params.get(key) else {
            continue;
        };
        let name_key = format!("{key}_name");
        let name = match code.as_str() {
            code if code == language => words.word(language, "name"),
            ENGLISH => words.word(language, "name_eng"),
            _ => None,
        };
        match name {
            Some(name) => native.insert(name_key, name.to_string()),
            None => native.remove(&name_key),
        };
    }
    for column in words.word_columns() {
        if let Some(word) = words.word(language, column) {
            native.insert(format!("word_{column}"), word.to_string());
        }
    }
    native
}

/// The placeholders a native prompt may need: the names of the task's languages and every
/// word.
fn placeholders<'a>(
    params: &'a Params,
    words: &'a PromptWords,
) -> impl Iterator<Item = String> + 'a {
    ["lang", "src", "tgt"]
        .into_iter()
        .filter(|key| params.contains_key(*key))
        .map(|key| format!("{key}_name"))
        .chain(words.word_columns().map(|column| format!("word_{column}")))
}

/// Whether `text` uses the placeholder `{key}`.
fn uses(text: &str, key: &str) -> bool {
    fill(text, &Params::from([(key.to_string(), "\0".to_string())])).contains('\0')
}

/// The placeholders of the native words, which only a native prompt may use.
pub(crate) fn word_placeholders() -> Vec<String> {
    PromptWords::builtin()
        .word_columns()
        .map(|column| format!("word_{column}"))
        .collect()
}
