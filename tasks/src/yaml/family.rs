//! Task families: one task file for many languages, babelbench's extension of the schema (as
//! lm-eval's `_generate_configs.py` scripts write one file per language, done when the file is
//! read). A file whose `task` name holds `{lang}` is one task per code of its `languages`;
//! one whose name holds `{src}` and `{tgt}` is one task per direction between them. Every string
//! of the file may use the placeholders, which the selected language fills in:
//!
//! - `{lang}` (and `{lang_name}`, `{lang_script}`): the language, its English name in the
//!   language table, its script; in a direction family, the side that is not the pivot (the
//!   target when neither is);
//! - `{src}`, `{tgt}`, `{src_name}`, `{tgt_name}`, `{src_script}`, `{tgt_script}`, and
//!   `{tgt_bleu_tokenize}` (sacrebleu's tokenizer for the target's script).
//!
//! `languages` is a list of codes, or the name of a set of the language table: `flores200`
//! (its FLORES-200 languages) or `sib200` (all of it). With a `pivot`, every other language is
//! paired with it: a language family has no task for the pivot itself; a direction family's
//! own tasks (its tags' members) are pivot → language and language → pivot, and any other
//! direction between its languages is selected by name (`flores_deu_Latn-fra_Latn`).
//! `{` `}` doubled (Jinja's `{{ ... }}`) are left alone.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::error::TaskFileError;
use super::source::TaskSource;
use crate::metrics::BleuTokenizer;
use crate::names::{glob_matches, is_glob, nearest};
use harness::languages::LanguageTable;

/// The fields that describe a family rather than its tasks.
pub(crate) const FAMILY_FIELDS: [&str; 3] = ["languages", "pivot", super::native::FIELD];

/// How many codes a "did you mean" suggests.
const SUGGESTIONS: usize = 5;

/// The values of a family's placeholders for one of its tasks (empty for a plain task file).
pub type Params = BTreeMap<String, String>;

/// One task of a family: its name and placeholder values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// The task name.
    pub name: String,
    /// The placeholder values.
    pub params: Params,
}

/// Why a name of a family's form selects none of its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FamilyMiss {
    /// The family has no such language.
    UnknownLanguage {
        /// The code as given.
        language: String,
        /// The nearest codes of the family.
        suggestions: Vec<String>,
    },
    /// A glob matches none of the family's languages.
    NoMatch {
        /// The glob.
        pattern: String,
    },
    /// A direction is not two different languages.
    BadDirection,
}

/// Whether the task is one language or a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Languages,
    Directions,
}

/// A family file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// The file.
    pub path: PathBuf,
    /// Its tags; the first names the family in messages.
    pub tags: Vec<String>,
    shape: Shape,
    /// The task name before `{lang}` / `{src}`.
    prefix: String,
    /// Between `{src}` and `{tgt}` (directions only).
    infix: String,
    /// After the last placeholder.
    suffix: String,
    /// (code, English name when the table has it), in file order.
    languages: Vec<(String, Option<String>)>,
    pivot: Option<String>,
}

impl Family {
    /// The family of `source`, when its task name has placeholders.
    pub fn of(source: &TaskSource, table: &LanguageTable) -> Result<Option<Family>, TaskFileError> {
        let Some(Value::String(pattern)) = source.fields.get("task") else {
            return Ok(None);
        };
        if !pattern.contains('{') {
            return Ok(None);
        }
        let bad_name = || {
            source.error_at(
                "task",
                format!(
                    "`{pattern}`: a family's task name holds `{{lang}}` once, or `{{src}}` \
                     then `{{tgt}}` once each, e.g. `flores_{{src}}-{{tgt}}`"
                ),
            )
        };
        let (shape, prefix, infix, suffix) =
            if let Some((prefix, rest)) = pattern.split_once("{src}") {
                let (infix, suffix) = rest.split_once("{tgt}").ok_or_else(bad_name)?;
                if infix.is_empty() {
                    return Err(bad_name());
                }
                (Shape::Directions, prefix, infix, suffix)
            } else if let Some((prefix, suffix)) = pattern.split_once("{lang}") {
                (Shape::Languages, prefix, "", suffix)
            } else {
                return Err(bad_name());
            };
        if [prefix, infix, suffix]
            .iter()
            .any(|part| part.contains(['{', '}']))
        {
            return Err(bad_name());
        }
        let codes: Vec<String> = match source.fields.get("languages") {
            Some(Value::String(set)) => match set.as_str() {
                "flores200" => table.flores200_codes().map(str::to_string).collect(),
                "sib200" => table.codes().map(str::to_string).collect(),
                other => {
                    return Err(source.error_at(
                        "languages",
                        format!(
                            "`{other}` is not a language set; use flores200, sib200 or a list of codes"
                        ),
                    ));
                }
            },
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_string).ok_or_else(|| {
                        source.error_at("languages", format!("{item} is not a language code"))
                    })
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(source.error_at(
                    "task",
                    "a family (a task name with placeholders) needs `languages`: a list of \
                     codes, flores200 or sib200",
                ));
            }
        };
        let pivot = match source.fields.get("pivot") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) if codes.contains(p) => Some(p.clone()),
            Some(other) => {
                return Err(source.error_at(
                    "pivot",
                    format!("{other} is not one of the family's languages"),
                ));
            }
        };
        if shape == Shape::Directions && pivot.is_none() {
            return Err(source.error_at(
                "pivot",
                "a direction family needs a `pivot`: its tasks are pivot → language and back",
            ));
        }
        Ok(Some(Family {
            path: source.path.clone(),
            tags: source.tags(),
            shape,
            prefix: prefix.to_string(),
            infix: infix.to_string(),
            suffix: suffix.to_string(),
            languages: codes
                .into_iter()
                .map(|code| {
                    let name = table.get(&code).map(|l| l.name.clone());
                    (code, name)
                })
                .collect(),
            pivot,
        }))
    }

    /// The family's name in messages: its first tag, else its task pattern.
    pub fn label(&self) -> String {
        self.tags
            .first()
            .cloned()
            .unwrap_or_else(|| match self.shape {
                Shape::Languages => format!("{}{{lang}}{}", self.prefix, self.suffix),
                Shape::Directions => {
                    format!("{}{{src}}{}{{tgt}}{}", self.prefix, self.infix, self.suffix)
                }
            })
    }

    /// The length of the task name before the first placeholder.
    pub(crate) fn prefix_len(&self) -> usize {
        self.prefix.len()
    }

    /// The languages that get tasks of their own (all but the pivot).
    fn own_languages(&self) -> Vec<&str> {
        self.languages
            .iter()
            .map(|(code, _)| code.as_str())
            .filter(|code| Some(*code) != self.pivot.as_deref())
            .collect()
    }

    /// The family's own tasks, in order: one per language, or for each language the
    /// directions from and into the pivot.
    pub fn members(&self) -> Vec<Instance> {
        self.default_tasks(&self.own_languages())
    }

    fn default_tasks(&self, languages: &[&str]) -> Vec<Instance> {
        match (self.shape, self.pivot.as_deref()) {
            (Shape::Directions, Some(pivot)) => languages
                .iter()
                .flat_map(|code| [self.direction(pivot, code), self.direction(code, pivot)])
                .collect(),
            _ => languages.iter().map(|code| self.language(code)).collect(),
        }
    }

    fn name_of(&self, code: &str) -> Option<&str> {
        self.languages
            .iter()
            .find(|(c, _)| c == code)
            .and_then(|(_, name)| name.as_deref())
    }

    fn language(&self, code: &str) -> Instance {
        let mut params = Params::new();
        self.describe(&mut params, "lang", code);
        Instance {
            name: format!("{}{code}{}", self.prefix, self.suffix),
            params,
        }
    }

    fn direction(&self, source: &str, target: &str) -> Instance {
        let mut params = Params::new();
        self.describe(&mut params, "src", source);
        self.describe(&mut params, "tgt", target);
        let side = if self.pivot.as_deref() == Some(target) {
            source
        } else {
            target
        };
        self.describe(&mut params, "lang", side);
        let script = target.rsplit('_').next().unwrap_or("");
        params.insert(
            "tgt_bleu_tokenize".into(),
            BleuTokenizer::for_script(script).name().into(),
        );
        Instance {
            name: format!(
                "{}{source}{}{target}{}",
                self.prefix, self.infix, self.suffix
            ),
            params,
        }
    }

    /// `{key}`, `{key}_name` (when the table names the language) and `{key}_script`.
    fn describe(&self, params: &mut Params, key: &str, code: &str) {
        params.insert(key.into(), code.into());
        if let Some(name) = self.name_of(code) {
            params.insert(format!("{key}_name"), name.into());
        }
        if let Some((_, script)) = code.split_once('_') {
            params.insert(format!("{key}_script"), script.into());
        }
    }

    /// The tasks `selector` names when it has the family's form (its prefix and suffix around
    /// a code or a glob; for directions `SRC{infix}TGT`, or one language for both default
    /// directions); `None` when it does not have the form.
    pub fn select(&self, selector: &str) -> Option<Result<Vec<Instance>, FamilyMiss>> {
        let middle = selector
            .strip_prefix(&self.prefix)?
            .strip_suffix(&self.suffix)?;
        if middle.is_empty() {
            return None;
        }
        Some(match self.shape {
            Shape::Directions if middle.contains(&self.infix) => self.select_directions(middle),
            _ => self
                .matching(&self.own_languages(), middle)
                .map(|codes| self.default_tasks(&codes)),
        })
    }

    fn select_directions(&self, middle: &str) -> Result<Vec<Instance>, FamilyMiss> {
        let (source, target) = middle
            .split_once(&self.infix)
            .filter(|(s, t)| !s.is_empty() && !t.is_empty() && !t.contains(&self.infix))
            .ok_or(FamilyMiss::BadDirection)?;
        if source == target && !is_glob(source) {
            return Err(FamilyMiss::BadDirection);
        }
        let all: Vec<&str> = self.languages.iter().map(|(c, _)| c.as_str()).collect();
        let sources = self.matching(&all, source)?;
        let targets = self.matching(&all, target)?;
        Ok(sources
            .iter()
            .flat_map(|s| {
                targets
                    .iter()
                    .filter(move |t| *t != s)
                    .map(move |t| self.direction(s, t))
            })
            .collect())
    }

    /// The codes of `languages` matching `pattern` (a code or a glob).
    fn matching<'a>(
        &self,
        languages: &[&'a str],
        pattern: &str,
    ) -> Result<Vec<&'a str>, FamilyMiss> {
        let found: Vec<&str> = languages
            .iter()
            .copied()
            .filter(|code| glob_matches(pattern, code))
            .collect();
        if !found.is_empty() {
            Ok(found)
        } else if is_glob(pattern) {
            Err(FamilyMiss::NoMatch {
                pattern: pattern.to_string(),
            })
        } else {
            Err(FamilyMiss::UnknownLanguage {
                language: pattern.to_string(),
                suggestions: nearest(pattern, languages.iter().copied(), SUGGESTIONS)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            })
        }
    }
}

/// `value` with every `{key}` of `params` replaced in its strings (not inside `{{ }}`).
pub(crate) fn substitute(value: &mut Value, params: &Params) {
    match value {
        Value::String(text) => *text = fill(text, params),
        Value::Array(items) => items.iter_mut().for_each(|item| substitute(item, params)),
        Value::Object(map) => map.values_mut().for_each(|item| substitute(item, params)),
        _ => {}
    }
}

/// `text` with `{key}` placeholders filled; a brace doubled or a key `params` lacks is kept.
pub(crate) fn fill(text: &str, params: &Params) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let doubled = after.starts_with('{') || out.ends_with('{');
        let key = after.split_once('}').map(|(key, _)| key);
        match key.and_then(|k| params.get(k).map(|v| (k, v))) {
            Some((key, value)) if !doubled && !after[key.len() + 1..].starts_with('}') => {
                out.push_str(value);
                rest = &after[key.len() + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A placeholder of `value`'s strings that no parameter filled (such as `{lang_name}` for a
/// language the table does not name), if any.
pub(crate) fn unfilled(value: &Value) -> Option<String> {
    const KEYS: [&str; 3] = ["lang", "src", "tgt"];
    const SUFFIXES: [&str; 3] = ["", "_name", "_script"];
    let text = value.to_string();
    KEYS.iter()
        .flat_map(|k| SUFFIXES.iter().map(move |s| format!("{k}{s}")))
        .chain(["tgt_bleu_tokenize".to_string()])
        .chain(super::native::word_placeholders())
        .find(|key| fill(&text, &Params::from([(key.clone(), "\0".to_string())])).contains('\0'))
        .map(|key| format!("{{{key}}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_outside_jinja_braces() {
        let params = Params::from([
            ("lang".to_string(), "deu_Latn".to_string()),
            ("src_name".to_string(), "German".to_string()),
        ]);
        assert_eq!(
            fill(
                "{src_name}: {{source}} {lang} {{ lang }} {{lang}} {other}",
                &params
            ),
            "German: {{source}} deu_Latn {{ lang }} {{lang}} {other}"
        );
        let mut value = serde_json::json!({"a": ["x/{lang}.tsv", 3], "b": "{lang_name}"});
        substitute(&mut value, &params);
        assert_eq!(value["a"][0], "x/deu_Latn.tsv");
        assert_eq!(unfilled(&value).as_deref(), Some("{lang_name}"));
    }
}
