//! Parquet files (as the Hugging Face Hub stores converted datasets) read into rows through
//! polars: strings, booleans, integers, floats, nulls and lists of them.

use std::path::Path;

use polars::prelude::{AnyValue, DataFrame, ParquetReader, SerReader};
use serde_json::Value;

use super::DataError;
use super::rows::Row;
use super::text::malformed;
use crate::guard::catch_library_panic;

/// The rows of the Parquet file at `path`.
///
/// polars' Parquet decoder panics on some damaged files (slice ranges past the end, thrift
/// fields of the wrong type, page and dictionary lengths that disagree: see
/// `fuzz/regressions/rows_parquet/`); such a panic is reported as an unreadable file.
pub(crate) fn read_parquet(path: &Path) -> Result<Vec<Row>, DataError> {
    catch_library_panic(|| read_parquet_unguarded(path)).unwrap_or_else(|reason| {
        Err(malformed(
            path,
            1,
            format!("not a readable Parquet file: the Parquet reader failed on it ({reason})"),
        ))
    })
}

/// [`read_parquet`] without the guard against decoder panics.
fn read_parquet_unguarded(path: &Path) -> Result<Vec<Row>, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let frame: DataFrame = ParquetReader::new(file)
        .finish()
        .map_err(|e| malformed(path, 1, format!("not a readable Parquet file: {e}")))?;
    let columns = frame.columns();
    let mut rows = vec![Row::new(); frame.height()];
    for column in columns {
        let series = column.as_materialized_series();
        for (r, row) in rows.iter_mut().enumerate() {
            let value = series
                .get(r)
                .map_err(|e| malformed(path, 1, format!("column {}: {e}", series.name())))?;
            let value = to_json(&value).ok_or_else(|| {
                malformed(
                    path,
                    1,
                    format!(
                        "column {} has type {}, which task templates cannot read; \
                         convert it to strings or numbers",
                        series.name(),
                        series.dtype()
                    ),
                )
            })?;
            row.insert(series.name().to_string(), value);
        }
    }
    Ok(rows)
}

/// A cell as JSON; `None` for types a task template has no use for (dates, binary, ...).
fn to_json(value: &AnyValue<'_>) -> Option<Value> {
    Some(match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::String(s) => Value::String((*s).to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::UInt8(v) => Value::from(*v),
        AnyValue::UInt16(v) => Value::from(*v),
        AnyValue::UInt32(v) => Value::from(*v),
        AnyValue::UInt64(v) => Value::from(*v),
        AnyValue::Int8(v) => Value::from(*v),
        AnyValue::Int16(v) => Value::from(*v),
        AnyValue::Int32(v) => Value::from(*v),
        AnyValue::Int64(v) => Value::from(*v),
        AnyValue::Float32(v) => Value::from(f64::from(*v)),
        AnyValue::Float64(v) => Value::from(*v),
        AnyValue::List(series) => Value::Array(
            series
                .iter()
                .map(|item| to_json(&item))
                .collect::<Option<Vec<_>>>()?,
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use polars::prelude::{NamedFrom, ParquetWriter, Series, df};

    use super::*;

    #[test]
    fn parquet_columns_become_row_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test-00000-of-00001.parquet");
        let mut frame = df!(
            "question" => ["Wer?", "Was?"],
            "label" => [1i64, 0],
            "score" => [0.5f64, 1.5],
        )
        .unwrap();
        let choices = Series::new(
            "choices".into(),
            [
                Series::new("".into(), ["a", "b"]),
                Series::new("".into(), ["c", "d"]),
            ],
        );
        frame.with_column(choices.into()).unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut frame)
            .unwrap();
        let rows = read_parquet(&path).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["question"], "Wer?");
        assert_eq!(rows[1]["label"], 0);
        assert_eq!(rows[1]["score"], 1.5);
        assert_eq!(rows[1]["choices"], serde_json::json!(["c", "d"]));
        let err = read_parquet(&dir.path().join("missing.parquet")).unwrap_err();
        assert!(err.to_string().contains("missing.parquet"), "{err}");
    }

    #[test]
    fn damaged_files_on_which_the_decoder_panics_are_errors() {
        // Found by the `rows_parquet` fuzz target: each file makes polars panic.
        let inputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/rows_parquet");
        let mut files: Vec<_> = std::fs::read_dir(&inputs)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect();
        files.sort();
        assert!(files.len() >= 4, "{files:?}");
        for file in files {
            let err = read_parquet(&file).unwrap_err().to_string();
            assert!(
                err.contains("not a readable Parquet file")
                    && err.contains(&*file.to_string_lossy()),
                "{err}"
            );
        }
    }
}
