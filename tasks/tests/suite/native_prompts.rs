//! `--prompt-language native`: the built-in families' native prompts on the committed data, the
//! English fallback where the prompt-word table lacks a word, and a task file's own
//! `native_prompt`.

use std::fs;

use tasks::config::{PromptLanguage, TaskConfig};
use tasks::registry::TaskRegistry;
use tasks::yaml::{Localized, validate};

use crate::common::{config, data_root};

fn native(limit: usize) -> TaskConfig {
    let mut config = config(Some(limit), None);
    config.prompt.language = PromptLanguage::Native;
    config
}

/// The first prompt of `name` under `config`, with the task's signature.
fn first_prompt(name: &str, config: TaskConfig) -> (String, String) {
    let task = crate::common::task(name, config);
    let docs = task.docs().expect("docs");
    (docs[0].prompt.clone(), task.signature())
}

#[test]
fn belebele_asks_for_the_answer_in_the_language() {
    let (english, english_signature) = first_prompt("belebele_deu_Latn", config(Some(1), None));
    let (prompt, signature) = first_prompt("belebele_deu_Latn", native(1));
    assert!(english.ends_with("\nAnswer:"), "{english}");
    assert_eq!(
        prompt,
        format!("{}Antwort:", english.strip_suffix("Answer:").unwrap())
    );
    assert!(signature.ends_with("|prompt=deu_Latn"), "{signature}");
    assert!(
        !english_signature.contains("|prompt="),
        "{english_signature}"
    );
}

#[test]
fn sib200_names_topic_and_text_in_the_language() {
    let (prompt, _) = first_prompt("sib200_zho_Hans", native(1));
    let (english, _) = first_prompt("sib200_zho_Hans", config(Some(1), None));
    let text = english
        .strip_prefix("Topic of the text, one of: science/technology, travel, politics, sports, health, entertainment, geography\nText: ")
        .and_then(|rest| rest.strip_suffix("\nTopic:"))
        .expect("the English prompt");
    assert_eq!(
        prompt,
        format!(
            "主题: science/technology, travel, politics, sports, health, entertainment, geography\n文本: {text}\n主题:"
        )
    );
}

#[test]
fn flores_names_the_languages_in_the_target_language_with_its_examples() {
    let mut config = native(1);
    config.num_fewshot = Some(1);
    let (prompt, signature) = first_prompt("flores_eng_Latn-deu_Latn", config.clone());
    let lines: Vec<&str> = prompt.lines().collect();
    assert!(lines[0].starts_with("Englisch: "), "{prompt}");
    assert!(lines[1].starts_with("Deutsch: "), "{prompt}");
    assert!(lines[3].starts_with("Englisch: "), "{prompt}");
    assert_eq!(*lines.last().unwrap(), "Deutsch:");
    assert!(signature.ends_with("|prompt=deu_Latn"), "{signature}");
    // Into English the prompt is English: the same prompt and signature as without the flag.
    let (into_english, signature) = first_prompt("flores_deu_Latn-eng_Latn", config);
    let mut plain = crate::common::config(Some(1), Some(1));
    plain.prompt.language = PromptLanguage::English;
    let (english, english_signature) = first_prompt("flores_deu_Latn-eng_Latn", plain);
    assert_eq!(into_english, english);
    assert_eq!(signature, english_signature);
    assert!(english.ends_with("\nEnglish:"), "{english}");
}

#[test]
fn a_language_without_the_words_keeps_the_english_prompt_and_says_why() {
    let registry = TaskRegistry::new(native(1)).expect("registry");
    let names = [
        "sib200_swh_Latn",
        "sib200_deu_Latn",
        "belebele_srp_Cyrl",
        "flores_deu_Latn-fra_Latn",
        "flores_eng_Latn-ace_Latn",
        "flores_ace_Latn-eng_Latn",
        "mexa_deu_Latn",
    ];
    let tasks = registry.select(&names, &[]).expect("tasks");
    let missing = |language: &str, words: &[&str]| Localized::Missing {
        language: language.into(),
        words: words.iter().map(|w| w.to_string()).collect(),
    };
    assert_eq!(
        registry.native_prompts(&tasks),
        vec![
            (
                "sib200_swh_Latn".into(),
                missing("swh_Latn", &["{word_topic}", "{word_text}"])
            ),
            (
                "sib200_deu_Latn".into(),
                Localized::Native("deu_Latn".into())
            ),
            (
                "belebele_srp_Cyrl".into(),
                missing("srp_Cyrl", &["{word_answer}"])
            ),
            (
                "flores_deu_Latn-fra_Latn".into(),
                missing("fra_Latn", &["{src_name}"])
            ),
            (
                "flores_eng_Latn-ace_Latn".into(),
                missing("ace_Latn", &["{src_name}", "{tgt_name}"])
            ),
        ]
    );
    for task in &tasks {
        let native = task.name() == "sib200_deu_Latn";
        assert_eq!(
            task.signature().contains("|prompt="),
            native,
            "{}",
            task.name()
        );
    }
}

#[test]
fn a_task_file_brings_its_own_native_prompt_and_its_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_root().join("sib200/annotated");
    let family = |native: &str| {
        format!(
            "task: \"mine_{{lang}}\"\nlanguages: [deu_Latn, fra_Latn]\ndataset_path: csv\n\
             dataset_kwargs:\n  data_files:\n    test: \"{}/{{lang}}/test.tsv\"\n  delimiter: \"\\t\"\n  quoting: 3\n\
             test_split: test\noutput_type: multiple_choice\n\
             doc_to_text: \"{{{{text}}}}\\nAnswer:\"\ndoc_to_choice: [a, b]\ndoc_to_target: 0\n{native}",
            data.display()
        )
    };
    let run = |native: &str| -> Result<Vec<String>, String> {
        let path = dir.path().join("mine.yaml");
        fs::write(&path, family(native)).unwrap();
        let registry = TaskRegistry::new(native_config())
            .and_then(|r| r.with_task_files(&[path], Vec::new()))
            .map_err(|e| e.to_string())?;
        let tasks = registry
            .select(&["mine_deu_Latn", "mine_fra_Latn"], &[])
            .map_err(|e| e.to_string())?;
        tasks
            .iter()
            .map(|t| {
                t.docs()
                    .map(|d| d[0].prompt.clone())
                    .map_err(|e| e.to_string())
            })
            .collect()
    };
    let prompts =
        run("native_prompt:\n  doc_to_text: \"{{text}}\\n{word_answer} ({lang_name}):\"\n")
            .unwrap();
    assert!(
        prompts[0].ends_with("\nAntwort (Deutsch):"),
        "{}",
        prompts[0]
    );
    assert!(
        prompts[1].ends_with("\nRéponse (français):"),
        "{}",
        prompts[1]
    );

    let error = run("native_prompt: [doc_to_text]\n").unwrap_err();
    assert!(
        error.contains("mine.yaml:") && error.contains("`native_prompt`: must be a mapping"),
        "{error}"
    );
    let error = run("native_prompt:\n  language: 3\n").unwrap_err();
    assert!(
        error.contains("`language` must be a language code"),
        "{error}"
    );
    // A native word outside the native prompt has no English value.
    let error = run("description: \"{word_answer}\"\n").unwrap_err();
    assert!(error.contains("{word_answer} has no value"), "{error}");
    // A plain task file has no language to localize to.
    let plain = dir.path().join("plain.yaml");
    fs::write(
        &plain,
        family("native_prompt:\n  doc_to_text: x\n").replace("mine_{lang}", "plain"),
    )
    .unwrap();
    let error = TaskRegistry::new(native_config())
        .and_then(|r| r.with_task_files(&[plain], Vec::new()))
        .and_then(|r| r.select(&["plain"], &[]))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(error.contains("belongs to a family file"), "{error}");
}

#[test]
fn validate_checks_the_native_prompt_of_a_family() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    fs::write(
        &path,
        "task: \"broken_{lang}\"\nlanguages: [deu_Latn]\ndataset_path: json\n\
         dataset_kwargs:\n  data_files:\n    test: x.jsonl\ntest_split: test\n\
         output_type: multiple_choice\ndoc_to_text: \"{{q}}\"\ndoc_to_choice: [a, b]\ndoc_to_target: 0\n\
         native_prompt:\n  doc_to_text: \"{{q\"\n",
    )
    .unwrap();
    let table = harness::languages::LanguageTable::builtin().unwrap();
    let problems = validate(&path, &table);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].to_string().contains("doc_to_text"),
        "{}",
        problems[0]
    );
}

fn native_config() -> TaskConfig {
    native(1)
}
