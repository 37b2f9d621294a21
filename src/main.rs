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
    #[command(name = "mt-score", about = MT_SCORE_ABOUT)]
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

/// What `babelbench mt-score` does, in the help of both ways of parsing it.
const MT_SCORE_ABOUT: &str =
    "Score translations against references with chrF, chrF++ and BLEU, as sacrebleu 2.6.0.";

/// `babelbench mt-score` on its own: the same arguments, help and errors as the subcommand.
#[derive(Parser)]
#[command(
    name = "babelbench mt-score",
    bin_name = "babelbench mt-score",
    version,
    about = MT_SCORE_ABOUT
)]
struct MtScoreCli {
    #[command(flatten)]
    args: commands::mt_score::MtScoreArgs,
}

fn main() -> ExitCode {
    // mt-score is a drop-in for sacrebleu's command line, run once per file pair, so its
    // start-up counts: parsing only its own arguments takes 0.13-0.19 ms, the whole command
    // tree 0.30-0.43 ms.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == "mt-score")
    {
        let cli = MtScoreCli::parse_from(std::env::args_os().skip(1));
        // mt-score logs nothing at the default level (warnings), so the subscriber, 0.08 ms
        // of a run, is only set up when $RUST_LOG asks for more.
        if std::env::var_os("RUST_LOG").is_some() {
            init_logging();
        }
        return exit_code(commands::mt_score::run(cli.args));
    }
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
