//! Charts as standalone SVG strings, readable without JavaScript: a horizontal grouped bar chart
//! ([`bar`]), a heatmap ([`heatmap`]), a line chart ([`line`](mod@line)) and a scatter plot ([`scatter`]).
//! Every mark carries a `<title>` tooltip with its exact value.

pub mod axis;
pub mod bar;
pub mod heatmap;
pub mod line;
pub mod scatter;

/// Colors for series (models, resource classes), chosen to stay distinguishable.
pub const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// The palette color of series `index`, cycling.
pub fn color(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// `text` escaped for XML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The opening `<svg>` tag of a chart `width` × `height` with an accessible title.
fn open(width: f64, height: f64, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"{t}\" font-family=\"sans-serif\" font-size=\"11\"><title>{t}</title>",
        t = escape(title)
    )
}

/// A legend row of colored squares and labels starting at `(x, y)`, wrapping at `width`.
fn legend(entries: &[(String, String)], x: f64, y: f64, width: f64) -> (String, f64) {
    let mut out = String::new();
    let (mut cx, mut cy) = (x, y);
    for (label, color) in entries {
        let item_width = 18.0 + 6.5 * label.chars().count() as f64 + 12.0;
        if cx + item_width > x + width && cx > x {
            cx = x;
            cy += 16.0;
        }
        out.push_str(&format!(
            "<rect x=\"{cx:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{cy:.1}\" dominant-baseline=\"middle\">{}</text>",
            cy - 5.0,
            cx + 14.0,
            escape(label)
        ));
        cx += item_width;
    }
    (out, cy + 16.0 - y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
