//! `mexa.html`: per-layer alignment curves per language (MEXA, then the Language Ranker),
//! English-adjusted MEXA, and scatters of each measure against Belebele and SIB-200 accuracy per
//! model with Pearson and Spearman correlations. Beside it, `alignment.parquet` holds the
//! per-language alignment summaries and English-adjusted MEXA of every run.

use std::path::Path;

use minijinja::context;
use polars::prelude::{Column, DataFrame};
use serde::Serialize;

use super::context::SiteContext;
use super::html_table::{HtmlCell, HtmlTable};
use crate::data::ReportData;
use crate::error::ReportError;
use crate::metrics::Alignment;
use crate::mexa::{
    ADJUSTED_ALIGNMENT_METRIC, ADJUSTED_METRIC, AdjustedScore, ENGLISH, Measure, RANKER_METRIC,
    correlations, english_adjusted, layer_curves,
};
use crate::run_files::write_frame;
use crate::svg::color;
use crate::svg::line::{Series, line_chart};
use crate::svg::scatter::{Point, scatter};
use harness::languages::LanguageTable;

const PAGE: &str = "mexa.html";
/// The per-language alignment table written beside the page.
pub const ALIGNMENT_TABLE: &str = "alignment.parquet";
/// Color of languages absent from the language table.
const UNLISTED: &str = "#999999";

#[derive(Serialize)]
struct Chart {
    heading: String,
    svg: String,
}

/// The color of a language: its resource class's palette color.
fn class_color(languages: &LanguageTable, code: &str) -> String {
    languages
        .class_of(code)
        .map_or(UNLISTED.to_string(), |class| {
            color(usize::from(class)).to_string()
        })
}

/// One legend entry per resource class 0–5, plus the unlisted color.
fn class_legend() -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = (0..=5usize)
        .map(|class| (format!("class {class}"), color(class).to_string()))
        .collect();
    entries.push(("unlisted".to_string(), UNLISTED.to_string()));
    entries
}

/// Writes the MEXA page and `alignment.parquet`.
pub(crate) fn write(site: &mut SiteContext) -> Result<(), ReportError> {
    let languages = site.languages;
    let mut curves = Vec::new();
    let mut ranker_curves = Vec::new();
    for set in layer_curves(site.data) {
        let mut series: Vec<Series> = set
            .curves
            .iter()
            .map(|(code, values)| Series {
                name: format!("{} ({code})", languages.name_of(code)),
                color: class_color(languages, code),
                values: values.clone(),
                width: 1.0,
            })
            .collect();
        let mean: Vec<Option<f64>> = (0..set.layers.len())
            .map(|i| {
                let present: Vec<f64> = set.curves.iter().filter_map(|(_, v)| v[i]).collect();
                crate::stats::mean(&present)
            })
            .collect();
        series.push(Series {
            name: "mean over languages".to_string(),
            color: "#000000".to_string(),
            values: mean,
            width: 3.0,
        });
        let mut legend = class_legend();
        legend.push(("mean".to_string(), "#000000".to_string()));
        let ticks: Vec<String> = set.layers.iter().map(|l| l.to_string()).collect();
        let (title, y_label, into) = match set.alignment {
            Alignment::Mexa => (
                format!("{}: {} per layer ({})", set.model, set.group, set.pooling),
                "aligned (%)",
                &mut curves,
            ),
            Alignment::Ranker => (
                format!(
                    "{}: {} Language Ranker per layer ({})",
                    set.model, set.group, set.pooling
                ),
                "mean cosine with English",
                &mut ranker_curves,
            ),
        };
        into.push(Chart {
            svg: line_chart(&title, "layer", y_label, &ticks, &series, &[], &legend),
            heading: title,
        });
    }

    let mut scatters = Vec::new();
    let mut ranker_scatters = Vec::new();
    let mut adjusted_scatters = Vec::new();
    let mut table = HtmlTable::new(
        "correlations",
        "Correlation of each alignment measure with task accuracy over languages",
        &[
            ("model", false),
            ("alignment group", false),
            ("measure", false),
            ("task group", false),
            ("languages", true),
            ("Pearson r", true),
            ("Spearman ρ", true),
        ],
    );
    let format = |r: Option<f64>| r.map_or("–".to_string(), |r| format!("{r:.3}"));
    for correlation in correlations(site.data, &site.scores) {
        let points: Vec<Point> = correlation
            .points
            .iter()
            .map(|(code, x, y)| Point {
                x: *x,
                y: *y,
                label: format!("{} ({code})", languages.name_of(code)),
                color: class_color(languages, code),
            })
            .collect();
        let subtitle = format!(
            "Pearson r = {}, Spearman ρ = {}, {} languages",
            format(correlation.pearson),
            format(correlation.spearman),
            correlation.points.len()
        );
        let group_metric = |group: &str| {
            site.data
                .group(group)
                .map_or(String::new(), |g| g.metric.clone())
        };
        let group = &correlation.mexa_group;
        let (title, x_label, into) = match correlation.measure {
            Measure::Mexa => (
                format!(
                    "{}: {group} vs {}",
                    correlation.model, correlation.target_group
                ),
                format!("{group} {}", group_metric(group)),
                &mut scatters,
            ),
            Measure::Ranker => (
                format!(
                    "{}: {group} Language Ranker vs {}",
                    correlation.model, correlation.target_group
                ),
                format!("{group} {RANKER_METRIC} (cosine)"),
                &mut ranker_scatters,
            ),
            Measure::EnglishAdjustedMexa => (
                format!(
                    "{}: English-adjusted {group} vs {}",
                    correlation.model, correlation.target_group
                ),
                format!("{ADJUSTED_ALIGNMENT_METRIC} × belebele {ENGLISH} (%)"),
                &mut adjusted_scatters,
            ),
        };
        into.push(Chart {
            heading: String::new(),
            svg: scatter(
                &title,
                &subtitle,
                &x_label,
                &format!(
                    "{} {}",
                    correlation.target_group,
                    group_metric(&correlation.target_group)
                ),
                &points,
                &class_legend(),
            ),
        });
        table.rows.push(vec![
            HtmlCell::link(
                correlation.model.clone(),
                SiteContext::href(PAGE, &site.model_pages[&correlation.model]),
            ),
            HtmlCell::text(correlation.mexa_group.clone()),
            HtmlCell::text(correlation.measure.label()),
            HtmlCell::text(correlation.target_group.clone()),
            HtmlCell::number(Some(correlation.points.len() as f64), 0),
            HtmlCell::number(correlation.pearson, 3),
            HtmlCell::number(correlation.spearman, 3),
        ]);
    }

    let adjusted = english_adjusted(site.data, &site.scores);
    let mut adjusted_table = HtmlTable::new(
        "english-adjusted",
        "English-adjusted MEXA: the maximum over layers times the model's Belebele eng_Latn accuracy",
        &[
            ("model", false),
            ("language", false),
            ("MEXA max (%)", true),
            ("Belebele eng_Latn (%)", true),
            ("English-adjusted MEXA (%)", true),
            ("Belebele (%)", true),
        ],
    );
    for score in &adjusted {
        let belebele = site
            .scores
            .iter()
            .filter(|s| {
                s.model == score.model && s.group == "belebele" && s.language == score.language
            })
            .map(|s| s.value)
            .collect::<Vec<_>>();
        adjusted_table.rows.push(vec![
            HtmlCell::text(score.model.clone()),
            HtmlCell::text(format!(
                "{} ({})",
                languages.name_of(&score.language),
                score.language
            )),
            HtmlCell::number(Some(score.alignment * 100.0), 1),
            HtmlCell::number(Some(score.english), 1),
            HtmlCell::number(Some(score.value), 1),
            HtmlCell::number(crate::stats::mean(&belebele), 1),
        ]);
    }
    write_alignment_table(site, &adjusted)?;
    site.page(
        "mexa.html",
        PAGE,
        "MEXA alignment",
        context! {
            curves => curves,
            ranker_curves => ranker_curves,
            scatters => scatters,
            ranker_scatters => ranker_scatters,
            adjusted_scatters => adjusted_scatters,
            correlations => table,
            adjusted => adjusted_table,
            has_adjusted => !adjusted.is_empty(),
        },
    )
}

/// Writes [`ALIGNMENT_TABLE`]: one row per run, group, task, language and alignment summary (as
/// stored), then English-adjusted MEXA ([`ADJUSTED_METRIC`], a fraction; task empty).
fn write_alignment_table(
    site: &mut SiteContext,
    adjusted: &[AdjustedScore],
) -> Result<(), ReportError> {
    let mut frame =
        alignment_frame(site.data, adjusted).map_err(|source| ReportError::Parquet {
            action: "cannot build",
            path: Path::new(ALIGNMENT_TABLE).to_path_buf(),
            source,
        })?;
    site.write_data(ALIGNMENT_TABLE, &mut frame, write_frame)
}

/// The rows of [`ALIGNMENT_TABLE`].
fn alignment_frame(
    data: &ReportData,
    adjusted: &[AdjustedScore],
) -> polars::error::PolarsResult<DataFrame> {
    let mut rows: Vec<(&str, &str, &str, &str, &str, f64)> = data
        .summaries
        .iter()
        .map(|s| {
            (
                s.model.as_str(),
                s.group.as_str(),
                s.task.as_str(),
                s.language.as_str(),
                s.metric.as_str(),
                s.value,
            )
        })
        .collect();
    rows.extend(adjusted.iter().map(|a| {
        (
            a.model.as_str(),
            a.group.as_str(),
            "",
            a.language.as_str(),
            ADJUSTED_METRIC,
            a.value / 100.0,
        )
    }));
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("model".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
            Column::new("group".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            Column::new("task".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
            Column::new(
                "language".into(),
                rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            ),
            Column::new(
                "metric".into(),
                rows.iter().map(|r| r.4).collect::<Vec<_>>(),
            ),
            Column::new("value".into(), rows.iter().map(|r| r.5).collect::<Vec<_>>()),
        ],
    )
}
