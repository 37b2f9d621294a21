//! `babelbench data`: list, verify and fetch datasets.

mod download;
mod hub_fetch;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use harness::data::{
    DataError, Lock, Registry, Sha256Hex, Source, VerifyReport, check_data_root, derive_dataset,
    install_archive, resolve_data_root, verify_datasets,
};

/// The `babelbench data` subcommands.
#[derive(Subcommand)]
pub enum DataCommand {
    /// List the datasets, the languages found under the data root and their record counts.
    List(ListArgs),
    /// Check dataset files: present, valid UTF-8, parseable, parallel, and matching the lock.
    Verify(VerifyArgs),
    /// Download a dataset's official archive into the data root (or derive it from another).
    Fetch(FetchArgs),
}

/// Where the data and the registry are.
#[derive(Args)]
pub struct Location {
    /// The data root [default: $BABELBENCH_DATA, else ./data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Read the dataset registry from FILE instead of the built-in datasets.toml.
    #[arg(long, value_name = "FILE")]
    registry: Option<PathBuf>,
}

impl Location {
    /// The registry and the data root.
    fn resolve(&self) -> Result<(Registry, PathBuf)> {
        let registry = match &self.registry {
            Some(path) => Registry::load(path)?,
            None => Registry::builtin(),
        };
        Ok((registry, resolve_data_root(self.data_dir.as_deref())))
    }
}

/// Arguments of `babelbench data list`.
#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    location: Location,
    /// Also print every language code found.
    #[arg(long)]
    languages: bool,
}

/// Arguments of `babelbench data verify`.
#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    location: Location,
    /// The datasets to check [default: all].
    #[arg(value_name = "DATASET")]
    datasets: Vec<String>,
    /// The lock file with the expected sha256 of every file.
    #[arg(long, value_name = "FILE", default_value = "datasets.lock")]
    lock: PathBuf,
    /// Record the checksums of the checked datasets in the lock instead of comparing them.
    #[arg(long)]
    update: bool,
}

/// Arguments of `babelbench data fetch`.
#[derive(Args)]
pub struct FetchArgs {
    #[command(flatten)]
    location: Location,
    /// The dataset to fetch: a name of datasets.toml, or `hf:ORG/NAME@REVISION` for a Hugging
    /// Face Hub dataset's files at a pinned revision (into the Hub cache that task files read).
    #[arg(value_name = "DATASET")]
    name: String,
    /// For `hf:` datasets: the Hub cache to write into [default: $HF_HUB_CACHE, else
    /// $HF_HOME/hub, else ~/.cache/huggingface/hub].
    #[arg(long, value_name = "DIR")]
    hf_data: Option<PathBuf>,
    /// For `hf:` datasets: fetch only the files matching GLOB (`data/deu_*.jsonl`); repeatable.
    #[arg(long = "files", value_name = "GLOB")]
    files: Vec<String>,
    /// Download from URL instead of the official source (a mirror).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The archive's expected sha256, when datasets.toml records none (or to override it).
    #[arg(long, value_name = "HEX")]
    sha256: Option<String>,
    /// Replace the dataset's files if they exist.
    #[arg(long)]
    force: bool,
}

/// Runs a `babelbench data` subcommand.
pub fn run(cmd: DataCommand) -> Result<()> {
    match cmd {
        DataCommand::List(args) => list(&args),
        DataCommand::Verify(args) => verify(&args),
        DataCommand::Fetch(args) => fetch(&args),
    }
}

/// `babelbench data list`.
fn list(args: &ListArgs) -> Result<()> {
    let (registry, root) = args.location.resolve()?;
    check_data_root(&root)?;
    println!("data root: {}", root.display());
    let rows: Vec<[String; 4]> = registry
        .datasets()
        .map(|spec| -> Result<[String; 4]> {
            let languages = spec.languages(&root)?;
            let records = spec
                .files
                .iter()
                .map(|f| match f.records {
                    Some(n) => format!("{} {n}", f.name),
                    None => f.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            let found = if languages.is_empty() {
                format!("0 (fetch with `babelbench data fetch {}`)", spec.name)
            } else {
                languages.len().to_string()
            };
            if args.languages && !languages.is_empty() {
                println!("{}: {}", spec.name, languages.join(" "));
            }
            Ok([spec.name.clone(), found, records, spec.license.clone()])
        })
        .collect::<Result<_>>()?;
    print_table(
        ["DATASET", "LANGUAGES", "RECORDS PER LANGUAGE", "LICENSE"],
        &rows,
    );
    Ok(())
}

/// Prints `rows` under `header` in aligned columns.
fn print_table(header: [&str; 4], rows: &[[String; 4]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        println!("{out}");
    };
    line(header);
    for row in rows {
        line([&row[0], &row[1], &row[2], &row[3]]);
    }
}

/// `babelbench data verify`.
fn verify(args: &VerifyArgs) -> Result<()> {
    let (registry, root) = args.location.resolve()?;
    let lock = if args.update {
        Lock::load_or_new(&args.lock)?
    } else {
        Lock::load(&args.lock)?
    };
    let mut report = verify_datasets(&registry, &args.datasets, &root)?;
    println!("data root: {}", root.display());
    let structural = report.problem_count();
    if args.update {
        report_datasets(&report);
        if structural > 0 {
            bail!(
                "{structural} problems under {}; {} was not updated",
                root.display(),
                args.lock.display()
            );
        }
        let mut lock = lock;
        for dataset in &report.datasets {
            lock.record(dataset);
        }
        lock.save()?;
        let files: usize = report.datasets.iter().map(|d| d.checksums.len()).sum();
        println!(
            "{}: recorded the sha256 of {files} files",
            args.lock.display()
        );
        return Ok(());
    }
    for dataset in &mut report.datasets {
        let problems = lock.check(dataset, &root);
        dataset.problems.extend(problems);
    }
    report_datasets(&report);
    let problems = report.problem_count();
    if problems > 0 {
        bail!("{problems} problems under {}; see above", root.display());
    }
    let files: usize = report.datasets.iter().map(|d| d.checksums.len()).sum();
    println!("checksums: {files} files match {}", args.lock.display());
    Ok(())
}

/// Prints one line per dataset, and its problems to stderr.
fn report_datasets(report: &VerifyReport) {
    for dataset in &report.datasets {
        let records = dataset
            .records
            .iter()
            .map(|(file, n)| format!("{file} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let status = match dataset.problems.len() {
            0 => "ok".to_string(),
            1 => "1 problem".to_string(),
            n => format!("{n} problems"),
        };
        println!(
            "{}: {} languages, {} files, records per language: {}: {status}",
            dataset.name,
            dataset.languages.len(),
            dataset.checksums.len(),
            if records.is_empty() { "-" } else { &records },
        );
        for problem in &dataset.problems {
            eprintln!("  {problem}");
        }
    }
}

/// `babelbench data fetch`.
fn fetch(args: &FetchArgs) -> Result<()> {
    if let Some(dataset) = hub_fetch::HubDatasetRef::parse(&args.name) {
        let dataset = dataset?;
        let cache = harness::data::hub_search_dirs(args.hf_data.as_deref())
            .into_iter()
            .next()
            .context("no Hub cache folder: pass --hf-data DIR or set HF_HUB_CACHE")?;
        let snapshot = hub_fetch::fetch(&dataset, &cache, &args.files)?;
        println!("{}", snapshot.display());
        return Ok(());
    }
    let (registry, root) = args.location.resolve()?;
    let spec = registry.dataset(&args.name)?;
    if !args.force && root.is_dir() {
        let present = spec.languages(&root)?;
        if !present.is_empty() {
            bail!(
                "{} is already under {} ({} languages); pass --force to fetch it again",
                spec.name,
                root.display(),
                present.len()
            );
        }
    }
    let installed = match &spec.source {
        Source::Derived { from, .. } => {
            if args.url.is_some() || args.sha256.is_some() {
                bail!(
                    "{} is derived from {from} on disk; --url and --sha256 do not apply",
                    spec.name
                );
            }
            derive_dataset(&registry, &spec.name, &root, args.force)?
        }
        Source::Archive { url, .. } => {
            let sha256 = args
                .sha256
                .clone()
                .map(Sha256Hex::try_from)
                .transpose()
                .map_err(|message| anyhow::anyhow!("--sha256: {message}"))?;
            let url = args.url.as_deref().unwrap_or(url);
            let archive = download::to_temp_file(url)?;
            install_archive(
                &registry,
                &spec.name,
                archive.path(),
                url,
                sha256.as_ref().map(Sha256Hex::as_str),
                &root,
                args.force,
            )?
        }
    };
    for path in &installed {
        println!("installed {}", path.display());
    }
    report_fetched(&registry, &spec.name, &root)
}

/// Prints the languages now found for a fetched dataset.
fn report_fetched(registry: &Registry, name: &str, root: &Path) -> Result<()> {
    let languages = registry
        .languages(name, root)
        .with_context(|| format!("listing the languages of {name}"))?;
    if languages.is_empty() {
        let err = DataError::DatasetAbsent {
            dataset: name.to_string(),
            root: root.to_path_buf(),
            pattern: registry
                .dataset(name)?
                .files
                .iter()
                .find(|f| f.pattern.has_lang())
                .map_or_else(String::new, |f| f.pattern.as_str().to_string()),
        };
        return Err(err).context("the download did not hold the expected layout");
    }
    println!(
        "{name}: {} languages under {}; check them with `babelbench data verify {name}`",
        languages.len(),
        root.display()
    );
    Ok(())
}
