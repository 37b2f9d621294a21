//! The `babelbench` command line.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Multilingual LLM evaluation: Belebele, FLORES-200, SIB-200 and MEXA alignment.
#[derive(Parser)]
#[command(name = "babelbench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inspect, verify and fetch datasets.
    #[command(subcommand)]
    Data(commands::data::DataCommand),
    /// Build a static HTML report site from run folders.
    Report(commands::report::ReportArgs),
    /// Compare two runs per task and language with paired bootstrap intervals.
    Compare(commands::compare::CompareArgs),
    /// Load a model and inspect it, score texts, pool hidden states or generate (JSONL).
    #[command(subcommand)]
    Model(commands::model::ModelCommand),
    /// Evaluate a model on tasks into a run folder (resumable, shardable).
    Run(Box<commands::run::RunArgs>),
    /// Combine shard folders of one run into a run folder.
    Merge(commands::merge::MergeArgs),
    /// List the task groups and their languages.
    Tasks(commands::tasks::TasksArgs),
    /// Score translations against references with chrF, chrF++ and BLEU, as sacrebleu 2.6.0.
    #[command(name = "mt-score")]
    MtScore(commands::mt_score::MtScoreArgs),
}

/// Sends `tracing` events to stderr, filtered by `$RUST_LOG` (default: warnings and errors), e.g.
/// `RUST_LOG=info` for phases and timings, `RUST_LOG=harness=debug` for every batch.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Data(cmd) => commands::data::run(cmd),
        Command::Report(args) => commands::report::run(args),
        Command::Compare(args) => commands::compare::run(args),
        Command::Model(cmd) => commands::model::run(cmd),
        Command::MtScore(args) => commands::mt_score::run(args),
        Command::Run(args) => commands::run::run(*args),
        Command::Merge(args) => commands::merge::run(args),
        Command::Tasks(args) => commands::tasks::run(args),
    };
    exit_code(result)
}

/// Success, or the error printed with its causes and exit status 2.
fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
