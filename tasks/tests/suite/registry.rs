//! The registry builds task lists from groups, names, globs and language filters.

use crate::common;

use harness::task::Task;
use tasks::registry::{RegistryError, TaskRegistry};

fn registry() -> TaskRegistry {
    TaskRegistry::new(common::config(None, None)).expect("registry")
}

fn names(tasks: &[Box<dyn Task>]) -> Vec<String> {
    tasks.iter().map(|t| t.name().to_string()).collect()
}

#[test]
fn groups_expand_to_all_their_languages() {
    let registry = registry();
    let count = |group: &str| registry.select(&[group], &[]).expect(group).len();
    assert_eq!(count("belebele"), 122);
    assert_eq!(count("sib200"), 205);
    assert_eq!(count("bpb"), 204);
    assert_eq!(count("mexa"), 203);
    assert_eq!(count("tokenizer_premium"), 203);
    assert_eq!(count("flores"), 406);
    assert_eq!(
        registry.family_groups(),
        [
            "belebele",
            "flores",
            "sib200",
            "mexa",
            "bpb",
            "tokenizer_premium"
        ]
    );
    assert_eq!(
        registry.task_names().len(),
        122 + 406 + 205 + 203 + 204 + 203
    );
    let flores = registry.select(&["flores"], &[]).expect("flores");
    assert_eq!(
        names(&flores[..2]),
        vec!["flores_eng_Latn-ace_Arab", "flores_ace_Arab-eng_Latn"]
    );
    assert!(
        flores
            .iter()
            .all(|t| t.group() == "flores" && t.language() != "eng_Latn")
    );
}

#[test]
fn single_tasks_and_directions_by_name() {
    let registry = registry();
    let tasks = registry
        .select(
            &[
                "belebele_deu_Latn",
                "flores_eng_Latn-deu_Latn",
                "sib200_fra_Latn",
                "mexa_deu_Latn",
                "bpb_deu_Latn",
                "tokenizer_premium_deu_Latn",
                "flores_deu_Latn-fra_Latn",
            ],
            &[],
        )
        .expect("tasks");
    assert_eq!(
        names(&tasks),
        vec![
            "belebele_deu_Latn",
            "flores_eng_Latn-deu_Latn",
            "sib200_fra_Latn",
            "mexa_deu_Latn",
            "bpb_deu_Latn",
            "tokenizer_premium_deu_Latn",
            "flores_deu_Latn-fra_Latn",
        ]
    );
    let languages: Vec<&str> = tasks.iter().map(|t| t.language()).collect();
    assert_eq!(
        languages,
        vec![
            "deu_Latn", "deu_Latn", "fra_Latn", "deu_Latn", "deu_Latn", "deu_Latn", "fra_Latn"
        ]
    );
    // A language alone selects both default directions.
    let both = registry
        .select(&["flores_deu_Latn"], &[])
        .expect("flores_deu_Latn");
    assert_eq!(
        names(&both),
        vec!["flores_eng_Latn-deu_Latn", "flores_deu_Latn-eng_Latn"]
    );
}

#[test]
fn language_globs_in_names_and_as_a_filter() {
    let registry = registry();
    let german = registry.select(&["sib200_deu_*"], &[]).expect("glob");
    assert_eq!(names(&german), vec!["sib200_deu_Latn"]);
    let chinese = registry.select(&["belebele_zho_*"], &[]).expect("glob");
    assert_eq!(
        names(&chinese),
        vec!["belebele_zho_Hans", "belebele_zho_Hant"]
    );
    let into_english = registry
        .select(&["flores_zho_*-eng_Latn"], &[])
        .expect("glob");
    assert_eq!(
        names(&into_english),
        vec!["flores_zho_Hans-eng_Latn", "flores_zho_Hant-eng_Latn"]
    );
    let cyrillic = registry
        .select(&["belebele", "mexa_rus_Cyrl"], &["*_Cyrl"])
        .expect("filtered");
    assert_eq!(
        names(&cyrillic),
        vec![
            "belebele_bul_Cyrl",
            "belebele_kaz_Cyrl",
            "belebele_khk_Cyrl",
            "belebele_kir_Cyrl",
            "belebele_mkd_Cyrl",
            "belebele_rus_Cyrl",
            "belebele_srp_Cyrl",
            "belebele_tgk_Cyrl",
            "belebele_ukr_Cyrl",
            "mexa_rus_Cyrl",
        ]
    );
    let two = registry
        .select(&["flores"], &["deu_*", "fra_Latn"])
        .expect("filtered");
    assert_eq!(two.len(), 4);
}

#[test]
fn repeats_are_dropped_keeping_the_first() {
    let tasks = registry()
        .select(
            &["belebele_deu_Latn", "belebele_*_Latn", "belebele_deu_Latn"],
            &[],
        )
        .expect("tasks");
    assert_eq!(tasks[0].name(), "belebele_deu_Latn");
    assert_eq!(
        tasks
            .iter()
            .filter(|t| t.name() == "belebele_deu_Latn")
            .count(),
        1
    );
}

#[test]
fn unknown_names_suggest_the_nearest() {
    let registry = registry();
    let err = registry.select(&["belebel"], &[]).err().expect("error");
    assert!(
        matches!(&err, RegistryError::UnknownTask { suggestions, .. } if suggestions[0] == "belebele")
    );
    assert_eq!(
        err.to_string(),
        "unknown task `belebel` (did you mean belebele?); groups: belebele, flores, sib200, mexa, bpb, tokenizer_premium"
    );

    let err = registry
        .select(&["belebele_deu_latn"], &[])
        .err()
        .expect("error");
    let message = err.to_string();
    assert!(
        message
            .starts_with("task group belebele has no language `deu_latn` (did you mean deu_Latn"),
        "{message}"
    );

    let err = registry
        .select(&["mexa_nqo_Nkoo"], &[])
        .err()
        .expect("error");
    assert!(
        matches!(err, RegistryError::UnknownLanguage { .. }),
        "{err}"
    );

    let err = registry.select(&["sib200_xx_*"], &[]).err().expect("error");
    assert_eq!(
        err.to_string(),
        "`xx_*` matches no language of task group sib200; globs use `*` and `?`, e.g. `deu_*` or `*_Latn`"
    );

    let err = registry
        .select(&["flores_eng_Latn-eng_Latn"], &[])
        .err()
        .expect("error");
    assert!(matches!(err, RegistryError::BadDirection { .. }), "{err}");
    let err = registry
        .select(&["flores_eng_Latn-"], &[])
        .err()
        .expect("error");
    assert!(matches!(err, RegistryError::BadDirection { .. }), "{err}");

    let err = registry
        .select(&["belebele"], &["xyz_*"])
        .err()
        .expect("error");
    assert_eq!(
        err.to_string(),
        "no selected task reports a language matching xyz_*"
    );
}

/// A family file of an include path: one task per language of its list, placeholders filled,
/// selected by name, glob and direction like the built-in families.
#[test]
fn included_family_files_make_one_task_per_language() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for (code, line) in [
        ("deu_Latn", "Hallo"),
        ("fra_Latn", "Bonjour"),
        ("eng_Latn", "Hello"),
    ] {
        std::fs::write(data.join(format!("{code}.txt")), format!("{line}\n")).unwrap();
    }
    let tasks_dir = dir.path().join("tasks");
    std::fs::create_dir(&tasks_dir).unwrap();
    std::fs::write(
        tasks_dir.join("greet.yaml"),
        "task: \"greet_{src}-{tgt}\"\ntag: greet\nlanguages: [eng_Latn, deu_Latn, fra_Latn]\n\
         pivot: eng_Latn\ndataset_path: parallel\ndataset_kwargs:\n  data_files:\n    \
         test: [\"{src}.txt\", \"{tgt}.txt\"]\n  columns: [s, t]\ntest_split: test\n\
         output_type: generate_until\ndoc_to_text: \"{src_name} ({src_script}): {{s}}\\n{tgt_name}:\"\n\
         doc_to_target: \"{{t}}\"\nmetric_list:\n  - metric: bleu\n    tokenize: \"{tgt_bleu_tokenize}\"\n\
         metadata:\n  language: \"{lang}\"\n",
    )
    .unwrap();
    let registry = TaskRegistry::new(tasks::config::TaskConfig::new(&data))
        .expect("registry")
        .with_task_files(&[tasks_dir], Vec::new())
        .expect("index");
    let greet = registry.select(&["greet"], &[]).expect("greet");
    assert_eq!(
        names(&greet),
        [
            "greet_eng_Latn-deu_Latn",
            "greet_deu_Latn-eng_Latn",
            "greet_eng_Latn-fra_Latn",
            "greet_fra_Latn-eng_Latn"
        ]
    );
    assert!(greet.iter().all(|t| t.group() == "greet"));
    let pair = registry
        .select(&["greet_deu_Latn-fra_Latn"], &[])
        .expect("any pair by name");
    assert_eq!(pair[0].language(), "fra_Latn");
    let docs = pair[0].docs().expect("docs");
    assert_eq!(docs[0].prompt, "German (Latn): Hallo\nFrench:");
    assert_eq!(docs[0].target, "Bonjour");
    let into = registry.select(&["greet_*-deu_Latn"], &[]).expect("glob");
    assert_eq!(
        names(&into),
        ["greet_eng_Latn-deu_Latn", "greet_fra_Latn-deu_Latn"]
    );
    let err = registry
        .select(&["greet_deu_Latn-xyz_Latn"], &[])
        .err()
        .expect("unknown language");
    assert!(
        err.to_string()
            .starts_with("task group greet has no language `xyz_Latn`"),
        "{err}"
    );
}

/// Family files that cannot make tasks are refused with the file and line of the field.
#[test]
fn broken_family_files_name_the_file_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let base = "dataset_path: json\ndataset_kwargs:\n  data_files:\n    test: \"{lang}.jsonl\"\n\
                test_split: test\noutput_type: loglikelihood\ndoc_to_text: q\ndoc_to_target: a\n";
    let set = write(
        "set.yaml",
        &format!("task: \"x_{{lang}}\"\nlanguages: flores300\n{base}"),
    );
    let err = TaskRegistry::new(common::config(None, None))
        .unwrap()
        .with_task_files(&[set], Vec::new())
        .map(|_| ())
        .expect_err("unknown set");
    assert!(
        err.to_string()
            .contains("set.yaml:2: `languages`: `flores300` is not a language set"),
        "{err}"
    );
    let unnamed = write(
        "unnamed.yaml",
        &format!(
            "task: \"y_{{lang}}\"\nlanguages: [xyz_Latn]\ndescription: \"{{lang_name}}\"\n{base}"
        ),
    );
    let table = harness::languages::LanguageTable::builtin().unwrap();
    let errors = tasks::yaml::validate(&unnamed, &table);
    assert_eq!(errors.len(), 1);
    let message = errors[0].to_string();
    assert!(
        message
            .contains("unnamed.yaml:3: `description`: {lang_name} has no value for task xyz_Latn"),
        "{message}"
    );
}
