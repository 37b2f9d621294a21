//! What the runner needs from a model's configuration besides its weights: the longest
//! sequence it accepts and the token ids that end generation, plus the runner's own knobs.

use std::path::Path;

use serde_json::Value;

use crate::error::LoadError;

/// Context length lm-evaluation-harness assumes when the config names none.
pub const DEFAULT_MAX_CONTEXT: usize = 2048;
/// Config fields that give the context length, in the order lm-evaluation-harness tries them.
const CONTEXT_FIELDS: [&str; 3] = ["n_positions", "max_position_embeddings", "n_ctx"];
/// The generation settings HF transformers saves beside config.json.
const GENERATION_CONFIG_FILE: &str = "generation_config.json";

/// Facts about a model that its config states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSettings {
    /// HF `model_type`, e.g. `gemma3_text`.
    pub model_type: String,
    /// Longest sequence (in tokens) the model is run on.
    pub max_context: usize,
    /// Token ids that end generation (config `eos_token_id`, plus generation_config.json's).
    pub eos_ids: Vec<u32>,
}

impl ModelSettings {
    /// Reads the settings from `config` (the file at `config_path`), adding the end-of-sequence
    /// ids of a generation_config.json in `folder` when there is one.
    pub fn from_config(
        config: &Value,
        config_path: &Path,
        model_type: &str,
        folder: Option<&Path>,
    ) -> Result<Self, LoadError> {
        let mut max_context = DEFAULT_MAX_CONTEXT;
        for field in CONTEXT_FIELDS {
            if let Some(value) = config.get(field).filter(|v| !v.is_null()) {
                max_context = positive(value)
                    .ok_or_else(|| invalid(config_path, field, value, "a positive integer"))?;
                break;
            }
        }
        let mut eos_ids = token_ids(config, config_path)?;
        if let Some(path) = folder.map(|dir| dir.join(GENERATION_CONFIG_FILE))
            && path.is_file()
        {
            let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            let generation: Value = serde_json::from_str(&text).map_err(|e| LoadError::Format {
                path: path.clone(),
                message: format!("not valid JSON ({e}); restore the file saved with the model"),
            })?;
            for id in token_ids(&generation, &path)? {
                if !eos_ids.contains(&id) {
                    eos_ids.push(id);
                }
            }
        }
        Ok(Self {
            model_type: model_type.to_string(),
            max_context,
            eos_ids,
        })
    }
}

/// The `eos_token_id` of a config: absent, one id or a list of ids.
fn token_ids(config: &Value, path: &Path) -> Result<Vec<u32>, LoadError> {
    const FIELD: &str = "eos_token_id";
    let expected = "a token id or a list of token ids";
    match config.get(FIELD) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| token_id(item).ok_or_else(|| invalid(path, FIELD, item, expected)))
            .collect(),
        Some(value) => Ok(vec![
            token_id(value).ok_or_else(|| invalid(path, FIELD, value, expected))?,
        ]),
    }
}

fn token_id(value: &Value) -> Option<u32> {
    value.as_u64().and_then(|id| u32::try_from(id).ok())
}

fn positive(value: &Value) -> Option<usize> {
    value
        .as_u64()
        .filter(|&n| n > 0)
        .and_then(|n| usize::try_from(n).ok())
}

fn invalid(path: &Path, field: &str, found: &Value, expected: &str) -> LoadError {
    LoadError::InvalidConfig {
        path: path.to_path_buf(),
        field: field.to_string(),
        message: format!("expected {expected}, found {found}; fix the model's config"),
    }
}

/// How the runner splits work; none of these change results beyond float rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunnerOptions {
    /// Most padded tokens (rows × longest row) in one forward pass; a request batch is cut
    /// into consecutive chunks that fit (a single longer row still runs alone).
    pub max_batch_tokens: usize,
    /// Overrides the config's context length (for example to score in shorter windows).
    pub max_context: Option<usize>,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self {
            max_batch_tokens: 2048,
            max_context: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn context_length_follows_lm_eval_field_order() {
        let path = Path::new("config.json");
        let read = |config: Value| ModelSettings::from_config(&config, path, "llama", None);
        let both = json!({"n_positions": 1024, "max_position_embeddings": 4096, "eos_token_id": 7});
        let settings = read(both).unwrap();
        assert_eq!(settings.max_context, 1024);
        assert_eq!(settings.eos_ids, [7]);
        let list = json!({"max_position_embeddings": 32768, "eos_token_id": [1, 106]});
        let settings = read(list).unwrap();
        assert_eq!(
            (settings.max_context, settings.eos_ids),
            (32768, vec![1, 106])
        );
        assert_eq!(read(json!({})).unwrap().max_context, DEFAULT_MAX_CONTEXT);
        let err = read(json!({"n_ctx": 0})).unwrap_err().to_string();
        assert!(
            err.contains("n_ctx") && err.contains("positive integer"),
            "{err}"
        );
        let err = read(json!({"eos_token_id": "x"})).unwrap_err().to_string();
        assert!(err.contains("eos_token_id"), "{err}");
    }

    #[test]
    fn generation_config_adds_end_ids() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(GENERATION_CONFIG_FILE),
            r#"{"eos_token_id": [1, 106]}"#,
        )
        .unwrap();
        let config = json!({"eos_token_id": 1});
        let settings = ModelSettings::from_config(
            &config,
            Path::new("c.json"),
            "gemma3_text",
            Some(dir.path()),
        )
        .unwrap();
        assert_eq!(settings.eos_ids, [1, 106]);
    }
}
