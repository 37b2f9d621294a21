//! `babelbench tasks`: the task registry — the built-in families (`tasks/builtin/`) and their
//! tasks, the tasks, groups and tags of `--include-path` folders — and `babelbench tasks
//! validate`, which checks task files without a model.

use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};
use harness::languages::LanguageTable;
use tasks::config::TaskConfig;
use tasks::registry::TaskRegistry;
use tasks::yaml::{BUILTIN_ROOT, Entry, task_files, validate};

/// Arguments of `babelbench tasks`.
#[derive(Args)]
pub struct TasksArgs {
    /// Print every task name, not just the groups.
    #[arg(long)]
    pub all: bool,
    /// A folder (or file) of lm-evaluation-harness task YAMLs to list too; repeatable.
    #[arg(long = "include-path", value_name = "DIR")]
    pub include_paths: Vec<PathBuf>,
    /// What else to do.
    #[command(subcommand)]
    pub action: Option<TasksAction>,
}

/// `babelbench tasks` subcommands.
#[derive(Subcommand)]
pub enum TasksAction {
    /// Check task files (and every `*.yaml` under folders) without a model: YAML, includes,
    /// fields, values, metrics, Jinja syntax. Prints each problem with its file and line.
    Validate {
        /// Task files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// Runs `babelbench tasks`.
pub fn run(args: TasksArgs) -> anyhow::Result<()> {
    if let Some(TasksAction::Validate { paths }) = args.action {
        return run_validate(&paths);
    }
    let registry = TaskRegistry::new(TaskConfig::new(harness::data::resolve_data_root(None)))?
        .with_task_files(&args.include_paths, Vec::new())?;
    if args.all {
        for name in registry.task_names() {
            println!("{name}");
        }
        return Ok(());
    }
    let index = registry.index();
    for family in index.families() {
        let members = family.members();
        println!(
            "{:<18} {:>4} tasks      e.g. {}",
            family.label(),
            members.len(),
            members.first().map_or("", |m| m.name.as_str())
        );
    }
    let families: Vec<String> = registry.family_groups();
    let others: Vec<(&str, Vec<String>)> = index
        .groups()
        .into_iter()
        .filter(|(group, _)| !families.iter().any(|f| f == group))
        .collect();
    if !args.include_paths.is_empty() {
        println!();
        for (group, members) in &others {
            println!(
                "{group:<18} {:>4} tasks      e.g. {}",
                members.len(),
                members[0]
            );
        }
        let included = registry
            .task_names()
            .iter()
            .filter(|name| {
                matches!(index.entry(name), Some(Entry::Task { path, .. })
                    if !path.starts_with(BUILTIN_ROOT))
            })
            .count();
        println!("{:<18} {:>4} tasks", "(included)", included);
    }
    Ok(())
}

/// `babelbench tasks validate PATHS`: every problem of every file, then a count; exit 2 when
/// any file has one.
fn run_validate(paths: &[PathBuf]) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for path in paths {
        files.extend(task_files(path)?);
    }
    let table = LanguageTable::builtin()?;
    let mut problems = 0;
    for file in &files {
        let errors = validate(file, &table);
        if errors.is_empty() {
            println!("ok       {}", file.display());
        }
        for error in errors {
            problems += 1;
            println!("problem  {error}");
        }
    }
    if problems > 0 {
        bail!("{problems} problem(s) in {} task file(s)", files.len());
    }
    println!("{} task file(s), no problems", files.len());
    Ok(())
}
