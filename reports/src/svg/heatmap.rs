//! A heatmap: rows (languages) × columns (models), each cell colored by its value and labelled.

use super::axis::Scale;
use super::{escape, open};

/// Width of the row labels.
const LABEL_WIDTH: f64 = 190.0;
/// Size of a cell.
const CELL_WIDTH: f64 = 64.0;
const CELL_HEIGHT: f64 = 16.0;

/// The heatmap of `values[row][column]`; `None` cells are drawn grey. Darker is better when
/// `higher_is_better`, else lighter is better.
pub fn heatmap(
    title: &str,
    row_labels: &[String],
    column_labels: &[String],
    values: &[Vec<Option<f64>>],
    higher_is_better: bool,
) -> String {
    let header = 90.0;
    let width = LABEL_WIDTH + CELL_WIDTH * column_labels.len() as f64 + 10.0;
    let height = header + CELL_HEIGHT * row_labels.len() as f64 + 10.0;
    let present = values.iter().flatten().flatten().copied();
    let scale = Scale::covering(present, 0.0, 1.0);
    let mut svg = open(width, height, title);
    for (c, label) in column_labels.iter().enumerate() {
        let x = LABEL_WIDTH + CELL_WIDTH * (c as f64 + 0.5);
        svg.push_str(&format!(
            "<text transform=\"translate({x:.1},{:.1}) rotate(-35)\">{}</text>",
            header - 6.0,
            escape(label)
        ));
    }
    for (r, label) in row_labels.iter().enumerate() {
        let y = header + CELL_HEIGHT * r as f64;
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>",
            LABEL_WIDTH - 6.0,
            y + CELL_HEIGHT / 2.0,
            escape(label)
        ));
        for (c, value) in values.get(r).into_iter().flatten().enumerate() {
            let x = LABEL_WIDTH + CELL_WIDTH * c as f64;
            let column = column_labels.get(c).map_or("", String::as_str);
            let (fill, text, ink) = match value {
                Some(v) => {
                    let t = scale.map(*v).clamp(0.0, 1.0);
                    let t = if higher_is_better { t } else { 1.0 - t };
                    let ink = if t > 0.55 { "#fff" } else { "#000" };
                    (ramp(t), format!("{v:.1}"), ink)
                }
                None => ("#eeeeee".to_string(), "–".to_string(), "#000"),
            };
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{CELL_WIDTH}\" height=\"{CELL_HEIGHT}\" fill=\"{fill}\" stroke=\"#fff\"><title>{}, {}: {text}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" dominant-baseline=\"middle\" fill=\"{ink}\">{text}</text>",
                escape(label),
                escape(column),
                x + CELL_WIDTH / 2.0,
                y + CELL_HEIGHT / 2.0,
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A light-yellow → dark-blue color for `t` in `[0, 1]`.
pub fn ramp(t: f64) -> String {
    const STOPS: [(f64, f64, f64); 3] = [
        (255.0, 247.0, 188.0),
        (65.0, 182.0, 196.0),
        (8.0, 29.0, 88.0),
    ];
    let t = t.clamp(0.0, 1.0) * 2.0;
    let i = (t.floor() as usize).min(1);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_ends_and_middle() {
        assert_eq!(ramp(0.0), "#fff7bc");
        assert_eq!(ramp(0.5), "#41b6c4");
        assert_eq!(ramp(1.0), "#081d58");
    }

    #[test]
    fn one_cell_per_value_with_tooltips() {
        let svg = heatmap(
            "h",
            &["German".into()],
            &["m1".into(), "m2".into()],
            &[vec![Some(40.0), None]],
            true,
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("<title>German, m1: 40.0</title>"));
        assert!(svg.contains("<title>German, m2: –</title>"));
    }
}
