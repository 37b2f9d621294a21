//! Building task lists from names. Every task is a task file: babelbench's built-in families
//! (`tasks/builtin/`: Belebele, FLORES-200, SIB-200, MEXA, bits per byte, tokenizer premium)
//! and the files of `--include-path` folders ([`TaskIndex`]), which replace a built-in task of
//! the same name. A selector is a task, group or tag name; a family's name form with a
//! language code or glob (`belebele_deu_Latn`, `sib200_*_Latn`, `mexa_deu_*`; for a direction
//! family `flores_eng_Latn-deu_Latn`, globs allowed on each side, or one language for both
//! directions with English, `flores_deu_Latn`); or a glob over task names. A further list of
//! language globs (e.g. from `--languages`) keeps only the tasks whose reported language
//! matches one of them. Nothing is global: a [`TaskRegistry`] holds the configuration, the
//! language table and the index it builds tasks from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use harness::task::{Task, TaskGroup};

use crate::config::TaskConfig;
use crate::names::{glob_matches, is_glob, nearest};
use crate::yaml::{
    DataPlaces, Entry, FamilyMiss, Localized, Params, TaskFileError, TaskIndex, TaskSource,
    aggregate_metrics, load_task,
};
use harness::languages::{LanguageTable, LanguageTableError};

/// How many names an error suggests.
const SUGGESTIONS: usize = 5;

/// A task name or language that cannot be resolved.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The built-in language table is unreadable.
    #[error(transparent)]
    LanguageTable(#[from] LanguageTableError),
    /// A task file cannot be used.
    #[error(transparent)]
    TaskFile(#[from] TaskFileError),
    /// No group or task has this name.
    #[error("unknown task `{name}`{}; groups: {}", did_you_mean(suggestions), groups.join(", "))]
    UnknownTask {
        /// The name as given.
        name: String,
        /// The nearest known names.
        suggestions: Vec<String>,
        /// The families' groups.
        groups: Vec<String>,
    },
    /// The group has no such language.
    #[error(
        "task group {group} has no language `{language}`{}; `babelbench tasks` lists its languages",
        did_you_mean(suggestions)
    )]
    UnknownLanguage {
        /// The group.
        group: String,
        /// The code as given.
        language: String,
        /// The nearest codes of the group.
        suggestions: Vec<String>,
    },
    /// A glob matches none of the group's languages.
    #[error(
        "`{pattern}` matches no language of task group {group}; globs use `*` and `?`, e.g. `deu_*` or `*_Latn`"
    )]
    NoMatch {
        /// The group.
        group: String,
        /// The glob.
        pattern: String,
    },
    /// A direction does not name two languages.
    #[error(
        "`{name}`: a direction of task group {group} is two different languages, e.g. `flores_eng_Latn-deu_Latn`"
    )]
    BadDirection {
        /// The name as given.
        name: String,
        /// The group.
        group: String,
    },
    /// The language filter removed every selected task.
    #[error("no selected task reports a language matching {}", filters.join(", "))]
    FilteredOut {
        /// The language globs.
        filters: Vec<String>,
    },
}

/// ` (did you mean a, b?)`, or nothing when there is no suggestion.
fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", suggestions.join(", "))
    }
}

/// Builds tasks from names with one configuration and language table.
#[derive(Debug)]
pub struct TaskRegistry {
    config: TaskConfig,
    table: LanguageTable,
    index: TaskIndex,
    places: DataPlaces,
    /// What `--prompt-language native` made of each built task's prompt, when not English.
    prompts: Mutex<BTreeMap<String, Localized>>,
}

impl TaskRegistry {
    /// A registry of the built-in task files, with the built-in language table.
    pub fn new(config: TaskConfig) -> Result<Self, RegistryError> {
        let table = LanguageTable::builtin()?;
        let index = TaskIndex::builtin(&table)?;
        let places = DataPlaces {
            root: config.data_root.clone(),
            hub_dirs: Vec::new(),
        };
        Ok(TaskRegistry {
            config,
            table,
            index,
            places,
            prompts: Mutex::default(),
        })
    }

    /// The registry with the task files under `include_paths` added, their Hub datasets looked
    /// for in `hub_dirs`.
    pub fn with_task_files(
        mut self,
        include_paths: &[PathBuf],
        hub_dirs: Vec<PathBuf>,
    ) -> Result<Self, RegistryError> {
        self.index = self.index.scan(include_paths, &self.table)?;
        self.places.hub_dirs = hub_dirs;
        Ok(self)
    }

    /// The index of the task files.
    pub fn index(&self) -> &TaskIndex {
        &self.index
    }

    /// The language table.
    pub fn table(&self) -> &LanguageTable {
        &self.table
    }

    /// The groups of the family files (their first tags), in the order indexed.
    pub fn family_groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for family in self.index.families() {
            let label = family.label();
            if !groups.contains(&label) {
                groups.push(label);
            }
        }
        groups
    }

    /// Every task name: the families' own tasks family by family, then the other tasks.
    pub fn task_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut seen = BTreeSet::new();
        for family in self.index.families() {
            for member in family.members() {
                if seen.insert(member.name.clone()) {
                    names.push(member.name);
                }
            }
        }
        for name in self.index.task_names() {
            if seen.insert(name.to_string()) {
                names.push(name.to_string());
            }
        }
        names
    }

    /// The tasks named by `selectors`, in selector order without repeats, kept only when their
    /// language matches one of `language_globs` (all kept when it is empty).
    pub fn select(
        &self,
        selectors: &[&str],
        language_globs: &[&str],
    ) -> Result<Vec<Box<dyn Task>>, RegistryError> {
        let mut seen = BTreeSet::new();
        let mut tasks: Vec<Box<dyn Task>> = Vec::new();
        for selector in selectors {
            for task in self.resolve(selector)? {
                let keep = language_globs.is_empty()
                    || language_globs
                        .iter()
                        .any(|glob| glob_matches(glob, task.language()));
                if keep && seen.insert(task.name().to_string()) {
                    tasks.push(task);
                }
            }
        }
        if tasks.is_empty() && !language_globs.is_empty() {
            return Err(RegistryError::FilteredOut {
                filters: language_globs.iter().map(|g| g.to_string()).collect(),
            });
        }
        Ok(tasks)
    }

    /// What `--prompt-language native` made of the prompts of `tasks` (what [`Self::select`]
    /// returned): per task with a native prompt file, native or English for want of words.
    pub fn native_prompts(&self, tasks: &[Box<dyn Task>]) -> Vec<(String, Localized)> {
        let prompts = self.prompts.lock().unwrap_or_else(|e| e.into_inner());
        tasks
            .iter()
            .filter_map(|task| {
                let prompt = prompts.get(task.name())?;
                Some((task.name().to_string(), prompt.clone()))
            })
            .collect()
    }

    /// The groups among `selectors` (and the groups nested in them) that combine metrics, each
    /// with those of its tasks that are in `tasks` (what [`Self::select`] returned).
    pub fn groups(
        &self,
        selectors: &[&str],
        tasks: &[Box<dyn Task>],
    ) -> Result<Vec<TaskGroup>, RegistryError> {
        let mut groups = Vec::new();
        for selector in selectors {
            self.collect_groups(selector, tasks, 0, &mut groups)?;
        }
        Ok(groups)
    }

    fn collect_groups(
        &self,
        name: &str,
        tasks: &[Box<dyn Task>],
        depth: usize,
        out: &mut Vec<TaskGroup>,
    ) -> Result<(), RegistryError> {
        let Some(Entry::Group { path, members }) = self.index.entry(name) else {
            return Ok(());
        };
        if depth > 16 || out.iter().any(|g| g.name == name) {
            return Ok(());
        }
        let metrics = aggregate_metrics(&TaskSource::load(path)?)?;
        if !metrics.is_empty() {
            let leaves = self.index.expand(name).unwrap_or_default();
            out.push(TaskGroup {
                name: name.to_string(),
                tasks: leaves
                    .into_iter()
                    .map(|(task, _)| task)
                    .filter(|task| tasks.iter().any(|t| t.name() == task))
                    .collect(),
                metrics,
            });
        }
        for member in members {
            self.collect_groups(member, tasks, depth + 1, out)?;
        }
        Ok(())
    }

    /// The tasks of one selector.
    fn resolve(&self, selector: &str) -> Result<Vec<Box<dyn Task>>, RegistryError> {
        if let Some(selected) = self.index.expand(selector) {
            return selected
                .into_iter()
                .map(|(name, group)| self.load_indexed(&name, &group))
                .collect();
        }
        if let Some((family, selected)) = self.index.select_family(selector) {
            let group = family.label();
            let instances = selected.map_err(|miss| miss_error(miss, selector, &group))?;
            return instances
                .into_iter()
                .map(|instance| self.load(&family.path, &instance.params, &group))
                .collect();
        }
        if is_glob(selector) {
            let names: Vec<String> = self
                .task_names()
                .into_iter()
                .filter(|name| glob_matches(selector, name))
                .collect();
            if !names.is_empty() {
                return names
                    .iter()
                    .flat_map(|name| self.index.expand(name).unwrap_or_default())
                    .map(|(name, group)| self.load_indexed(&name, &group))
                    .collect();
            }
        }
        Err(RegistryError::UnknownTask {
            name: selector.to_string(),
            suggestions: self.suggest_tasks(selector),
            groups: self.family_groups(),
        })
    }

    /// The indexed task `name`, reported under `group`.
    fn load_indexed(&self, name: &str, group: &str) -> Result<Box<dyn Task>, RegistryError> {
        let Some(Entry::Task { path, params, .. }) = self.index.entry(name) else {
            unreachable!("expand returns indexed tasks only")
        };
        self.load(path, params, group)
    }

    fn load(
        &self,
        path: &Path,
        params: &Params,
        group: &str,
    ) -> Result<Box<dyn Task>, RegistryError> {
        let task = load_task(
            path,
            params,
            group,
            self.config.clone(),
            self.places.clone(),
        )?;
        if *task.prompt() != Localized::English {
            let mut prompts = self.prompts.lock().unwrap_or_else(|e| e.into_inner());
            prompts.insert(task.spec().task.clone(), task.prompt().clone());
        }
        Ok(Box::new(task))
    }

    /// The known names nearest to an unknown one.
    fn suggest_tasks(&self, name: &str) -> Vec<String> {
        let groups = self.family_groups();
        let names = self.task_names();
        let candidates = groups
            .iter()
            .map(String::as_str)
            .chain(names.iter().map(String::as_str));
        nearest(name, candidates, SUGGESTIONS)
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}

/// The error of a name of a family's form that selects none of its tasks.
fn miss_error(miss: FamilyMiss, selector: &str, group: &str) -> RegistryError {
    let group = group.to_string();
    match miss {
        FamilyMiss::UnknownLanguage {
            language,
            suggestions,
        } => RegistryError::UnknownLanguage {
            group,
            language,
            suggestions,
        },
        FamilyMiss::NoMatch { pattern } => RegistryError::NoMatch { group, pattern },
        FamilyMiss::BadDirection => RegistryError::BadDirection {
            name: selector.to_string(),
            group,
        },
    }
}
