//! Translation metrics equal to sacrebleu 2.6.0 with one reference: chrF, chrF++, BLEU
//! (tokenizers `13a`, `intl`, `char`, `zh`, `none`) and TER, and their signatures.
//!
//! As sacrebleu structures them, each metric implements [`harness::metric::Metric`]: segment
//! statistics (extracted in parallel by [`TranslationMetric::corpus_stats`]) are aggregated
//! and scored, and the signature names the settings; corpus scores, sentence scores and
//! bootstrap intervals all come from the same statistics. Signatures end in `version:2.6.0`,
//! meaning "computed as sacrebleu 2.6.0 computes it"; sacrebleu itself does not run. Printing
//! scores as sacrebleu's command line prints them is the `mt-score` command's job.

mod bleu;
mod chrf;
mod error;
mod ngrams;
pub mod pystr;
mod ter;
mod tokenizers;

use harness::metric::Metric;
use rayon::prelude::*;

pub use bleu::{BLEU_MAX_ORDER, Bleu, BleuDetails, BleuStats};
pub use chrf::{Chrf, ChrfStats};
pub use error::MetricError;
pub use ngrams::NgramCounts;
pub use ter::{Ter, TerStats};
pub use tokenizers::BleuTokenizer;

/// The sacrebleu version whose results these metrics reproduce, as written in signatures.
pub const SACREBLEU_VERSION: &str = "2.6.0";

/// A metric of hypothesis-reference pairs.
pub trait TranslationMetric: Metric {
    /// The statistics of one hypothesis against its reference.
    fn segment_stats(&self, hypothesis: &str, reference: &str) -> Self::Stats;

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
        if hypotheses.len() != references.len() {
            return Err(MetricError::LengthMismatch {
                hypotheses: hypotheses.len(),
                references: references.len(),
            });
        }
        Ok(hypotheses
            .par_iter()
            .zip(references)
            .map(|(h, r)| self.segment_stats(h.as_ref(), r.as_ref()))
            .collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_statistics_need_one_reference_per_hypothesis() {
        let bleu = Bleu::new(BleuTokenizer::V13a);
        let (hypotheses, references) = (["a b", "c"], ["a b", "c", "d"]);
        assert_eq!(
            bleu.corpus_stats(&hypotheses[..2], &references[..2])
                .unwrap()[1],
            bleu.segment_stats("c", "c")
        );
        assert_eq!(
            bleu.corpus_stats(&hypotheses, &references),
            Err(MetricError::LengthMismatch {
                hypotheses: 2,
                references: 3
            })
        );
    }
}
