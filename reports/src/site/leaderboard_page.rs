//! `index.html`: the leaderboard views, with CSV and Markdown exports of each.

use minijinja::context;
use serde::Serialize;

use super::context::SiteContext;
use super::html_table::HtmlTable;
use crate::error::ReportError;
use crate::leaderboard::LeaderboardView;

const PAGE: &str = "index.html";

#[derive(Serialize)]
struct ViewContext {
    id: String,
    title: String,
    table: HtmlTable,
}

#[derive(Serialize)]
struct RunLink {
    label: String,
    href: String,
    started_at: String,
}

/// Writes the leaderboard page and `tables/leaderboard-<view>.{csv,md}`.
pub(crate) fn write(site: &mut SiteContext, views: &[LeaderboardView]) -> Result<(), ReportError> {
    let mut contexts = Vec::new();
    for view in views {
        let key = view.filter.key();
        let base = format!("tables/leaderboard-{key}");
        site.export(&base, &view.table)?;
        let model_pages = &site.model_pages;
        let table = HtmlTable::from_table(
            &format!("leaderboard-{key}"),
            &format!("Leaderboard: {}", view.filter.title()),
            &view.table,
            |row, column| match (column, &view.table.rows[row][0]) {
                (0, crate::table::Cell::Text(label)) => model_pages
                    .get(label)
                    .map(|page| SiteContext::href(PAGE, page)),
                _ => None,
            },
        )
        .with_downloads(&SiteContext::href(PAGE, &base));
        contexts.push(ViewContext {
            id: format!("view-{key}"),
            title: view.filter.title(),
            table,
        });
    }
    let runs: Vec<RunLink> = site
        .data
        .runs
        .iter()
        .map(|run| RunLink {
            label: run.label.clone(),
            href: SiteContext::href(PAGE, &site.model_pages[&run.label]),
            started_at: run.manifest.started_at.clone(),
        })
        .collect();
    site.page(
        "index.html",
        PAGE,
        "Leaderboard",
        context! { views => contexts, runs => runs },
    )
}
