//! The task files of the `--include-path` folders, indexed as lm-evaluation-harness's
//! `TaskManager` indexes them: every `*.yaml` file below a folder whose `task` is a name is a
//! task (its `tag`s are lightweight groups); one whose `task` is a list and that has a `group`
//! is a group of those tasks; other files (`_template`, `*_yaml`) are only included by others.
//! A family file (a task name with placeholders, see [`super::family`]) indexes each of its
//! own tasks. A file is read in full only when its task is selected or validated (families and
//! files whose tags come from a base are read when indexed), so one broken or Python-dependent
//! task file does not stop the others.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value as Yaml;

use super::builtin::{builtin_files, read_task_file};
use super::error::TaskFileError;
use super::family::{Family, FamilyMiss, Instance, Params};
use super::source::TaskSource;
use harness::languages::LanguageTable;

/// What an indexed file defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A task, with its tags.
    Task {
        /// The file.
        path: PathBuf,
        /// Its tags.
        tags: Vec<String>,
        /// The placeholder values, for a task of a family file.
        params: Params,
    },
    /// A group and its member names (tasks, groups or tags).
    Group {
        /// The file.
        path: PathBuf,
        /// The members, in order.
        members: Vec<String>,
    },
}

/// The tasks and groups of some folders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskIndex {
    entries: BTreeMap<String, Entry>,
    tags: BTreeMap<String, Vec<String>>,
    families: Vec<Family>,
}

impl TaskIndex {
    /// Indexes babelbench's built-in task files.
    pub fn builtin(table: &LanguageTable) -> Result<TaskIndex, TaskFileError> {
        let mut index = TaskIndex::default();
        for file in builtin_files() {
            index.add(&file, table)?;
        }
        Ok(index)
    }

    /// Adds every `*.yaml` file under `dirs` (a file path adds that file); a task of the same
    /// name as one already indexed replaces it.
    pub fn scan(
        mut self,
        dirs: &[PathBuf],
        table: &LanguageTable,
    ) -> Result<TaskIndex, TaskFileError> {
        for dir in dirs {
            for file in task_files(dir)? {
                self.add(&file, table)?;
            }
        }
        Ok(self)
    }

    fn add(&mut self, path: &Path, table: &LanguageTable) -> Result<(), TaskFileError> {
        let text = read_task_file(path).map_err(|source| TaskFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        // Tags such as `!function` are kept as values here; the full read refuses them.
        let Ok(Yaml::Mapping(mapping)) = serde_yaml_ng::from_str::<Yaml>(&text) else {
            // Reported when the file is validated; not a task of the index.
            return Ok(());
        };
        let get = |key: &str| mapping.get(Yaml::String(key.into()));
        let strings = |value: Option<&Yaml>| -> Vec<String> {
            match value {
                Some(Yaml::String(s)) => vec![s.clone()],
                Some(Yaml::Sequence(items)) => items
                    .iter()
                    .filter_map(|item| match item {
                        Yaml::String(s) => Some(s.clone()),
                        Yaml::Mapping(m) => m
                            .get(Yaml::String("task".into()))
                            .and_then(|t| t.as_str())
                            .map(str::to_string),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        };
        match (get("task"), get("group")) {
            (Some(Yaml::String(name)), _) if name.contains('{') => {
                let source = TaskSource::load(path)?;
                if let Some(family) = Family::of(&source, table)? {
                    for member in family.members() {
                        self.insert_task(member.name, path, family.tags.clone(), member.params);
                    }
                    self.families.push(family);
                }
            }
            (Some(Yaml::String(name)), _) => {
                // Tags may come from an included base, as lm-eval reads them.
                let tags = match TaskSource::load(path) {
                    Ok(source) => source.tags(),
                    Err(_) => strings(get("tag")),
                };
                self.insert_task(name.clone(), path, tags, Params::new());
            }
            (Some(members @ Yaml::Sequence(_)), Some(Yaml::String(group))) => {
                self.entries.insert(
                    group.clone(),
                    Entry::Group {
                        path: path.to_path_buf(),
                        members: strings(Some(members)),
                    },
                );
            }
            _ => {}
        }
        Ok(())
    }

    fn insert_task(&mut self, name: String, path: &Path, tags: Vec<String>, params: Params) {
        for tag in &tags {
            let members = self.tags.entry(tag.clone()).or_default();
            if !members.contains(&name) {
                members.push(name.clone());
            }
        }
        self.entries.insert(
            name,
            Entry::Task {
                path: path.to_path_buf(),
                tags,
                params,
            },
        );
    }

    /// The family files, in the order indexed.
    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// The tasks of the family whose form `selector` has (the longest prefix wins): the family
    /// and its tasks, or why none matches. `None` when no family has the form.
    pub fn select_family(
        &self,
        selector: &str,
    ) -> Option<(&Family, Result<Vec<Instance>, FamilyMiss>)> {
        let mut found: Vec<(&Family, Result<Vec<Instance>, FamilyMiss>)> = self
            .families
            .iter()
            .filter_map(|family| family.select(selector).map(|r| (family, r)))
            .collect();
        // Later files replace earlier ones; among forms, the longest prefix is the most specific.
        found.reverse();
        found.sort_by_key(|(family, _)| std::cmp::Reverse(family.prefix_len()));
        found.into_iter().next()
    }

    /// Whether nothing was indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry named `name`.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    /// The task names (sorted).
    pub fn task_names(&self) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|(_, e)| matches!(e, Entry::Task { .. }))
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The groups and tags with their members (groups first).
    pub fn groups(&self) -> Vec<(&str, Vec<String>)> {
        let groups = self.entries.iter().filter_map(|(name, e)| match e {
            Entry::Group { members, .. } => Some((name.as_str(), members.clone())),
            Entry::Task { .. } => None,
        });
        groups
            .chain(
                self.tags
                    .iter()
                    .map(|(tag, members)| (tag.as_str(), members.clone())),
            )
            .collect()
    }

    /// The tasks `name` selects: itself, a group's or tag's members (recursively), in order;
    /// each with the group it is reported under. `None` when the index does not know `name`.
    pub fn expand(&self, name: &str) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        self.expand_into(name, None, 0, &mut out).then_some(out)
    }

    fn expand_into(
        &self,
        name: &str,
        group: Option<&str>,
        depth: usize,
        out: &mut Vec<(String, String)>,
    ) -> bool {
        if depth > 16 {
            return false;
        }
        match self.entries.get(name) {
            Some(Entry::Task { tags, .. }) => {
                let reported = group
                    .map(str::to_string)
                    .or_else(|| tags.first().cloned())
                    .unwrap_or_else(|| name.to_string());
                if !out.iter().any(|(task, _)| task == name) {
                    out.push((name.to_string(), reported));
                }
                true
            }
            Some(Entry::Group { members, .. }) => {
                for member in members {
                    self.expand_into(member, Some(group.unwrap_or(name)), depth + 1, out);
                }
                true
            }
            None => match self.tags.get(name) {
                Some(members) => {
                    for member in members {
                        self.expand_into(member, Some(group.unwrap_or(name)), depth + 1, out);
                    }
                    true
                }
                None => false,
            },
        }
    }
}

/// The task files `path` names: the file itself, or every `*.yaml` (or `*.yml`) file below a
/// folder, sorted.
pub fn task_files(path: &Path) -> Result<Vec<PathBuf>, TaskFileError> {
    let mut files = Vec::new();
    if path.is_file() {
        files.push(path.to_path_buf());
    } else if path.is_dir() {
        yaml_files(path, &mut files)?;
        files.sort();
    } else {
        return Err(TaskFileError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such task file or folder",
            ),
        });
    }
    Ok(files)
}

/// The `*.yaml` files under `dir`, recursively.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), TaskFileError> {
    let entries = std::fs::read_dir(dir).map_err(|source| TaskFileError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_groups_and_tags_expand_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("_base_yaml", "tag: fam\n");
        write("c.yaml", "include: _base_yaml\ntask: fam_c\n");
        write("a.yaml", "task: fam_a\ntag: fam\n");
        write("b.yaml", "task: fam_b\ntag: [fam, other]\n");
        write("g.yaml", "group: both\ntask: [fam_b, fam_a]\n");
        write("broken.yaml", "task: [unclosed\n");
        let table = LanguageTable::builtin().unwrap();
        let index = TaskIndex::default()
            .scan(&[dir.path().to_path_buf()], &table)
            .unwrap();
        assert_eq!(index.task_names(), ["fam_a", "fam_b", "fam_c"]);
        let names = |sel: &str| index.expand(sel).unwrap();
        assert_eq!(
            names("both"),
            [
                ("fam_b".to_string(), "both".to_string()),
                ("fam_a".into(), "both".into())
            ]
        );
        // fam_c's tag comes from the base it includes.
        assert_eq!(names("fam").len(), 3);
        assert_eq!(names("fam_a"), [("fam_a".to_string(), "fam".to_string())]);
        assert!(index.expand("nothing").is_none());
        let err = TaskIndex::default()
            .scan(&[dir.path().join("absent")], &table)
            .unwrap_err()
            .to_string();
        assert!(err.contains("absent"), "{err}");
    }
}
