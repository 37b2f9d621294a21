//! A scatter plot of labelled points.

use super::axis::{Scale, tick_label};
use super::{escape, legend, open};

const LEFT: f64 = 56.0;
const PLOT: f64 = 320.0;

/// One point.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Horizontal value.
    pub x: f64,
    /// Vertical value.
    pub y: f64,
    /// Tooltip label, e.g. the language.
    pub label: String,
    /// Fill color.
    pub color: String,
}

/// The plot with a `subtitle` line (e.g. the correlations) under the title.
pub fn scatter(
    title: &str,
    subtitle: &str,
    x_label: &str,
    y_label: &str,
    points: &[Point],
    legend_entries: &[(String, String)],
) -> String {
    let width = LEFT + PLOT + 30.0;
    // The legend's first row sits below the subtitle's descenders (baseline at 28).
    let legend_top = 44.0;
    let (legend_svg, legend_height) = legend(legend_entries, LEFT, legend_top, PLOT);
    let top = legend_top + legend_height + 6.0;
    let bottom = top + PLOT;
    let height = bottom + 44.0;
    let x = Scale::covering(points.iter().map(|p| p.x), LEFT, LEFT + PLOT);
    let y = Scale::covering(points.iter().map(|p| p.y), bottom, top);
    let mut svg = open(width, height, title);
    svg.push_str(&format!(
        "<text x=\"{LEFT}\" y=\"14\" font-weight=\"bold\">{}</text><text x=\"{LEFT}\" y=\"28\">{}</text>",
        escape(title),
        escape(subtitle)
    ));
    svg.push_str(&legend_svg);
    for tick in x.ticks() {
        let px = x.map(tick);
        svg.push_str(&format!(
            "<line x1=\"{px:.1}\" y1=\"{top:.1}\" x2=\"{px:.1}\" y2=\"{bottom:.1}\" stroke=\"#eee\"/><text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 14.0,
            tick_label(tick)
        ));
    }
    for tick in y.ticks() {
        let py = y.map(tick);
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#eee\"/><text x=\"{:.1}\" y=\"{py:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>",
            LEFT + PLOT,
            LEFT - 6.0,
            tick_label(tick)
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text transform=\"translate(14,{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        LEFT + PLOT / 2.0,
        height - 8.0,
        escape(x_label),
        (top + bottom) / 2.0,
        escape(y_label)
    ));
    for point in points {
        svg.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{}\" fill-opacity=\"0.8\"><title>{}: {:.2}, {:.2}</title></circle>",
            x.map(point.x),
            y.map(point.y),
            point.color,
            escape(&point.label),
            point.x,
            point.y
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_circle_per_point() {
        let point = |x: f64, y: f64, label: &str| Point {
            x,
            y,
            label: label.into(),
            color: "#000".into(),
        };
        let svg = scatter(
            "s",
            "r = 1",
            "MEXA",
            "acc",
            &[point(0.0, 10.0, "a"), point(50.0, 60.0, "b")],
            &[],
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("<title>b: 50.00, 60.00</title>"));
        assert!(svg.contains(">r = 1</text>"));
    }
}
