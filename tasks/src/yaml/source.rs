//! Reading one task file: YAML parsed, `include:` bases merged in as lm-evaluation-harness merges
//! them (each base loaded recursively, later bases over earlier ones, the including file over
//! all), and each top-level field remembered with the file and line that set it, for errors.
//! Python-only constructs (`!function` tags, `process_docs`, `process_results`, `class`, ...)
//! are refused here, so a run never half-supports a task.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use serde_yaml_ng::Value as Yaml;

use super::builtin::{is_task_file, read_task_file};
use super::error::TaskFileError;
use super::family::{FAMILY_FIELDS, Params, substitute, unfilled};

/// Fields whose values lm-eval evaluates as Python code.
const PYTHON_FIELDS: [(&str, &str); 5] = [
    (
        "process_docs",
        "a Python function that rewrites the documents",
    ),
    (
        "process_results",
        "a Python function that scores the responses",
    ),
    ("class", "a Python task class"),
    (
        "custom_dataset",
        "a Python function that builds the dataset",
    ),
    ("use_prompt", "a promptsource template (Python)"),
];

/// Deepest `include:` chain followed before reporting a cycle.
const MAX_INCLUDE_DEPTH: usize = 16;

/// A task (or group) file with its bases merged in.
#[derive(Debug, Clone)]
pub struct TaskSource {
    /// The file.
    pub path: PathBuf,
    /// The merged top-level fields.
    pub fields: Map<String, Value>,
    /// Where each top-level field was set: file and line.
    origins: BTreeMap<String, (PathBuf, usize)>,
}

impl TaskSource {
    /// Reads `path` and its `include:` bases.
    pub fn load(path: &Path) -> Result<TaskSource, TaskFileError> {
        load_depth(path, 0)
    }

    /// An error at the line that set `field` (the file's first line when no file set it).
    pub fn error_at(&self, field: &str, message: impl Into<String>) -> TaskFileError {
        let (path, line) = self
            .origins
            .get(field)
            .cloned()
            .unwrap_or_else(|| (self.path.clone(), 1));
        TaskFileError::At {
            path,
            line,
            message: format!("`{field}`: {}", message.into()),
        }
    }

    /// One task of a family file: every placeholder filled from `params`, the family's own
    /// fields removed. An error names a placeholder no parameter fills.
    pub fn instantiate(mut self, params: &Params) -> Result<TaskSource, TaskFileError> {
        for field in FAMILY_FIELDS {
            self.fields.remove(field);
        }
        for (field, value) in self.fields.iter_mut() {
            substitute(value, params);
            if let Some(placeholder) = unfilled(value) {
                let origin = self.origins.get(field).cloned();
                let (path, line) = origin.unwrap_or_else(|| (self.path.clone(), 1));
                return Err(TaskFileError::At {
                    path,
                    line,
                    message: format!(
                        "`{field}`: {placeholder} has no value for task {} (a language the \
                         language table does not name, or a placeholder of the other family shape)",
                        params.get("lang").map_or("?", String::as_str)
                    ),
                });
            }
        }
        Ok(self)
    }

    /// The tags the file (or a base it includes) sets: `tag:` as one name or a list.
    pub fn tags(&self) -> Vec<String> {
        match self.fields.get("tag") {
            Some(Value::String(tag)) => vec![tag.clone()],
            Some(Value::Array(tags)) => tags
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The folder of the file itself, against which its relative data paths resolve.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

fn load_depth(path: &Path, depth: usize) -> Result<TaskSource, TaskFileError> {
    let text = read_task_file(path).map_err(|source| TaskFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let yaml: Yaml = serde_yaml_ng::from_str(&text).map_err(|e| TaskFileError::At {
        path: path.to_path_buf(),
        line: e.location().map_or(1, |l| l.line()),
        message: format!("not valid YAML: {e}"),
    })?;
    let Yaml::Mapping(mapping) = yaml else {
        return Err(TaskFileError::At {
            path: path.to_path_buf(),
            line: 1,
            message: "a task file is a YAML mapping of fields (`task: ...`, `doc_to_text: ...`)"
                .into(),
        });
    };
    let mut own = Map::new();
    let mut origins = BTreeMap::new();
    for (key, value) in mapping {
        let Yaml::String(key) = key else {
            return Err(TaskFileError::At {
                path: path.to_path_buf(),
                line: 1,
                message: format!("field names are strings; found {key:?}"),
            });
        };
        let line = key_line(&text, &key);
        let at = |message: String| TaskFileError::At {
            path: path.to_path_buf(),
            line,
            message: format!("`{key}`: {message}"),
        };
        if let Some((_, what)) = PYTHON_FIELDS.iter().find(|(name, _)| *name == key) {
            return Err(at(format!(
                "needs {what}; babelbench runs tasks written in YAML and Jinja only, so this task \
                 cannot run: remove the field or rewrite it as a template"
            )));
        }
        let value = to_json(value).map_err(at)?;
        origins.insert(key.clone(), (path.to_path_buf(), line));
        own.insert(key, value);
    }
    let Some(include) = own.remove("include") else {
        return Ok(TaskSource {
            path: path.to_path_buf(),
            fields: own,
            origins,
        });
    };
    let include_line = origins.get("include").map_or(1, |(_, line)| *line);
    let include_error = |message: String| TaskFileError::At {
        path: path.to_path_buf(),
        line: include_line,
        message: format!("`include`: {message}"),
    };
    if depth >= MAX_INCLUDE_DEPTH {
        return Err(include_error(format!(
            "more than {MAX_INCLUDE_DEPTH} nested includes; the files include each other in a cycle"
        )));
    }
    let bases: Vec<String> = match include {
        Value::String(one) => vec![one],
        Value::Array(many) => many
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                other => Err(include_error(format!("expected file names, found {other}"))),
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(include_error(format!(
                "expected a file name or a list, found {other}"
            )));
        }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut fields = Map::new();
    let mut merged_origins = BTreeMap::new();
    // lm-eval applies the bases last to first, so the first listed wins among them.
    for base in bases.iter().rev() {
        let base_path = dir.join(base);
        if !is_task_file(&base_path) {
            return Err(include_error(format!(
                "{} does not exist (includes are relative to the including file's folder)",
                base_path.display()
            )));
        }
        let loaded = load_depth(&base_path, depth + 1)?;
        fields.extend(loaded.fields);
        merged_origins.extend(loaded.origins);
    }
    origins.remove("include");
    fields.extend(own);
    merged_origins.extend(origins);
    Ok(TaskSource {
        path: path.to_path_buf(),
        fields,
        origins: merged_origins,
    })
}

/// The line (1-based) where top-level field `key` is set in `text`, or 1.
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|line| {
            let unquoted = line
                .strip_prefix(key)
                .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| line.strip_prefix(&format!("'{key}'")));
            unquoted.is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(1, |i| i + 1)
}

/// A YAML value as JSON; a tagged value (`!function utils.f`) is refused.
fn to_json(value: Yaml) -> Result<Value, String> {
    Ok(match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| format!("{n} is not a finite number"))?
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Mapping(mapping) => {
            let mut map = Map::new();
            for (k, v) in mapping {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Number(n) => n.to_string(),
                    Yaml::Bool(b) => if b { "True" } else { "False" }.to_string(),
                    other => return Err(format!("mapping keys are strings; found {other:?}")),
                };
                map.insert(key, to_json(v)?);
            }
            Value::Object(map)
        }
        Yaml::Tagged(tagged) => {
            let target = match &tagged.value {
                Yaml::String(s) => s.clone(),
                other => format!("{other:?}"),
            };
            return Err(format!(
                "`{} {target}` calls Python code; babelbench runs tasks written in YAML and \
                 Jinja only, so this task cannot run: write the field as a Jinja template instead",
                tagged.tag
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_merge_with_the_including_file_last_and_fields_keep_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("_base_yaml"),
            "output_type: multiple_choice\ndoc_to_text: base\ntest_split: test\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("t.yaml"),
            "include: _base_yaml\ntask: t\ndoc_to_text: own\n",
        )
        .unwrap();
        let source = TaskSource::load(&dir.path().join("t.yaml")).unwrap();
        assert_eq!(source.fields["doc_to_text"], "own");
        assert_eq!(source.fields["output_type"], "multiple_choice");
        assert!(!source.fields.contains_key("include"));
        let err = source.error_at("test_split", "bad").to_string();
        assert!(
            err.contains("_base_yaml:3:") && err.contains("`test_split`: bad"),
            "{err}"
        );
        let err = source.error_at("doc_to_text", "bad").to_string();
        assert!(err.contains("t.yaml:3:"), "{err}");
    }

    #[test]
    fn python_fields_tags_cycles_and_bad_yaml_are_refused_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let tagged = write(
            "f.yaml",
            "task: f\n\ndoc_to_text: !function utils.doc_to_text\n",
        );
        let err = TaskSource::load(&tagged).unwrap_err().to_string();
        assert!(
            err.contains("f.yaml:3:") && err.contains("`doc_to_text`") && err.contains("Python"),
            "{err}"
        );
        let process = write("p.yaml", "task: p\nprocess_docs: x\n");
        let err = TaskSource::load(&process).unwrap_err().to_string();
        assert!(
            err.contains("p.yaml:2:") && err.contains("process_docs"),
            "{err}"
        );
        write("a.yaml", "include: b.yaml\ntask: a\n");
        let b = write("b.yaml", "include: a.yaml\n");
        let err = TaskSource::load(&b).unwrap_err().to_string();
        assert!(err.contains("cycle"), "{err}");
        let missing = write("m.yaml", "task: m\ninclude: nowhere.yaml\n");
        let err = TaskSource::load(&missing).unwrap_err().to_string();
        assert!(
            err.contains("m.yaml:2:") && err.contains("nowhere.yaml"),
            "{err}"
        );
        let broken = write("s.yaml", "task: s\ndoc_to_text: [unclosed\n");
        let err = TaskSource::load(&broken).unwrap_err().to_string();
        assert!(
            err.contains("s.yaml:") && err.contains("not valid YAML"),
            "{err}"
        );
    }
}
