//! Small synthetic run folders written with the crate's own writers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use harness::languages::LanguageTable;
use harness::results::{ResultRow, RunManifest, SampleRow};
use reports::run_files::{write_results_parquet, write_samples_parquet};

/// The language table of the fixtures: two class-2 languages, one class-5; two scripts.
pub const LANGUAGES: &str = "# test table\ncode\tname\tiso639_3\tscript\tfamily\tjoshi_class\tjoshi_entry\n\
amh_Ethi\tAmharic\tamh\tEthi\tAfro-Asiatic\t2\tamharic\n\
deu_Latn\tGerman\tdeu\tLatn\tIndo-European\t5\tgerman\n\
swh_Latn\tSwahili\tswh\tLatn\tAtlantic-Congo\t2\tswahili\n";

pub fn languages() -> LanguageTable {
    LanguageTable::parse(LANGUAGES, "fixtures").unwrap()
}

/// One task of a fixture run.
pub enum TaskSpec {
    /// An accuracy task: per-document correctness (0 or 1); results get `acc` and `acc_norm`
    /// (equal), with the interval mean ± 0.1.
    Accuracy {
        group: &'static str,
        language: &'static str,
        correct: Vec<f64>,
    },
    /// A MEXA task: per-layer scores and per-pair aligned fractions; with `ranker` non-empty,
    /// also per-layer Language Ranker similarities (`ranker_layer_LL/last`, mean and max).
    Mexa {
        language: &'static str,
        layers: Vec<f64>,
        fractions: Vec<f64>,
        ranker: Vec<f64>,
    },
    /// A FLORES direction into `language`: per output its sentence chrF++ and the detected
    /// language. Results get `chrf++` (here the mean of the sentences), `wrong_script` and, when
    /// `covered`, `off_target` and `chrf++_off_target_zeroed` (off-target sentences as 0).
    Translation {
        language: &'static str,
        covered: bool,
        outputs: Vec<(f64, &'static str)>,
    },
}

pub struct RunSpec {
    pub folder: &'static str,
    pub model: &'static str,
    pub started_at: &'static str,
    pub signature: &'static str,
    pub tasks: Vec<TaskSpec>,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Writes the run folder `root/spec.folder` and returns its path.
pub fn write_run(root: &Path, spec: &RunSpec) -> PathBuf {
    let dir = root.join(spec.folder);
    std::fs::create_dir_all(&dir).unwrap();
    let mut samples = Vec::new();
    let mut results = Vec::new();
    let mut tasks = BTreeMap::new();
    for task in &spec.tasks {
        let (group, language) = match task {
            TaskSpec::Accuracy {
                group, language, ..
            } => (*group, *language),
            TaskSpec::Mexa { language, .. } => ("mexa", *language),
            TaskSpec::Translation { language, .. } => ("flores", *language),
        };
        let name = format!("{group}_{language}");
        tasks.insert(name.clone(), spec.signature.to_string());
        let result = |metric: String, value: f64, ci: Option<(f64, f64)>, n: usize| ResultRow {
            task: name.clone(),
            group: group.to_string(),
            language: language.to_string(),
            metric,
            value,
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
            metric_signature: None,
            task_signature: spec.signature.to_string(),
            num_samples: n as u64,
        };
        let labelled = |i: usize, scores: String, prediction: &str, labels: String| SampleRow {
            task: name.clone(),
            group: group.to_string(),
            language: language.to_string(),
            doc_id: format!("d{i}"),
            prompt: format!("Question {i} <{language}> & more"),
            target: "A".to_string(),
            prediction: prediction.to_string(),
            scores_json: scores,
            labels_json: labels,
        };
        let sample = |i: usize, scores: String, prediction: &str| {
            labelled(i, scores, prediction, "{}".to_string())
        };
        match task {
            TaskSpec::Accuracy { correct, .. } => {
                let value = mean(correct);
                for metric in ["acc", "acc_norm"] {
                    results.push(result(
                        metric.into(),
                        value,
                        Some((value - 0.1, value + 0.1)),
                        correct.len(),
                    ));
                }
                for (i, c) in correct.iter().enumerate() {
                    let prediction = if *c == 1.0 { "A" } else { "B" };
                    samples.push(sample(
                        i,
                        format!("{{\"acc\": {c}, \"acc_norm\": {c}}}"),
                        prediction,
                    ));
                }
            }
            TaskSpec::Mexa {
                layers,
                fractions,
                ranker,
                ..
            } => {
                if !ranker.is_empty() {
                    let n = fractions.len();
                    results.push(result("ranker_last_mean".into(), mean(ranker), None, n));
                    let max = ranker.iter().copied().fold(f64::MIN, f64::max);
                    results.push(result("ranker_last_max".into(), max, None, n));
                    for (layer, value) in ranker.iter().enumerate() {
                        results.push(result(
                            format!("ranker_layer_{layer:02}/last"),
                            *value,
                            None,
                            n,
                        ));
                    }
                }
                let n = fractions.len();
                results.push(result(
                    "mexa_weighted_mean_mean".into(),
                    mean(layers),
                    None,
                    n,
                ));
                let max = layers.iter().copied().fold(f64::MIN, f64::max);
                results.push(result("mexa_weighted_mean_max".into(), max, None, n));
                for (layer, value) in layers.iter().enumerate() {
                    results.push(result(
                        format!("layer_{layer:02}/weighted_mean"),
                        *value,
                        None,
                        n,
                    ));
                }
                for (i, f) in fractions.iter().enumerate() {
                    samples.push(sample(
                        i,
                        format!("{{\"weighted_mean_aligned_fraction\": {f}}}"),
                        "",
                    ));
                }
            }
            TaskSpec::Translation {
                language: target,
                covered,
                outputs,
            } => {
                let n = outputs.len();
                let script = |code: &str| code.split('_').nth(1).unwrap_or("").to_string();
                let off: Vec<f64> = outputs
                    .iter()
                    .map(|(_, found)| f64::from(u8::from(found != target)))
                    .collect();
                let wrong: Vec<f64> = outputs
                    .iter()
                    .map(|(_, found)| f64::from(u8::from(script(found) != script(target))))
                    .collect();
                let chrf: Vec<f64> = outputs.iter().map(|(c, _)| *c).collect();
                let zeroed: Vec<f64> = chrf.iter().zip(&off).map(|(c, o)| c * (1.0 - o)).collect();
                results.push(result("chrf++".into(), mean(&chrf), None, n));
                results.push(result("wrong_script".into(), mean(&wrong), None, n));
                if *covered {
                    results.push(result("off_target".into(), mean(&off), None, n));
                    let name = "chrf++_off_target_zeroed".to_string();
                    results.push(result(name, mean(&zeroed), None, n));
                }
                for (i, (c, found)) in outputs.iter().enumerate() {
                    let mut scores = format!("{{\"chrf++\": {c}, \"wrong_script\": {}", wrong[i]);
                    if *covered {
                        scores.push_str(&format!(", \"off_target\": {}", off[i]));
                    }
                    scores.push('}');
                    let labels = format!(
                        "{{\"detected_language\": \"{found}\", \"detected_script\": \"{}\"}}",
                        script(found)
                    );
                    samples.push(labelled(i, scores, &format!("output {i}"), labels));
                }
            }
        }
    }
    let manifest = RunManifest {
        babelbench_version: "0.1.0".into(),
        git_revision: None,
        model_path: format!("/models/{}", spec.model),
        model_name: spec.model.to_string(),
        model_fingerprint: "f".repeat(64),
        backend: "flex".into(),
        dtype: "f32".into(),
        threads: 2,
        tasks,
        dataset_checksums: BTreeMap::new(),
        seed: 1234,
        shard: None,
        started_at: spec.started_at.to_string(),
        finished_at: None,
        phase_seconds: BTreeMap::new(),
        run_config: BTreeMap::new(),
    };
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    write_samples_parquet(&dir.join("samples.parquet"), &samples).unwrap();
    write_results_parquet(&dir.join("results.parquet"), &results).unwrap();
    dir
}

fn acc(group: &'static str, language: &'static str, correct: &[u8]) -> TaskSpec {
    TaskSpec::Accuracy {
        group,
        language,
        correct: correct.iter().map(|c| f64::from(*c)).collect(),
    }
}

fn mexa(language: &'static str, layers: [f64; 2], fractions: &[f64]) -> TaskSpec {
    TaskSpec::Mexa {
        language,
        layers: layers.to_vec(),
        fractions: fractions.to_vec(),
        ranker: Vec::new(),
    }
}

fn mexa_and_ranker(
    language: &'static str,
    layers: [f64; 2],
    fractions: &[f64],
    ranker: [f64; 2],
) -> TaskSpec {
    TaskSpec::Mexa {
        language,
        layers: layers.to_vec(),
        fractions: fractions.to_vec(),
        ranker: ranker.to_vec(),
    }
}

/// `alpha`, first checkpoint. Belebele 80/50/40, SIB-200 70/60/30, MEXA 70/40/20 (deu/swh/amh).
pub fn alpha_v1() -> RunSpec {
    RunSpec {
        folder: "alpha_v1",
        model: "alpha",
        started_at: "2025-01-01T00:00:00Z",
        signature: "v1",
        tasks: vec![
            acc("belebele", "deu_Latn", &[1, 1, 1, 1, 0]),
            acc("belebele", "swh_Latn", &[1, 0]),
            acc("belebele", "amh_Ethi", &[1, 1, 0, 0, 0]),
            acc("sib200", "deu_Latn", &[1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),
            acc("sib200", "swh_Latn", &[1, 1, 1, 0, 0]),
            acc("sib200", "amh_Ethi", &[1, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
            mexa("deu_Latn", [0.5, 0.9], &[1.0, 0.5, 0.6]),
            mexa("swh_Latn", [0.3, 0.5], &[0.4, 0.4]),
            mexa("amh_Ethi", [0.1, 0.3], &[0.2, 0.2]),
        ],
    }
}

/// `alpha`, second checkpoint, one month later: Belebele 100/0/100, SIB-200 70/0/30, MEXA as v1.
pub fn alpha_v2() -> RunSpec {
    RunSpec {
        folder: "alpha_v2",
        model: "alpha",
        started_at: "2025-02-01T00:00:00Z",
        signature: "v1",
        tasks: vec![
            acc("belebele", "deu_Latn", &[1, 1, 1, 1, 1]),
            acc("belebele", "swh_Latn", &[0, 0]),
            acc("belebele", "amh_Ethi", &[1, 1, 1, 1, 1]),
            acc("sib200", "deu_Latn", &[1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),
            acc("sib200", "swh_Latn", &[0, 0, 0, 0, 0]),
            acc("sib200", "amh_Ethi", &[1, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
            mexa("deu_Latn", [0.5, 0.9], &[1.0, 0.5, 0.6]),
            mexa("swh_Latn", [0.3, 0.5], &[0.4, 0.4]),
            mexa("amh_Ethi", [0.1, 0.3], &[0.2, 0.2]),
        ],
    }
}

/// `beta`. Belebele 90/40/50, SIB-200 80/50/50, MEXA 70/30/10.
pub fn beta() -> RunSpec {
    RunSpec {
        folder: "beta",
        model: "beta",
        started_at: "2025-01-15T00:00:00Z",
        signature: "v1",
        tasks: vec![
            acc("belebele", "deu_Latn", &[1, 1, 1, 1, 1, 1, 1, 1, 1, 0]),
            acc("belebele", "swh_Latn", &[1, 1, 0, 0, 0]),
            acc("belebele", "amh_Ethi", &[1, 0]),
            acc("sib200", "deu_Latn", &[1, 1, 1, 1, 0]),
            acc("sib200", "swh_Latn", &[1, 0]),
            acc("sib200", "amh_Ethi", &[1, 0]),
            mexa("deu_Latn", [0.6, 0.8], &[0.7, 0.7]),
            mexa("swh_Latn", [0.2, 0.4], &[0.3, 0.3]),
            mexa("amh_Ethi", [0.1, 0.1], &[0.1]),
        ],
    }
}

/// `gamma`: Belebele eng 75 and deu/swh/amh 80/50/20; MEXA (weighted mean) per layer deu
/// (0.5, 0.9), swh (0.3, 0.6), amh (0.1, 0.2); Language Ranker per layer deu (0.4, 0.8), swh
/// (0.3, 0.5), amh (0.2, 0.3). No SIB-200.
pub fn gamma() -> RunSpec {
    RunSpec {
        folder: "gamma",
        model: "gamma",
        started_at: "2025-03-01T00:00:00Z",
        signature: "v1",
        tasks: vec![
            acc("belebele", "eng_Latn", &[1, 1, 1, 0]),
            acc("belebele", "deu_Latn", &[1, 1, 1, 1, 0]),
            acc("belebele", "swh_Latn", &[1, 0]),
            acc("belebele", "amh_Ethi", &[1, 0, 0, 0, 0]),
            mexa_and_ranker("deu_Latn", [0.5, 0.9], &[0.7, 0.7], [0.4, 0.8]),
            mexa_and_ranker("swh_Latn", [0.3, 0.6], &[0.45, 0.45], [0.3, 0.5]),
            mexa_and_ranker("amh_Ethi", [0.1, 0.2], &[0.15, 0.15], [0.2, 0.3]),
        ],
    }
}

/// `delta`, a translator: FLORES into German (chrF++ 60/40/50/10, the 2nd output English, the
/// 4th Amharic: off target 50%, wrong script 25%, chrF++ with off-target outputs zeroed 27.5)
/// and into Swahili, which the identifier does not cover (no off-target rate; one of two outputs
/// Amharic: wrong script 50%).
pub fn delta() -> RunSpec {
    RunSpec {
        folder: "delta",
        model: "delta",
        started_at: "2025-04-01T00:00:00Z",
        signature: "v1",
        tasks: vec![
            TaskSpec::Translation {
                language: "deu_Latn",
                covered: true,
                outputs: vec![
                    (60.0, "deu_Latn"),
                    (40.0, "eng_Latn"),
                    (50.0, "deu_Latn"),
                    (10.0, "amh_Ethi"),
                ],
            },
            TaskSpec::Translation {
                language: "swh_Latn",
                covered: false,
                outputs: vec![(30.0, "swh_Latn"), (20.0, "amh_Ethi")],
            },
        ],
    }
}

/// Asserts `actual` is within 1e-9 of `expected`.
pub fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}
