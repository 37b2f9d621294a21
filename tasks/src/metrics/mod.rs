//! Translation metrics equal to sacrebleu 2.6.0 with one reference: chrF, chrF++, BLEU
//! (tokenizers `13a`, `intl`, `char`, `zh`, `none`) and TER, their signatures, and sacrebleu's
//! output formats.
//!
//! Each metric implements [`harness::metric::Metric`]: segment statistics are extracted in
//! parallel ([`TranslationMetric::corpus_stats`]), summed and scored, so corpus scores,
//! sentence scores and bootstrap intervals all come from the same statistics. Signatures end
//! in `version:2.6.0`, meaning "computed as sacrebleu 2.6.0 computes it"; sacrebleu itself does
//! not run.

mod bleu;
mod chrf;
mod error;
mod ngrams;
pub mod pystr;
pub mod report;
mod scan;
mod ter;
pub mod tokenizers;
mod units;

use harness::metric::{Metric, Statistics};
use rayon::prelude::*;

pub use bleu::{BLEU_MAX_ORDER, Bleu, BleuDetails, BleuStats};
pub use chrf::{Chrf, ChrfStats};
pub use error::MetricError;
pub use ngrams::NgramCounts;
pub use report::ScoreReport;
pub use ter::{Ter, TerStats};
pub use tokenizers::BleuTokenizer;

/// The sacrebleu version whose results these metrics reproduce, as written in signatures.
pub const SACREBLEU_VERSION: &str = "2.6.0";

/// A metric of hypothesis-reference pairs.
pub trait TranslationMetric: Metric {
    /// The statistics of one hypothesis against its reference.
    fn segment_stats(&self, hypothesis: &str, reference: &str) -> Self::Stats;

    /// Adds the statistics of one hypothesis against its reference to `total`; a metric
    /// whose statistics own memory can do it without making them.
    fn add_segment_stats(&self, hypothesis: &str, reference: &str, total: &mut Self::Stats) {
        total.add_assign(&self.segment_stats(hypothesis, reference));
    }

    /// The statistics of every pair, computed in parallel, in order; an error when the
    /// numbers of hypotheses and references differ.
    fn corpus_stats<H, R>(
        &self,
        hypotheses: &[H],
        references: &[R],
    ) -> Result<Vec<Self::Stats>, MetricError>
    where
        H: AsRef<str> + Sync,
        R: AsRef<str> + Sync,
    {
        Ok(par_pairs(hypotheses, references)?
            .map(|(h, r)| self.segment_stats(h.as_ref(), r.as_ref()))
            .collect())
    }

    /// The statistics of every pair summed, computed in parallel without keeping each pair's
    /// (what a corpus score needs); an error when the numbers of hypotheses and references
    /// differ. Sums of counts, so the order of the additions does not matter.
    fn corpus_total<H, R>(
        &self,
        hypotheses: &[H],
        references: &[R],
    ) -> Result<Self::Stats, MetricError>
    where
        H: AsRef<str> + Sync,
        R: AsRef<str> + Sync,
    {
        Ok(par_pairs(hypotheses, references)?
            .fold(
                || self.zero_stats(),
                |mut total, (h, r)| {
                    self.add_segment_stats(h.as_ref(), r.as_ref(), &mut total);
                    total
                },
            )
            .reduce(
                || self.zero_stats(),
                |mut total, part| {
                    total.add_assign(&part);
                    total
                },
            ))
    }

    /// The sentence score of one hypothesis against its reference.
    fn sentence_score(&self, hypothesis: &str, reference: &str) -> f64 {
        self.score(&self.segment_stats(hypothesis, reference))
    }

    /// What sacrebleu prints after the score of summed statistics, if anything (BLEU's
    /// precisions and brevity penalty).
    fn details(&self, _total: &Self::Stats) -> Option<String> {
        None
    }
}

/// The hypothesis-reference pairs as a parallel iterator, in order; an error when the numbers
/// of hypotheses and references differ.
fn par_pairs<'a, H, R>(
    hypotheses: &'a [H],
    references: &'a [R],
) -> Result<impl IndexedParallelIterator<Item = (&'a H, &'a R)> + 'a, MetricError>
where
    H: AsRef<str> + Sync,
    R: AsRef<str> + Sync,
{
    if hypotheses.len() != references.len() {
        return Err(MetricError::LengthMismatch {
            hypotheses: hypotheses.len(),
            references: references.len(),
        });
    }
    Ok(hypotheses.par_iter().zip(references.par_iter()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_totals_equal_the_sums_of_segment_statistics() {
        let hypotheses: Vec<String> = (0..300)
            .map(|i| format!("the {i} cat sat, on {} mats.", i % 7))
            .collect();
        let references: Vec<String> = (0..300)
            .map(|i| format!("a {} cat sat on the {i} mat.", i % 5))
            .collect();
        let bleu = Bleu::new(BleuTokenizer::V13a);
        let stats = bleu.corpus_stats(&hypotheses, &references).unwrap();
        assert_eq!(
            bleu.corpus_total(&hypotheses, &references).unwrap(),
            bleu.aggregate(&stats)
        );
        // The last one has more orders than chrF counts on the stack.
        for chrf in [
            Chrf::chrf(),
            Chrf::chrf_plus_plus(),
            Chrf::new(15, 3, 2).unwrap(),
        ] {
            let stats = chrf.corpus_stats(&hypotheses, &references).unwrap();
            assert_eq!(
                chrf.corpus_total(&hypotheses, &references).unwrap(),
                chrf.aggregate(&stats)
            );
        }
        assert_eq!(
            bleu.corpus_total(&hypotheses[..2], &references[..3]),
            Err(MetricError::LengthMismatch {
                hypotheses: 2,
                references: 3
            })
        );
    }
}
