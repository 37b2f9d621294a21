//! The static site: a leaderboard, a page per model and per task group, MEXA curves and
//! correlations, a sample browser, and a history page when a model has several runs. Pages use
//! plain relative links, inline style and script and inline SVG, so the folder works offline.

mod compare_page;
mod context;
mod group_page;
mod history_page;
pub mod html_table;
mod leaderboard_page;
mod mexa_page;
mod model_page;
pub mod paths;
pub mod render;
mod samples_page;

use std::path::{Path, PathBuf};

use crate::data::ReportData;
use crate::error::ReportError;
use crate::leaderboard::leaderboards;
use crate::run::open_runs;
use harness::languages::LanguageTable;

pub use compare_page::write_comparison;

/// What [`build`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The site folder.
    pub root: PathBuf,
    /// Every HTML page, relative to `root`; `index.html` first.
    pub pages: Vec<PathBuf>,
    /// Every CSV, Markdown and parquet export, relative to `root`.
    pub tables: Vec<PathBuf>,
}

/// Reads the run folders `run_dirs` (lazy polars scans of their parquet files) and writes the
/// site into `out` (created if needed; existing pages are overwritten).
pub fn build(
    run_dirs: &[PathBuf],
    languages: &LanguageTable,
    out: &Path,
) -> Result<Site, ReportError> {
    let runs = open_runs(run_dirs)?;
    let data = ReportData::load(runs, languages)?;
    let views = leaderboards(&data)?;
    let mut site = context::SiteContext::new(&data, languages, out)?;
    leaderboard_page::write(&mut site, &views)?;
    for run in &data.runs {
        model_page::write(&mut site, run, &views)?;
    }
    for group in &data.groups {
        group_page::write(&mut site, group)?;
    }
    if !data.layers.is_empty() {
        mexa_page::write(&mut site)?;
    }
    samples_page::write(&mut site)?;
    history_page::write(&mut site)?;
    Ok(site.finish())
}

/// A polars error while computing `action` over the runs of `data`.
fn query_error(
    data: &ReportData,
    action: &'static str,
) -> impl Fn(polars::error::PolarsError) -> ReportError {
    let dirs = data
        .runs
        .iter()
        .map(|run| run.dir.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    move |source| ReportError::Query {
        action,
        dirs: dirs.clone(),
        source,
    }
}
