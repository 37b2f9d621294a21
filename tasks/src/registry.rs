//! Building task lists from names: a group (`belebele`), a task of one language
//! (`belebele_deu_Latn`), a language glob (`sib200_*_Latn`, `mexa_deu_*`), or a FLORES-200
//! direction (`flores_eng_Latn-deu_Latn`, globs allowed on each side). `flores_<glob>` and the
//! group `flores` select the default directions: each language into and out of English.
//! A further list of language globs (e.g. from `--languages`) keeps only the tasks whose
//! reported language matches one of them. Task files of `--include-path` folders
//! ([`TaskIndex`]) are selected by task, group or tag name (or a glob over their task names),
//! and take precedence over a built-in name. Nothing is global: a [`TaskRegistry`] holds the
//! configuration, the language table and the index it builds tasks from.

use std::collections::BTreeSet;
use std::path::PathBuf;

use harness::task::Task;

use crate::belebele::{BELEBELE_GROUP, BELEBELE_LANGUAGES, BelebeleTask};
use crate::bpb::{BPB_GROUP, BpbTask};
use crate::config::TaskConfig;
use crate::flores::{FLORES_GROUP, FLORES_PIVOT, FloresTask};
use crate::languages::{LanguageTable, LanguageTableError};
use crate::mexa::{MEXA_GROUP, MEXA_PIVOT, MexaTask};
use crate::names::{glob_matches, is_glob, nearest};
use crate::sib200::{SIB200_GROUP, Sib200Task};
use crate::tokenizer_premium::{PREMIUM_PIVOT, TOKENIZER_PREMIUM_GROUP, TokenizerPremiumTask};
use crate::yaml::{DataPlaces, Entry, TaskFileError, TaskIndex, load_task};

/// The task groups.
pub const GROUPS: [&str; 6] = [
    BELEBELE_GROUP,
    FLORES_GROUP,
    SIB200_GROUP,
    MEXA_GROUP,
    BPB_GROUP,
    TOKENIZER_PREMIUM_GROUP,
];

/// Languages of the table that FLORES-200 lacks: SIB-200 added N'Ko.
pub const NOT_IN_FLORES200: [&str; 1] = ["nqo_Nkoo"];

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
    #[error("unknown task `{name}`{}; groups: {}", did_you_mean(suggestions), GROUPS.join(", "))]
    UnknownTask {
        /// The name as given.
        name: String,
        /// The nearest known names.
        suggestions: Vec<String>,
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
    /// A FLORES direction does not have the form `src-tgt`.
    #[error(
        "`{name}`: a FLORES-200 direction is `flores_SRC-TGT`, e.g. `flores_eng_Latn-deu_Latn`, with two different languages"
    )]
    BadDirection {
        /// The name as given.
        name: String,
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
#[derive(Debug, Clone)]
pub struct TaskRegistry {
    config: TaskConfig,
    table: LanguageTable,
    index: TaskIndex,
    places: DataPlaces,
}

impl TaskRegistry {
    /// A registry with the built-in language table.
    pub fn new(config: TaskConfig) -> Result<Self, RegistryError> {
        Ok(Self::with_table(config, LanguageTable::builtin()?))
    }

    /// A registry with the given language table.
    pub fn with_table(config: TaskConfig, table: LanguageTable) -> Self {
        let places = DataPlaces {
            root: config.data_root.clone(),
            hub_dirs: Vec::new(),
        };
        TaskRegistry {
            config,
            table,
            index: TaskIndex::default(),
            places,
        }
    }

    /// The registry with the task files under `include_paths` added, their Hub datasets looked
    /// for in `hub_dirs`.
    pub fn with_task_files(
        mut self,
        include_paths: &[PathBuf],
        hub_dirs: Vec<PathBuf>,
    ) -> Result<Self, RegistryError> {
        self.index = TaskIndex::scan(include_paths)?;
        self.places.hub_dirs = hub_dirs;
        Ok(self)
    }

    /// The index of the included task files.
    pub fn index(&self) -> &TaskIndex {
        &self.index
    }

    /// The language table.
    pub fn table(&self) -> &LanguageTable {
        &self.table
    }

    /// The languages of `group` (sorted codes); for `flores` the non-English sides of the
    /// default directions. `None` for an unknown group.
    pub fn group_languages(&self, group: &str) -> Option<Vec<&str>> {
        let all_but = |pivot: &str| -> Vec<&str> {
            self.flores_codes()
                .into_iter()
                .filter(|c| *c != pivot)
                .collect()
        };
        match group {
            BELEBELE_GROUP => Some(BELEBELE_LANGUAGES.to_vec()),
            SIB200_GROUP => Some(self.table.codes().collect()),
            BPB_GROUP => Some(self.flores_codes()),
            FLORES_GROUP => Some(all_but(FLORES_PIVOT)),
            MEXA_GROUP => Some(all_but(MEXA_PIVOT)),
            TOKENIZER_PREMIUM_GROUP => Some(all_but(PREMIUM_PIVOT)),
            _ => None,
        }
    }

    /// The FLORES-200 languages of the table, English included.
    fn flores_codes(&self) -> Vec<&str> {
        self.table
            .codes()
            .filter(|code| !NOT_IN_FLORES200.contains(code))
            .collect()
    }

    /// Every task name the groups expand to, group by group, then the included tasks.
    pub fn task_names(&self) -> Vec<String> {
        GROUPS
            .iter()
            .flat_map(|group| self.expand_group(group))
            .chain(self.index.task_names().into_iter().map(str::to_string))
            .collect()
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

    /// The tasks of one selector.
    fn resolve(&self, selector: &str) -> Result<Vec<Box<dyn Task>>, RegistryError> {
        if let Some(tasks) = self.resolve_files(selector) {
            return tasks;
        }
        if let Some(group) = GROUPS.iter().find(|group| **group == selector) {
            return self.resolve_languages(group, "*");
        }
        let prefixed = GROUPS.iter().find_map(|group| {
            selector
                .strip_prefix(group)
                .and_then(|rest| rest.strip_prefix('_'))
                .map(|rest| (*group, rest))
        });
        match prefixed {
            Some((FLORES_GROUP, rest)) if rest.contains('-') => {
                self.resolve_directions(selector, rest)
            }
            Some((group, rest)) => self.resolve_languages(group, rest),
            None => Err(RegistryError::UnknownTask {
                name: selector.to_string(),
                suggestions: self.suggest_tasks(selector),
            }),
        }
    }

    /// The included tasks `selector` names (a task, group or tag, or a glob over task names);
    /// `None` when it names none.
    fn resolve_files(&self, selector: &str) -> Option<Result<Vec<Box<dyn Task>>, RegistryError>> {
        let selected: Vec<(String, String)> = match self.index.expand(selector) {
            Some(selected) => selected,
            None if is_glob(selector) => {
                let names: Vec<(String, String)> = self
                    .index
                    .task_names()
                    .into_iter()
                    .filter(|name| glob_matches(selector, name))
                    .flat_map(|name| self.index.expand(name).unwrap_or_default())
                    .collect();
                if names.is_empty() {
                    return None;
                }
                names
            }
            None => return None,
        };
        Some(
            selected
                .into_iter()
                .map(|(name, group)| {
                    let Some(Entry::Task { path, .. }) = self.index.entry(&name) else {
                        unreachable!("expand returns indexed tasks only")
                    };
                    let task = load_task(path, &group, self.config.clone(), self.places.clone())?;
                    Ok(Box::new(task) as Box<dyn Task>)
                })
                .collect(),
        )
    }

    /// The tasks of `group` whose language matches `pattern` (a code or a glob).
    fn resolve_languages(
        &self,
        group: &str,
        pattern: &str,
    ) -> Result<Vec<Box<dyn Task>>, RegistryError> {
        let known = self.group_languages(group).unwrap_or_default();
        let languages = matching(group, &known, pattern)?;
        let config = &self.config;
        Ok(languages
            .into_iter()
            .flat_map(|code| -> Vec<Box<dyn Task>> {
                match group {
                    BELEBELE_GROUP => vec![Box::new(BelebeleTask::new(code, config.clone()))],
                    SIB200_GROUP => vec![Box::new(Sib200Task::new(code, config.clone()))],
                    MEXA_GROUP => vec![Box::new(MexaTask::new(code, config.clone()))],
                    BPB_GROUP => vec![Box::new(BpbTask::new(code, config.clone()))],
                    TOKENIZER_PREMIUM_GROUP => {
                        vec![Box::new(TokenizerPremiumTask::new(code, config.clone()))]
                    }
                    // The remaining group, flores: both default directions.
                    _ => self
                        .flores_pair(FLORES_PIVOT, code)
                        .into_iter()
                        .chain(self.flores_pair(code, FLORES_PIVOT))
                        .collect(),
                }
            })
            .collect())
    }

    /// A FLORES task, when both codes are in the table.
    fn flores_pair(&self, source: &str, target: &str) -> Option<Box<dyn Task>> {
        let source = self.table.get(source)?;
        let target = self.table.get(target)?;
        Some(Box::new(FloresTask::new(
            source,
            target,
            self.config.clone(),
        )))
    }

    /// The FLORES tasks of `SRC-TGT` (globs allowed on each side).
    fn resolve_directions(
        &self,
        name: &str,
        rest: &str,
    ) -> Result<Vec<Box<dyn Task>>, RegistryError> {
        let (source, target) = rest
            .split_once('-')
            .filter(|(s, t)| !s.is_empty() && !t.is_empty() && !t.contains('-'))
            .ok_or_else(|| RegistryError::BadDirection {
                name: name.to_string(),
            })?;
        if source == target && !is_glob(source) {
            return Err(RegistryError::BadDirection {
                name: name.to_string(),
            });
        }
        let languages = self.flores_codes();
        let sources = matching(FLORES_GROUP, &languages, source)?;
        let targets = matching(FLORES_GROUP, &languages, target)?;
        let mut tasks = Vec::new();
        for s in &sources {
            for t in &targets {
                if s != t
                    && let Some(task) = self.flores_pair(s, t)
                {
                    tasks.push(task);
                }
            }
        }
        Ok(tasks)
    }

    /// The task names of a whole group.
    fn expand_group(&self, group: &str) -> Vec<String> {
        let languages = self.group_languages(group).unwrap_or_default();
        if group == FLORES_GROUP {
            languages
                .iter()
                .flat_map(|code| {
                    [
                        format!("{FLORES_GROUP}_{FLORES_PIVOT}-{code}"),
                        format!("{FLORES_GROUP}_{code}-{FLORES_PIVOT}"),
                    ]
                })
                .collect()
        } else {
            languages
                .iter()
                .map(|code| format!("{group}_{code}"))
                .collect()
        }
    }

    /// The known names nearest to an unknown one.
    fn suggest_tasks(&self, name: &str) -> Vec<String> {
        let names = self.task_names();
        let candidates = GROUPS
            .iter()
            .copied()
            .chain(names.iter().map(String::as_str));
        nearest(name, candidates, SUGGESTIONS)
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}

/// The codes of `languages` matching `pattern` (a code or a glob), or an error naming the
/// nearest codes of `group`.
fn matching<'a>(
    group: &str,
    languages: &[&'a str],
    pattern: &str,
) -> Result<Vec<&'a str>, RegistryError> {
    let found: Vec<&str> = languages
        .iter()
        .copied()
        .filter(|code| glob_matches(pattern, code))
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    Err(if is_glob(pattern) {
        RegistryError::NoMatch {
            group: group.to_string(),
            pattern: pattern.to_string(),
        }
    } else {
        RegistryError::UnknownLanguage {
            group: group.to_string(),
            language: pattern.to_string(),
            suggestions: nearest(pattern, languages.iter().copied(), SUGGESTIONS)
                .into_iter()
                .map(str::to_string)
                .collect(),
        }
    })
}
