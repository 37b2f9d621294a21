//! Loaders on the real data, and the errors they give on bad input. Counts and whole files are
//! checked on the full data root; the errors of bad lines on copies of the committed subset.

use crate::common;

use std::path::Path;

use common::{copy_real, data, full_data, replace_line, truncate_lines, write};
use harness::data::{
    DataError, SibSplit, load_belebele, load_flores_dev_partial, load_flores_devtest,
    load_flores_devtest_metadata, load_sib200, load_sib200_labels,
};

#[test]
fn flores_devtest_loads_1012_aligned_sentences() {
    let Some(root) = full_data() else { return };
    let fra = load_flores_devtest(&root, "fra_Latn").unwrap();
    let eng = load_flores_devtest(&root, "eng_Latn").unwrap();
    assert_eq!(fra.len(), 1012);
    assert_eq!(eng.len(), 1012);
    assert_eq!(fra[0].lang, "fra_Latn");
    assert_eq!(fra[0].line, 0);
    assert_eq!(fra[1011].line, 1011);
    assert_eq!(
        eng[0].text,
        "\"We now have 4-month-old mice that are non-diabetic that used to be diabetic,\" he added."
    );
}

#[test]
fn flores_metadata_has_one_entry_per_line() {
    let Some(root) = full_data() else { return };
    let metadata = load_flores_devtest_metadata(&root).unwrap();
    assert_eq!(metadata.len(), 1012);
    assert_eq!(metadata[0].domain, "wikinews");
    assert_eq!(metadata[0].topic, "disease, research, canada");
    assert!(!metadata[0].has_image);
    assert!(metadata[0].has_hyperlink);
    assert_eq!(metadata.iter().filter(|m| m.has_image).count(), 366 + 273);
}

#[test]
fn flores_dev_partial_keeps_the_official_dev_lines() {
    let Some(root) = full_data() else { return };
    let fra = load_flores_dev_partial(&root, "fra_Latn").unwrap();
    assert_eq!(fra.len(), 510);
    assert_eq!(fra[0].line, 0);
    assert!(
        fra[0]
            .text
            .starts_with("Des scientifiques de l’école de médecine"),
        "{}",
        fra[0].text
    );
    assert!(fra.windows(2).all(|w| w[0].line < w[1].line));
    assert!(fra.iter().all(|s| s.line < 997));
}

#[test]
fn belebele_loads_typed_questions() {
    let Some(root) = full_data() else { return };
    let items = load_belebele(&root, "eng_Latn").unwrap();
    assert_eq!(items.len(), 900);
    let first = &items[0];
    assert_eq!(first.lang, "eng_Latn");
    assert_eq!(first.dialect, "eng_Latn");
    assert_eq!(
        first.link,
        "https://en.wikibooks.org/wiki/Accordion/Right_hand"
    );
    assert_eq!(first.question_number, 1);
    assert_eq!(
        first.id(),
        "https://en.wikibooks.org/wiki/Accordion/Right_hand#1"
    );
    assert_eq!(
        first.mc_answers[0],
        "For additional volume, increase the force with which you hit the keys"
    );
    assert!((1..=4).contains(&first.correct_answer_num));
    let counts = (1..=4u8)
        .map(|n| items.iter().filter(|i| i.correct_answer_num == n).count())
        .collect::<Vec<_>>();
    assert_eq!(counts, [206, 251, 246, 197]);
    let deu = load_belebele(&root, "deu_Latn").unwrap();
    assert_eq!(deu[0].id(), first.id());
    assert_eq!(deu[0].correct_answer_num, first.correct_answer_num);
}

#[test]
fn sib200_loads_splits_and_labels() {
    let Some(root) = full_data() else { return };
    let train = load_sib200(&root, "fra_Latn", SibSplit::Train).unwrap();
    assert_eq!(train.len(), 701);
    assert_eq!(train[0].index_id, 431);
    assert_eq!(train[0].category, "geography");
    assert!(
        train[0].text.starts_with("La Turquie est entourée"),
        "{}",
        train[0].text
    );
    assert_eq!(
        load_sib200(&root, "fra_Latn", SibSplit::Dev).unwrap().len(),
        99
    );
    assert_eq!(
        load_sib200(&root, "fra_Latn", SibSplit::Test)
            .unwrap()
            .len(),
        204
    );
    assert_eq!(
        load_sib200_labels(&root, "fra_Latn").unwrap(),
        [
            "science/technology",
            "travel",
            "politics",
            "sports",
            "health",
            "entertainment",
            "geography"
        ]
    );
}

#[test]
fn missing_data_root_says_how_to_set_it() {
    let err =
        load_flores_devtest(Path::new("/nonexistent/babelbench-data"), "fra_Latn").unwrap_err();
    assert!(matches!(err, DataError::MissingRoot { .. }));
    let message = err.to_string();
    assert!(
        message.contains("/nonexistent/babelbench-data"),
        "{message}"
    );
    assert!(
        message.contains("--data-dir") && message.contains("BABELBENCH_DATA"),
        "{message}"
    );
}

#[test]
fn missing_language_file_names_the_expected_path() {
    let err = load_flores_devtest(&data(), "xyz_Latn").unwrap_err();
    match &err {
        DataError::UnknownLanguage {
            dataset,
            lang,
            path,
        } => {
            assert_eq!(dataset, "flores200_devtest");
            assert_eq!(lang, "xyz_Latn");
            assert!(path.ends_with("flores200/devtest/xyz_Latn.devtest"));
        }
        other => panic!("expected UnknownLanguage, got {other:?}"),
    }
    assert!(err.to_string().contains("babelbench data list"), "{err}");
}

#[test]
fn invalid_language_code_is_rejected_before_any_path_is_built() {
    let err = load_belebele(&data(), "../etc/passwd").unwrap_err();
    assert!(
        matches!(err, DataError::InvalidLanguageCode { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("fra_Latn"), "{err}");
}

#[test]
fn short_flores_file_reports_its_count() {
    let Some(full) = full_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = copy_real(&full, dir.path(), "flores200/devtest/fra_Latn.devtest");
    truncate_lines(&path, 1000);
    let err = load_flores_devtest(dir.path(), "fra_Latn").unwrap_err();
    match &err {
        DataError::RecordCount {
            path: p,
            found,
            expected,
            ..
        } => {
            assert_eq!(p, &path);
            assert_eq!((*found, *expected), (1000, 1012));
        }
        other => panic!("expected RecordCount, got {other:?}"),
    }
}

#[test]
fn invalid_utf8_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_real(&data(), dir.path(), "flores200/devtest/fra_Latn.devtest");
    let mut bytes = std::fs::read(&path).unwrap();
    let third_line = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    bytes[third_line + 2] = 0xFF;
    std::fs::write(&path, bytes).unwrap();
    let err = load_flores_devtest(dir.path(), "fra_Latn").unwrap_err();
    assert!(
        matches!(err, DataError::InvalidUtf8 { line: 3, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}:3: invalid UTF-8; re-download the file or convert it to UTF-8",
            path.display()
        )
    );
}

#[test]
fn empty_flores_line_is_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_real(&data(), dir.path(), "flores200/devtest/fra_Latn.devtest");
    replace_line(&path, 7, "");
    let err = load_flores_devtest(dir.path(), "fra_Latn").unwrap_err();
    assert!(
        matches!(err, DataError::Malformed { line: 7, .. }),
        "{err:?}"
    );
}

#[test]
fn malformed_belebele_line_names_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_real(&data(), dir.path(), "belebele/eng_Latn.jsonl");
    replace_line(&path, 5, "{\"link\": \"x\", \"question_number\": 1}");
    let err = load_belebele(dir.path(), "eng_Latn").unwrap_err();
    match &err {
        DataError::Malformed {
            path: p,
            line,
            message,
        } => {
            assert_eq!(p, &path);
            assert_eq!(*line, 5);
            assert!(
                message.contains("missing field `flores_passage`"),
                "{message}"
            );
        }
        other => panic!("expected Malformed, got {other:?}"),
    }

    replace_line(&path, 5, "not json");
    let err = load_belebele(dir.path(), "eng_Latn").unwrap_err();
    assert!(
        matches!(err, DataError::Malformed { line: 5, .. }),
        "{err:?}"
    );
}

#[test]
fn belebele_answer_number_must_be_1_to_4() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_real(&data(), dir.path(), "belebele/eng_Latn.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.lines().next().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(first).unwrap();
    value["correct_answer_num"] = "5".into();
    replace_line(&path, 1, &value.to_string());
    let err = load_belebele(dir.path(), "eng_Latn").unwrap_err();
    assert!(
        err.to_string().contains(":1: field `correct_answer_num`"),
        "{err}"
    );

    value["correct_answer_num"] = "2".into();
    value["dialect"] = "deu_Latn".into();
    replace_line(&path, 1, &value.to_string());
    let err = load_belebele(dir.path(), "eng_Latn").unwrap_err();
    assert!(
        err.to_string().contains("field `dialect` is `deu_Latn`"),
        "{err}"
    );
}

#[test]
fn malformed_sib_row_names_line_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_real(&data(), dir.path(), "sib200/annotated/fra_Latn/dev.tsv");
    replace_line(&path, 4, "12\tgeography");
    let err = load_sib200(dir.path(), "fra_Latn", SibSplit::Dev).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}:4: expected 3 tab-separated columns (index_id, category, text), found 2",
            path.display()
        )
    );
    replace_line(&path, 4, "twelve\tgeography\tText.");
    let err = load_sib200(dir.path(), "fra_Latn", SibSplit::Dev).unwrap_err();
    assert!(
        err.to_string().contains(":4: column `index_id`: `twelve`"),
        "{err}"
    );
}

#[test]
fn wrong_tsv_header_is_reported_on_line_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_real(&data(), dir.path(), "flores200/dev-partial/fra_Latn.tsv");
    replace_line(&path, 1, "id\ttext");
    let err = load_flores_dev_partial(dir.path(), "fra_Latn").unwrap_err();
    assert!(
        matches!(err, DataError::Malformed { line: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("line\\ttext"), "{err}");
}

#[test]
fn duplicate_label_is_malformed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sib200/annotated/fra_Latn/labels.txt",
        "a\nb\na\n",
    );
    let err = load_sib200_labels(dir.path(), "fra_Latn").unwrap_err();
    assert!(
        err.to_string().ends_with(":3: label `a` appears twice"),
        "{err}"
    );
}
