//! `babelbench tasks`: the task registry — groups, their languages and task names.

use clap::Args;
use tasks::config::TaskConfig;
use tasks::registry::{GROUPS, TaskRegistry};

/// Arguments of `babelbench tasks`.
#[derive(Args)]
pub struct TasksArgs {
    /// Print every task name, not just the groups.
    #[arg(long)]
    pub all: bool,
}

/// Runs `babelbench tasks`.
pub fn run(args: TasksArgs) -> anyhow::Result<()> {
    let registry = TaskRegistry::new(TaskConfig::new(harness::data::resolve_data_root(None)))?;
    if args.all {
        for name in registry.task_names() {
            println!("{name}");
        }
        return Ok(());
    }
    for group in GROUPS {
        let languages = registry.group_languages(group).unwrap_or_default();
        println!(
            "{group:<18} {:>4} languages  e.g. {group}_{}",
            languages.len(),
            languages.first().copied().unwrap_or("eng_Latn")
        );
    }
    Ok(())
}
