//! The chat template a checkpoint ships, found where HF transformers and llama.cpp look for
//! it: `chat_template.jinja` beside the tokenizer, else `chat_template` in its
//! `tokenizer_config.json` (a string, or a list of named templates), else the GGUF's
//! `tokenizer.chat_template` (`tokenizer.chat_template.<NAME>` for a named one). The special
//! tokens a template reads (`bos_token`, `eos_token`, ...) come from tokenizer_config.json, or
//! else from the tokenizer's BOS.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::LoadError;
use crate::gguf::GgufFile;
use crate::tokenizer::{
    TOKENIZER_CONFIG_FILE, TextTokenizer, invalid_config, special_token, tokenizer_config,
};

/// The file transformers saves a chat template in, beside the tokenizer.
pub const CHAT_TEMPLATE_FILE: &str = "chat_template.jinja";

/// The name of the template used when none is asked for, as transformers names it.
const DEFAULT_NAME: &str = "default";

/// The special tokens transformers passes to a template, from `special_tokens_map`.
const SPECIAL_TOKENS: [&str; 7] = [
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
];

/// A chat template as a checkpoint ships it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedTemplate {
    /// Where it came from, e.g. `tokenizer_config.json` or `gguf:tokenizer.chat_template`,
    /// with the template's name when it is one of several.
    pub origin: String,
    /// The Jinja text.
    pub source: String,
    /// The special tokens it is rendered with (`bos_token` → `<bos>`, ...).
    pub special_tokens: BTreeMap<String, String>,
}

/// The chat template of the model at `model` with the tokenizer at `tokenizer` (see
/// [`crate::tokenizer::resolve`]); `name` picks one of several named templates (default:
/// `default`). An error names the files looked at when there is none.
pub fn find(
    model: &Path,
    tokenizer: &Path,
    name: Option<&str>,
) -> Result<ShippedTemplate, LoadError> {
    let (config_path, config) = match tokenizer_config(tokenizer)? {
        Some((path, value)) => (path, Some(value)),
        None => (tokenizer.with_file_name(TOKENIZER_CONFIG_FILE), None),
    };
    let gguf = match model.extension() {
        Some(extension) if extension == "gguf" => Some(GgufFile::open(model)?),
        _ => None,
    };
    let file = tokenizer.with_file_name(CHAT_TEMPLATE_FILE);
    let (origin, source) = if name.is_none() && file.is_file() {
        let source = std::fs::read_to_string(&file).map_err(|source| LoadError::Io {
            path: file.clone(),
            source,
        })?;
        (CHAT_TEMPLATE_FILE.to_string(), source)
    } else if let Some(found) = config
        .as_ref()
        .map(|c| from_config(c, &config_path, name))
        .transpose()?
        .flatten()
        .or_else(|| gguf.as_ref().and_then(|g| from_gguf(g, name)))
    {
        found
    } else {
        return Err(missing(model, &config_path, name));
    };
    let mut special_tokens = config
        .as_ref()
        .map(|c| special_tokens(c, &config_path))
        .transpose()?
        .unwrap_or_default();
    let need_eos = gguf.is_some() && !special_tokens.contains_key("eos_token");
    if !special_tokens.contains_key("bos_token") || need_eos {
        // The tokenizer's BOS, and a GGUF's BOS and EOS (named by id): their text.
        let tok = TextTokenizer::open(tokenizer)?;
        let metadata_id = |key: &str| {
            gguf.as_ref()
                .and_then(|g| g.metadata().get(key))
                .and_then(|v| v.as_u64())
                .and_then(|id| u32::try_from(id).ok())
        };
        let bos = tok
            .bos_id()
            .or_else(|| metadata_id("tokenizer.ggml.bos_token_id"));
        let eos = metadata_id("tokenizer.ggml.eos_token_id");
        for (key, id) in [("bos_token", bos), ("eos_token", eos)] {
            if let Some(text) = id.and_then(|id| tok.inner().id_to_token(id)) {
                special_tokens.entry(key.to_string()).or_insert(text);
            }
        }
    }
    Ok(ShippedTemplate {
        origin,
        source,
        special_tokens,
    })
}

/// The special tokens of a tokenizer_config.json that it names.
fn special_tokens(config: &Value, path: &Path) -> Result<BTreeMap<String, String>, LoadError> {
    let mut tokens = BTreeMap::new();
    for key in SPECIAL_TOKENS {
        if let Some(text) = special_token(config, path, key)? {
            tokens.insert(key.to_string(), text);
        }
    }
    Ok(tokens)
}

/// `chat_template` of a tokenizer_config.json: a string (unnamed: used when no name or
/// `default` is asked for) or a list of `{name, template}` objects.
fn from_config(
    config: &Value,
    path: &Path,
    name: Option<&str>,
) -> Result<Option<(String, String)>, LoadError> {
    let origin = TOKENIZER_CONFIG_FILE.to_string();
    match config.get("chat_template") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(source)) if name.is_none_or(|n| n == DEFAULT_NAME) => {
            Ok(Some((origin, source.clone())))
        }
        Some(Value::String(_)) => Ok(None),
        Some(Value::Array(items)) => {
            let wanted = name.unwrap_or(DEFAULT_NAME);
            for item in items {
                let (Some(Value::String(n)), Some(Value::String(source))) =
                    (item.get("name"), item.get("template"))
                else {
                    return Err(invalid_config(
                        path,
                        "chat_template",
                        "each entry of a list needs a string `name` and `template`".into(),
                    ));
                };
                if n == wanted {
                    return Ok(Some((format!("{origin}:{n}"), source.clone())));
                }
            }
            Ok(None)
        }
        Some(other) => Err(invalid_config(
            path,
            "chat_template",
            format!("expected a string or a list of named templates, found {other}"),
        )),
    }
}

/// The GGUF's `tokenizer.chat_template[.NAME]`.
fn from_gguf(file: &GgufFile, name: Option<&str>) -> Option<(String, String)> {
    let key = match name {
        None | Some(DEFAULT_NAME) => "tokenizer.chat_template".to_string(),
        Some(name) => format!("tokenizer.chat_template.{name}"),
    };
    file.metadata()
        .get(&key)
        .and_then(|value| value.as_str())
        .map(|source| (format!("gguf:{key}"), source.to_string()))
}

fn missing(model: &Path, config: &Path, name: Option<&str>) -> LoadError {
    let what = match name {
        Some(name) => format!("no chat template named `{name}`"),
        None => "no chat template".to_string(),
    };
    let mut looked: Vec<PathBuf> = vec![config.with_file_name(CHAT_TEMPLATE_FILE), config.into()];
    if model.extension().is_some_and(|e| e == "gguf") {
        looked.push(model.to_path_buf());
    }
    let looked: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
    LoadError::Format {
        path: model.to_path_buf(),
        message: format!(
            "{what} (looked in {}); leave out --apply-chat-template for a base model, or \
             name one the checkpoint ships",
            looked.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_a_string_or_a_named_template_with_its_special_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let tokenizer = dir.path().join("tokenizer.json");
        write(
            dir.path(),
            TOKENIZER_CONFIG_FILE,
            r#"{"bos_token": "<s>", "eos_token": {"content": "</s>"}, "chat_template": "T"}"#,
        );
        let found = find(dir.path(), &tokenizer, None).unwrap();
        assert_eq!(
            (found.origin.as_str(), found.source.as_str()),
            ("tokenizer_config.json", "T")
        );
        assert_eq!(
            found.special_tokens,
            BTreeMap::from([
                ("bos_token".into(), "<s>".into()),
                ("eos_token".into(), "</s>".into())
            ])
        );
        write(
            dir.path(),
            TOKENIZER_CONFIG_FILE,
            r#"{"bos_token": "<s>", "chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "U"}]}"#,
        );
        assert_eq!(find(dir.path(), &tokenizer, None).unwrap().source, "D");
        let tool = find(dir.path(), &tokenizer, Some("tool_use")).unwrap();
        assert_eq!(
            (tool.origin.as_str(), tool.source.as_str()),
            ("tokenizer_config.json:tool_use", "U")
        );
        let err = find(dir.path(), &tokenizer, Some("rag"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no chat template named `rag`"), "{err}");

        // transformers' own file wins over tokenizer_config.json.
        write(dir.path(), CHAT_TEMPLATE_FILE, "J");
        assert_eq!(find(dir.path(), &tokenizer, None).unwrap().source, "J");
    }

    #[test]
    fn a_malformed_entry_names_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let tokenizer = dir.path().join("tokenizer.json");
        write(
            dir.path(),
            TOKENIZER_CONFIG_FILE,
            r#"{"bos_token": "<s>", "chat_template": 3}"#,
        );
        let err = find(dir.path(), &tokenizer, None).unwrap_err().to_string();
        assert!(
            err.contains("field `chat_template`: expected a string or a list"),
            "{err}"
        );
    }
}
