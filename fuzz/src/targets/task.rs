//! Task files (YAML, `include:` chains, Jinja templates rendered on data rows) and the
//! inputs of `mt-score`.

use std::path::Path;
use std::sync::OnceLock;

use harness::languages::LanguageTable;
use harness::metric::{Bootstrap, Metric};
use harness::task::Task;
use tasks::config::TaskConfig;
use tasks::metrics::{Bleu, BleuTokenizer, Chrf, TranslationMetric, pystr};
use tasks::yaml::{DataPlaces, Params, load_task, validate};

use super::{outcome, scratch, write};
use crate::seeds::{Seed, ends_with, files_under, pack, text_head, unpack};
use crate::{Target, repo_dir, shared_dir};

/// The language table the task checks use.
fn table() -> &'static LanguageTable {
    static TABLE: OnceLock<LanguageTable> = OnceLock::new();
    TABLE.get_or_init(|| LanguageTable::builtin().expect("the built-in language table loads"))
}

/// Validates the task file at `path` and builds its documents (every template rendered on
/// every row of its data) when it loads.
fn load_and_render(path: &Path, dir: &Path) -> String {
    let problems = validate(path, table());
    let places = DataPlaces {
        root: dir.to_path_buf(),
        hub_dirs: Vec::new(),
    };
    let mut config = TaskConfig::new(dir);
    config.limit = Some(64);
    let task = load_task(path, &Params::new(), "fuzz", config, places);
    match task {
        Ok(task) => {
            let docs = task.docs();
            let _ = task.data_files();
            outcome(&docs)
        }
        Err(e) => problems
            .first()
            .map_or_else(|| e.to_string(), ToString::to_string),
    }
}

/// A task file, the base it may include and a data file: task YAML parsing, `include:`
/// chains (the base may include the task back), field checks and Jinja rendering.
pub(crate) const TASK_YAML: Target = Target {
    name: "task_yaml",
    about: "tasks::yaml: validate and load_task + docs() of task.yaml (NUL) base.yaml (NUL) docs.jsonl",
    run: run_task_yaml,
    seeds: task_yaml_seeds,
    dictionary: &[
        b"include: base.yaml\n",
        b"include: task.yaml\n",
        b"include: [base.yaml, base.yaml]\n",
        b"task: ",
        b"group: ",
        b"tag: ",
        b"output_type: multiple_choice\n",
        b"output_type: generate_until\n",
        b"output_type: loglikelihood_rolling\n",
        b"num_fewshot: ",
        b"doc_to_text: ",
        b"doc_to_choice: ",
        b"doc_to_target: ",
        b"dataset_path: json\n",
        b"languages: [eng_Latn, deu_Latn]\n",
        b"{lang}",
        b"!function x.y",
        b"{{",
        b"}}",
        b"{%",
        b"%}",
        b"&a ",
        b"*a",
        b"<<: *a\n",
        b"- ",
        b": ",
        b"~",
        b"\n  ",
    ],
};

fn run_task_yaml(bytes: &[u8]) -> String {
    let parts = unpack(bytes, 3);
    let dir = scratch("task_yaml");
    let path = write(&dir, "task.yaml", parts[0]);
    write(&dir, "base.yaml", parts.get(1).copied().unwrap_or_default());
    write(
        &dir,
        "docs.jsonl",
        parts.get(2).copied().unwrap_or_default(),
    );
    load_and_render(&path, &dir)
}

/// The value of the top-level `include:` line of a task file, if it has one.
fn include_of(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.strip_prefix("include:"))
        .map(|v| v.trim().trim_matches('"'))
}

/// Points `text`'s `include:` at `base.yaml` and its data at `docs.jsonl`.
fn localize(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.starts_with("include:") {
                "include: base.yaml".to_string()
            } else if line.starts_with("dataset_path:") {
                "dataset_path: json\ndataset_kwargs:\n  data_files:\n    test: docs.jsonl\n    \
                 validation: docs.jsonl\n    train: docs.jsonl"
                    .to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rows of Belebele (whose columns the Belebele templates read), cut short.
fn belebele_rows() -> Vec<u8> {
    std::fs::read(shared_dir().join("data/belebele/eng_Latn.jsonl"))
        .map(|b| text_head(&b, 4096))
        .unwrap_or_else(|_| {
            b"{\"q\": \"Wer?\", \"choices\": [\"a\", \"b\"], \"label\": 1}\n".to_vec()
        })
}

/// A task file that reads `docs.jsonl`.
const PLAIN_TASK: &str = "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: docs.jsonl\ntest_split: test\noutput_type: multiple_choice\ndoc_to_text: \"{{q}}\"\ndoc_to_choice: choices\ndoc_to_target: label\nnum_fewshot: 1\nfewshot_split: test\nmetric_list:\n  - metric: acc\n";

fn task_yaml_seeds() -> Vec<Seed> {
    let rows = belebele_rows();
    let simple_rows =
        b"{\"q\": \"Wer?\", \"choices\": [\"a\", \"b\"], \"label\": 1}\n{\"q\": \"Was?\", \"choices\": [\"c\", \"d\"], \"label\": 0}\n";
    let mut seeds = vec![
        Seed::new(
            "plain multiple-choice task",
            pack(&[PLAIN_TASK.as_bytes(), b"", simple_rows]),
        ),
        Seed::new(
            "task including a base",
            pack(&[
                b"include: base.yaml\ntask: t2\nnum_fewshot: 0\n",
                PLAIN_TASK.as_bytes(),
                simple_rows,
            ]),
        ),
        Seed::new(
            "include cycle",
            pack(&[
                b"include: base.yaml\ntask: t\n",
                b"include: task.yaml\n",
                b"",
            ]),
        ),
        Seed::new(
            "group file",
            pack(&[
                b"group: g\ntask:\n  - t\n  - task: u\n    include: base.yaml\n",
                PLAIN_TASK.as_bytes(),
                b"",
            ]),
        ),
    ];
    let fixtures = repo_dir().join("tasks/tests/fixtures/lm_eval/tasks");
    for path in files_under(&fixtures, &|p| ends_with(p, ".yaml")) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let base = include_of(&text)
            .and_then(|name| std::fs::read_to_string(path.with_file_name(name)).ok())
            .unwrap_or_default();
        seeds.push(Seed::new(
            path.display().to_string(),
            pack(&[
                localize(&text).as_bytes(),
                localize(&base).as_bytes(),
                &rows,
            ]),
        ));
    }
    for path in files_under(&repo_dir().join("tasks/builtin"), &|p| {
        ends_with(p, ".yaml")
    }) {
        if let Ok(text) = std::fs::read(&path) {
            seeds.push(Seed::new(
                path.display().to_string(),
                pack(&[&text, b"", &rows]),
            ));
        }
    }
    seeds
}

/// Jinja templates rendered on data rows, through a task file built around them.
pub(crate) const JINJA: Target = Target {
    name: "jinja",
    about: "tasks::yaml Jinja: doc_to_text (NUL) rows.jsonl (NUL) doc_to_choice (NUL) doc_to_target, rendered by docs()",
    run: run_jinja,
    seeds: jinja_seeds,
    dictionary: &[
        b"{{",
        b"}}",
        b"{%",
        b"%}",
        b"{#",
        b"#}",
        b"{%- ",
        b" -%}",
        b"|",
        b"|join(', ')",
        b"|regex_replace('a', 'b')",
        b"|list",
        b"|length",
        b"|int",
        b"|first",
        b".strip()",
        b".split()",
        b".index(",
        b".replace(",
        b".upper()",
        b"[0]",
        b"[-1]",
        b"[1:]",
        b"[::-1]",
        b" if ",
        b" else ",
        b" for x in ",
        b"{% endfor %}",
        b"{% endif %}",
        b"loop.index",
        b"range(",
        b"~",
        b"**",
        b"//",
        b"%",
        b"9999999999999999999",
        b"'",
        b"\"",
        b"\\",
        b"question",
        b"choices",
        b"label",
        b"flores_passage",
        b"mc_answer1",
        b"correct_answer_num",
        b"{% set x = ",
        b"{% macro m() %}",
        b"{% endmacro %}",
        b"{% raw %}",
        b"{% endraw %}",
    ],
};

fn run_jinja(bytes: &[u8]) -> String {
    let parts = unpack(bytes, 4);
    let text = |i: usize, default: &str| {
        parts.get(i).map_or_else(
            || default.to_string(),
            |p| String::from_utf8_lossy(p).into_owned(),
        )
    };
    let quoted = |s: String| serde_json::Value::String(s).to_string();
    let yaml = format!(
        "task: jinja\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: docs.jsonl\n\
         test_split: test\noutput_type: multiple_choice\nnum_fewshot: 1\nfewshot_split: test\n\
         doc_to_text: {}\ndoc_to_choice: {}\ndoc_to_target: {}\n",
        quoted(text(0, "")),
        quoted(text(2, "{{choices}}")),
        quoted(text(3, "{{label}}")),
    );
    let dir = scratch("jinja");
    let path = write(&dir, "task.yaml", yaml.as_bytes());
    write(
        &dir,
        "docs.jsonl",
        parts.get(1).copied().unwrap_or_default(),
    );
    load_and_render(&path, &dir)
}

fn jinja_seeds() -> Vec<Seed> {
    let rows = belebele_rows();
    let simple = b"{\"question\": \" Wer? \", \"choices\": [\"a\", \"b\"], \"label\": 1, \"n\": 2.5, \"flag\": true, \"none\": null}\n";
    let mut seeds: Vec<Seed> = [
        ("{{question.strip()}}\nAnswer:", "{{choices}}", "{{label}}"),
        (
            "{% for c in choices %}{{loop.index}}. {{c}}\n{% endfor %}{{question|regex_replace(' +', ' ')}}",
            "{{choices}}",
            "{{choices.index(choices[label])}}",
        ),
        ("{{ {'a': n, 'b': [flag, none]} }} {{ question.split()|join('|') }}", "{{['x', 'y']}}", "1"),
    ]
    .iter()
    .map(|(text, choice, target)| {
        Seed::new(
            "synthesized templates",
            pack(&[text.as_bytes(), simple, choice.as_bytes(), target.as_bytes()]),
        )
    })
    .collect();
    let belebele = "P: {{flores_passage}}\nQ: {{question.strip()}}\nA: {{mc_answer1}}\nB: {{mc_answer2}}\nC: {{mc_answer3}}\nD: {{mc_answer4}}\nAnswer:";
    seeds.push(Seed::new(
        "lm-eval belebele templates on shared/data/belebele rows",
        pack(&[
            belebele.as_bytes(),
            &rows,
            b"['A', 'B', 'C', 'D']",
            b"{{['1', '2', '3', '4'].index(correct_answer_num)}}",
        ]),
    ));
    seeds
}

/// `mt-score`'s scoring of a hypothesis and a reference file (any UTF-8), as the command runs
/// it: lines split as Python splits them, BLEU with each tokenizer, chrF and chrF++, corpus
/// and sentence scores, a bootstrap interval.
pub(crate) const MT_SCORE: Target = Target {
    name: "mt_score",
    about: "tasks::metrics: pystr::lines, BLEU (every tokenizer), chrF, chrF++ and bootstrap on hyp (NUL) ref",
    run: run_mt_score,
    seeds: mt_score_seeds,
    dictionary: &[
        b"\n",
        b"\r\n",
        b"\r",
        b"\x0b",
        b"\x1c",
        b"\xc2\x85",
        b"\xe2\x80\xa8",
        b" ",
        b"\t",
        b"\xe3\x80\x80",
        b"\xe4\xb8\xad\xe6\x96\x87",
        b"&amp;",
        b"&quot;",
        b"-",
        b"'s",
        b".",
        b"\xcc\x81",
        b"\xf0\x9f\x98\x80",
        b"\xef\xbf\xbd",
    ],
};

/// Inputs longer than this are cut (scores of long texts take long, and find nothing more).
const MAX_MT_INPUT: usize = 16 * 1024;

fn run_mt_score(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(MAX_MT_INPUT)];
    let parts = unpack(bytes, 2);
    let hyp = String::from_utf8_lossy(parts[0]);
    let reference = String::from_utf8_lossy(parts.get(1).copied().unwrap_or_default());
    let (mut hyps, mut refs) = (pystr::lines(&hyp), pystr::lines(&reference));
    let n = hyps.len().min(refs.len());
    hyps.truncate(n);
    refs.truncate(n);
    for line in hyps.iter().chain(&refs) {
        let _ = pystr::split(line).count();
        let _ = (pystr::strip(line), pystr::rstrip(line));
    }
    let mut scores = Vec::new();
    for tokenizer in BleuTokenizer::ALL {
        let corpus = Bleu::new(tokenizer);
        if let Ok(stats) = corpus.corpus_stats(&hyps, &refs) {
            let total = corpus.aggregate(&stats);
            scores.push(corpus.score(&total));
            let _ = corpus.details(&total);
        }
        let sentence = Bleu::sentence(tokenizer);
        if let Ok(stats) = sentence.corpus_stats(&hyps, &refs) {
            scores.extend(stats.iter().map(|s| sentence.score(s)));
        }
    }
    for chrf in [Chrf::chrf(), Chrf::chrf_plus_plus()] {
        if let Ok(stats) = chrf.corpus_stats(&hyps, &refs) {
            scores.push(chrf.score(&chrf.aggregate(&stats)));
            let bootstrap = Bootstrap {
                resamples: 5,
                seed: 1,
            };
            let interval = bootstrap.interval(&chrf, &stats);
            scores.push(if interval.is_ok() { 1.0 } else { 0.0 });
        }
    }
    for score in &scores {
        assert!(!score.is_nan(), "a NaN score from {} segment pairs", n);
    }
    "ok".to_string()
}

fn mt_score_seeds() -> Vec<Seed> {
    let devtest = shared_dir().join("data/flores200/devtest");
    let pairs = [
        ("eng_Latn", "fra_Latn"),
        ("rus_Cyrl", "eng_Latn"),
        ("acq_Arab", "srp_Cyrl"),
    ];
    let mut seeds: Vec<Seed> = pairs
        .iter()
        .filter_map(|(h, r)| {
            let hyp = std::fs::read(devtest.join(format!("{h}.devtest"))).ok()?;
            let reference = std::fs::read(devtest.join(format!("{r}.devtest"))).ok()?;
            Some(Seed::new(
                format!("flores200 devtest {h} vs {r}"),
                pack(&[&text_head(&hyp, 2048), &text_head(&reference, 2048)]),
            ))
        })
        .collect();
    if let Ok(text) = std::fs::read_to_string(shared_dir().join("fixtures/metrics/sacrebleu.json"))
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(&text)
    {
        let mut strings = Vec::new();
        collect_strings(&value, &mut strings);
        let (hyp, reference): (Vec<_>, Vec<_>) = strings
            .chunks_exact(2)
            .take(64)
            .map(|p| (p[0].replace('\n', " "), p[1].replace('\n', " ")))
            .unzip();
        seeds.push(Seed::new(
            "shared/fixtures/metrics/sacrebleu.json strings",
            pack(&[hyp.join("\n").as_bytes(), reference.join("\n").as_bytes()]),
        ));
    }
    seeds.push(Seed::new(
        "synthesized edge cases",
        pack(&[
            b"a\n\n  \n\xe4\xb8\xad\xe6\x96\x87 x\n",
            b"a b\nc\n\n\xe4\xb8\xad\n",
        ]),
    ));
    seeds
}

/// Every string inside `value`, depth first.
fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}
