//! A line chart over categorical x positions (layers, runs), with optional flagged points.

use super::axis::{Scale, tick_label};
use super::{escape, legend, open};

const LEFT: f64 = 56.0;
const PLOT_WIDTH: f64 = 560.0;
const PLOT_HEIGHT: f64 = 240.0;

/// One line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Name, shown in tooltips.
    pub name: String,
    /// Stroke color.
    pub color: String,
    /// One value per x position; gaps break the line.
    pub values: Vec<Option<f64>>,
    /// Stroke width in pixels.
    pub width: f64,
}

/// A marked point: series `series` at x position `index`, drawn as a ring with a tooltip.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Index into the series.
    pub series: usize,
    /// Index into the x positions.
    pub index: usize,
    /// Ring color.
    pub color: String,
    /// Tooltip text.
    pub note: String,
}

/// The chart; `legend_entries` are `(label, color)` pairs drawn above the plot.
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    x_ticks: &[String],
    series: &[Series],
    markers: &[Marker],
    legend_entries: &[(String, String)],
) -> String {
    // Room on the right and below for the last rotated x label.
    let width = LEFT + PLOT_WIDTH + 150.0;
    let (legend_svg, legend_height) = legend(legend_entries, LEFT, 34.0, PLOT_WIDTH);
    let top = 34.0 + legend_height + 8.0;
    let bottom = top + PLOT_HEIGHT;
    let height = bottom + 100.0;
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied());
    let y = Scale::covering(values, bottom, top);
    let steps = x_ticks.len().saturating_sub(1).max(1) as f64;
    let x = |i: usize| LEFT + PLOT_WIDTH * i as f64 / steps;
    let mut svg = open(width, height, title);
    svg.push_str(&format!(
        "<text x=\"{LEFT}\" y=\"16\" font-weight=\"bold\">{}</text>",
        escape(title)
    ));
    svg.push_str(&legend_svg);
    for tick in y.ticks() {
        let py = y.map(tick);
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{py:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>",
            LEFT + PLOT_WIDTH,
            LEFT - 6.0,
            tick_label(tick)
        ));
    }
    let label_every = (x_ticks.len() / 16).max(1);
    for (i, label) in x_ticks.iter().enumerate() {
        if i % label_every == 0 {
            svg.push_str(&format!(
                "<text transform=\"translate({:.1},{:.1}) rotate(30)\">{}</text>",
                x(i),
                bottom + 12.0,
                escape(label)
            ));
        }
    }
    svg.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text transform=\"translate(14,{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        LEFT + PLOT_WIDTH / 2.0,
        height - 6.0,
        escape(x_label),
        (top + bottom) / 2.0,
        escape(y_label)
    ));
    for line in series {
        for run in segments(&line.values) {
            let points: Vec<String> = run
                .iter()
                .map(|&(i, v)| format!("{:.1},{:.1}", x(i), y.map(v)))
                .collect();
            svg.push_str(&format!(
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"><title>{}</title></polyline>",
                points.join(" "),
                line.color,
                line.width,
                escape(&line.name)
            ));
        }
        for (i, value) in line.values.iter().enumerate() {
            if let Some(v) = value {
                svg.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"{}\"><title>{}, {}: {v:.2}</title></circle>",
                    x(i),
                    y.map(*v),
                    line.color,
                    escape(&line.name),
                    escape(x_ticks.get(i).map_or("", String::as_str))
                ));
            }
        }
    }
    for marker in markers {
        let Some(Some(v)) = series
            .get(marker.series)
            .and_then(|s| s.values.get(marker.index))
        else {
            continue;
        };
        svg.push_str(&format!(
            "<circle class=\"flag\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"6\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"><title>{}</title></circle>",
            x(marker.index),
            y.map(*v),
            marker.color,
            escape(&marker.note)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Runs of consecutive present values as `(index, value)`.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut out: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => current.push((i, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_lines() {
        assert_eq!(
            segments(&[Some(1.0), None, Some(2.0), Some(3.0)]),
            vec![vec![(0, 1.0)], vec![(2, 2.0), (3, 3.0)]]
        );
    }

    #[test]
    fn draws_polylines_points_and_markers() {
        let svg = line_chart(
            "t",
            "layer",
            "score",
            &["0".into(), "1".into(), "2".into()],
            &[Series {
                name: "German".into(),
                color: "#000".into(),
                values: vec![Some(10.0), Some(20.0), None],
                width: 1.0,
            }],
            &[Marker {
                series: 0,
                index: 1,
                color: "red".into(),
                note: "up".into(),
            }],
            &[],
        );
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("class=\"flag\"").count(), 1);
        assert!(svg.contains("<title>German, 1: 20.00</title>"));
    }
}
