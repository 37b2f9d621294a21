//! `mexa.html`: per-layer alignment curves per language, and scatters of MEXA against Belebele
//! and SIB-200 accuracy per model with Pearson and Spearman correlations.

use minijinja::context;
use serde::Serialize;

use super::context::SiteContext;
use super::html_table::{HtmlCell, HtmlTable};
use crate::error::ReportError;
use crate::languages::LanguageTable;
use crate::mexa::{correlations, layer_curves};
use crate::svg::color;
use crate::svg::line::{Series, line_chart};
use crate::svg::scatter::{Point, scatter};

const PAGE: &str = "mexa.html";
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

/// Writes the MEXA page.
pub(crate) fn write(site: &mut SiteContext) -> Result<(), ReportError> {
    let languages = site.languages;
    let mut curves = Vec::new();
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
        let title = format!("{}: {} per layer ({})", set.model, set.group, set.pooling);
        curves.push(Chart {
            svg: line_chart(
                &title,
                "layer",
                "aligned (%)",
                &ticks,
                &series,
                &[],
                &legend,
            ),
            heading: title,
        });
    }

    let mut scatters = Vec::new();
    let mut table = HtmlTable::new(
        "correlations",
        "Correlation of MEXA with task accuracy over languages",
        &[
            ("model", false),
            ("MEXA group", false),
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
        let x_metric = site
            .data
            .group(&correlation.mexa_group)
            .map_or("", |g| g.metric.as_str());
        let y_metric = site
            .data
            .group(&correlation.target_group)
            .map_or("", |g| g.metric.as_str());
        scatters.push(Chart {
            heading: String::new(),
            svg: scatter(
                &format!(
                    "{}: {} vs {}",
                    correlation.model, correlation.mexa_group, correlation.target_group
                ),
                &subtitle,
                &format!("{} {x_metric}", correlation.mexa_group),
                &format!("{} {y_metric}", correlation.target_group),
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
            HtmlCell::text(correlation.target_group.clone()),
            HtmlCell::number(Some(correlation.points.len() as f64), 0),
            HtmlCell::number(correlation.pearson, 3),
            HtmlCell::number(correlation.spearman, 3),
        ]);
    }
    site.page(
        "mexa.html",
        PAGE,
        "MEXA alignment",
        context! { curves => curves, scatters => scatters, correlations => table },
    )
}
