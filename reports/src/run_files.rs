//! The parquet files of a run folder: `samples.parquet` ([`SampleRow`]) and `results.parquet`
//! ([`ResultRow`]). Writers replace the file atomically (a temporary file in the same folder,
//! then a rename); readers return the rows or a lazy polars scan.

use std::io::Write;
use std::path::Path;

use harness::evaluator::{TableError, TableWriter};
use harness::results::{ResultRow, SampleRow};
use polars::prelude::*;

use crate::error::ReportError;

/// Writes `rows` to `path` as parquet, replacing any existing file atomically.
pub fn write_samples_parquet(path: &Path, rows: &[SampleRow]) -> Result<(), ReportError> {
    let text = |get: fn(&SampleRow) -> &str| rows.iter().map(get).collect::<Vec<_>>();
    let mut frame = DataFrame::new(
        rows.len(),
        vec![
            Column::new("task".into(), text(|r| &r.task)),
            Column::new("group".into(), text(|r| &r.group)),
            Column::new("language".into(), text(|r| &r.language)),
            Column::new("doc_id".into(), text(|r| &r.doc_id)),
            Column::new("prompt".into(), text(|r| &r.prompt)),
            Column::new("target".into(), text(|r| &r.target)),
            Column::new("prediction".into(), text(|r| &r.prediction)),
            Column::new("scores_json".into(), text(|r| &r.scores_json)),
            Column::new("labels_json".into(), text(|r| &r.labels_json)),
        ],
    )
    .map_err(|source| parquet_error("cannot write", path, source))?;
    write_atomically(path, &mut frame)
}

/// Writes `rows` to `path` as parquet, replacing any existing file atomically.
pub fn write_results_parquet(path: &Path, rows: &[ResultRow]) -> Result<(), ReportError> {
    let text = |get: fn(&ResultRow) -> &str| rows.iter().map(get).collect::<Vec<_>>();
    let mut frame = DataFrame::new(
        rows.len(),
        vec![
            Column::new("task".into(), text(|r| &r.task)),
            Column::new("group".into(), text(|r| &r.group)),
            Column::new("language".into(), text(|r| &r.language)),
            Column::new("metric".into(), text(|r| &r.metric)),
            Column::new(
                "value".into(),
                rows.iter().map(|r| r.value).collect::<Vec<_>>(),
            ),
            Column::new(
                "ci_low".into(),
                rows.iter().map(|r| r.ci_low).collect::<Vec<_>>(),
            ),
            Column::new(
                "ci_high".into(),
                rows.iter().map(|r| r.ci_high).collect::<Vec<_>>(),
            ),
            Column::new(
                "metric_signature".into(),
                rows.iter()
                    .map(|r| r.metric_signature.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new("task_signature".into(), text(|r| &r.task_signature)),
            Column::new(
                "num_samples".into(),
                rows.iter().map(|r| r.num_samples).collect::<Vec<_>>(),
            ),
        ],
    )
    .map_err(|source| parquet_error("cannot write", path, source))?;
    write_atomically(path, &mut frame)
}

/// Reads every row of a `samples.parquet` file.
pub fn read_samples_parquet(path: &Path) -> Result<Vec<SampleRow>, ReportError> {
    let frame = collect(scan_parquet(path)?, path)?;
    let columns = Columns {
        frame: &frame,
        path,
    };
    let task = columns.text("task")?;
    let group = columns.text("group")?;
    let language = columns.text("language")?;
    let doc_id = columns.text("doc_id")?;
    let prompt = columns.text("prompt")?;
    let target = columns.text("target")?;
    let prediction = columns.text("prediction")?;
    let scores_json = columns.text("scores_json")?;
    let labels_json = columns.text_or("labels_json", "{}")?;
    Ok((0..frame.height())
        .map(|i| SampleRow {
            task: task[i].clone(),
            group: group[i].clone(),
            language: language[i].clone(),
            doc_id: doc_id[i].clone(),
            prompt: prompt[i].clone(),
            target: target[i].clone(),
            prediction: prediction[i].clone(),
            scores_json: scores_json[i].clone(),
            labels_json: labels_json[i].clone(),
        })
        .collect())
}

/// Reads every row of a `results.parquet` file.
pub fn read_results_parquet(path: &Path) -> Result<Vec<ResultRow>, ReportError> {
    let frame = collect(scan_parquet(path)?, path)?;
    let columns = Columns {
        frame: &frame,
        path,
    };
    let task = columns.text("task")?;
    let group = columns.text("group")?;
    let language = columns.text("language")?;
    let metric = columns.text("metric")?;
    let value = columns.float("value")?;
    let ci_low = columns.optional_float("ci_low")?;
    let ci_high = columns.optional_float("ci_high")?;
    let metric_signature = columns.optional_text("metric_signature")?;
    let task_signature = columns.text("task_signature")?;
    let num_samples = columns.count("num_samples")?;
    Ok((0..frame.height())
        .map(|i| ResultRow {
            task: task[i].clone(),
            group: group[i].clone(),
            language: language[i].clone(),
            metric: metric[i].clone(),
            value: value[i],
            ci_low: ci_low[i],
            ci_high: ci_high[i],
            metric_signature: metric_signature[i].clone(),
            task_signature: task_signature[i].clone(),
            num_samples: num_samples[i],
        })
        .collect())
}

/// A lazy polars scan of a parquet file; fails when the file does not exist.
pub fn scan_parquet(path: &Path) -> Result<LazyFrame, ReportError> {
    if !path.is_file() {
        return Err(ReportError::io(
            "cannot read",
            path,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file; the run folder is incomplete, re-run `babelbench run`",
            ),
        ));
    }
    let pl_path = PlRefPath::try_from_path(path)
        .map_err(|source| parquet_error("cannot open", path, source))?;
    LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default())
        .map_err(|source| parquet_error("cannot open", path, source))
}

/// Runs a lazy query over the parquet file at `path`.
fn collect(frame: LazyFrame, path: &Path) -> Result<DataFrame, ReportError> {
    frame
        .collect()
        .map_err(|source| parquet_error("cannot read", path, source))
}

fn parquet_error(action: &'static str, path: &Path, source: PolarsError) -> ReportError {
    ReportError::Parquet {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `frame` to `path` as parquet, replacing any existing file atomically.
pub(crate) fn write_frame(path: &Path, frame: &mut DataFrame) -> Result<(), ReportError> {
    write_atomically(path, frame)
}

/// Writes `frame` to a temporary file next to `path`, then renames it over `path`.
fn write_atomically(path: &Path, frame: &mut DataFrame) -> Result<(), ReportError> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".parquet")
        .tempfile_in(folder)
        .map_err(|source| ReportError::io("cannot create a temporary file in", folder, source))?;
    ParquetWriter::new(&mut file)
        .finish(frame)
        .map_err(|source| parquet_error("cannot write", path, source))?;
    file.flush()
        .map_err(|source| ReportError::io("cannot write", path, source))?;
    file.as_file()
        .sync_all()
        .map_err(|source| ReportError::io("cannot sync", path, source))?;
    file.persist(path)
        .map_err(|error| ReportError::io("cannot rename a temporary file to", path, error.error))?;
    Ok(())
}

/// Typed access to the columns of a frame read from `path`.
struct Columns<'a> {
    frame: &'a DataFrame,
    path: &'a Path,
}

impl Columns<'_> {
    fn column(&self, name: &'static str) -> Result<&Column, ReportError> {
        self.frame
            .column(name)
            .map_err(|_| self.bad(name, "missing"))
    }

    fn bad(&self, column: &'static str, message: impl Into<String>) -> ReportError {
        ReportError::Column {
            path: self.path.to_path_buf(),
            column,
            message: message.into(),
        }
    }

    fn optional_text(&self, name: &'static str) -> Result<Vec<Option<String>>, ReportError> {
        let column = self.column(name)?;
        let values = column
            .str()
            .map_err(|_| self.bad(name, format!("holds {}, not text", column.dtype())))?;
        Ok(values.iter().map(|v| v.map(str::to_string)).collect())
    }

    fn text(&self, name: &'static str) -> Result<Vec<String>, ReportError> {
        self.optional_text(name)?
            .into_iter()
            .enumerate()
            .map(|(row, v)| v.ok_or_else(|| self.bad(name, format!("null in row {row}"))))
            .collect()
    }

    /// A text column that older files may lack: `default` in every row when it is absent.
    fn text_or(&self, name: &'static str, default: &str) -> Result<Vec<String>, ReportError> {
        if self.frame.column(name).is_err() {
            return Ok(vec![default.to_string(); self.frame.height()]);
        }
        self.text(name)
    }

    fn optional_float(&self, name: &'static str) -> Result<Vec<Option<f64>>, ReportError> {
        let column = self.column(name)?;
        let values = column
            .f64()
            .map_err(|_| self.bad(name, format!("holds {}, not f64", column.dtype())))?;
        Ok(values.iter().collect())
    }

    fn float(&self, name: &'static str) -> Result<Vec<f64>, ReportError> {
        self.optional_float(name)?
            .into_iter()
            .enumerate()
            .map(|(row, v)| v.ok_or_else(|| self.bad(name, format!("null in row {row}"))))
            .collect()
    }

    fn count(&self, name: &'static str) -> Result<Vec<u64>, ReportError> {
        let column = self.column(name)?;
        let values = column
            .u64()
            .map_err(|_| self.bad(name, format!("holds {}, not u64", column.dtype())))?;
        values
            .iter()
            .enumerate()
            .map(|(row, v)| v.ok_or_else(|| self.bad(name, format!("null in row {row}"))))
            .collect()
    }
}

/// The parquet writers as the run engine's [`TableWriter`]: pass `&ParquetTables` to the engine
/// so it writes `samples.parquet` and `results.parquet`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParquetTables;

impl TableWriter for ParquetTables {
    fn write_samples(&self, path: &Path, rows: &[SampleRow]) -> Result<(), TableError> {
        write_samples_parquet(path, rows).map_err(Into::into)
    }

    fn write_results(&self, path: &Path, rows: &[ResultRow]) -> Result<(), TableError> {
        write_results_parquet(path, rows).map_err(Into::into)
    }
}
