//! The documents of a task's split, from where its file says: a local builder
//! (`dataset_path: json | csv | parquet | text` with `dataset_kwargs.data_files`, paths relative
//! to the task file, else to the data root) or a Hub dataset id resolved from a local snapshot
//! (its card's `configs:`, its default file naming, or `data_files` inside the snapshot), or
//! babelbench's `dataset_path: parallel`: aligned line files (a parallel corpus), line `i` of
//! each file a column of row `i`, named by `dataset_kwargs.columns`.
//! Columns missing from some rows are filled with null, as `datasets` does.

use std::path::{Path, PathBuf};

use harness::data::{
    DataError, DataFilesSpec, Row, RowFormat, find_snapshot, matching, read_rows, read_rows_with,
    split_files,
};
use serde_json::Value;

use super::error::TaskFileError;
use super::source::TaskSource;
use super::spec::TaskSpec;

/// Where datasets are looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPlaces {
    /// The data root (`--data-dir`).
    pub root: PathBuf,
    /// Folders holding Hub snapshots (`--hf-data`, `$HF_HUB_CACHE`, ...).
    pub hub_dirs: Vec<PathBuf>,
}

/// The rows of one split and their column names (in first-seen order).
#[derive(Debug, Clone)]
pub(crate) struct Split {
    /// The documents.
    pub rows: Vec<Row>,
    /// Every column of the split.
    pub columns: Vec<String>,
    /// The files read.
    pub files: Vec<PathBuf>,
}

/// Reads split `split` of the task's dataset.
pub(crate) fn load_split(
    spec: &TaskSpec,
    source: &TaskSource,
    places: &DataPlaces,
    split: &str,
) -> Result<Split, TaskFileError> {
    let data_error = |e: DataError| TaskFileError::Data {
        task: spec.task.clone(),
        file: source.path.clone(),
        source: Box::new(e),
    };
    let data_files = spec
        .dataset_kwargs
        .as_ref()
        .and_then(|k| k.data_files.as_ref());
    if spec.dataset_path == PARALLEL {
        return parallel_split(spec, source, places, split, data_files);
    }
    let (files, format) = match RowFormat::from_builder(&spec.dataset_path) {
        Some(format) => {
            let Some(data_files) = data_files else {
                return Err(source.error_at(
                    "dataset_path",
                    format!(
                        "`{}` reads local files: name them with dataset_kwargs: {{data_files: \
                         {{{split}: PATH}}}}",
                        spec.dataset_path
                    ),
                ));
            };
            let files = local_files(data_files, split, &[source.dir(), &places.root]);
            if files.is_empty() {
                return Err(missing_split(source, data_files, split, &places.root));
            }
            (files, Some(format))
        }
        None => {
            if !spec.dataset_path.contains('/') {
                return Err(source.error_at(
                    "dataset_path",
                    format!(
                        "`{}` is neither a local builder (json, csv, parquet, text) nor a Hub \
                         dataset id (org/name)",
                        spec.dataset_path
                    ),
                ));
            }
            let snapshot =
                find_snapshot(&spec.dataset_path, &places.hub_dirs).map_err(data_error)?;
            let files = match data_files {
                Some(data_files) => {
                    let files = local_files(data_files, split, &[&snapshot]);
                    if files.is_empty() {
                        return Err(missing_split(source, data_files, split, &snapshot));
                    }
                    files
                }
                None => split_files(
                    &snapshot,
                    &spec.dataset_path,
                    spec.dataset_name.as_deref(),
                    split,
                )
                .map_err(data_error)?,
            };
            (files, None)
        }
    };
    let csv = spec
        .dataset_kwargs
        .as_ref()
        .map(|k| k.csv_options())
        .transpose()
        .map_err(|m| source.error_at("dataset_kwargs", m))?
        .unwrap_or_default();
    let mut rows = Vec::new();
    for file in &files {
        let format = match format.or_else(|| RowFormat::from_path(file)) {
            Some(format) => format,
            None => {
                return Err(data_error(DataError::Malformed {
                    path: file.clone(),
                    line: 1,
                    message: "unknown file type; babelbench reads .json, .jsonl, .csv, .tsv, \
                              .parquet and .txt"
                        .into(),
                }));
            }
        };
        rows.extend(read_rows_with(file, format, csv).map_err(data_error)?);
    }
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for key in row.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    for row in &mut rows {
        for column in &columns {
            row.entry(column.clone()).or_insert(Value::Null);
        }
    }
    Ok(Split {
        rows,
        columns,
        files,
    })
}

/// babelbench's builder of aligned line files.
pub(crate) const PARALLEL: &str = "parallel";

/// A split of a parallel corpus: the files of `split` in order, zipped line by line into rows
/// of `dataset_kwargs.columns`.
fn parallel_split(
    spec: &TaskSpec,
    source: &TaskSource,
    places: &DataPlaces,
    split: &str,
    data_files: Option<&DataFilesSpec>,
) -> Result<Split, TaskFileError> {
    let Some(data_files) = data_files else {
        return Err(source.error_at(
            "dataset_path",
            "`parallel` reads aligned line files: name them with dataset_kwargs: {data_files: \
             {test: [SOURCE, TARGET]}, columns: [source, target]}",
        ));
    };
    let columns = spec
        .dataset_kwargs
        .as_ref()
        .and_then(|k| k.columns.clone())
        .unwrap_or_default();
    let patterns = data_files.patterns(split);
    if columns.len() != patterns.len() {
        return Err(source.error_at(
            "dataset_kwargs",
            format!(
                "`parallel` needs one name in `columns` per file of split `{split}`: {} files, \
                 {} columns",
                patterns.len(),
                columns.len()
            ),
        ));
    }
    let mut files = Vec::new();
    for pattern in &patterns {
        let found = local_files(
            &DataFilesSpec::One(pattern.clone()),
            "train",
            &[source.dir(), &places.root],
        );
        match found.as_slice() {
            [one] => files.push(one.clone()),
            _ => return Err(missing_split(source, data_files, split, &places.root)),
        }
    }
    let kwargs = spec.dataset_kwargs.as_ref();
    let text_column = kwargs
        .and_then(|k| k.text_column.as_deref())
        .unwrap_or("text");
    let align_on = kwargs.and_then(|k| k.align_on.as_deref());
    let mut texts: Vec<Vec<Row>> = Vec::new();
    for file in &files {
        // A line file, or a table whose `text_column` is the file's column.
        let format = RowFormat::from_path(file).unwrap_or(RowFormat::Text);
        let rows = read_rows(file, format).map_err(|e| TaskFileError::Data {
            task: spec.task.clone(),
            file: source.path.clone(),
            source: Box::new(e),
        })?;
        if let Some(row) = rows.iter().position(|r| !r.contains_key(text_column)) {
            return Err(source.error_at(
                "dataset_kwargs",
                format!(
                    "row {row} of {} has no column `{text_column}` (`text_column` names the \
                     column each file of a parallel split contributes)",
                    file.display()
                ),
            ));
        }
        texts.push(rows);
    }
    let lines = texts[0].len();
    if let Some((file, other)) = files.iter().zip(&texts).find(|(_, t)| t.len() != lines) {
        return Err(source.error_at(
            "dataset_kwargs",
            format!(
                "the files of split `{split}` are not parallel: {} has {lines} lines, {} has {}",
                files[0].display(),
                file.display(),
                other.len()
            ),
        ));
    }
    if let Some(key) = align_on {
        for (file, rows) in files.iter().zip(&texts).skip(1) {
            let differs = (0..lines).find(|&i| rows[i].get(key) != texts[0][i].get(key));
            if let Some(i) = differs {
                return Err(source.error_at(
                    "dataset_kwargs",
                    format!(
                        "the files of split `{split}` are not parallel: row {i} of {} has {key} \
                         {}, row {i} of {} has {}",
                        files[0].display(),
                        texts[0][i].get(key).unwrap_or(&Value::Null),
                        file.display(),
                        rows[i].get(key).unwrap_or(&Value::Null)
                    ),
                ));
            }
        }
    }
    let rows = (0..lines)
        .map(|i| {
            columns
                .iter()
                .zip(&texts)
                .map(|(column, rows)| (column.clone(), rows[i][text_column].clone()))
                .collect()
        })
        .collect();
    Ok(Split {
        rows,
        columns,
        files,
    })
}

/// The files `data_files` names for `split`, each pattern resolved against the first of
/// `bases` where it matches.
fn local_files(data_files: &DataFilesSpec, split: &str, bases: &[&Path]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for pattern in data_files.patterns(split) {
        let absolute = Path::new(&pattern);
        if absolute.is_absolute() {
            if absolute.is_file() {
                files.push(absolute.to_path_buf());
            }
            continue;
        }
        if let Some(found) = bases
            .iter()
            .map(|base| matching(base, std::slice::from_ref(&pattern)))
            .find(|found| !found.is_empty())
        {
            files.extend(found);
        }
    }
    files
}

fn missing_split(
    source: &TaskSource,
    data_files: &DataFilesSpec,
    split: &str,
    base: &Path,
) -> TaskFileError {
    let patterns = data_files.patterns(split);
    let message = if patterns.is_empty() {
        format!(
            "data_files has no split `{split}` (its splits: {}); add it or change the task's \
             split fields",
            data_files.splits().join(", ")
        )
    } else {
        format!(
            "no file matches {} for split `{split}` (relative to {} or {})",
            patterns.join(", "),
            source.dir().display(),
            base.display()
        )
    };
    source.error_at("dataset_kwargs", message)
}
