//! Tables as the templates render them: sortable columns, optional links and download links.

use serde::Serialize;

use crate::table::{Cell, Table};

/// A column header.
#[derive(Debug, Clone, Serialize)]
pub struct HtmlColumn {
    /// Header text.
    pub label: String,
    /// Whether the column sorts numerically.
    pub numeric: bool,
}

/// A cell: its text, a numeric sort key, an optional link and CSS class.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HtmlCell {
    /// Shown text.
    pub text: String,
    /// Numeric sort key (`data-value`).
    pub value: Option<f64>,
    /// Link target, relative to the page.
    pub href: Option<String>,
    /// CSS class.
    pub class: Option<String>,
}

impl HtmlCell {
    /// A text cell.
    pub fn text(text: impl Into<String>) -> Self {
        HtmlCell {
            text: text.into(),
            ..HtmlCell::default()
        }
    }

    /// A text cell linking to `href`.
    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        HtmlCell {
            text: text.into(),
            href: Some(href.into()),
            ..HtmlCell::default()
        }
    }

    /// A number shown with `decimals` digits; missing numbers show `–` and sort last.
    pub fn number(value: Option<f64>, decimals: usize) -> Self {
        HtmlCell {
            text: Cell::Number(value).format(decimals),
            value: value.filter(|v| v.is_finite()),
            ..HtmlCell::default()
        }
    }

    /// The cell with CSS class `class`.
    pub fn with_class(mut self, class: &str) -> Self {
        self.class = Some(class.to_string());
        self
    }
}

/// A link shown next to a table.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Target, relative to the page.
    pub href: String,
    /// Text.
    pub label: String,
}

/// A table for the `data_table` template macro.
#[derive(Debug, Clone, Serialize)]
pub struct HtmlTable {
    /// Element id (unique on its page).
    pub id: String,
    /// Caption.
    pub caption: String,
    /// Headers.
    pub columns: Vec<HtmlColumn>,
    /// Rows of cells.
    pub rows: Vec<Vec<HtmlCell>>,
    /// Download links (CSV, Markdown).
    pub downloads: Vec<Link>,
}

impl HtmlTable {
    /// An empty table with the given headers; `numeric[i]` marks numeric columns.
    pub fn new(id: &str, caption: &str, columns: &[(&str, bool)]) -> Self {
        HtmlTable {
            id: id.to_string(),
            caption: caption.to_string(),
            columns: columns
                .iter()
                .map(|(label, numeric)| HtmlColumn {
                    label: label.to_string(),
                    numeric: *numeric,
                })
                .collect(),
            rows: Vec::new(),
            downloads: Vec::new(),
        }
    }

    /// `table` as HTML; `link(row, column)` gives the optional link of a cell.
    pub fn from_table(
        id: &str,
        caption: &str,
        table: &Table,
        link: impl Fn(usize, usize) -> Option<String>,
    ) -> Self {
        HtmlTable {
            id: id.to_string(),
            caption: caption.to_string(),
            columns: table
                .columns
                .iter()
                .enumerate()
                .map(|(i, label)| HtmlColumn {
                    label: label.clone(),
                    numeric: table.is_numeric(i),
                })
                .collect(),
            rows: table
                .rows
                .iter()
                .enumerate()
                .map(|(r, row)| {
                    row.iter()
                        .enumerate()
                        .map(|(c, cell)| {
                            let mut html = match cell {
                                Cell::Text(text) => HtmlCell::text(text.clone()),
                                Cell::Number(value) => HtmlCell::number(*value, table.decimals),
                            };
                            html.href = link(r, c);
                            html
                        })
                        .collect()
                })
                .collect(),
            downloads: Vec::new(),
        }
    }

    /// The table with CSV and Markdown download links at `base.csv` and `base.md`.
    pub fn with_downloads(mut self, base: &str) -> Self {
        self.downloads = vec![
            Link {
                href: format!("{base}.csv"),
                label: "CSV".to_string(),
            },
            Link {
                href: format!("{base}.md"),
                label: "Markdown".to_string(),
            },
        ];
        self
    }
}
