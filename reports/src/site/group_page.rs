//! `groups/<group>.html`: a task group's per-language bar chart, its languages × models heatmap
//! and the same numbers as a table (exported as CSV and Markdown); for generation tasks that
//! check their output language (FLORES), chrF++ beside the off-target and wrong-script rates.

use std::collections::BTreeMap;

use minijinja::{Value, context};

use super::context::SiteContext;
use super::html_table::HtmlTable;
use crate::data::GroupMetric;
use crate::error::ReportError;
use crate::output_language::output_language_table;
use crate::stats::mean;
use crate::svg::bar::{BarRow, bar_chart};
use crate::svg::heatmap::heatmap;
use crate::table::{Cell, Table};

/// Writes the page of `group` and `tables/group-<group>.{csv,md}`.
pub(crate) fn write(site: &mut SiteContext, group: &GroupMetric) -> Result<(), ReportError> {
    let page = site.group_pages[&group.group].clone();
    let models = site.data.models();
    // language → model → (sum, count) over the group's tasks in that language.
    let mut sums: BTreeMap<&str, BTreeMap<&str, (f64, usize)>> = BTreeMap::new();
    for score in site.scores.iter().filter(|s| s.group == group.group) {
        let entry = sums
            .entry(score.language.as_str())
            .or_default()
            .entry(score.model.as_str())
            .or_default();
        entry.0 += score.value;
        entry.1 += 1;
    }
    let mut languages: Vec<(&str, Vec<Option<f64>>)> = sums
        .iter()
        .map(|(language, per_model)| {
            let values = models
                .iter()
                .map(|m| per_model.get(m.as_str()).map(|(sum, n)| sum / *n as f64))
                .collect();
            (*language, values)
        })
        .collect();
    // Best languages first (by the mean over models); ties and missing values by code.
    let sort_key = |values: &Vec<Option<f64>>| {
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        mean(&present).map(|m| if group.higher_is_better { -m } else { m })
    };
    languages.sort_by(|a, b| match (sort_key(&a.1), sort_key(&b.1)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then(a.0.cmp(b.0)),
        (x, y) => y.is_some().cmp(&x.is_some()).then(a.0.cmp(b.0)),
    });

    let label = |code: &str| format!("{} ({code})", site.languages.name_of(code));
    let labels: Vec<String> = languages.iter().map(|(code, _)| label(code)).collect();
    let values: Vec<Vec<Option<f64>>> = languages.iter().map(|(_, v)| v.clone()).collect();
    let direction = if group.higher_is_better {
        "higher is better"
    } else {
        "lower is better"
    };
    let bars = bar_chart(
        &format!("{} per language", group.group),
        &group.metric,
        &models,
        &labels
            .iter()
            .zip(&values)
            .map(|(label, values)| BarRow {
                label: label.clone(),
                values: values.clone(),
            })
            .collect::<Vec<_>>(),
    );
    let heat = heatmap(
        &format!("{}: languages × models", group.group),
        &labels,
        &models,
        &values,
        group.higher_is_better,
    );

    let mut columns: Vec<String> = ["language", "code", "class", "script"]
        .map(String::from)
        .to_vec();
    columns.extend(models.iter().cloned());
    let table = Table {
        columns,
        rows: languages
            .iter()
            .map(|(code, values)| {
                let mut row = vec![
                    Cell::Text(site.languages.name_of(code)),
                    Cell::Text(code.to_string()),
                    Cell::Text(
                        site.languages
                            .class_of(code)
                            .map_or("–".into(), |c| c.to_string()),
                    ),
                    Cell::Text(site.languages.script_of(code)),
                ];
                row.extend(values.iter().map(|v| Cell::Number(*v)));
                row
            })
            .collect(),
        decimals: 1,
    };
    let base = format!(
        "tables/group-{}",
        page.trim_start_matches("groups/").trim_end_matches(".html")
    );
    site.export(&base, &table)?;
    let html = HtmlTable::from_table(
        "languages",
        &format!("{} ({}) per language and model", group.group, group.metric),
        &table,
        |_, _| None,
    )
    .with_downloads(&SiteContext::href(&page, &base));
    let languages_table = output_language_table(&site.output_language, &group.group);
    let output_language = if languages_table.rows.is_empty() {
        None
    } else {
        let base = format!("{base}-output-language");
        site.export(&base, &languages_table)?;
        Some(
            HtmlTable::from_table(
                "output-language",
                &format!("{}: output language per task and model", group.group),
                &languages_table,
                |_, _| None,
            )
            .with_downloads(&SiteContext::href(&page, &base)),
        )
    };
    site.page(
        "group.html",
        &page,
        &format!("Task group {}", group.group),
        context! {
            metric => group.metric.clone(),
            direction => direction,
            bars => Value::from_safe_string(bars),
            heatmap => Value::from_safe_string(heat),
            table => html,
            output_language => output_language,
        },
    )
}
