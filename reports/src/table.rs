//! A plain table of text and numbers with CSV, Markdown and terminal renderings.

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number, or `None` for a missing value.
    Number(Option<f64>),
}

impl Cell {
    /// The cell as text: numbers with `decimals` digits after the point, missing values as `–`.
    pub fn format(&self, decimals: usize) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Number(Some(value)) => format!("{value:.decimals$}"),
            Cell::Number(None) => "–".to_string(),
        }
    }

    /// The cell for CSV: numbers at full precision, missing values empty.
    fn csv(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Number(Some(value)) => value.to_string(),
            Cell::Number(None) => String::new(),
        }
    }
}

/// A table: named columns and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// Digits after the decimal point in Markdown, terminal and HTML renderings.
    pub decimals: usize,
}

impl Table {
    /// CSV (RFC 4180): a header line, then one line per row; numbers at full precision.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .map(|cell| csv_field(cell))
                .collect::<Vec<_>>()
                .join(",")
                + "\r\n"
        };
        out.push_str(&line(self.columns.clone()));
        for row in &self.rows {
            out.push_str(&line(row.iter().map(Cell::csv).collect()));
        }
        out
    }

    /// A GitHub-flavoured Markdown table; numbers right-aligned.
    pub fn to_markdown(&self) -> String {
        let escape = |text: &str| text.replace('|', "\\|");
        let mut out = format!(
            "| {} |\n|",
            self.columns
                .iter()
                .map(|c| escape(c))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        for index in 0..self.columns.len() {
            out.push_str(if self.is_numeric(index) {
                " ---: |"
            } else {
                " --- |"
            });
        }
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| escape(&c.format(self.decimals)))
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out
    }

    /// A fixed-width table for terminals; numbers right-aligned.
    pub fn to_terminal(&self) -> String {
        let rendered: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|c| c.format(self.decimals)).collect())
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                rendered
                    .iter()
                    .map(|row| row[i].chars().count())
                    .chain([self.columns[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let pad = " ".repeat(widths[i] - cell.chars().count());
                    if self.is_numeric(i) {
                        format!("{pad}{cell}")
                    } else {
                        format!("{cell}{pad}")
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = line(&self.columns);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&line(&rule));
        for row in &rendered {
            out.push_str(&line(row));
        }
        out
    }

    /// Whether column `index` holds numbers (every cell is a number, and there is at least one row).
    pub fn is_numeric(&self, index: usize) -> bool {
        !self.rows.is_empty()
            && self
                .rows
                .iter()
                .all(|row| matches!(row[index], Cell::Number(_)))
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            columns: vec!["model".into(), "acc".into()],
            rows: vec![
                vec![Cell::Text("a, \"b\"".into()), Cell::Number(Some(50.14))],
                vec![Cell::Text("c|d".into()), Cell::Number(None)],
            ],
            decimals: 1,
        }
    }

    #[test]
    fn csv_quotes_and_keeps_full_precision() {
        assert_eq!(
            table().to_csv(),
            "model,acc\r\n\"a, \"\"b\"\"\",50.14\r\nc|d,\r\n"
        );
    }

    #[test]
    fn markdown_aligns_numbers_right() {
        assert_eq!(
            table().to_markdown(),
            "| model | acc |\n| --- | ---: |\n| a, \"b\" | 50.1 |\n| c\\|d | – |\n"
        );
    }

    #[test]
    fn terminal_pads_columns() {
        assert_eq!(
            table().to_terminal(),
            "model    acc\n------  ----\na, \"b\"  50.1\nc|d        –\n"
        );
    }
}
