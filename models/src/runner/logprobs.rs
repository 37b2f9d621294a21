//! Log-softmax statistics of logit rows, computed on the host: the log of the partition
//! function (accumulated in f64), the greedy token, and the logits of the tokens asked for.

use rayon::prelude::*;

/// What one position's logits say about the tokens scored there.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PositionScores {
    /// The first token with the largest logit (ties go to the lowest id, as in torch).
    pub(crate) argmax: u32,
    /// `(token, log-probability)` for every token requested at this position.
    pub(crate) logprobs: Vec<(u32, f64)>,
}

impl PositionScores {
    /// The log-probability of `token`, which must have been requested.
    pub(crate) fn logprob(&self, token: u32) -> Option<f64> {
        self.logprobs
            .iter()
            .find(|(t, _)| *t == token)
            .map(|&(_, lp)| lp)
    }
}

/// Scores each `vocab`-wide row of `logits` for the tokens in the matching entry of `wanted`
/// (each id below `vocab`).
pub(crate) fn score_rows(logits: &[f32], vocab: usize, wanted: &[Vec<u32>]) -> Vec<PositionScores> {
    logits
        .par_chunks(vocab)
        .zip(wanted.par_iter())
        .map(|(row, tokens)| score_row(row, tokens))
        .collect()
}

fn score_row(row: &[f32], tokens: &[u32]) -> PositionScores {
    let mut argmax = 0usize;
    let mut max = f32::NEG_INFINITY;
    for (i, &x) in row.iter().enumerate() {
        if x > max {
            max = x;
            argmax = i;
        }
    }
    if tokens.is_empty() {
        return PositionScores {
            argmax: argmax as u32,
            logprobs: Vec::new(),
        };
    }
    // exp in f32 (relative error ~1e-7), accumulated in f64.
    let sum: f64 = row.iter().map(|&x| f64::from((x - max).exp())).sum();
    let log_z = f64::from(max) + sum.ln();
    PositionScores {
        argmax: argmax as u32,
        logprobs: tokens
            .iter()
            .map(|&t| (t, f64::from(row[t as usize]) - log_z))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_softmax_and_first_argmax() {
        let logits = [1.0f32, 3.0, 3.0, 0.0, 0.0, 0.0, 2.0, 0.0];
        let scores = score_rows(&logits, 4, &[vec![1, 3], vec![2]]);
        let z0 = (1f64.exp() + 2.0 * 3f64.exp() + 1.0).ln();
        assert_eq!(scores[0].argmax, 1);
        assert!((scores[0].logprob(1).unwrap() - (3.0 - z0)).abs() < 1e-6);
        assert!((scores[0].logprob(3).unwrap() - (0.0 - z0)).abs() < 1e-6);
        assert_eq!(scores[0].logprob(0), None);
        let z1 = (3.0 + 2f64.exp()).ln();
        assert_eq!(scores[1].argmax, 2);
        assert!((scores[1].logprob(2).unwrap() - (2.0 - z1)).abs() < 1e-6);
    }
}
