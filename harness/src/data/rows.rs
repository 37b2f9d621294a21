//! Datasets as rows of named columns, read from local files the way Hugging Face `datasets`
//! reads them for lm-evaluation-harness's `dataset_path: json | csv | parquet | text`:
//! JSON Lines (or one JSON array of objects), CSV/TSV with typed columns, Parquet, and plain
//! text (one row per line, column `text`). Errors name the file and line.

use std::path::Path;

use serde_json::{Map, Value};

use super::DataError;
use super::text::{decode, malformed};

/// One document: column name → value, in column order.
pub type Row = Map<String, Value>;

/// How a row file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    /// JSON Lines, or a JSON array of objects (`.json`, `.jsonl`).
    Json,
    /// Comma-separated values with a header line (`.csv`).
    Csv,
    /// Tab-separated values with a header line (`.tsv`).
    Tsv,
    /// Apache Parquet (`.parquet`).
    Parquet,
    /// One row per line, column `text` (`.txt`).
    Text,
}

impl RowFormat {
    /// The format lm-evaluation-harness's `dataset_path` names (`json`, `csv`, `parquet`,
    /// `text`), if it names one.
    pub fn from_builder(name: &str) -> Option<RowFormat> {
        match name {
            "json" => Some(RowFormat::Json),
            "csv" => Some(RowFormat::Csv),
            "parquet" => Some(RowFormat::Parquet),
            "text" => Some(RowFormat::Text),
            _ => None,
        }
    }

    /// The format of a file with this name's extension, if it has a known one.
    pub fn from_path(path: &Path) -> Option<RowFormat> {
        let name = path.file_name()?.to_str()?;
        let name = name.strip_suffix(".gz").unwrap_or(name);
        let extension = name.rsplit_once('.')?.1;
        match extension {
            "json" | "jsonl" => Some(RowFormat::Json),
            "csv" => Some(RowFormat::Csv),
            "tsv" => Some(RowFormat::Tsv),
            "parquet" => Some(RowFormat::Parquet),
            "txt" => Some(RowFormat::Text),
            _ => None,
        }
    }
}

/// How delimited files are split, as `datasets`' CSV builder takes it (`delimiter`, `quoting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field separator; `None`: `,` for CSV, a tab for `.tsv` files.
    pub delimiter: Option<u8>,
    /// Whether `"` quotes fields (Python's `csv.QUOTE_MINIMAL`, `quoting: 0`); `false` reads
    /// every character as it stands (`csv.QUOTE_NONE`, `quoting: 3`).
    pub quoted: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: None,
            quoted: true,
        }
    }
}

/// The rows of `path` read as `format` (CSV read as TSV when the file ends in `.tsv`).
pub fn read_rows(path: &Path, format: RowFormat) -> Result<Vec<Row>, DataError> {
    read_rows_with(path, format, CsvOptions::default())
}

/// [`read_rows`] with delimited files split as `csv` says.
pub fn read_rows_with(
    path: &Path,
    format: RowFormat,
    csv: CsvOptions,
) -> Result<Vec<Row>, DataError> {
    let format = match (format, RowFormat::from_path(path)) {
        (RowFormat::Csv, Some(RowFormat::Tsv)) => RowFormat::Tsv,
        _ => format,
    };
    if format == RowFormat::Parquet {
        return super::parquet_rows::read_parquet(path);
    }
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    let text = decode(bytes, path)?;
    match format {
        RowFormat::Json => json_rows(path, &text),
        RowFormat::Csv => delimited_rows(path, &text, csv.delimiter.unwrap_or(b','), csv.quoted),
        RowFormat::Tsv => delimited_rows(path, &text, csv.delimiter.unwrap_or(b'\t'), csv.quoted),
        RowFormat::Text => Ok(text_rows(&text)),
        RowFormat::Parquet => unreachable!("read above"),
    }
}

/// JSON Lines, or a whole-file JSON array of objects (or an object holding one under `data`,
/// as `datasets` accepts with `field: data`).
fn json_rows(path: &Path, text: &str) -> Result<Vec<Row>, DataError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| malformed(path, e.line(), format!("invalid JSON: {e}")))?;
        let Value::Array(items) = value else {
            unreachable!("starts with [")
        };
        return items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(row) => Ok(row),
                other => Err(malformed(
                    path,
                    1,
                    format!("item {i} of the JSON array is {other}, not an object of columns"),
                )),
            })
            .collect();
    }
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = index + 1;
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(row)) => rows.push(row),
            Ok(other) => {
                return Err(malformed(
                    path,
                    number,
                    format!("expected a JSON object of columns per line, found {other}"),
                ));
            }
            Err(e) => return Err(malformed(path, number, format!("invalid JSON: {e}"))),
        }
    }
    Ok(rows)
}

/// Lines as rows of one column, `text` (line ends removed, empty lines kept, as `datasets`
/// does).
fn text_rows(text: &str) -> Vec<Row> {
    text.lines()
        .map(|line| {
            let mut row = Row::new();
            row.insert("text".into(), Value::String(line.to_string()));
            row
        })
        .collect()
}

/// A header line and records separated by `delimiter`, with quoted fields; each column typed as
/// pandas infers it: integers if every value is one, else floats if every value is a number,
/// else strings; an empty field is null. Unquoted (`quoted: false`), a `"` is text like any other.
fn delimited_rows(
    path: &Path,
    text: &str,
    delimiter: u8,
    quoted: bool,
) -> Result<Vec<Row>, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(quoted)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let position_line = |e: &csv::Error| e.position().map_or(1, |p| p.line() as usize);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(path, position_line(&e), format!("invalid header: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut records: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| malformed(path, position_line(&e), e.to_string()))?;
        records.push(record.iter().map(str::to_string).collect());
    }
    let columns: Vec<Vec<Value>> = (0..header.len())
        .map(|c| typed_column(records.iter().map(|r| r[c].as_str())))
        .collect();
    Ok((0..records.len())
        .map(|r| {
            header
                .iter()
                .zip(&columns)
                .map(|(name, column)| (name.clone(), column[r].clone()))
                .collect()
        })
        .collect())
}

/// The values of one delimited column, typed as pandas infers them.
fn typed_column<'a>(values: impl Iterator<Item = &'a str> + Clone) -> Vec<Value> {
    let present = values.clone().filter(|v| !v.is_empty());
    if present.clone().all(|v| v.parse::<i64>().is_ok()) {
        return values
            .map(|v| v.parse::<i64>().map_or(Value::Null, Value::from))
            .collect();
    }
    if present.clone().all(|v| v.parse::<f64>().is_ok()) {
        return values
            .map(|v| v.parse::<f64>().map_or(Value::Null, Value::from))
            .collect();
    }
    values
        .map(|v| {
            if v.is_empty() {
                Value::Null
            } else {
                Value::String(v.to_string())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn json_lines_arrays_csv_tsv_and_text_read_as_rows() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = write(
            dir.path(),
            "a.jsonl",
            "{\"q\": \"x\", \"n\": 1}\n\n{\"q\": \"y\", \"n\": 2}\n",
        );
        let rows = read_rows(&jsonl, RowFormat::Json).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["q"], "y");
        let array = write(dir.path(), "b.json", "[{\"q\": \"x\"}]");
        assert_eq!(read_rows(&array, RowFormat::Json).unwrap()[0]["q"], "x");
        let csv = write(dir.path(), "c.csv", "q,n,f\n\"a, b\",1,0.5\nc,2,\n");
        let rows = read_rows(&csv, RowFormat::Csv).unwrap();
        assert_eq!(rows[0]["q"], "a, b");
        assert_eq!(rows[1]["n"], 2);
        assert_eq!(rows[0]["f"], 0.5);
        assert_eq!(rows[1]["f"], Value::Null);
        let tsv = write(dir.path(), "d.tsv", "q\tn\nx\t7\n");
        assert_eq!(read_rows(&tsv, RowFormat::Csv).unwrap()[0]["n"], 7);
        // QUOTE_NONE keeps quotes as text: SIB-200 sentences that open with a quotation.
        let quotes = write(dir.path(), "q.tsv", "t\tn\n\"Hi,\" she said.\t1\n");
        let raw = CsvOptions {
            delimiter: Some(b'\t'),
            quoted: false,
        };
        let rows = read_rows_with(&quotes, RowFormat::Csv, raw).unwrap();
        assert_eq!(rows[0]["t"], "\"Hi,\" she said.");
        let text = write(dir.path(), "e.txt", "one\n\nthree\n");
        let rows = read_rows(&text, RowFormat::Text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2]["text"], "three");
    }

    #[test]
    fn malformed_rows_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let bad = write(dir.path(), "bad.jsonl", "{\"q\": 1}\n{\"q\": \n");
        let err = read_rows(&bad, RowFormat::Json).unwrap_err().to_string();
        assert!(err.contains("bad.jsonl:2:"), "{err}");
        let scalar = write(dir.path(), "scalar.jsonl", "{\"q\": 1}\n7\n");
        let err = read_rows(&scalar, RowFormat::Json).unwrap_err().to_string();
        assert!(
            err.contains("scalar.jsonl:2:") && err.contains("object"),
            "{err}"
        );
        let ragged = write(dir.path(), "ragged.csv", "a,b\n1,2\n3\n");
        let err = read_rows(&ragged, RowFormat::Csv).unwrap_err().to_string();
        assert!(err.contains("ragged.csv:3:"), "{err}");
    }
}
