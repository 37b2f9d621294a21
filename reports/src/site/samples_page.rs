//! The sample browser: `samples/index.html` lists every task and language; each
//! `samples/<task>--<language>.html` shows every run's prompt, reference, prediction and score,
//! and for generation tasks that check their output language the detected language and script,
//! marked when off target or in the wrong script, with a switch that shows only off-target
//! outputs.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::context;

use super::context::SiteContext;
use super::html_table::{HtmlCell, HtmlTable};
use crate::error::ReportError;
use crate::metrics::{display_scale, sample_key};
use crate::run_files::read_samples_parquet;

const INDEX: &str = "samples/index.html";

/// One row of a sample page.
struct Row {
    model: String,
    doc_id: String,
    prompt: String,
    target: String,
    prediction: String,
    scores: BTreeMap<String, f64>,
    labels: BTreeMap<String, String>,
}

/// The labels of a checked output language and the per-sample flags that mark them.
const DETECTED: [(&str, &str, &str); 2] = [
    ("detected_language", "off_target", "off-target"),
    ("detected_script", "wrong_script", "wrong-script"),
];

/// Writes the sample index and one page per task and language.
pub(crate) fn write(site: &mut SiteContext) -> Result<(), ReportError> {
    let mut pages: BTreeMap<(String, String), (String, Vec<Row>)> = BTreeMap::new();
    for run in &site.data.runs {
        let path = run.samples_path();
        for sample in read_samples_parquet(&path)? {
            let scores: BTreeMap<String, f64> =
                serde_json::from_str(&sample.scores_json).map_err(|error| ReportError::Scores {
                    path: path.clone(),
                    task: sample.task.clone(),
                    doc_id: sample.doc_id.clone(),
                    message: error.to_string(),
                })?;
            let labels: BTreeMap<String, String> = serde_json::from_str(&sample.labels_json)
                .map_err(|error| ReportError::Labels {
                    path: path.clone(),
                    task: sample.task.clone(),
                    doc_id: sample.doc_id.clone(),
                    message: error.to_string(),
                })?;
            pages
                .entry((sample.task.clone(), sample.language.clone()))
                .or_insert_with(|| (sample.group.clone(), Vec::new()))
                .1
                .push(Row {
                    model: run.label.clone(),
                    doc_id: sample.doc_id,
                    prompt: sample.prompt,
                    target: sample.target,
                    prediction: sample.prediction,
                    scores,
                    labels,
                });
        }
    }

    let mut index = HtmlTable::new(
        "sample-pages",
        "Samples per task and language",
        &[
            ("task", false),
            ("group", false),
            ("language", false),
            ("code", false),
            ("samples", true),
        ],
    );
    for ((task, language), (group, rows)) in &pages {
        let page = match site.sample_pages.get(&(task.clone(), language.clone())) {
            Some(page) => page.clone(),
            None => format!(
                "samples/{}.html",
                super::paths::slug(&format!("{task}--{language}-samples"))
            ),
        };
        index.rows.push(vec![
            HtmlCell::link(task.clone(), SiteContext::href(INDEX, &page)),
            HtmlCell::text(group.clone()),
            HtmlCell::text(site.languages.name_of(language)),
            HtmlCell::text(language.clone()),
            HtmlCell::number(Some(rows.len() as f64), 0),
        ]);
        write_page(site, &page, task, language, group, rows)?;
    }
    site.page(
        "samples_index.html",
        INDEX,
        "Samples",
        context! { table => index },
    )
}

/// Writes the page of one task and language.
fn write_page(
    site: &mut SiteContext,
    page: &str,
    task: &str,
    language: &str,
    group: &str,
    rows: &[Row],
) -> Result<(), ReportError> {
    let keys: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.scores.keys().map(String::as_str))
        .collect();
    let key = site
        .data
        .group(group)
        .and_then(|g| sample_key(&g.metric, keys.iter().copied()));
    let checked = rows.iter().any(|r| r.labels.contains_key(DETECTED[0].0));
    let mut columns = vec![
        ("model", false),
        ("doc", false),
        ("prompt", false),
        ("reference", false),
        ("prediction", false),
        ("score", key.is_some()),
    ];
    if checked {
        columns.extend([("language", false), ("script", false)]);
    }
    let mut table = HtmlTable::new("samples", &format!("Samples of {task}"), &columns);
    for row in rows {
        let score = match &key {
            Some(key) => HtmlCell::number(row.scores.get(key).map(|v| v * display_scale(key)), 2),
            None => HtmlCell::text(serde_json::to_string(&row.scores).unwrap_or_default()),
        };
        let mut cells = vec![
            HtmlCell::text(row.model.clone()),
            HtmlCell::text(row.doc_id.clone()),
            HtmlCell::text(row.prompt.clone()).with_class("text"),
            HtmlCell::text(row.target.clone()).with_class("text"),
            HtmlCell::text(row.prediction.clone()).with_class("text"),
            score,
        ];
        if checked {
            cells.extend(DETECTED.map(|(label, flag, class)| {
                let cell = HtmlCell::text(row.labels.get(label).cloned().unwrap_or_default());
                if row.scores.get(flag) == Some(&1.0) {
                    cell.with_class(class)
                } else {
                    cell
                }
            }));
        }
        table.rows.push(cells);
    }
    site.page(
        "samples.html",
        page,
        &format!("Samples: {task}, {}", site.languages.name_of(language)),
        context! {
            task => task,
            language => format!("{} ({language})", site.languages.name_of(language)),
            score_key => key.unwrap_or_else(|| "all scores (JSON)".to_string()),
            output_language => checked,
            table => table,
        },
    )
}
