//! BLEU (Papineni et al., 2002) as sacrebleu 2.6.0 computes it with one reference: n-grams up
//! to order 4 over tokenized words, the brevity penalty, and the `exp` smoothing of
//! mteval-v13a.
//!
//! Per segment: both sides are right-stripped and tokenized, words are whitespace-separated
//! tokens; the statistics are the hypothesis and reference lengths in words and, per order,
//! clipped matches and hypothesis n-grams.
//!
//! Score of summed statistics: brevity penalty `BP = exp(1 - r/c)` when the hypothesis
//! length `c` is below the reference length `r` (0 when `c` is 0), otherwise 1. With no match
//! at any order the score is 0. Otherwise precisions are computed order by order, stopping at
//! the first order without hypothesis n-grams; an order without matches gets `100 / (2^k · total)`
//! for its k-th occurrence (`exp` smoothing). The score is `BP · exp(mean log precision)` over
//! all 4 orders (a missing precision counts as `log 0 = -9999999999`), or, with effective
//! order (sentence BLEU), over the orders that have hypothesis n-grams.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use harness::metric::{Metric, Signature, Statistics};

use super::ngrams::{NgramCounts, word_ids};
use super::tokenizers::BleuTokenizer;
use super::{SACREBLEU_VERSION, TranslationMetric, pystr};

/// The highest n-gram order of BLEU.
pub const BLEU_MAX_ORDER: usize = 4;

/// sacrebleu's floor for `log(0)`.
const LOG_ZERO: f64 = -9_999_999_999.0;

/// Sufficient statistics of BLEU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BleuStats {
    /// Hypothesis length in tokens.
    pub hyp_len: u64,
    /// Reference length in tokens.
    pub ref_len: u64,
    /// Clipped matches per order (1-grams first).
    pub matched: [u64; BLEU_MAX_ORDER],
    /// Hypothesis n-grams per order (1-grams first).
    pub total: [u64; BLEU_MAX_ORDER],
}

impl Statistics for BleuStats {
    fn add_assign(&mut self, other: &Self) {
        self.hyp_len += other.hyp_len;
        self.ref_len += other.ref_len;
        for n in 0..BLEU_MAX_ORDER {
            self.matched[n] += other.matched[n];
            self.total[n] += other.total[n];
        }
    }
}

/// A BLEU score with the parts sacrebleu prints beside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BleuDetails {
    /// The score, 0 to 100.
    pub score: f64,
    /// Smoothed n-gram precisions in percent (0 where not computed).
    pub precisions: [f64; BLEU_MAX_ORDER],
    /// The brevity penalty.
    pub brevity_penalty: f64,
    /// Hypothesis length in tokens.
    pub hyp_len: u64,
    /// Reference length in tokens.
    pub ref_len: u64,
}

impl BleuDetails {
    /// Hypothesis length over reference length; 0 when the reference is empty.
    pub fn ratio(&self) -> f64 {
        if self.ref_len == 0 {
            0.0
        } else {
            self.hyp_len as f64 / self.ref_len as f64
        }
    }

    /// sacrebleu's verbose part, e.g.
    /// `100.0/96.6/93.2/89.9 (BP = 0.964 ratio = 0.965 hyp_len = 573 ref_len = 594)`.
    pub fn verbose(&self) -> String {
        let precisions: Vec<String> = self.precisions.iter().map(|p| format!("{p:.1}")).collect();
        format!(
            "{} (BP = {:.3} ratio = {:.3} hyp_len = {} ref_len = {})",
            precisions.join("/"),
            self.brevity_penalty,
            self.ratio(),
            self.hyp_len,
            self.ref_len
        )
    }
}

/// The BLEU metric with `exp` smoothing and one reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bleu {
    tokenizer: BleuTokenizer,
    effective_order: bool,
}

impl Bleu {
    /// Corpus BLEU with `tokenizer` (no effective order, sacrebleu's default).
    pub fn new(tokenizer: BleuTokenizer) -> Self {
        Bleu {
            tokenizer,
            effective_order: false,
        }
    }

    /// Sentence BLEU with `tokenizer`: effective order on, as sacrebleu's sentence-level mode.
    pub fn sentence(tokenizer: BleuTokenizer) -> Self {
        Bleu {
            tokenizer,
            effective_order: true,
        }
    }

    /// The score of summed statistics with its precisions and brevity penalty.
    pub fn details(&self, total: &BleuStats) -> BleuDetails {
        let sys_len = total.hyp_len;
        let ref_len = total.ref_len;
        let brevity_penalty = if sys_len >= ref_len {
            1.0
        } else if sys_len > 0 {
            (1.0 - ref_len as f64 / sys_len as f64).exp()
        } else {
            0.0
        };
        let mut details = BleuDetails {
            score: 0.0,
            precisions: [0.0; BLEU_MAX_ORDER],
            brevity_penalty,
            hyp_len: sys_len,
            ref_len,
        };
        if total.matched.iter().all(|&m| m == 0) {
            return details;
        }
        let mut smooth = 1.0;
        let mut order = BLEU_MAX_ORDER;
        for n in 0..BLEU_MAX_ORDER {
            if total.total[n] == 0 {
                break;
            }
            if self.effective_order {
                order = n + 1;
            }
            details.precisions[n] = if total.matched[n] == 0 {
                smooth *= 2.0;
                100.0 / (smooth * total.total[n] as f64)
            } else {
                100.0 * total.matched[n] as f64 / total.total[n] as f64
            };
        }
        let log_sum = details.precisions[..order]
            .iter()
            .map(|&p| if p == 0.0 { LOG_ZERO } else { p.ln() })
            .fold(0.0, |sum, log| sum + log);
        details.score = brevity_penalty * (log_sum / order as f64).exp();
        details
    }
}

impl Metric for Bleu {
    type Stats = BleuStats;

    /// `BLEU`.
    fn name(&self) -> String {
        "BLEU".to_string()
    }

    /// `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0` for corpus BLEU with `13a`.
    fn signature(&self) -> Signature {
        Signature::new()
            .with("nrefs", 1)
            .with("case", "mixed")
            .with("eff", if self.effective_order { "yes" } else { "no" })
            .with("tok", self.tokenizer.name())
            .with("smooth", "exp")
            .with("version", SACREBLEU_VERSION)
    }

    fn zero_stats(&self) -> BleuStats {
        BleuStats::default()
    }

    fn score(&self, total: &BleuStats) -> f64 {
        self.details(total).score
    }
}

impl TranslationMetric for Bleu {
    fn segment_stats(&self, hypothesis: &str, reference: &str) -> BleuStats {
        let hypothesis = self.tokenizer.tokenize(pystr::rstrip(hypothesis));
        let reference = self.tokenizer.tokenize(pystr::rstrip(reference));
        let (hyp_tokens, ref_tokens) = word_ids(&hypothesis, &reference);
        let mut stats = BleuStats {
            hyp_len: hyp_tokens.len() as u64,
            ref_len: ref_tokens.len() as u64,
            ..BleuStats::default()
        };
        let mut unmatched =
            HashMap::with_capacity_and_hasher(ref_tokens.len(), RandomState::default());
        for n in 1..=BLEU_MAX_ORDER {
            let counts = NgramCounts::counted_in(
                &mut unmatched,
                hyp_tokens.windows(n),
                ref_tokens.windows(n),
            );
            stats.matched[n - 1] = counts.matched;
            stats.total[n - 1] = counts.hypothesis;
        }
        stats
    }

    fn details(&self, total: &BleuStats) -> Option<String> {
        Some(Bleu::details(self, total).verbose())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_sacrebleu() {
        assert_eq!(
            Bleu::new(BleuTokenizer::V13a).signature().to_string(),
            "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
        );
        assert_eq!(
            Bleu::sentence(BleuTokenizer::Zh).signature().to_string(),
            "nrefs:1|case:mixed|eff:yes|tok:zh|smooth:exp|version:2.6.0"
        );
    }

    #[test]
    fn perfect_and_empty_hypotheses() {
        let bleu = Bleu::new(BleuTokenizer::V13a);
        let perfect = bleu.segment_stats("The cat sat on the mat.", "The cat sat on the mat.");
        assert_eq!(perfect.hyp_len, 7);
        assert_eq!(perfect.matched, [7, 6, 5, 4]);
        // exp(mean(ln 100)) is 100.00000000000004 in sacrebleu too.
        assert!((bleu.score(&perfect) - 100.0).abs() < 1e-9);
        let empty = bleu.segment_stats("", "The cat sat.");
        assert_eq!(
            empty,
            BleuStats {
                ref_len: 4,
                ..BleuStats::default()
            }
        );
        let details = bleu.details(&empty);
        assert_eq!((details.score, details.brevity_penalty), (0.0, 0.0));
        assert_eq!(
            details.verbose(),
            "0.0/0.0/0.0/0.0 (BP = 0.000 ratio = 0.000 hyp_len = 0 ref_len = 4)"
        );
    }

    #[test]
    fn char_tokens_are_the_characters_that_are_not_whitespace() {
        let stats = Bleu::new(BleuTokenizer::Char).segment_stats("ab\u{3000}c a ", " abcb");
        assert_eq!((stats.hyp_len, stats.ref_len), (4, 4));
        assert_eq!(stats.matched, [3, 2, 1, 0]);
    }

    #[test]
    fn effective_order_scores_short_sentences() {
        // Two words, one bigram: corpus BLEU is 0 without 3- and 4-grams, sentence BLEU is not.
        let stats = Bleu::new(BleuTokenizer::None).segment_stats("a b", "a b");
        assert_eq!(Bleu::new(BleuTokenizer::None).score(&stats), 0.0);
        assert!((Bleu::sentence(BleuTokenizer::None).score(&stats) - 100.0).abs() < 1e-9);
    }
}
