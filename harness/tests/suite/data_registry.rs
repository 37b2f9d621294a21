//! The registry: the built-in datasets.toml, and errors for malformed ones.

use crate::common;

use std::path::Path;

use harness::data::{DataError, FileFormat, Registry, Source, resolve_data_root_with};

#[test]
fn builtin_registry_describes_the_four_datasets() {
    let registry = Registry::builtin();
    let names: Vec<&str> = registry.datasets().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "belebele",
            "flores200_dev_partial",
            "flores200_devtest",
            "sib200"
        ]
    );
    let devtest = registry.dataset("flores200_devtest").unwrap();
    assert_eq!(devtest.license, "CC-BY-SA-4.0");
    let file = devtest.file("devtest").unwrap();
    assert_eq!(file.pattern.as_str(), "flores200/devtest/{lang}.devtest");
    assert_eq!(file.format, FileFormat::Lines);
    assert_eq!(file.records, Some(1012));
    assert_eq!(
        file.pattern.path(Path::new("/d"), "fra_Latn"),
        Path::new("/d/flores200/devtest/fra_Latn.devtest")
    );
    match &devtest.source {
        Source::Archive {
            url,
            sha256,
            strip,
            into,
        } => {
            assert_eq!(
                url,
                "https://dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz"
            );
            assert_eq!(*sha256, None);
            assert_eq!(strip.as_str(), "flores200_dataset");
            assert_eq!(into.as_str(), "flores200");
        }
        other => panic!("expected an archive source, got {other:?}"),
    }
    let belebele = registry.dataset("belebele").unwrap();
    assert_eq!(belebele.hf_dataset.as_deref(), Some("facebook/belebele"));
    let sib = registry.dataset("sib200").unwrap();
    let records: Vec<(&str, Option<usize>)> = sib
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.records))
        .collect();
    assert_eq!(
        records,
        [
            ("train", Some(701)),
            ("dev", Some(99)),
            ("test", Some(204)),
            ("labels", Some(7))
        ]
    );
    assert!(matches!(
        &registry.dataset("flores200_dev_partial").unwrap().source,
        Source::Derived { from, dev_lines: 997 } if from == "sib200"
    ));
}

#[test]
fn repository_datasets_toml_loads_like_the_builtin() {
    let path = common::repo_root().join("datasets.toml");
    let loaded = Registry::load(&path).unwrap();
    assert_eq!(loaded.datasets().count(), 4);
    assert_eq!(loaded.origin(), path);
}

#[test]
fn unknown_dataset_lists_the_known_names() {
    let err = Registry::builtin().dataset("flores").unwrap_err();
    assert!(matches!(err, DataError::UnknownDataset { .. }));
    assert_eq!(
        err.to_string(),
        "unknown dataset `flores`; known datasets: belebele, flores200_dev_partial, \
         flores200_devtest, sib200"
    );
}

#[test]
fn unknown_file_lists_the_dataset_files() {
    let registry = Registry::builtin();
    let err = registry
        .dataset("sib200")
        .unwrap()
        .file("validation")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "dataset sib200 has no file `validation` in the registry; its files: train, dev, test, labels"
    );
}

/// A valid one-dataset registry, to break in the tests below.
const SMALL: &str = r#"[tiny]
description = "a tiny dataset"
license = "CC0-1.0"
homepage = "https://example.org"

[[tiny.files]]
name = "text"
pattern = "tiny/{lang}.txt"
format = "lines"
records = 3

[tiny.source]
kind = "archive"
url = "https://example.org/tiny.tar.gz"
strip = "tiny"
into = "tiny"
"#;

fn parse_error(text: &str) -> (usize, String) {
    match Registry::parse(text, Path::new("bad/datasets.toml")) {
        Err(DataError::Registry {
            path,
            line,
            message,
        }) => {
            assert_eq!(path, Path::new("bad/datasets.toml"));
            (line, message)
        }
        other => panic!("expected a registry error, got {other:?}"),
    }
}

#[test]
fn small_registry_parses() {
    let registry = Registry::parse(SMALL, Path::new("small.toml")).unwrap();
    assert_eq!(registry.dataset("tiny").unwrap().files[0].records, Some(3));
}

#[test]
fn missing_field_names_table_and_line() {
    let text = SMALL.replace("license = \"CC0-1.0\"\n", "");
    let (line, message) = parse_error(&text);
    assert_eq!(line, 1);
    assert!(message.contains("[tiny]"), "{message}");
    assert!(message.contains("missing field `license`"), "{message}");
}

#[test]
fn wrong_type_names_line_and_field() {
    let text = SMALL.replace("records = 3", "records = \"three\"");
    let (line, message) = parse_error(&text);
    assert_eq!(line, 10);
    assert!(message.contains("[[tiny.files]]"), "{message}");
    assert!(message.contains("invalid type"), "{message}");
}

#[test]
fn unknown_format_is_reported_on_its_line() {
    let text = SMALL.replace("format = \"lines\"", "format = \"csv\"");
    let (line, message) = parse_error(&text);
    assert_eq!(line, 9);
    assert!(message.contains("unknown variant `csv`"), "{message}");
}

#[test]
fn unknown_field_is_rejected() {
    let text = SMALL.replace("homepage =", "hompage =");
    let (line, message) = parse_error(&text);
    assert_eq!(line, 4);
    assert!(message.contains("unknown field `hompage`"), "{message}");
}

#[test]
fn bad_pattern_and_sha256_are_rejected_with_their_line() {
    let (line, message) = parse_error(&SMALL.replace("tiny/{lang}.txt", "../{lang}.txt"));
    assert_eq!(line, 8);
    assert!(message.contains("`../{lang}.txt`"), "{message}");

    let (line, message) = parse_error(&SMALL.replace("tiny/{lang}.txt", "tiny/{code}.txt"));
    assert_eq!(line, 8);
    assert!(message.contains("only placeholder"), "{message}");

    let text = SMALL.replace("strip = \"tiny\"", "strip = \"tiny\"\nsha256 = \"abc\"");
    let (line, message) = parse_error(&text);
    assert_eq!(line, 16);
    assert!(message.contains("not a sha256"), "{message}");
}

#[test]
fn syntax_error_has_its_line() {
    let text = SMALL.replace("records = 3", "records = ");
    let (line, _) = parse_error(&text);
    assert_eq!(line, 10);
}

#[test]
fn semantic_errors_name_the_dataset_table() {
    let (line, message) = parse_error(&SMALL.replace("tiny/{lang}.txt", "tiny/all.txt"));
    assert_eq!(line, 1);
    assert!(message.contains("{lang}"), "{message}");

    let derived = SMALL.replace(
        "kind = \"archive\"\nurl = \"https://example.org/tiny.tar.gz\"\nstrip = \"tiny\"\ninto = \"tiny\"",
        "kind = \"derived\"\nfrom = \"nowhere\"\ndev_lines = 3",
    );
    let (_, message) = parse_error(&derived);
    assert!(
        message.contains("`nowhere` is not another dataset"),
        "{message}"
    );

    let (_, message) = parse_error(&SMALL.replace("records = 3", "records = 0"));
    assert!(message.contains("records"), "{message}");

    let (line, message) = parse_error(&SMALL.replace("into = \"tiny\"\n", ""));
    assert_eq!(line, 12);
    assert!(
        message.contains("in [tiny.source]: kind = \"archive\" needs the field `into`"),
        "{message}"
    );

    let (_, message) =
        parse_error(&SMALL.replace("into = \"tiny\"", "into = \"tiny\"\ndev_lines = 3"));
    assert!(message.contains("`dev_lines` does not apply"), "{message}");
}

#[test]
fn empty_registry_is_an_error() {
    let (line, message) = parse_error("# nothing here\n");
    assert_eq!(line, 1);
    assert!(message.contains("no datasets"), "{message}");
}

#[test]
fn registry_file_that_does_not_exist_is_an_io_error_naming_it() {
    let err = Registry::load(Path::new("/nonexistent/datasets.toml")).unwrap_err();
    assert!(
        err.to_string().starts_with("/nonexistent/datasets.toml: "),
        "{err}"
    );
}

#[test]
fn data_root_comes_from_flag_then_env_then_default() {
    let flag = Path::new("/from/flag");
    assert_eq!(
        resolve_data_root_with(Some(flag), Some("/from/env".into())),
        flag
    );
    assert_eq!(
        resolve_data_root_with(None, Some("/from/env".into())),
        Path::new("/from/env")
    );
    assert_eq!(
        resolve_data_root_with(None, Some("".into())),
        Path::new("data")
    );
    assert_eq!(resolve_data_root_with(None, None), Path::new("data"));
}

#[test]
fn languages_are_read_from_file_names() {
    let Some(root) = common::full_data() else {
        return;
    };
    let registry = Registry::builtin();
    let flores = registry.languages("flores200_devtest", &root).unwrap();
    assert_eq!(flores.len(), 204);
    assert_eq!(flores[0], "ace_Arab");
    assert!(flores.contains(&"fra_Latn".to_string()));
    // nqo_Nkoo.zip.tsv is not a language.
    let dev = registry.languages("flores200_dev_partial", &root).unwrap();
    assert_eq!(dev.len(), 205);
    assert!(dev.contains(&"nqo_Nkoo".to_string()));
    assert_eq!(
        registry.languages("belebele", &root).unwrap(),
        ["deu_Latn", "eng_Latn"]
    );
    assert_eq!(registry.languages("sib200", &root).unwrap().len(), 205);
}

#[test]
fn languages_of_a_missing_root_is_an_error() {
    let err = Registry::builtin()
        .languages("belebele", Path::new("/nonexistent/data"))
        .unwrap_err();
    assert!(matches!(err, DataError::MissingRoot { .. }));
    assert!(err.to_string().contains("--data-dir"), "{err}");
}
