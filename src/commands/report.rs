//! `babelbench report`: a static HTML site (leaderboard, model and task-group pages, MEXA,
//! samples, history) from run folders.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use harness::languages::LanguageTable;

/// Arguments of `babelbench report`.
#[derive(Args)]
pub struct ReportArgs {
    /// Run folders written by `babelbench run`.
    #[arg(required = true)]
    pub run_dirs: Vec<PathBuf>,
    /// Folder to write the site into (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Language table in the format of harness/data/languages.tsv; the built-in table by default.
    #[arg(long)]
    pub languages: Option<PathBuf>,
}

/// Builds the site.
pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let languages = load_languages(args.languages.as_deref())?;
    let site = reports::site::build(&args.run_dirs, &languages, &args.out)
        .with_context(|| format!("cannot build the report site in {}", args.out.display()))?;
    println!(
        "wrote {} pages and {} tables; open {}",
        site.pages.len(),
        site.tables.len(),
        site.root.join("index.html").display()
    );
    Ok(())
}

/// The language table at `path`, or the built-in one.
pub fn load_languages(path: Option<&Path>) -> anyhow::Result<LanguageTable> {
    Ok(match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the language table {}", path.display()))?;
            LanguageTable::parse(&text, &path.display().to_string())?
        }
        None => LanguageTable::builtin()?,
    })
}
