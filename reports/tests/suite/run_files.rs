use harness::results::{ResultRow, SampleRow};
use reports::run_files::{
    read_results_parquet, read_samples_parquet, write_results_parquet, write_samples_parquet,
};

fn sample(doc: &str, prediction: &str) -> SampleRow {
    SampleRow {
        task: "belebele_deu_Latn".into(),
        group: "belebele".into(),
        language: "deu_Latn".into(),
        doc_id: doc.into(),
        prompt: "Frage: Wo liegt München?\nAntwort:".into(),
        target: "A".into(),
        prediction: prediction.into(),
        scores_json: "{\"acc\": 1.0}".into(),
        labels_json: "{}".into(),
    }
}

fn result(metric: &str, value: f64, ci: Option<(f64, f64)>) -> ResultRow {
    ResultRow {
        task: "flores_eng_Latn-deu_Latn".into(),
        group: "flores".into(),
        language: "deu_Latn".into(),
        metric: metric.into(),
        value,
        ci_low: ci.map(|c| c.0),
        ci_high: ci.map(|c| c.1),
        metric_signature: ci
            .map(|_| "nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.4.2".into()),
        task_signature: "flores|v1".into(),
        num_samples: 1012,
    }
}

#[test]
fn samples_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.parquet");
    let mut labelled = sample("1", "C");
    labelled.labels_json = "{\"detected_language\":\"deu_Latn\"}".into();
    let rows = vec![sample("0", "A"), labelled];
    write_samples_parquet(&path, &rows).unwrap();
    assert_eq!(read_samples_parquet(&path).unwrap(), rows);
}

#[test]
fn samples_written_before_labels_existed_read_without_labels() {
    use polars::prelude::{Column, DataFrame, ParquetWriter};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.parquet");
    let row = sample("0", "A");
    let columns = [
        ("task", &row.task),
        ("group", &row.group),
        ("language", &row.language),
        ("doc_id", &row.doc_id),
        ("prompt", &row.prompt),
        ("target", &row.target),
        ("prediction", &row.prediction),
        ("scores_json", &row.scores_json),
    ];
    let mut frame = DataFrame::new(
        1,
        columns
            .iter()
            .map(|(name, value)| Column::new((*name).into(), [value.as_str()]))
            .collect(),
    )
    .unwrap();
    let file = std::fs::File::create(&path).unwrap();
    ParquetWriter::new(file).finish(&mut frame).unwrap();
    assert_eq!(read_samples_parquet(&path).unwrap(), vec![row]);
}

#[test]
fn results_round_trip_with_missing_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.parquet");
    let rows = vec![
        result("chrf++", 48.25, Some((47.0, 49.5))),
        result("bleu", 21.0, None),
    ];
    write_results_parquet(&path, &rows).unwrap();
    assert_eq!(read_results_parquet(&path).unwrap(), rows);
}

#[test]
fn empty_tables_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.parquet");
    write_results_parquet(&path, &[]).unwrap();
    assert_eq!(read_results_parquet(&path).unwrap(), vec![]);
}

#[test]
fn rewriting_replaces_the_file_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.parquet");
    write_samples_parquet(&path, &[sample("0", "A"), sample("1", "B")]).unwrap();
    write_samples_parquet(&path, &[sample("7", "D")]).unwrap();
    assert_eq!(read_samples_parquet(&path).unwrap(), vec![sample("7", "D")]);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["samples.parquet".to_string()]);
}

#[test]
fn writing_into_a_missing_folder_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("absent");
    let message = write_samples_parquet(&folder.join("samples.parquet"), &[])
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(&format!(
            "cannot create a temporary file in {}",
            folder.display()
        )),
        "{message}"
    );
}

#[test]
fn reading_a_missing_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.parquet");
    let message = read_results_parquet(&path).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "cannot read {}: no such file; the run folder is incomplete, re-run `babelbench run`",
            path.display()
        )
    );
}

#[test]
fn reading_samples_as_results_names_the_missing_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.parquet");
    write_samples_parquet(&path, &[sample("0", "A")]).unwrap();
    let message = read_results_parquet(&path).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "{}: column `metric`: missing; the file was not written by babelbench's run engine",
            path.display()
        )
    );
}

#[test]
fn reading_garbage_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.parquet");
    std::fs::write(&path, b"not parquet at all").unwrap();
    let message = read_samples_parquet(&path).unwrap_err().to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
}
