//! Criterion benchmarks of chrF, chrF++ and BLEU on FLORES-200 devtest-sized corpora: all 1012
//! devtest lines of a language as references and deterministic perturbations of them as
//! hypotheses. Run with `cargo bench -p tasks --bench metrics`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use harness::metric::Bootstrap;
use tasks::metrics::{Bleu, BleuTokenizer, Chrf, TranslationMetric};

/// The devtest lines of `lang` from the shared data folder.
fn devtest(lang: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/flores200/devtest")
        .join(format!("{lang}.devtest"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().map(str::to_string).collect()
}

/// Line `i` with one word dropped, one replaced and two swapped, at positions that depend on
/// `i`; lines without spaces (Chinese, Thai) get characters dropped and swapped instead.
fn perturb(i: usize, line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    if words.len() > 4 {
        let mut words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        words.remove((i * 7) % words.len());
        let replaced = (i * 13) % words.len();
        words[replaced] = "xyz".to_string();
        let swapped = (i * 5) % (words.len() - 1);
        words.swap(swapped, swapped + 1);
        words.join(" ")
    } else {
        let mut chars: Vec<char> = line.chars().collect();
        if chars.len() > 4 {
            chars.remove((i * 7) % chars.len());
            let swapped = (i * 5) % (chars.len() - 1);
            chars.swap(swapped, swapped + 1);
        }
        chars.into_iter().collect()
    }
}

fn corpus(lang: &str) -> (Vec<String>, Vec<String>) {
    let refs = devtest(lang);
    let hyps = refs
        .iter()
        .enumerate()
        .map(|(i, r)| perturb(i, r))
        .collect();
    (hyps, refs)
}

fn bench_metric<M: TranslationMetric>(
    c: &mut Criterion,
    name: &str,
    metric: &M,
    hyps: &[String],
    refs: &[String],
) {
    c.bench_function(name, |b| {
        b.iter(|| {
            let stats = metric
                .corpus_stats(black_box(hyps), black_box(refs))
                .unwrap();
            black_box(metric.corpus_score(&stats))
        })
    });
}

fn metrics(c: &mut Criterion) {
    for lang in ["eng_Latn", "hin_Deva"] {
        let (hyps, refs) = corpus(lang);
        bench_metric(c, &format!("chrf/{lang}"), &Chrf::chrf(), &hyps, &refs);
        bench_metric(
            c,
            &format!("chrf++/{lang}"),
            &Chrf::chrf_plus_plus(),
            &hyps,
            &refs,
        );
        bench_metric(
            c,
            &format!("bleu-13a/{lang}"),
            &Bleu::new(BleuTokenizer::V13a),
            &hyps,
            &refs,
        );
        bench_metric(
            c,
            &format!("bleu-intl/{lang}"),
            &Bleu::new(BleuTokenizer::Intl),
            &hyps,
            &refs,
        );
    }
    let (hyps, refs) = corpus("zho_Hans");
    bench_metric(
        c,
        "bleu-zh/zho_Hans",
        &Bleu::new(BleuTokenizer::Zh),
        &hyps,
        &refs,
    );
    let (hyps, refs) = corpus("tha_Thai");
    bench_metric(
        c,
        "bleu-char/tha_Thai",
        &Bleu::new(BleuTokenizer::Char),
        &hyps,
        &refs,
    );

    let (hyps, refs) = corpus("eng_Latn");
    let chrf = Chrf::chrf();
    let stats = chrf.corpus_stats(&hyps, &refs).unwrap();
    c.bench_function("bootstrap-1000/chrf/eng_Latn", |b| {
        b.iter(|| {
            black_box(
                Bootstrap::default()
                    .interval(&chrf, black_box(&stats))
                    .unwrap(),
            )
        })
    });
}

criterion_group!(benches, metrics);
criterion_main!(benches);
