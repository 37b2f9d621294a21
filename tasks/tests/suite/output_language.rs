//! The output-language metrics of generation tasks (`off_target`, `wrong_script`,
//! `chrf++_off_target_zeroed`) on hand-made outputs, with exact values, and the script check
//! against every FLORES-200 language's own references.

use std::path::Path;

use harness::languages::LanguageTable;
use harness::request::{GenerateResponse, Response};
use harness::task::{Task, TaskOutput};
use tasks::config::TaskConfig;
use tasks::langid::{covers, identify};
use tasks::yaml::{DataPlaces, Params, load_task, validate};

use crate::common::{self, config, metric};

const TEST_DE: &str = "„Wir haben jetzt 4 Monate alte Mäuse, die Diabetes hatten und jetzt keinen mehr haben“, fügte er hinzu.";
const TEST_EN: &str =
    "\"We now have 4-month-old mice that are non-diabetic that used to be diabetic,\" he added.";

fn generate(text: &str) -> Vec<Response> {
    vec![Response::Generate(GenerateResponse {
        text: text.to_string(),
        token_ids: Vec::new(),
    })]
}

fn evaluate(task: &dyn Task, outputs: &[&str]) -> TaskOutput {
    let docs = task.docs().expect("docs");
    assert_eq!(docs.len(), outputs.len());
    let responses: Vec<Vec<Response>> = outputs.iter().map(|o| generate(o)).collect();
    task.evaluate(&docs, &responses).expect("evaluates")
}

/// Right language, wrong language, mixed, empty, digits only, wrong script.
const OUTPUTS: [&str; 6] = [
    TEST_DE,
    TEST_EN,
    "Der Professor für Medizin warnte, dass die Forschung noch ganz am Anfang stehe und \
     weitere Studien nötig seien. He said so.",
    "",
    "4 2024, 12.",
    "Мы сейчас имеем четырёхмесячных мышей, у которых раньше был диабет.",
];

#[test]
fn flores_outputs_are_checked_for_language_and_script() {
    let task = common::task("flores_eng_Latn-deu_Latn", config(Some(6), Some(0)));
    let output = evaluate(task.as_ref(), &OUTPUTS);
    let names: Vec<&str> = output.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, common::FLORES_METRICS);
    let labels: Vec<(&str, &str)> = output
        .samples
        .iter()
        .map(|s| {
            (
                s.labels["detected_language"].as_str(),
                s.labels["detected_script"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            ("deu_Latn", "Latn"),
            ("eng_Latn", "Latn"),
            ("deu_Latn", "Latn"),
            ("none", "none"),
            ("none", "none"),
            ("rus_Cyrl", "Cyrl"),
        ]
    );
    let per_sample =
        |key: &str| -> Vec<f64> { output.samples.iter().map(|s| s.scores[key]).collect() };
    assert_eq!(per_sample("off_target"), [0.0, 1.0, 0.0, 1.0, 1.0, 1.0]);
    assert_eq!(per_sample("wrong_script"), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);

    let off_target = metric(&output, "off_target");
    assert_eq!(off_target.value, 4.0 / 6.0);
    let wrong_script = metric(&output, "wrong_script");
    assert_eq!(wrong_script.value, 0.5);
    for rate in [&off_target, &wrong_script] {
        let (low, high) = rate.ci.expect("interval");
        assert!(
            0.0 <= low && low < rate.value && rate.value < high && high <= 1.0,
            "{rate:?}"
        );
        assert!(
            rate.signature
                .as_deref()
                .unwrap()
                .ends_with("|agg:mean|langid:whatlang-0.16")
        );
    }

    // Zeroing equals scoring the outputs with the off-target ones emptied.
    let zeroed = metric(&output, "chrf++_off_target_zeroed");
    let emptied = evaluate(task.as_ref(), &[OUTPUTS[0], "", OUTPUTS[2], "", "", ""]);
    let chrf_emptied = metric(&emptied, "chrf++");
    assert_eq!(zeroed.value, chrf_emptied.value);
    assert_eq!(zeroed.ci, chrf_emptied.ci);
    assert!(zeroed.value < metric(&output, "chrf++").value);
    assert_eq!(
        zeroed.signature.as_deref(),
        Some(
            "nrefs:1|bs:1000|seed:12345|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0\
             |off-target:zeroed|langid:whatlang-0.16"
        )
    );
    let sentences: Vec<f64> = emptied.samples.iter().map(|s| s.scores["chrf++"]).collect();
    assert_eq!(per_sample("chrf++_off_target_zeroed"), sentences);
    assert_eq!(output.samples[0].scores["chrf++_off_target_zeroed"], 100.0);
}

#[test]
fn rates_do_not_depend_on_thread_count() {
    let task = common::task("flores_eng_Latn-deu_Latn", config(Some(6), Some(0)));
    let serial = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let one = serial.install(|| evaluate(task.as_ref(), &OUTPUTS));
    let many = evaluate(task.as_ref(), &OUTPUTS);
    assert_eq!(one, many);
}

/// A generation task over two rows of `docs.jsonl`, its outputs meant to be in `target`.
fn own_task(dir: &Path, target: &str) -> Result<Box<dyn Task>, String> {
    std::fs::write(
        dir.join("docs.jsonl"),
        "{\"q\": \"market\", \"a\": \"街市\"}\n{\"q\": \"today\", \"a\": \"今日\"}\n",
    )
    .unwrap();
    let path = dir.join("t.yaml");
    std::fs::write(
        &path,
        format!(
            "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: docs.jsonl\n\
             test_split: test\noutput_type: generate_until\ndoc_to_text: \"{{{{q}}}}\"\n\
             doc_to_target: a\nmetric_list:\n  - metric: chrf++\n  - metric: off_target\n  \
             - metric: wrong_script\n  - metric: chrf++_off_target_zeroed\n\
             metadata:\n  target_language: {target}\n"
        ),
    )
    .unwrap();
    let places = DataPlaces {
        root: dir.to_path_buf(),
        hub_dirs: Vec::new(),
    };
    let errors = validate(&path, &LanguageTable::builtin().unwrap());
    if let Some(error) = errors.first() {
        return Err(error.to_string());
    }
    load_task(&path, &Params::new(), "t", TaskConfig::new(dir), places)
        .map(|t| Box::new(t) as Box<dyn Task>)
        .map_err(|e| e.to_string())
}

#[test]
fn a_target_the_identifier_does_not_cover_has_no_off_target_rate() {
    let dir = tempfile::tempdir().unwrap();
    // Cantonese: whatlang has no profile for it, so off_target and the zeroed chrF++ are
    // absent (not 0); the script check still runs.
    assert!(!covers("yue_Hant"));
    let task = own_task(dir.path(), "yue_Hant").unwrap();
    let english = "We went to the market this morning and bought fresh vegetables for dinner.";
    let output = evaluate(task.as_ref(), &["街市", english]);
    let names: Vec<&str> = output.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["chrf++", "wrong_script"]);
    assert_eq!(metric(&output, "wrong_script").value, 0.5);
    assert!(!output.samples[0].scores.contains_key("off_target"));
    assert_eq!(output.samples[0].labels["detected_script"], "Hant");
    assert_eq!(output.samples[1].labels["detected_language"], "eng_Latn");
    assert_eq!(output.samples[1].labels["detected_script"], "Latn");
}

#[test]
fn output_language_metrics_need_a_known_target_language() {
    let dir = tempfile::tempdir().unwrap();
    let error = own_task(dir.path(), "xx_Latn").err().expect("refused");
    assert!(
        error.contains("t.yaml") && error.contains("`target_language: xx_Latn` is not a code"),
        "{error}"
    );
    std::fs::write(
        dir.path().join("t.yaml"),
        "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: docs.jsonl\n\
         test_split: test\noutput_type: generate_until\ndoc_to_text: q\ndoc_to_target: a\n\
         metric_list:\n  - metric: wrong_script\n",
    )
    .unwrap();
    let errors = validate(
        &dir.path().join("t.yaml"),
        &LanguageTable::builtin().unwrap(),
    );
    assert_eq!(errors.len(), 1);
    let error = errors[0].to_string();
    assert!(
        error.contains("metadata") && error.contains("needs `metadata.target_language`"),
        "{error}"
    );
}

/// Every FLORES-200 language's own devtest references: the first 20 sentences are in the script
/// of the language's code (but one), and the identifier's verdicts on them (a reference judged
/// off target is a false alarm) are what this test pins.
#[test]
fn flores_references_are_in_their_own_script() {
    let Some(root) = testdata::full_data() else {
        return;
    };
    let table = LanguageTable::builtin().unwrap();
    let mut wrong_script = Vec::new();
    let (mut covered, mut judged) = (0, 0);
    let mut false_alarms: std::collections::BTreeMap<&str, usize> = Default::default();
    for code in table.flores200_codes() {
        let path = root.join(format!("flores200/devtest/{code}.devtest"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let covers_code = covers(code);
        covered += usize::from(covers_code);
        for line in text.lines().take(20) {
            let found = identify(line, code);
            if found.wrong_script {
                wrong_script.push(format!("{code}: {:?} in {line}", found.script));
            }
            if let Some(off) = found.off_target {
                judged += 1;
                if off {
                    *false_alarms.entry(code).or_default() += 1;
                }
            }
        }
    }
    // Letters are counted one by one, so Latin names can outnumber the Han characters of a
    // sentence: the one reference whose letters are mostly Latin.
    assert_eq!(
        wrong_script,
        ["yue_Hant: Some(\"Latn\") in Ring 還與競爭對手ADT Corporation 保安公司達成了和解。"]
    );
    assert_eq!(covered, 70);
    assert_eq!(judged, 70 * 20);
    println!("off-target false alarms on references: {false_alarms:?} of {judged}");
    let found: Vec<(&str, usize)> = false_alarms.into_iter().collect();
    assert_eq!(found, FALSE_ALARMS);
}

/// References of covered languages that whatlang puts in another language, per language
/// (measured on the first 20 devtest sentences of each): 18 of 1400, 1.3%, mostly between close
/// languages (Danish/Norwegian, Slovenian/Croatian).
const FALSE_ALARMS: [(&str, usize); 12] = [
    ("ces_Latn", 1),
    ("dan_Latn", 3),
    ("eng_Latn", 1),
    ("jav_Latn", 1),
    ("mkd_Cyrl", 1),
    ("nld_Latn", 1),
    ("npi_Deva", 1),
    ("ron_Latn", 1),
    ("rus_Cyrl", 1),
    ("slv_Latn", 4),
    ("tgl_Latn", 2),
    ("uzn_Latn", 1),
];
