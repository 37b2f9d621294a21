//! FLORES-200 translation: prompts from the real data, and scores of the sacrebleu fixture's
//! hypotheses equal to sacrebleu's.

use crate::common;

use common::config;
use harness::request::{GenerateRequest, GenerateResponse, Request, Response};
use harness::task::Task;
use tasks::config::TaskConfig;
use tasks::metrics::BleuTokenizer;

const DEV_DE: &str = "Am Montag haben die Wisenschaftler der Stanford University School of Medicine die Erfindung eines neuen Diagnosetools bekanntgegeben, mit dem Zellen nach ihrem Typ sortiert werden können: ein winziger, ausdruckbarer Chip, der für jeweils etwa einen US-Cent mit Standard-Tintenstrahldruckern hergestellt werden kann.";
const DEV_EN: &str = "On Monday, scientists from the Stanford University School of Medicine announced the invention of a new diagnostic tool that can sort cells by type: a tiny printable chip that can be manufactured using standard inkjet printers for possibly about one U.S. cent each.";
const TEST_DE: &str = "„Wir haben jetzt 4 Monate alte Mäuse, die Diabetes hatten und jetzt keinen mehr haben“, fügte er hinzu.";
const TEST_EN: &str =
    "\"We now have 4-month-old mice that are non-diabetic that used to be diabetic,\" he added.";

fn task(source: &str, target: &str, config: TaskConfig) -> Box<dyn Task> {
    common::task(&format!("flores_{source}-{target}"), config)
}

#[test]
fn one_shot_prompt_is_the_default() {
    let task = task("deu_Latn", "eng_Latn", config(Some(2), None));
    assert_eq!(task.name(), "flores_deu_Latn-eng_Latn");
    assert_eq!(task.group(), "flores");
    assert_eq!(task.language(), "deu_Latn");
    let docs = task.docs().expect("docs");
    assert_eq!(docs.len(), 2);
    let prompt = format!("German: {DEV_DE}\nEnglish: {DEV_EN}\n\nGerman: {TEST_DE}\nEnglish:");
    assert_eq!(docs[0].prompt, prompt);
    assert_eq!(docs[0].target, TEST_EN);
    assert_eq!(docs[0].id, "0");
    assert_eq!(
        docs[0].requests,
        vec![Request::Generate(GenerateRequest {
            context: prompt,
            until: vec!["\n".to_string()],
            max_new_tokens: 256,
        })]
    );
    let signature = task.signature();
    assert!(
        signature.starts_with("yaml|flores_deu_Latn-eng_Latn|config="),
        "{signature}"
    );
    assert!(signature.contains("|fewshot=1|"), "{signature}");
    assert!(signature.ends_with("|limit=2"), "{signature}");
}

#[test]
fn zero_shot_and_two_shot_prompts() {
    let zero = task("eng_Latn", "deu_Latn", config(Some(1), Some(0)));
    assert_eq!(zero.language(), "deu_Latn");
    let docs = zero.docs().expect("docs");
    assert_eq!(docs[0].prompt, format!("English: {TEST_EN}\nGerman:"));
    assert_eq!(docs[0].target, TEST_DE);

    let two = task("eng_Latn", "zho_Hans", config(Some(1), Some(2)));
    let docs = two.docs().expect("docs");
    let expected = format!(
        "English: {DEV_EN}\nChinese (Simplified): 周一，斯坦福大学医学院的科学家宣布，他们发明了一种可以将细胞按类型分类的新型诊断工具：一种可打印的微型芯片。这种芯片可以使用标准喷墨打印机制造，每片价格可能在一美分左右。\n\n\
         English: Lead researchers say this may bring early detection of cancer, tuberculosis, HIV and malaria to patients in low-income countries, where the survival rates for illnesses such as breast cancer can be half those of richer countries.\n\
         Chinese (Simplified): 主要研究人员表示，这可以让低收入国家/地区的患者尽早发现癌症、肺结核、艾滋病和疟疾。在这些国家/地区，乳腺癌等疾病的生存率可能仅为富裕国家的一半。\n\n\
         English: {TEST_EN}\nChinese (Simplified):"
    );
    assert_eq!(docs[0].prompt, expected);
    assert!(two.signature().contains("|fewshot=2|"));
}

#[test]
fn bleu_tokenizer_follows_the_target_script() {
    assert_eq!(BleuTokenizer::for_script("Hans"), BleuTokenizer::Zh);
    assert_eq!(BleuTokenizer::for_script("Hant"), BleuTokenizer::Zh);
    for script in ["Jpan", "Thai", "Laoo", "Khmr", "Mymr"] {
        assert_eq!(BleuTokenizer::for_script(script), BleuTokenizer::Char);
    }
    for script in ["Latn", "Cyrl", "Arab", "Deva", "Hang"] {
        assert_eq!(BleuTokenizer::for_script(script), BleuTokenizer::V13a);
    }
}

/// A case of `testdata/fixtures/metrics/sacrebleu.json`.
struct Case {
    hyps: Vec<String>,
    corpus: [f64; 3],
    sentence_chrf_pp: Vec<f64>,
}

fn fixture_case(name: &str) -> Case {
    let path = testdata::fixtures().join("metrics/sacrebleu.json");
    let text = std::fs::read_to_string(&path).expect("fixture present");
    let json: serde_json::Value = serde_json::from_str(&text).expect("fixture parses");
    let case = json["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let number = |v: &serde_json::Value| v.as_f64().expect("number");
    let scores = &case["scores"];
    Case {
        hyps: case["hyps"]
            .as_array()
            .expect("hyps")
            .iter()
            .map(|h| h.as_str().expect("string").to_string())
            .collect(),
        corpus: [
            number(&scores["chrF++"]["corpus"]),
            number(&scores["chrF"]["corpus"]),
            number(&scores["BLEU"]["corpus"]),
        ],
        sentence_chrf_pp: scores["chrF++"]["sentence"]
            .as_array()
            .expect("sentences")
            .iter()
            .map(number)
            .collect(),
    }
}

/// Scores the fixture's hypotheses for the first 150 devtest lines of `target` as the model's
/// generations and compares with sacrebleu 2.6.0.
fn check_against_sacrebleu(source: &str, target: &str, case_name: &str, bleu_tok: &str) {
    let case = fixture_case(case_name);
    let task = task(source, target, config(Some(150), Some(0)));
    let docs = task.docs().expect("docs");
    assert_eq!(docs.len(), case.hyps.len());
    let responses: Vec<Vec<Response>> = case
        .hyps
        .iter()
        .map(|h| {
            vec![Response::Generate(GenerateResponse {
                text: h.clone(),
                token_ids: Vec::new(),
            })]
        })
        .collect();
    let output = task.evaluate(&docs, &responses).expect("evaluates");
    let names: Vec<&str> = output.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, common::FLORES_METRICS);
    for (metric, expected) in output.metrics.iter().zip(case.corpus) {
        assert!(
            (metric.value - expected).abs() < 5e-6,
            "{case_name} {}: {} vs sacrebleu {expected}",
            metric.name,
            metric.value
        );
        let (low, high) = metric.ci.expect("interval");
        assert!(
            low < metric.value && metric.value < high,
            "{low} {} {high}",
            metric.value
        );
    }
    assert_eq!(
        output.metrics[0].signature.as_deref(),
        Some("nrefs:1|bs:1000|seed:12345|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0")
    );
    assert_eq!(
        output.metrics[2].signature.as_deref(),
        Some(format!("nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:{bleu_tok}|smooth:exp|version:2.6.0").as_str())
    );
    for (sample, expected) in output.samples.iter().zip(&case.sentence_chrf_pp) {
        assert!(
            (sample.scores["chrf++"] - expected).abs() < 5e-6,
            "{case_name} doc {}",
            sample.doc_id
        );
    }
    assert_eq!(output.samples[0].prediction, case.hyps[0].trim());
}

#[test]
fn scores_equal_sacrebleu_for_chinese_with_the_zh_tokenizer() {
    check_against_sacrebleu("eng_Latn", "zho_Hans", "flores-zho_Hans-perturbed", "zh");
}

#[test]
fn scores_equal_sacrebleu_for_thai_with_the_char_tokenizer() {
    check_against_sacrebleu("eng_Latn", "tha_Thai", "flores-tha_Thai-perturbed", "char");
}

#[test]
fn scores_equal_sacrebleu_for_english_and_german_with_13a() {
    check_against_sacrebleu("deu_Latn", "eng_Latn", "flores-eng_Latn-perturbed", "13a");
    check_against_sacrebleu("eng_Latn", "deu_Latn", "flores-deu_Latn-perturbed", "13a");
}

#[test]
fn generations_are_stripped_before_scoring() {
    let task = task("eng_Latn", "deu_Latn", config(Some(2), Some(0)));
    let docs = task.docs().expect("docs");
    let generate = |text: &str| {
        vec![Response::Generate(GenerateResponse {
            text: text.to_string(),
            token_ids: vec![1, 2],
        })]
    };
    let output = task
        .evaluate(&docs, &[generate(&format!("  {TEST_DE} ")), generate("")])
        .expect("evaluates");
    assert_eq!(output.samples[0].prediction, TEST_DE);
    assert_eq!(output.samples[0].scores["chrf++"], 100.0);
    assert_eq!(output.samples[1].scores["chrf++"], 0.0);
}
