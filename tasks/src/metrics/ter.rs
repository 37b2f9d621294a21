//! TER, translation edit rate (Snover et al. 2006), as sacrebleu 2.6.0's `TER()` computes it
//! with its defaults (lm-evaluation-harness's `ter` metric): lowercased, no normalization, no
//! punctuation removal, words split on whitespace, one reference.
//!
//! Per segment the edits are the word-level edit distance after greedy block shifts, plus one
//! per shift, as sacrebleu's Tercom reimplementation finds them:
//! - the edit distance is computed within a beam of 25 cells around the length-scaled diagonal
//!   (wider when the reference is over 50 times as long as the hypothesis);
//! - each round tries every block of up to 10 words that occurs in both texts at most 50 words
//!   apart, where both copies hold an error and the block is not already aligned there, moved to
//!   before each position aligned with the reference block's start (or its predecessor); the
//!   candidate that lowers the edit distance most is taken, ties going to the longer block, then
//!   the earlier block, then the earlier target;
//! - rounds stop when no shift lowers the distance, or once 1,000 candidates have been scored
//!   (the round that reaches the cap is discarded).
//!
//! Score of summed statistics: `100 · edits / reference words`; 100 when the references are
//! empty and the hypotheses are not, 0 when both are empty.

use harness::metric::{Metric, Signature, Statistics};

use super::ngrams::word_ids;
use super::{SACREBLEU_VERSION, TranslationMetric};

/// The most words one shift moves.
const MAX_SHIFT_SIZE: usize = 10;
/// The farthest apart (in words) a block may start in the hypothesis and the reference.
const MAX_SHIFT_DISTANCE: usize = 50;
/// The number of shift candidates scored per segment before shifting stops.
const MAX_SHIFT_CANDIDATES: usize = 1000;
/// The edit-distance beam's half width.
const BEAM_WIDTH: usize = 25;
/// The cost of a cell outside the beam.
const INFINITY: u64 = 10_000_000_000_000_000;

/// Edits and reference words of a segment, or of a sum of segments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerStats {
    /// Word edits, shifts included.
    pub edits: u64,
    /// Words of the reference.
    pub reference_words: u64,
}

impl Statistics for TerStats {
    fn add_assign(&mut self, other: &Self) {
        self.edits += other.edits;
        self.reference_words += other.reference_words;
    }
}

/// TER with sacrebleu's defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ter;

impl Metric for Ter {
    type Stats = TerStats;

    fn name(&self) -> String {
        "TER".to_string()
    }

    fn signature(&self) -> Signature {
        Signature::new()
            .with("nrefs", 1)
            .with("case", "lc")
            .with("tok", "tercom")
            .with("norm", "no")
            .with("punct", "yes")
            .with("asian", "no")
            .with("version", SACREBLEU_VERSION)
    }

    fn zero_stats(&self) -> TerStats {
        TerStats::default()
    }

    fn score(&self, total: &TerStats) -> f64 {
        if total.reference_words > 0 {
            100.0 * (total.edits as f64 / total.reference_words as f64)
        } else if total.edits > 0 {
            100.0
        } else {
            0.0
        }
    }
}

impl TranslationMetric for Ter {
    fn segment_stats(&self, hypothesis: &str, reference: &str) -> TerStats {
        // sacrebleu's Tercom tokenizer lowercases and splits on whitespace.
        let (hypothesis, reference) =
            word_ids(&hypothesis.to_lowercase(), &reference.to_lowercase());
        TerStats {
            edits: edits(&hypothesis, &reference),
            reference_words: reference.len() as u64,
        }
    }
}

/// The edits turning `hypothesis` into `reference`: shifts, then the edit distance.
fn edits(hypothesis: &[usize], reference: &[usize]) -> u64 {
    if reference.is_empty() {
        return hypothesis.len() as u64;
    }
    let mut current = hypothesis.to_vec();
    let mut shifts = 0;
    let mut checked = 0;
    loop {
        let best = best_shift(&current, reference, &mut checked);
        if checked >= MAX_SHIFT_CANDIDATES {
            break;
        }
        match best {
            Some((gain, shifted)) if gain > 0 => {
                shifts += 1;
                current = shifted;
            }
            _ => break,
        }
    }
    shifts + edit_distance(&current, reference).0
}

/// How a shift candidate ranks: (gain, length, −start, −target), higher first.
type ShiftRank = (i64, usize, i64, i64);

/// The shift of `hypothesis` that lowers the edit distance most, with how much, counting the
/// candidates scored into `checked`; `None` when no block qualifies.
fn best_shift(
    hypothesis: &[usize],
    reference: &[usize],
    checked: &mut usize,
) -> Option<(i64, Vec<usize>)> {
    let (before, ops) = edit_distance(hypothesis, reference);
    let alignment = Alignment::of(&ops);
    // (gain, length, −start, −target) ranks candidates; the first best is kept.
    let mut best: Option<(ShiftRank, Vec<usize>)> = None;
    for (start_h, start_r, length) in shared_blocks(hypothesis, reference) {
        if alignment.hyp_errors[start_h..start_h + length]
            .iter()
            .all(|e| !e)
            || alignment.ref_errors[start_r..start_r + length]
                .iter()
                .all(|e| !e)
            || (start_h as i64..(start_h + length) as i64).contains(&alignment.positions[start_r])
        {
            continue;
        }
        let mut previous = None;
        for offset in -1..length as i64 {
            let target = if start_r as i64 + offset == -1 {
                0
            } else {
                (alignment.positions[(start_r as i64 + offset) as usize] + 1) as usize
            };
            if previous == Some(target) {
                continue;
            }
            previous = Some(target);
            let shifted = shift(hypothesis, start_h, length, target);
            let gain = before as i64 - edit_distance(&shifted, reference).0 as i64;
            let rank = (gain, length, -(start_h as i64), -(target as i64));
            *checked += 1;
            if best.as_ref().is_none_or(|(b, _)| rank > *b) {
                best = Some((rank, shifted));
            }
        }
        if *checked >= MAX_SHIFT_CANDIDATES {
            break;
        }
    }
    best.map(|((gain, ..), shifted)| (gain, shifted))
}

/// Every `(hypothesis start, reference start, length)` of a word block the two share, up to
/// [`MAX_SHIFT_SIZE`] words, starting at most [`MAX_SHIFT_DISTANCE`] words apart, in
/// sacrebleu's order.
fn shared_blocks<'a>(
    hypothesis: &'a [usize],
    reference: &'a [usize],
) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
    (0..hypothesis.len()).flat_map(move |start_h| {
        (0..reference.len())
            .filter(move |start_r| start_h.abs_diff(*start_r) <= MAX_SHIFT_DISTANCE)
            .flat_map(move |start_r| {
                (1..=MAX_SHIFT_SIZE)
                    .take_while(move |&length| {
                        start_h + length <= hypothesis.len()
                            && start_r + length <= reference.len()
                            && hypothesis[start_h + length - 1] == reference[start_r + length - 1]
                    })
                    .map(move |length| (start_h, start_r, length))
            })
    })
}

/// `words` with the block of `length` words at `start` moved to before position `target`.
fn shift(words: &[usize], start: usize, length: usize, target: usize) -> Vec<usize> {
    let block = &words[start..start + length];
    let mut out = Vec::with_capacity(words.len());
    if target < start {
        out.extend_from_slice(&words[..target]);
        out.extend_from_slice(block);
        out.extend_from_slice(&words[target..start]);
        out.extend_from_slice(&words[start + length..]);
    } else {
        // A target inside the block counts, as in sacrebleu, from the end of the block.
        let end = if target > start + length {
            target
        } else {
            (target + length).min(words.len())
        };
        out.extend_from_slice(&words[..start]);
        out.extend_from_slice(&words[start + length..end]);
        out.extend_from_slice(block);
        out.extend_from_slice(&words[end..]);
    }
    out
}

/// One step of an edit path from the hypothesis to the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Both words match.
    Keep,
    /// A hypothesis word replaced by a reference word.
    Substitute,
    /// A hypothesis word removed.
    Delete,
    /// A reference word inserted.
    Insert,
}

/// The beam-limited word edit distance and its path, as sacrebleu's `BeamEditDistance`.
fn edit_distance(hypothesis: &[usize], reference: &[usize]) -> (u64, Vec<Op>) {
    let (rows, columns) = (hypothesis.len(), reference.len() + 1);
    let mut cost = vec![INFINITY; (rows + 1) * columns];
    let mut op = vec![None; (rows + 1) * columns];
    for j in 0..columns {
        cost[j] = j as u64;
        op[j] = Some(Op::Insert);
    }
    let ratio = if rows == 0 {
        1.0
    } else {
        reference.len() as f64 / rows as f64
    };
    let beam = if (BEAM_WIDTH as f64) < ratio / 2.0 {
        (ratio / 2.0 + BEAM_WIDTH as f64).ceil() as usize
    } else {
        BEAM_WIDTH
    };
    for i in 1..=rows {
        let diagonal = (i as f64 * ratio).floor() as usize;
        let low = diagonal.saturating_sub(beam);
        let high = if i == rows {
            columns
        } else {
            columns.min(diagonal + beam)
        };
        for j in low..high {
            let at = i * columns + j;
            if j == 0 {
                cost[at] = cost[at - columns] + 1;
                op[at] = Some(Op::Delete);
                continue;
            }
            let (sub_cost, sub_op) = if hypothesis[i - 1] == reference[j - 1] {
                (0, Op::Keep)
            } else {
                (1, Op::Substitute)
            };
            for (c, o) in [
                (cost[at - columns - 1] + sub_cost, sub_op),
                (cost[at - columns] + 1, Op::Delete),
                (cost[at - 1] + 1, Op::Insert),
            ] {
                if cost[at] > c {
                    cost[at] = c;
                    op[at] = Some(o);
                }
            }
        }
    }
    let mut path = Vec::new();
    let (mut i, mut j) = (rows, reference.len());
    while i > 0 || j > 0 {
        let step = op[i * columns + j].expect("every cell on the path is inside the beam");
        path.push(step);
        match step {
            Op::Keep | Op::Substitute => (i, j) = (i - 1, j - 1),
            Op::Delete => i -= 1,
            Op::Insert => j -= 1,
        }
    }
    path.reverse();
    (cost[rows * columns + reference.len()], path)
}

/// Which words an edit path leaves in error, and where each reference word lands in the
/// hypothesis.
struct Alignment {
    /// Per hypothesis word: replaced or deleted.
    hyp_errors: Vec<bool>,
    /// Per reference word: replaced or inserted.
    ref_errors: Vec<bool>,
    /// Per reference word: the hypothesis position it aligns with (−1 before the first).
    positions: Vec<i64>,
}

impl Alignment {
    fn of(path: &[Op]) -> Self {
        let mut alignment = Alignment {
            hyp_errors: Vec::new(),
            ref_errors: Vec::new(),
            positions: Vec::new(),
        };
        let mut hyp = -1_i64;
        for op in path {
            match op {
                Op::Keep | Op::Substitute => {
                    hyp += 1;
                    let error = *op == Op::Substitute;
                    alignment.hyp_errors.push(error);
                    alignment.ref_errors.push(error);
                    alignment.positions.push(hyp);
                }
                Op::Delete => {
                    hyp += 1;
                    alignment.hyp_errors.push(true);
                }
                Op::Insert => {
                    alignment.ref_errors.push(true);
                    alignment.positions.push(hyp);
                }
            }
        }
        alignment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(hypothesis: &str, reference: &str) -> (u64, u64) {
        let s = Ter.segment_stats(hypothesis, reference);
        (s.edits, s.reference_words)
    }

    #[test]
    fn a_moved_block_costs_one_shift() {
        // "c d" moves to the front: one shift, no other edit.
        assert_eq!(stats("a b c d", "c d a b"), (1, 4));
        assert_eq!(Ter.sentence_score("a b c d", "c d a b"), 25.0);
    }

    #[test]
    fn case_and_spacing_do_not_count() {
        assert_eq!(stats("  The CAT   sat ", "the cat sat"), (0, 3));
        // Three reference words missing: three insertions out of six words.
        assert_eq!(stats("The cat sat", "the cat sat on the mat"), (3, 6));
    }

    #[test]
    fn empty_sides_score_as_sacrebleu() {
        assert_eq!(stats("x y", ""), (2, 0));
        assert_eq!(Ter.sentence_score("x y", ""), 100.0);
        assert_eq!(stats("", "a b"), (2, 2));
        assert_eq!(Ter.sentence_score("", ""), 0.0);
    }

    #[test]
    fn shifts_keep_every_word() {
        let words: Vec<usize> = (0..6).collect();
        assert_eq!(shift(&words, 3, 2, 1), [0, 3, 4, 1, 2, 5]);
        assert_eq!(shift(&words, 1, 2, 5), [0, 3, 4, 1, 2, 5]);
        // A target inside the block moves it `target − start` places on, as in sacrebleu
        // (values printed by sacrebleu's `_perform_shift`), clamped at the end.
        assert_eq!(shift(&words, 1, 2, 2), [0, 3, 1, 2, 4, 5]);
        assert_eq!(shift(&words, 3, 3, 4), [0, 1, 2, 3, 4, 5]);
    }
}
