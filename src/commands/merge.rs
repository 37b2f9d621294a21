//! `babelbench merge`: combine shard folders into one run folder.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use harness::evaluator::{MergeSpec, NoProgress, Progress, ShardFolder};
use harness::task::Task;
use reports::run_files::ParquetTables;

use super::run::{Bars, Selection};

/// Arguments of `babelbench merge`.
#[derive(Args)]
pub struct MergeArgs {
    /// The shard folders written by `babelbench run --shard I/N`.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// The merged run folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Data root, when it lies elsewhere than where the shards ran.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `babelbench merge`.
pub fn run(args: MergeArgs) -> anyhow::Result<()> {
    let shards = args
        .shards
        .iter()
        .map(|dir| ShardFolder::open(dir))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(first) = shards.first() else {
        bail!("no shard folders given");
    };
    let mut selection = Selection::from_run_config(&first.manifest.run_config)?;
    if let Some(dir) = args.data_dir {
        selection.data_dir = dir;
    }
    let (tasks, groups) = selection.build()?;
    let task_refs: Vec<&dyn Task> = tasks.iter().map(|t| t.as_ref()).collect();
    let progress: Box<dyn Progress> = if args.quiet {
        Box::new(NoProgress)
    } else {
        Box::new(Bars::new())
    };
    harness::evaluator::merge(&MergeSpec {
        shards: &shards,
        tasks: &task_refs,
        output: &args.out,
        tables: Some(&ParquetTables),
        progress: progress.as_ref(),
        groups: &groups,
    })?;
    println!("{}", args.out.display());
    Ok(())
}
