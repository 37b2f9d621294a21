//! `history.html`: for every model with several runs, the trend of each task group (a thin line
//! per task, a thick line for the macro average) with changes beyond the previous 95% interval
//! ringed, and a table of those changes.

use minijinja::{Value, context};
use serde::Serialize;

use super::context::SiteContext;
use super::html_table::{HtmlCell, HtmlTable};
use crate::compare::Change;
use crate::error::ReportError;
use crate::history::History;
use crate::svg::line::{Marker, Series, line_chart};

const PAGE: &str = "history.html";
const IMPROVED: &str = "#1a7f37";
const REGRESSED: &str = "#c62828";

#[derive(Serialize)]
struct Family {
    name: String,
    runs: HtmlTable,
    charts: Vec<Value>,
    flags: HtmlTable,
}

/// Writes the history page when some model has more than one run.
pub(crate) fn write(site: &mut SiteContext) -> Result<(), ReportError> {
    if site.families.is_empty() {
        return Ok(());
    }
    let mut families = Vec::new();
    for (index, (name, runs)) in site.families.iter().enumerate() {
        let history = History::from_scores(runs, &site.data.groups, &site.scores);
        families.push(family(site, index, name, &history));
    }
    site.page(
        "history.html",
        PAGE,
        "History",
        context! { families => families },
    )
}

/// The section of one model family.
fn family(site: &SiteContext, index: usize, name: &str, history: &History) -> Family {
    let ticks: Vec<String> = history.runs.iter().map(|r| r.label.clone()).collect();
    let mut runs = HtmlTable::new(
        &format!("runs-{index}"),
        "Runs in order",
        &[
            ("#", true),
            ("run", false),
            ("started", false),
            ("folder", false),
        ],
    );
    for (i, run) in history.runs.iter().enumerate() {
        runs.rows.push(vec![
            HtmlCell::number(Some((i + 1) as f64), 0),
            HtmlCell::link(
                run.label.clone(),
                SiteContext::href(PAGE, &site.model_pages[&run.label]),
            ),
            HtmlCell::text(run.manifest.started_at.clone()),
            HtmlCell::text(run.dir.display().to_string()),
        ]);
    }
    let mut charts = Vec::new();
    for trend in &history.groups {
        let group = &trend.group.group;
        let tasks: Vec<_> = history.tasks.iter().filter(|t| &t.group == group).collect();
        let mut series: Vec<Series> = tasks
            .iter()
            .map(|t| Series {
                name: format!("{} ({})", t.task, site.languages.name_of(&t.language)),
                color: "#9db4cc".to_string(),
                values: t.points.iter().map(|p| p.map(|p| p.value)).collect(),
                width: 1.0,
            })
            .collect();
        series.push(Series {
            name: format!("{group} macro average"),
            color: "#12355b".to_string(),
            values: trend.values.clone(),
            width: 3.0,
        });
        let markers: Vec<Marker> = tasks
            .iter()
            .enumerate()
            .flat_map(|(s, t)| {
                let ticks = &ticks;
                t.flags.iter().map(move |flag| Marker {
                    series: s,
                    index: flag.to,
                    color: if flag.change == Change::Improved {
                        IMPROVED
                    } else {
                        REGRESSED
                    }
                    .to_string(),
                    note: format!(
                        "{}: {} → {} left the interval of {}",
                        t.task, ticks[flag.from], ticks[flag.to], ticks[flag.from]
                    ),
                })
            })
            .collect();
        let legend = vec![
            ("task".to_string(), "#9db4cc".to_string()),
            ("macro average".to_string(), "#12355b".to_string()),
            ("better beyond CI".to_string(), IMPROVED.to_string()),
            ("worse beyond CI".to_string(), REGRESSED.to_string()),
        ];
        let svg = line_chart(
            &format!("{name}: {group} ({})", trend.group.metric),
            "run",
            &trend.group.metric,
            &ticks,
            &series,
            &markers,
            &legend,
        );
        charts.push(Value::from_safe_string(svg));
    }
    let mut flags = HtmlTable::new(
        &format!("flags-{index}"),
        "Changes beyond the previous run's 95% interval",
        &[
            ("task", false),
            ("language", false),
            ("from", false),
            ("to", false),
            ("before", true),
            ("CI low", true),
            ("CI high", true),
            ("after", true),
            ("change", false),
        ],
    );
    for (trend, flag) in history.flagged() {
        let (Some(before), Some(after)) = (trend.points[flag.from], trend.points[flag.to]) else {
            continue;
        };
        let (mark, class) = match flag.change {
            Change::Improved => ("▲ better", "up"),
            _ => ("▼ worse", "down"),
        };
        flags.rows.push(vec![
            HtmlCell::text(trend.task.clone()),
            HtmlCell::text(site.languages.name_of(&trend.language)),
            HtmlCell::text(ticks[flag.from].clone()),
            HtmlCell::text(ticks[flag.to].clone()),
            HtmlCell::number(Some(before.value), 2),
            HtmlCell::number(before.ci_low, 2),
            HtmlCell::number(before.ci_high, 2),
            HtmlCell::number(Some(after.value), 2),
            HtmlCell::text(mark).with_class(class),
        ]);
    }
    Family {
        name: name.to_string(),
        runs,
        charts,
        flags,
    }
}
