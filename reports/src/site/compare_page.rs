//! `compare.html`: a standalone page of a two-run comparison, with CSV and Markdown exports.

use std::path::{Path, PathBuf};

use minijinja::context;

use super::html_table::HtmlTable;
use super::render::{Nav, Renderer, write_file};
use crate::compare::{Change, Comparison, LanguageDifference};
use crate::error::ReportError;
use harness::languages::LanguageTable;

/// Writes `compare.html`, `compare.csv` and `compare.md` into `out` (created if needed) and
/// returns the page's path.
pub fn write_comparison(
    comparison: &Comparison,
    languages: &LanguageTable,
    out: &Path,
) -> Result<PathBuf, ReportError> {
    let table = comparison.table(languages);
    write_file(&out.join("compare.csv"), &table.to_csv())?;
    write_file(&out.join("compare.md"), &table.to_markdown())?;
    let mut html = HtmlTable::from_table(
        "comparison",
        "B − A per task and language",
        &table,
        |_, _| None,
    )
    .with_downloads("compare");
    // The pair count is text in the terminal table; here it sorts as a number.
    html.columns[3].numeric = true;
    for (cells, row) in html.rows.iter_mut().zip(&comparison.rows) {
        cells[3].value = Some(row.pairs as f64);
        let class = match row.change {
            Change::Improved => Some("up"),
            Change::Regressed => Some("down"),
            Change::Unchanged => None,
        };
        if let (Some(class), Some(mark)) = (class, cells.last_mut()) {
            mark.class = Some(class.to_string());
        }
    }
    let names = |rows: Vec<&LanguageDifference>| -> Vec<String> {
        rows.iter()
            .map(|r| format!("{} ({})", languages.name_of(&r.language), r.task))
            .collect()
    };
    let renderer = Renderer::new(&Nav::default())?;
    let title = format!("{} vs {}", comparison.run_b.label, comparison.run_a.label);
    renderer.write(
        "compare.html",
        context! {
            title => title,
            root => "",
            run_a => format!("{} ({})", comparison.run_a.label, comparison.run_a.dir.display()),
            run_b => format!("{} ({})", comparison.run_b.label, comparison.run_b.dir.display()),
            resamples => comparison.settings.resamples,
            seed => comparison.settings.seed,
            improved => names(comparison.improved()),
            regressed => names(comparison.regressed()),
            table => html,
        },
        out,
        "compare.html",
    )?;
    Ok(out.join("compare.html"))
}
