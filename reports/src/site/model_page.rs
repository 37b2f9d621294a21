//! `models/<model>.html`: one run's manifest, its leaderboard row per view and every task.

use minijinja::context;
use serde::Serialize;

use super::context::SiteContext;
use super::html_table::{HtmlCell, HtmlTable};
use crate::error::ReportError;
use crate::leaderboard::LeaderboardView;
use crate::run::Run;
use crate::table::Cell;

#[derive(Serialize)]
struct Item {
    key: &'static str,
    value: String,
}

/// Writes the page of `run`.
pub(crate) fn write(
    site: &mut SiteContext,
    run: &Run,
    views: &[LeaderboardView],
) -> Result<(), ReportError> {
    let page = site.model_pages[&run.label].clone();
    let m = &run.manifest;
    let manifest = vec![
        Item {
            key: "run folder",
            value: run.dir.display().to_string(),
        },
        Item {
            key: "model path",
            value: m.model_path.clone(),
        },
        Item {
            key: "fingerprint",
            value: m.model_fingerprint.clone(),
        },
        Item {
            key: "backend / dtype",
            value: format!("{} / {}", m.backend, m.dtype),
        },
        Item {
            key: "threads",
            value: m.threads.to_string(),
        },
        Item {
            key: "started",
            value: m.started_at.clone(),
        },
        Item {
            key: "finished",
            value: m.finished_at.clone().unwrap_or_else(|| "–".into()),
        },
        Item {
            key: "babelbench",
            value: format!(
                "{} ({})",
                m.babelbench_version,
                m.git_revision.as_deref().unwrap_or("unknown revision")
            ),
        },
        Item {
            key: "seed",
            value: m.seed.to_string(),
        },
        Item {
            key: "tasks",
            value: m.tasks.len().to_string(),
        },
    ];

    let mut breakdown = HtmlTable::new("breakdown", "Macro averages by language subset", &[]);
    if let Some(first) = views.first() {
        breakdown.columns = std::iter::once(("languages".to_string(), false))
            .chain(
                first
                    .table
                    .columns
                    .iter()
                    .skip(1)
                    .map(|c| (c.clone(), true)),
            )
            .map(|(label, numeric)| super::html_table::HtmlColumn { label, numeric })
            .collect();
    }
    for view in views {
        let Some(row) = view
            .table
            .rows
            .iter()
            .find(|row| matches!(&row[0], Cell::Text(label) if *label == run.label))
        else {
            continue;
        };
        let mut cells = vec![HtmlCell::text(view.filter.title())];
        cells.extend(row.iter().skip(1).map(|cell| match cell {
            Cell::Number(value) => HtmlCell::number(*value, view.table.decimals),
            Cell::Text(text) => HtmlCell::text(text.clone()),
        }));
        breakdown.rows.push(cells);
    }

    let mut tasks = HtmlTable::new(
        "tasks",
        "Primary metric per task",
        &[
            ("group", false),
            ("task", false),
            ("language", false),
            ("code", false),
            ("class", true),
            ("script", false),
            ("metric", false),
            ("value", true),
            ("CI low", true),
            ("CI high", true),
            ("n", true),
        ],
    );
    for score in site.scores.iter().filter(|s| s.model == run.label) {
        let metric = site
            .data
            .group(&score.group)
            .map_or("", |g| g.metric.as_str());
        let task = match site
            .sample_pages
            .get(&(score.task.clone(), score.language.clone()))
        {
            Some(target) => HtmlCell::link(score.task.clone(), SiteContext::href(&page, target)),
            None => HtmlCell::text(score.task.clone()),
        };
        tasks.rows.push(vec![
            HtmlCell::link(
                score.group.clone(),
                SiteContext::href(&page, &site.group_pages[&score.group]),
            ),
            task,
            HtmlCell::text(site.languages.name_of(&score.language)),
            HtmlCell::text(score.language.clone()),
            HtmlCell::number(score.resource_class.map(f64::from), 0),
            HtmlCell::text(score.script.clone()),
            HtmlCell::text(metric),
            HtmlCell::number(Some(score.value), 2),
            HtmlCell::number(score.ci_low, 2),
            HtmlCell::number(score.ci_high, 2),
            HtmlCell::number(Some(score.num_samples as f64), 0),
        ]);
    }
    site.page(
        "model.html",
        &page,
        &format!("Model {}", run.label),
        context! { manifest => manifest, breakdown => breakdown, tasks => tasks },
    )
}
