//! `babelbench mt-score` against numbers and output printed by sacrebleu 2.6.0 on the same
//! files (`NO_COLOR=1`, `-q`; the sacrebleu command is given with each expectation).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

const HYPS: &str = "The cat sat on the mat.
A quick brown fox jumps over a lazy dog!
Prices rose 3.5% in 2019, analysts said.

Der Preis (ca. 5€) ist «hoch» — sagt er.
";

const REFS: &str = "The cat is sitting on the mat.
The quick brown fox jumped over the lazy dog.
Analysts said prices rose 3.5% in 2019.
Nothing was translated here.
Der Preis (etwa 5 €) ist „hoch“, sagt er.
";

/// A temporary folder holding `hyp.txt` and `ref.txt`.
struct Files {
    dir: TempDir,
}

impl Files {
    fn new(hyps: &[u8], refs: &[u8]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hyp.txt"), hyps).unwrap();
        std::fs::write(dir.path().join("ref.txt"), refs).unwrap();
        Files { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, extra: &[&str]) -> Output {
        run_with(&self.path("hyp.txt"), &self.path("ref.txt"), extra)
    }
}

fn run_with(hyp: &Path, reference: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_babelbench"))
        .arg("mt-score")
        .arg("--hyp")
        .arg(hyp)
        .arg("--ref")
        .arg(reference)
        .args(extra)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "mt-score failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn failure(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(2), "expected exit status 2");
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn default_files() -> Files {
    Files::new(HYPS.as_bytes(), REFS.as_bytes())
}

#[test]
fn json_equals_sacrebleus_output() {
    // sacrebleu ref.txt -i hyp.txt -m bleu chrf -q
    let expected = r#"[
{
 "name": "BLEU",
 "score": 26.4,
 "signature": "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
 "verbose_score": "67.5/44.4/25.0/10.7 (BP = 0.882 ratio = 0.889 hyp_len = 40 ref_len = 45)",
 "nrefs": "1",
 "case": "mixed",
 "eff": "no",
 "tok": "13a",
 "smooth": "exp",
 "version": "2.6.0"
},
{
 "name": "chrF2",
 "score": 53.9,
 "signature": "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0",
 "nrefs": "1",
 "case": "mixed",
 "eff": "yes",
 "nc": "6",
 "nw": "0",
 "space": "no",
 "version": "2.6.0"
}
]
"#;
    let files = default_files();
    assert_eq!(
        stdout(&files.run(&["--metrics", "chrf,bleu", "--json"])),
        expected
    );
}

#[test]
fn scores_with_four_decimals_equal_sacrebleus() {
    let files = default_files();
    let score = |extra: &[&str]| -> (String, f64) {
        let mut args = vec!["--json", "-w", "4"];
        args.extend_from_slice(extra);
        let json: Value = serde_json::from_str(&stdout(&files.run(&args))).unwrap();
        (
            json["signature"].as_str().unwrap().to_string(),
            json["score"].as_f64().unwrap(),
        )
    };
    // sacrebleu ref.txt -i hyp.txt -m chrf --chrf-word-order 2 -w 4 -q
    let (signature, chrf_pp) = score(&["-m", "chrf++"]);
    assert_eq!(chrf_pp, 52.6794);
    assert_eq!(
        signature,
        "nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0"
    );
    // sacrebleu ref.txt -i hyp.txt -m chrf -w 4 -q -b
    assert_eq!(score(&["-m", "chrf"]).1, 53.9043);
    // sacrebleu ref.txt -i hyp.txt -m bleu -tok T -w 4 -q -b, for each tokenizer T
    for (tokenizer, expected) in [
        ("13a", 26.4222),
        ("intl", 27.0366),
        ("char", 54.9572),
        ("zh", 26.9065),
        ("none", 13.6632),
    ] {
        let (signature, bleu) = score(&["--tokenize", tokenizer]);
        assert_eq!(bleu, expected, "tokenizer {tokenizer}");
        assert_eq!(
            signature,
            format!("nrefs:1|case:mixed|eff:no|tok:{tokenizer}|smooth:exp|version:2.6.0")
        );
    }
}

#[test]
fn text_equals_sacrebleus_output() {
    // sacrebleu ref.txt -i hyp.txt -m bleu chrf -f text -q
    let expected = "  BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 26.4 67.5/44.4/25.0/10.7 (BP = 0.882 ratio = 0.889 hyp_len = 40 ref_len = 45)
chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0 = 53.9
";
    let files = default_files();
    assert_eq!(stdout(&files.run(&["-m", "bleu,chrf"])), expected);
}

#[test]
fn sentence_scores_equal_sacrebleus_output() {
    // sacrebleu ref.txt -i hyp.txt -m bleu -sl -q -w 2
    // sacrebleu ref.txt -i hyp.txt -m chrf --chrf-word-order 2 -sl -q -w 2
    let expected = "BLEU|nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0 = 42.38 85.7/66.7/40.0/25.0 (BP = 0.867 ratio = 0.875 hyp_len = 7 ref_len = 8)
BLEU|nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0 = 20.56 60.0/33.3/12.5/7.1 (BP = 1.000 ratio = 1.000 hyp_len = 10 ref_len = 10)
BLEU|nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0 = 42.73 70.0/44.4/37.5/28.6 (BP = 1.000 ratio = 1.111 hyp_len = 10 ref_len = 9)
BLEU|nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0 = 0.00 0.0/0.0/0.0/0.0 (BP = 0.000 ratio = 0.000 hyp_len = 0 ref_len = 5)
BLEU|nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0 = 21.97 61.5/41.7/18.2/5.0 (BP = 1.000 ratio = 1.000 hyp_len = 13 ref_len = 13)
chrF2++|nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0 = 54.26
chrF2++|nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0 = 57.53
chrF2++|nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0 = 76.80
chrF2++|nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0 = 0.00
chrF2++|nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0 = 50.68
";
    let files = default_files();
    assert_eq!(
        stdout(&files.run(&["--sentence", "-m", "bleu,chrf++", "-w", "2"])),
        expected
    );
}

#[test]
fn confidence_adds_an_interval_and_the_bootstrap_to_the_signature() {
    let files = default_files();
    let json: Value = serde_json::from_str(&stdout(&files.run(&[
        "-m",
        "chrf",
        "--json",
        "--confidence",
    ])))
    .unwrap();
    assert_eq!(
        json["signature"],
        "nrefs:1|bs:1000|seed:12345|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"
    );
    assert_eq!(json["score"], 53.9);
    assert_eq!(json["bs"], "1000");
    let mean = json["confidence_mean"].as_f64().unwrap();
    let half_width = json["confidence_var"].as_f64().unwrap();
    assert!((mean - 53.9).abs() < 10.0 && half_width > 1.0, "{json}");
    assert_eq!(
        json["confidence"],
        format!("μ = {mean:.1} ± {half_width:.1}")
    );
}

#[test]
fn bad_inputs_fail_with_status_2_and_name_the_culprit() {
    let files = Files::new(b"one\ntwo\n", b"only one\n");
    let err = failure(&files.run(&[]));
    assert!(
        err.contains("--hyp") && err.contains("has 2 lines") && err.contains("has 1"),
        "{err}"
    );

    let missing = files.path("absent.txt");
    let err = failure(&run_with(&missing, &files.path("ref.txt"), &[]));
    assert!(err.contains("--hyp") && err.contains("absent.txt"), "{err}");

    let files = Files::new(b"fine\n", b"ok\nbad \xff byte\n");
    let err = failure(&files.run(&[]));
    assert!(
        err.contains("--ref") && err.contains("not valid UTF-8: line 2"),
        "{err}"
    );

    let files = Files::new(b"", b"");
    let err = failure(&files.run(&[]));
    assert!(err.contains("--hyp") && err.contains("is empty"), "{err}");

    let files = default_files();
    let err = failure(&files.run(&["--metrics", "bleu,ter"]));
    assert!(err.contains("--metrics") && err.contains("'ter'"), "{err}");

    let err = failure(&files.run(&["--tokenize", "ja-mecab"]));
    assert!(
        err.contains("--tokenize") && err.contains("unknown BLEU tokenizer 'ja-mecab'"),
        "{err}"
    );

    let err = failure(&files.run(&["--sentence", "--confidence"]));
    assert!(
        err.contains("--confidence") && err.contains("--sentence"),
        "{err}"
    );
}
