//! `babelbench mt-score`: chrF, chrF++ and BLEU of a hypothesis file against a reference file,
//! computed and printed as sacrebleu 2.6.0's command line computes and prints them
//! (`sacrebleu REF -i HYP -m ... -f text|json`, `-sl` for `--sentence`).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use harness::metric::Bootstrap;
use tasks::metrics::{Bleu, BleuTokenizer, Chrf, MetricError, TranslationMetric, pystr};

use output::{ScoreReport, align_on_equals, json_list};

mod output;

/// Arguments of `babelbench mt-score`.
#[derive(Args)]
pub struct MtScoreArgs {
    /// Hypotheses, one per line, UTF-8 (sacrebleu's `-i`).
    #[arg(long, short = 'i')]
    pub hyp: PathBuf,
    /// References, one per line, aligned with the hypotheses (sacrebleu's positional REF).
    #[arg(long = "ref", short = 'r')]
    pub reference: PathBuf,
    /// Metrics, comma-separated; printed in the order BLEU, chrF, chrF++ as sacrebleu sorts them.
    #[arg(long, short = 'm', value_enum, value_delimiter = ',', num_args = 1.., default_value = "bleu")]
    pub metrics: Vec<MetricName>,
    /// BLEU tokenizer: 13a, intl, char, zh or none.
    #[arg(long, default_value = "13a", value_parser = parse_tokenizer)]
    pub tokenize: BleuTokenizer,
    /// Print one score per sentence (BLEU with effective order) instead of the corpus score.
    #[arg(long)]
    pub sentence: bool,
    /// Print sacrebleu's JSON (`-f json`) instead of its text format.
    #[arg(long)]
    pub json: bool,
    /// Decimals of printed scores (sacrebleu's `-w`).
    #[arg(long, short = 'w', default_value_t = 1)]
    pub width: usize,
    /// Add a 95% bootstrap confidence interval (sacrebleu's `--confidence`).
    #[arg(long)]
    pub confidence: bool,
    /// Bootstrap resamples for `--confidence`.
    #[arg(long, default_value_t = Bootstrap::DEFAULT_RESAMPLES)]
    pub confidence_n: usize,
    /// Seed of the bootstrap resampling.
    #[arg(long, default_value_t = Bootstrap::DEFAULT_SEED)]
    pub seed: u64,
}

/// A metric `mt-score` computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum MetricName {
    /// BLEU with the `--tokenize` tokenizer.
    Bleu,
    /// chrF (character n-grams up to 6, β 2).
    Chrf,
    /// chrF++ (chrF plus word n-grams up to 2).
    #[value(name = "chrf++")]
    ChrfPlusPlus,
}

fn parse_tokenizer(name: &str) -> Result<BleuTokenizer, MetricError> {
    name.parse()
}

/// Scores the files and prints the scores.
pub fn run(args: MtScoreArgs) -> anyhow::Result<()> {
    if args.sentence && args.confidence {
        bail!("--confidence is unavailable with --sentence: drop one of the two flags");
    }
    let hyp_text = read_text(&args.hyp, "--hyp")?;
    let ref_text = read_text(&args.reference, "--ref")?;
    let (hyps, refs) = (pystr::lines(&hyp_text), pystr::lines(&ref_text));
    // This thread joins the compute pool as one of its workers, so one thread fewer is
    // started. An error means a pool already exists, which is as good.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(scoring_threads(hyps.len()))
        .use_current_thread()
        .build_global();
    if hyps.len() != refs.len() {
        bail!(
            "--hyp {} has {} lines but --ref {} has {}: give exactly one hypothesis per reference line",
            args.hyp.display(),
            hyps.len(),
            args.reference.display(),
            refs.len()
        );
    }
    let mut metrics = args.metrics.clone();
    metrics.sort();
    metrics.dedup();
    let bootstrap = args.confidence.then_some(Bootstrap {
        resamples: args.confidence_n,
        seed: args.seed,
    });
    let mut reports = Vec::new();
    for name in metrics {
        let clock = std::time::Instant::now();
        let before = reports.len();
        reports.extend(match (name, args.sentence) {
            (MetricName::Bleu, false) => {
                vec![corpus_report(
                    &Bleu::new(args.tokenize),
                    &hyps,
                    &refs,
                    bootstrap,
                )?]
            }
            (MetricName::Bleu, true) => {
                sentence_reports(&Bleu::sentence(args.tokenize), &hyps, &refs)?
            }
            (MetricName::Chrf, false) => {
                vec![corpus_report(&Chrf::chrf(), &hyps, &refs, bootstrap)?]
            }
            (MetricName::Chrf, true) => sentence_reports(&Chrf::chrf(), &hyps, &refs)?,
            (MetricName::ChrfPlusPlus, false) => {
                vec![corpus_report(
                    &Chrf::chrf_plus_plus(),
                    &hyps,
                    &refs,
                    bootstrap,
                )?]
            }
            (MetricName::ChrfPlusPlus, true) => {
                sentence_reports(&Chrf::chrf_plus_plus(), &hyps, &refs)?
            }
        });
        tracing::info!(
            metric = ?name,
            segments = hyps.len(),
            scores = reports.len() - before,
            milliseconds = clock.elapsed().as_secs_f64() * 1e3,
            "scored"
        );
    }
    let output = if args.json {
        let objects: Vec<String> = reports.iter().map(|r| r.json(args.width)).collect();
        vec![json_list(&objects)]
    } else {
        let lines: Vec<String> = reports.iter().map(|r| r.text(args.width)).collect();
        if args.sentence {
            lines
        } else {
            align_on_equals(&lines)
        }
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in output {
        writeln!(out, "{line}").context("cannot write the scores to standard output")?;
    }
    out.flush()
        .context("cannot write the scores to standard output")?;
    Ok(())
}

/// The corpus score of `metric`, with a bootstrap interval when `bootstrap` is given.
fn corpus_report<M: TranslationMetric>(
    metric: &M,
    hyps: &[&str],
    refs: &[&str],
    bootstrap: Option<Bootstrap>,
) -> anyhow::Result<ScoreReport> {
    let mut signature = metric.signature();
    let stats = metric.corpus_stats(hyps, refs)?;
    let total = metric.aggregate(&stats);
    let confidence = bootstrap
        .map(|bootstrap| {
            signature.insert_after("nrefs", "bs", bootstrap.resamples);
            signature.insert_after("bs", "seed", bootstrap.seed);
            bootstrap
                .interval(metric, &stats)
                .with_context(|| format!("--confidence for {}", metric.name()))
        })
        .transpose()?;
    Ok(ScoreReport {
        name: metric.name(),
        score: metric.score(&total),
        signature,
        confidence,
        verbose: metric.details(&total),
    })
}

/// One report per sentence.
fn sentence_reports<M: TranslationMetric>(
    metric: &M,
    hyps: &[&str],
    refs: &[&str],
) -> anyhow::Result<Vec<ScoreReport>> {
    let name = metric.name();
    let signature = metric.signature();
    Ok(metric
        .corpus_stats(hyps, refs)?
        .iter()
        .map(|stats| ScoreReport {
            name: name.clone(),
            score: metric.score(stats),
            signature: signature.clone(),
            confidence: None,
            verbose: metric.details(stats),
        })
        .collect())
}

/// Segment pairs per scoring thread: about a millisecond of chrF on one core, against some
/// 50 microseconds to start a thread.
const SEGMENTS_PER_THREAD: usize = 256;

/// Threads to score `segments` segment pairs: `$RAYON_NUM_THREADS` when set, else one per
/// [`SEGMENTS_PER_THREAD`] pairs and at most one per CPU this process may run on (a FLORES
/// file's thousand lines take four threads, not one per core of a large machine).
fn scoring_threads(segments: usize) -> usize {
    super::threads::from_env().unwrap_or_else(|| {
        segments.div_ceil(SEGMENTS_PER_THREAD).clamp(
            1,
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        )
    })
}

/// The text of a UTF-8 file that is not empty.
fn read_text(path: &Path, flag: &str) -> anyhow::Result<String> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the {flag} file {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let line = err.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        anyhow::anyhow!(
            "the {flag} file {} is not valid UTF-8: line {line} (byte offset {offset}); convert the file to UTF-8",
            path.display()
        )
    })?;
    if text.is_empty() {
        bail!(
            "the {flag} file {} is empty: give one sentence per line",
            path.display()
        );
    }
    Ok(text)
}
