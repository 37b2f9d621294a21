//! `babelbench compare`: per task and language, run B against run A with a paired bootstrap 95%
//! interval, printed as a table and optionally written as HTML, CSV and Markdown.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use clap::builder::RangedU64ValueParser;
use harness::metric::Bootstrap;

use super::report::load_languages;

/// Arguments of `babelbench compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// The baseline run folder.
    pub run_a: PathBuf,
    /// The run folder compared against it.
    pub run_b: PathBuf,
    /// Folder to write compare.html, compare.csv and compare.md into.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Bootstrap resamples (at least 1).
    #[arg(long, default_value_t = Bootstrap::DEFAULT_RESAMPLES,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub resamples: usize,
    /// Bootstrap seed.
    #[arg(long, default_value_t = Bootstrap::DEFAULT_SEED)]
    pub seed: u64,
    /// Language table in the format of harness/data/languages.tsv; the built-in table by default.
    #[arg(long)]
    pub languages: Option<PathBuf>,
}

/// Compares the runs and prints the table.
pub fn run(args: CompareArgs) -> anyhow::Result<()> {
    let languages = load_languages(args.languages.as_deref())?;
    let settings = Bootstrap {
        resamples: args.resamples,
        seed: args.seed,
    };
    let comparison = reports::compare_with(&args.run_a, &args.run_b, &settings)?;
    print!("{}", comparison.to_terminal(&languages));
    if let Some(out) = &args.out {
        let page = reports::site::write_comparison(&comparison, &languages, out)
            .with_context(|| format!("cannot write the comparison into {}", out.display()))?;
        println!("wrote {}", page.display());
    }
    Ok(())
}
