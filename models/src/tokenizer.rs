//! Tokenizers from HF `tokenizer.json` files (the `tokenizers` library, pure Rust), found
//! beside the model unless given explicitly, and checked against the model's vocabulary.
//!
//! Encoding adds at most a leading BOS token: the one the tokenizer's post-processor puts
//! first, or `bos_token` when a `tokenizer_config.json` beside the tokenizer says
//! `add_bos_token: true`; `add_bos_token: false` there turns it off. Other special tokens a
//! post-processor would add (such as a trailing EOS) are not added, since evaluation scores
//! text continuations.

use std::path::{Path, PathBuf};

use harness::guard::catch_library_panic;
use serde_json::Value;
use tokenizers::{Encoding, Token, Tokenizer};

use crate::error::LoadError;

/// File name of an HF tokenizer.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// File name of the HF tokenizer settings: whether BOS is added, the special tokens, the chat
/// template.
pub const TOKENIZER_CONFIG_FILE: &str = "tokenizer_config.json";

/// A text could not be encoded or ids could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("tokenizer {path}: {message}")]
pub struct TokenizeError {
    /// The tokenizer.json.
    pub path: PathBuf,
    /// What failed.
    pub message: String,
}

/// A loaded tokenizer and its BOS policy.
pub struct TextTokenizer {
    inner: Tokenizer,
    path: PathBuf,
    bos: Option<u32>,
}

impl std::fmt::Debug for TextTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextTokenizer")
            .field("path", &self.path)
            .field("bos", &self.bos)
            .finish()
    }
}

/// The tokenizer.json to use for `model` (a GGUF file or an HF folder): `explicit` when
/// given (a file, or a folder holding tokenizer.json), else the tokenizer.json inside the
/// folder or beside the file.
pub fn resolve(explicit: Option<&Path>, model: &Path) -> Result<PathBuf, LoadError> {
    if let Some(path) = explicit {
        let path = if path.is_dir() {
            path.join(TOKENIZER_FILE)
        } else {
            path.to_path_buf()
        };
        if path.is_file() {
            return Ok(path);
        }
        return Err(LoadError::Io {
            path,
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the tokenizer given with --tokenizer does not exist",
            ),
        });
    }
    let expected = if model.is_dir() {
        model.join(TOKENIZER_FILE)
    } else {
        model
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(TOKENIZER_FILE)
    };
    if expected.is_file() {
        Ok(expected)
    } else {
        Err(LoadError::MissingTokenizer {
            model: model.to_path_buf(),
            expected,
        })
    }
}

impl TextTokenizer {
    /// Loads the tokenizer.json at `path` (and the tokenizer_config.json beside it, if any).
    pub fn open(path: &Path) -> Result<Self, LoadError> {
        let format = |message: String| LoadError::Format {
            path: path.to_path_buf(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut inner = parse_tokenizer(&bytes).map_err(|e| {
            format(format!(
                "not a tokenizer.json the tokenizers library can load ({e}); pass the \
                 tokenizer.json saved with the model"
            ))
        })?;
        drop(bytes);
        // Evaluation needs every token of a text: never truncate or pad.
        inner
            .with_truncation(None)
            .map_err(|e| format(format!("cannot disable truncation: {e}")))?;
        inner.with_padding(None);
        let settings = BosSettings::beside(path)?;
        let leading = leading_special(&inner).map_err(|e| {
            format(format!(
                "its post-processor fails on a one-token input: {e}"
            ))
        })?;
        let bos = match settings.add_bos {
            Some(false) => None,
            Some(true) => match settings.bos_token.as_deref() {
                Some(token) => Some(inner.token_to_id(token).ok_or_else(|| {
                    format(format!(
                        "{TOKENIZER_CONFIG_FILE} names bos_token `{token}`, which this \
                         tokenizer does not know; use matching tokenizer files"
                    ))
                })?),
                None => Some(leading.ok_or_else(|| {
                    format(format!(
                        "{TOKENIZER_CONFIG_FILE} sets add_bos_token but names no bos_token, and \
                         the tokenizer adds none itself"
                    ))
                })?),
            },
            None => leading,
        };
        Ok(Self {
            inner,
            path: path.to_path_buf(),
            bos,
        })
    }

    /// Resolves (see [`resolve`]) and loads the tokenizer for `model`.
    pub fn for_model(explicit: Option<&Path>, model: &Path) -> Result<Self, LoadError> {
        Self::open(&resolve(explicit, model)?)
    }

    /// The tokenizer.json.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The BOS id prepended to every encoding, if any.
    pub fn bos_id(&self) -> Option<u32> {
        self.bos
    }

    /// The underlying `tokenizers` tokenizer.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }

    /// Token ids of `text`, with BOS first when the tokenizer adds one, unless `text` already
    /// starts with the BOS token's text (as a chat template renders it): lm-evaluation-harness
    /// then encodes without special tokens, so that BOS is not doubled.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizeError> {
        let encoding = self.inner.encode(text, false).map_err(|e| TokenizeError {
            path: self.path.clone(),
            message: format!("cannot encode {:?}: {e}", preview(text)),
        })?;
        let mut ids = Vec::with_capacity(encoding.len() + 1);
        let written_bos = self
            .bos
            .and_then(|bos| self.inner.id_to_token(bos))
            .is_some_and(|token| text.starts_with(&token));
        if !written_bos {
            ids.extend(self.bos);
        }
        ids.extend_from_slice(encoding.get_ids());
        Ok(ids)
    }

    /// The text of `ids`, special tokens included.
    pub fn decode(&self, ids: &[u32]) -> Result<String, TokenizeError> {
        self.inner.decode(ids, false).map_err(|e| TokenizeError {
            path: self.path.clone(),
            message: format!("cannot decode {} ids: {e}", ids.len()),
        })
    }

    /// Fails unless every token the tokenizer can produce from ordinary text (its model
    /// vocabulary, its non-special added tokens and the BOS it prepends) has a row in a
    /// model embedding table of `rows` rows. Special added tokens beyond the table are
    /// accepted: Gemma 3's tokenizer lists `<image_soft_token>` (id 262144) for its
    /// multimodal siblings, one past the 262144 rows of the text models.
    pub fn check_fits(&self, rows: usize, model: &Path) -> Result<(), LoadError> {
        let vocab = self.inner.get_vocab(false);
        let added = self.inner.get_added_tokens_decoder();
        let candidates = vocab.iter().map(|(token, &id)| (id, token.as_str())).chain(
            added
                .iter()
                .filter(|(_, token)| !token.special)
                .map(|(&id, token)| (id, token.content.as_str())),
        );
        let mut worst = candidates.max_by_key(|&(id, _)| id);
        if let Some(bos) = self.bos
            && worst.is_none_or(|(id, _)| bos > id)
        {
            worst = Some((bos, "BOS"));
        }
        match worst {
            Some((id, token)) if id as usize >= rows => Err(LoadError::TokenizerMismatch {
                tokenizer: self.path.clone(),
                model: model.to_path_buf(),
                id,
                token: token.to_string(),
                rows,
            }),
            _ => Ok(()),
        }
    }
}

/// The start of `text` for error messages.
fn preview(text: &str) -> String {
    text.chars().take(40).collect()
}

/// The tokenizer in `bytes`. The JSON syntax is checked first: the tokenizers library panics
/// (instead of failing) on some malformed documents, e.g. one cut off inside its `decoder`, as
/// a torn download is. A panic the library raises on other input is turned into an error too.
fn parse_tokenizer(bytes: &[u8]) -> Result<Tokenizer, String> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| e.to_string())?;
    match catch_library_panic(|| Tokenizer::from_bytes(bytes)) {
        Ok(parsed) => parsed.map_err(|e| e.to_string()),
        Err(reason) => Err(format!("the tokenizers library failed on it: {reason}")),
    }
}

/// What a tokenizer_config.json says about BOS.
#[derive(Default)]
struct BosSettings {
    add_bos: Option<bool>,
    bos_token: Option<String>,
}

impl BosSettings {
    /// The settings in the tokenizer_config.json beside `tokenizer`, if there is one.
    fn beside(tokenizer: &Path) -> Result<Self, LoadError> {
        let Some((path, value)) = tokenizer_config(tokenizer)? else {
            return Ok(Self::default());
        };
        let add_bos = match value.get("add_bos_token") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(invalid_config(
                    &path,
                    "add_bos_token",
                    format!("expected true or false, found {other}"),
                ));
            }
        };
        let bos_token = special_token(&value, &path, "bos_token")?;
        Ok(Self { add_bos, bos_token })
    }
}

/// The tokenizer_config.json beside `tokenizer` and its JSON, `None` when there is none.
pub(crate) fn tokenizer_config(tokenizer: &Path) -> Result<Option<(PathBuf, Value)>, LoadError> {
    let path = tokenizer.with_file_name(TOKENIZER_CONFIG_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
        path: path.clone(),
        source,
    })?;
    let value = serde_json::from_str(&text)
        .map_err(|e| invalid_config(&path, "(file)", format!("not valid JSON: {e}")))?;
    Ok(Some((path, value)))
}

/// The text of special token `key` (`bos_token`, ...) of a tokenizer_config.json at `path`: a
/// string, or an object with a string `content`; `None` when absent or null.
pub(crate) fn special_token(
    config: &Value,
    path: &Path,
    key: &str,
) -> Result<Option<String>, LoadError> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Object(o)) => match o.get("content") {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            _ => Err(invalid_config(
                path,
                key,
                format!("an object {key} needs a string `content`"),
            )),
        },
        Some(other) => Err(invalid_config(
            path,
            key,
            format!("expected a string, found {other}"),
        )),
    }
}

/// An error about `field` of the settings file at `path`.
pub(crate) fn invalid_config(path: &Path, field: &str, message: String) -> LoadError {
    LoadError::InvalidConfig {
        path: path.to_path_buf(),
        field: field.to_string(),
        message,
    }
}

/// The single special token the post-processor puts before a lone sequence, if any. Runs
/// the post-processor on a one-token encoding with an id no vocabulary uses, and reads
/// what lands before it.
fn leading_special(tokenizer: &Tokenizer) -> tokenizers::Result<Option<u32>> {
    const SENTINEL: u32 = u32::MAX;
    let probe = Encoding::from_tokens(vec![Token::new(SENTINEL, "x".into(), (0, 1))], 0);
    let processed = tokenizer.post_process(probe, None, true)?;
    let ids = processed.get_ids();
    Ok(match ids.iter().position(|&id| id == SENTINEL) {
        Some(1) => Some(ids[0]),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word-level tokenizer.json over `words` with the given post-processor.
    fn tokenizer_json(words: &[&str], post_processor: Value) -> String {
        let vocab: serde_json::Map<String, Value> = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.to_string(), Value::from(i)))
            .collect();
        serde_json::json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": [{
                "id": 0, "content": "<s>", "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true
            }],
            "normalizer": null,
            "pre_tokenizer": { "type": "WhitespaceSplit" },
            "post_processor": post_processor,
            "decoder": null,
            "model": { "type": "WordLevel", "vocab": vocab, "unk_token": "<unk>" }
        })
        .to_string()
    }

    fn bos_template() -> Value {
        serde_json::json!({
            "type": "TemplateProcessing",
            "single": [{ "SpecialToken": { "id": "<s>", "type_id": 0 } },
                       { "Sequence": { "id": "A", "type_id": 0 } }],
            "pair": [{ "Sequence": { "id": "A", "type_id": 0 } },
                     { "Sequence": { "id": "B", "type_id": 1 } }],
            "special_tokens": { "<s>": { "id": "<s>", "ids": [0], "tokens": ["<s>"] } }
        })
    }

    const WORDS: [&str; 4] = ["<s>", "<unk>", "hello", "world"];

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_post_processor_decides_bos_unless_tokenizer_config_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            TOKENIZER_FILE,
            &tokenizer_json(&WORDS, bos_template()),
        );
        let tok = TextTokenizer::open(&path).unwrap();
        assert_eq!(tok.bos_id(), Some(0));
        assert_eq!(tok.encode("hello world").unwrap(), [0, 2, 3]);
        assert_eq!(tok.encode("").unwrap(), [0]);
        // A text that starts with BOS's text, as a chat template writes it, gets no second BOS.
        assert_eq!(tok.encode("<s> hello").unwrap(), [0, 2]);
        assert_eq!(tok.encode("hello <s>").unwrap(), [0, 2, 0]);

        write(
            dir.path(),
            TOKENIZER_CONFIG_FILE,
            r#"{"add_bos_token": false}"#,
        );
        let tok = TextTokenizer::open(&path).unwrap();
        assert_eq!(tok.encode("hello world").unwrap(), [2, 3]);

        let plain = write(
            dir.path(),
            TOKENIZER_FILE,
            &tokenizer_json(&WORDS, Value::Null),
        );
        std::fs::remove_file(dir.path().join(TOKENIZER_CONFIG_FILE)).unwrap();
        assert_eq!(
            TextTokenizer::open(&plain)
                .unwrap()
                .encode("world")
                .unwrap(),
            [3]
        );
        write(
            dir.path(),
            TOKENIZER_CONFIG_FILE,
            r#"{"add_bos_token": true, "bos_token": {"content": "<s>"}}"#,
        );
        assert_eq!(
            TextTokenizer::open(&plain)
                .unwrap()
                .encode("world")
                .unwrap(),
            [0, 3]
        );
        write(
            dir.path(),
            TOKENIZER_CONFIG_FILE,
            r#"{"add_bos_token": true, "bos_token": "<bos>"}"#,
        );
        let err = TextTokenizer::open(&plain).unwrap_err().to_string();
        assert!(
            err.contains("names bos_token `<bos>`, which this tokenizer does not know"),
            "{err}"
        );
    }

    #[test]
    fn fit_check_names_the_first_token_without_an_embedding_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            TOKENIZER_FILE,
            &tokenizer_json(&WORDS, bos_template()),
        );
        let tok = TextTokenizer::open(&path).unwrap();
        tok.check_fits(4, Path::new("m.gguf")).unwrap();
        let err = tok.check_fits(3, Path::new("m.gguf")).unwrap_err();
        assert!(
            matches!(&err, LoadError::TokenizerMismatch { id: 3, rows: 3, token, .. } if token == "world"),
            "{err}"
        );
    }

    #[test]
    fn resolves_explicit_paths_then_beside_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m.gguf");
        let err = resolve(None, &model).unwrap_err();
        assert!(
            matches!(&err, LoadError::MissingTokenizer { expected, .. } if *expected == dir.path().join(TOKENIZER_FILE)),
            "{err}"
        );
        assert!(err.to_string().contains("pass --tokenizer"), "{err}");
        let path = write(dir.path(), TOKENIZER_FILE, "{}");
        assert_eq!(resolve(None, &model).unwrap(), path);
        assert_eq!(resolve(None, dir.path()).unwrap(), path);
        assert_eq!(
            resolve(Some(dir.path()), Path::new("elsewhere")).unwrap(),
            path
        );
        let missing = dir.path().join("nope.json");
        let err = resolve(Some(&missing), &model).unwrap_err().to_string();
        assert!(
            err.contains("nope.json") && err.contains("does not exist"),
            "{err}"
        );
        let err = TextTokenizer::open(&path).unwrap_err().to_string();
        assert!(
            err.contains("not a tokenizer.json the tokenizers library can load"),
            "{err}"
        );
    }

    #[test]
    fn a_tokenizer_json_cut_off_inside_its_decoder_is_an_error_not_a_panic() {
        // Found by the `tokenizer` fuzz target (fuzz/regressions/tokenizer/): tokenizers
        // 0.22 panics with "Helper" on a document that ends inside `decoder`.
        let dir = tempfile::tempdir().unwrap();
        let full = tokenizer_json(&["<s>", "a"], Value::Null);
        let cut = &full[..full.find("\"decoder\"").unwrap() + "\"decoder\":".len()];
        let path = write(dir.path(), TOKENIZER_FILE, cut);
        let err = TextTokenizer::open(&path).unwrap_err().to_string();
        assert!(
            err.contains("not a tokenizer.json") && err.contains("EOF"),
            "{err}"
        );
        let path = write(dir.path(), TOKENIZER_FILE, r#"{"decoder": "#);
        assert!(TextTokenizer::open(&path).is_err());
    }
}
