//! A horizontal grouped bar chart: one row per category (a language), one bar per series (a
//! model) in each row.

use super::axis::{Scale, tick_label};
use super::{color, escape, legend, open};

/// Width of the category labels on the left.
const LABEL_WIDTH: f64 = 190.0;
/// Width of the plot area.
const PLOT_WIDTH: f64 = 460.0;
/// Height of one bar.
const BAR_HEIGHT: f64 = 9.0;

/// One category: a label and one value per series (`None` draws no bar).
#[derive(Debug, Clone, PartialEq)]
pub struct BarRow {
    /// Category label, e.g. `German (deu_Latn)`.
    pub label: String,
    /// One value per series.
    pub values: Vec<Option<f64>>,
}

/// The chart: `series` names the bars of each row (colored by palette order).
pub fn bar_chart(title: &str, axis_label: &str, series: &[String], rows: &[BarRow]) -> String {
    let legend_entries: Vec<(String, String)> = series
        .iter()
        .enumerate()
        .map(|(i, name)| (name.clone(), color(i).to_string()))
        .collect();
    let width = LABEL_WIDTH + PLOT_WIDTH + 70.0;
    let (legend_svg, legend_height) = legend(&legend_entries, 10.0, 14.0, width - 20.0);
    let top = 14.0 + legend_height + 18.0;
    let row_height = BAR_HEIGHT * series.len().max(1) as f64 + 6.0;
    let height = top + row_height * rows.len() as f64 + 36.0;
    let values = rows.iter().flat_map(|r| r.values.iter().flatten().copied());
    let scale = Scale::covering(values.chain([0.0]), LABEL_WIDTH, LABEL_WIDTH + PLOT_WIDTH);
    let mut svg = open(width, height, title);
    svg.push_str(&legend_svg);
    let bottom = top + row_height * rows.len() as f64;
    for tick in scale.ticks() {
        let x = scale.map(tick);
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#ddd\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 14.0,
            tick_label(tick)
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        LABEL_WIDTH + PLOT_WIDTH / 2.0,
        bottom + 30.0,
        escape(axis_label)
    ));
    let zero = scale.map(0.0);
    for (r, row) in rows.iter().enumerate() {
        let y = top + row_height * r as f64;
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>",
            LABEL_WIDTH - 6.0,
            y + row_height / 2.0,
            escape(&row.label)
        ));
        for (s, value) in row.values.iter().enumerate() {
            let Some(value) = value else { continue };
            let x = scale.map(*value);
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {}: {value:.2}</title></rect>",
                x.min(zero),
                y + 3.0 + BAR_HEIGHT * s as f64,
                (x - zero).abs(),
                BAR_HEIGHT - 1.0,
                color(s),
                escape(&row.label),
                escape(series.get(s).map_or("", String::as_str)),
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_rect_per_present_value() {
        let svg = bar_chart(
            "acc",
            "accuracy",
            &["m1".to_string(), "m2".to_string()],
            &[
                BarRow {
                    label: "German".into(),
                    values: vec![Some(50.0), None],
                },
                BarRow {
                    label: "Zulu".into(),
                    values: vec![Some(25.0), Some(100.0)],
                },
            ],
        );
        // 3 bars + 2 legend squares.
        assert_eq!(svg.matches("<rect").count(), 5);
        assert!(svg.contains("<title>Zulu: m2: 100.00</title>"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
