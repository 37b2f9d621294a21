//! chrF (Popović 2015) and chrF++ (Popović 2017), as sacrebleu 2.6.0 computes them with its
//! defaults: case-sensitive, whitespace excluded from character n-grams, one reference, and
//! effective-order averaging (no epsilon smoothing).
//!
//! Per segment: character n-grams of orders `1..=char_order` over the text with all
//! whitespace removed, then, for chrF++, word n-grams of orders `1..=word_order` over the
//! whitespace-separated words, where a word of two or more characters that ends (or else
//! starts) with ASCII punctuation is split into the word and that punctuation character.
//! Per order the statistics are hypothesis n-grams, reference n-grams and clipped matches;
//! the hypothesis count is reported as 0 when the reference has no n-gram of that order.
//!
//! Score of summed statistics: precision and recall are averaged over the orders where both
//! the hypothesis and the reference have n-grams, and the score is
//! `100 · (1 + β²) · P · R / (β² · P + R)`, or 0 when `P + R` is 0.

use harness::metric::{Metric, Signature, Statistics};

use super::ngrams::NgramCounts;
use super::{SACREBLEU_VERSION, TranslationMetric, pystr};

/// Per-order n-gram statistics of chrF: character orders first, then word orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChrfStats {
    /// `char_order` character n-gram counts, then `word_order` word n-gram counts.
    pub orders: Vec<NgramCounts>,
}

impl Statistics for ChrfStats {
    fn add_assign(&mut self, other: &Self) {
        for (total, counts) in self.orders.iter_mut().zip(&other.orders) {
            total.add_assign(counts);
        }
    }
}

/// The chrF metric; chrF++ when the word order is 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chrf {
    char_order: usize,
    word_order: usize,
    beta: u32,
}

impl Chrf {
    /// chrF: character order 6, word order 0, β 2.
    #[expect(
        clippy::self_named_constructors,
        reason = "named like its pair chrf_plus_plus, as sacrebleu names the two"
    )]
    pub fn chrf() -> Self {
        Chrf {
            char_order: 6,
            word_order: 0,
            beta: 2,
        }
    }

    /// chrF++: character order 6, word order 2, β 2.
    pub fn chrf_plus_plus() -> Self {
        Chrf {
            word_order: 2,
            ..Self::chrf()
        }
    }
}

/// The words of `text` with one trailing (or else leading) ASCII punctuation character split
/// off words of two or more characters, as sacrebleu's `CHRF._remove_punctuation` (which
/// splits `(hi)` into `(hi` and `)`).
fn words_with_punctuation_split(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let punctuation = |c: char| c.is_ascii_punctuation();
    for word in pystr::split(text) {
        let long = word.chars().nth(1).is_some();
        if long && word.ends_with(punctuation) {
            let (head, tail) = word.split_at(word.len() - 1);
            words.extend([head, tail]);
        } else if long && word.starts_with(punctuation) {
            let (head, tail) = word.split_at(1);
            words.extend([head, tail]);
        } else {
            words.push(word);
        }
    }
    words
}

/// A text with its whitespace removed, as sacrebleu's `''.join(line.split())`, whose
/// character n-grams chrF counts.
struct Spaceless {
    text: String,
    /// Where each character starts, and the text's end.
    starts: Vec<usize>,
}

impl Spaceless {
    fn new(text: &str) -> Self {
        let text: String = pystr::split(text).collect();
        let mut starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        starts.push(text.len());
        Spaceless { text, starts }
    }

    /// The character n-grams of order `n`, each a piece of the text.
    fn ngrams(&self, n: usize) -> impl ExactSizeIterator<Item = &str> {
        self.starts
            .windows(n + 1)
            .map(move |w| &self.text[w[0]..w[n]])
    }
}

impl Metric for Chrf {
    type Stats = ChrfStats;

    /// `chrF2`, `chrF2++`: `chrF`, β, and one `+` per word order.
    fn name(&self) -> String {
        format!("chrF{}{}", self.beta, "+".repeat(self.word_order))
    }

    /// `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0` for chrF.
    fn signature(&self) -> Signature {
        Signature::new()
            .with("nrefs", 1)
            .with("case", "mixed")
            .with("eff", "yes")
            .with("nc", self.char_order)
            .with("nw", self.word_order)
            .with("space", "no")
            .with("version", SACREBLEU_VERSION)
    }

    fn zero_stats(&self) -> ChrfStats {
        ChrfStats {
            orders: vec![NgramCounts::default(); self.char_order + self.word_order],
        }
    }

    fn score(&self, total: &ChrfStats) -> f64 {
        let factor = f64::from(self.beta * self.beta);
        let mut avg_precision = 0.0;
        let mut avg_recall = 0.0;
        let mut effective_order = 0u32;
        for counts in &total.orders {
            if counts.hypothesis > 0 && counts.reference > 0 {
                avg_precision += counts.matched as f64 / counts.hypothesis as f64;
                avg_recall += counts.matched as f64 / counts.reference as f64;
                effective_order += 1;
            }
        }
        if effective_order == 0 {
            return 0.0;
        }
        avg_precision /= f64::from(effective_order);
        avg_recall /= f64::from(effective_order);
        if avg_precision + avg_recall == 0.0 {
            return 0.0;
        }
        let score = (1.0 + factor) * avg_precision * avg_recall;
        100.0 * (score / (factor * avg_precision + avg_recall))
    }
}

impl TranslationMetric for Chrf {
    fn segment_stats(&self, hypothesis: &str, reference: &str) -> ChrfStats {
        let (hyp_chars, ref_chars) = (Spaceless::new(hypothesis), Spaceless::new(reference));
        let mut orders: Vec<NgramCounts> = (1..=self.char_order)
            .map(|n| NgramCounts::of(hyp_chars.ngrams(n), ref_chars.ngrams(n)))
            .collect();
        if self.word_order > 0 {
            let hyp_words = words_with_punctuation_split(hypothesis);
            let ref_words = words_with_punctuation_split(reference);
            orders.extend(
                (1..=self.word_order)
                    .map(|n| NgramCounts::of(hyp_words.windows(n), ref_words.windows(n))),
            );
        }
        // sacrebleu does not count the hypothesis n-grams of an order the reference lacks.
        for counts in &mut orders {
            if counts.reference == 0 {
                counts.hypothesis = 0;
            }
        }
        ChrfStats { orders }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_is_split_off_once_per_word() {
        assert_eq!(
            words_with_punctuation_split("(hi) a, .b ! «x». ..."),
            ["(hi", ")", "a", ",", ".", "b", "!", "«x»", ".", "..", "."]
        );
    }

    #[test]
    fn names_and_signatures() {
        assert_eq!(Chrf::chrf().name(), "chrF2");
        assert_eq!(Chrf::chrf_plus_plus().name(), "chrF2++");
        assert_eq!(
            Chrf::chrf_plus_plus().signature().to_string(),
            "nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0"
        );
    }

    #[test]
    fn reference_free_orders_report_no_hypothesis_ngrams() {
        // The reference "ab" has no 3-grams, so the hypothesis' 3-grams are not counted.
        let stats = Chrf {
            char_order: 3,
            word_order: 0,
            beta: 2,
        }
        .segment_stats("abc", "a b");
        let orders: Vec<(u64, u64, u64)> = stats
            .orders
            .iter()
            .map(|c| (c.hypothesis, c.reference, c.matched))
            .collect();
        assert_eq!(orders, [(3, 2, 2), (2, 1, 1), (0, 0, 0)]);
    }
}
