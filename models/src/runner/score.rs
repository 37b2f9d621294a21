//! Scoring token sequences: one forward pass per distinct input, shared by every request whose
//! input is a prefix of it, and the LM head applied only at the positions that are scored.
//!
//! Multiple-choice prompts send the same context with several continuations; when the
//! continuations are single tokens (Belebele's " A".." D") all of them read the logits of one
//! position of one forward pass. Causal attention makes the logits at a position independent
//! of later tokens, so any input that is a prefix of another is served by the longer one.

use std::collections::HashMap;

use harness::model::ModelError;

use crate::arch::{PadSide, TokenBatch};
use crate::cpu::host::{from_host, to_host};
use crate::runner::chunks::by_token_budget;
use crate::runner::engine::Engine;
use crate::runner::errors::forward_error;
use crate::runner::logprobs::{PositionScores, score_rows};

/// Logit values held at once when applying the LM head (64 MiB of f32).
const HEAD_BUDGET: usize = 1 << 24;

/// A model input and the tokens its last positions predict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScoreItem {
    /// Tokens fed to the model.
    pub(crate) input: Vec<u32>,
    /// Tokens predicted at the last `targets.len()` positions of `input` (never more
    /// positions than `input` has).
    pub(crate) targets: Vec<u32>,
}

/// The score of one target token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TokenScore {
    /// Natural-log probability of the token.
    pub(crate) logprob: f64,
    /// Whether the token has the largest logit at its position.
    pub(crate) greedy: bool,
}

/// Scores every item's targets.
pub(crate) fn score(
    engine: &Engine<'_>,
    items: &[ScoreItem],
) -> Result<Vec<Vec<TokenScore>>, ModelError> {
    let vocab = engine.lm.shape().vocab_size;
    for item in items {
        if item.targets.len() > item.input.len() {
            return Err(ModelError::InvalidRequest(format!(
                "{} target tokens after an input of {}; every scored token needs a position",
                item.targets.len(),
                item.input.len()
            )));
        }
        if let Some(&id) = item.targets.iter().find(|&&id| id as usize >= vocab) {
            return Err(ModelError::InvalidRequest(format!(
                "token id {id} is outside the vocabulary of {vocab} tokens; encode the text \
                 with this model's own tokenizer"
            )));
        }
    }
    let plan = SharedRows::plan(items);
    let lengths: Vec<usize> = plan.rows.iter().map(|&i| items[i].input.len()).collect();
    let mut results: Vec<Vec<TokenScore>> = vec![Vec::new(); items.len()];
    for range in by_token_budget(&lengths, engine.budget) {
        let rows = &plan.rows[range.clone()];
        let members = &plan.members[range];
        score_chunk(engine, items, rows, members, &mut results)?;
    }
    Ok(results)
}

/// Which forward-pass rows serve which items.
struct SharedRows {
    /// Per row, the item whose input is run.
    rows: Vec<usize>,
    /// Per row, the items it serves.
    members: Vec<Vec<usize>>,
}

impl SharedRows {
    /// One row per input that is not a prefix of another, in order of first use; items
    /// without targets get no row.
    fn plan(items: &[ScoreItem]) -> Self {
        let scored: Vec<usize> = (0..items.len())
            .filter(|&i| !items[i].targets.is_empty())
            .collect();
        let mut sorted = scored.clone();
        sorted.sort_by(|&a, &b| items[a].input.cmp(&items[b].input));
        // In lexicographic order an input that is a prefix of any other is a prefix of the
        // next one, so the owner (longest extension) propagates backwards.
        let mut owner: HashMap<usize, usize> = HashMap::with_capacity(sorted.len());
        let mut next_owner = None;
        for k in (0..sorted.len()).rev() {
            let item = sorted[k];
            let extends =
                k + 1 < sorted.len() && items[sorted[k + 1]].input.starts_with(&items[item].input);
            let own = match (extends, next_owner) {
                (true, Some(o)) => o,
                _ => item,
            };
            owner.insert(item, own);
            next_owner = Some(own);
        }
        let mut row_of_owner: HashMap<usize, usize> = HashMap::new();
        let mut rows = Vec::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for item in scored {
            let own = owner[&item];
            let row = *row_of_owner.entry(own).or_insert_with(|| {
                rows.push(own);
                members.push(Vec::new());
                rows.len() - 1
            });
            members[row].push(item);
        }
        Self { rows, members }
    }
}

/// Runs one forward pass over `rows` (item indices) and scores their `members`.
fn score_chunk(
    engine: &Engine<'_>,
    items: &[ScoreItem],
    rows: &[usize],
    members: &[Vec<usize>],
    results: &mut [Vec<TokenScore>],
) -> Result<(), ModelError> {
    let sequences: Vec<&[u32]> = rows.iter().map(|&i| items[i].input.as_slice()).collect();
    let batch = TokenBatch::padded(&sequences, PadSide::Right).map_err(forward_error)?;
    let output = engine.forward(&batch, None, false).map_err(forward_error)?;
    let [_, seq, hidden] = output.last_hidden_state.dims();
    let states = to_host(output.last_hidden_state).map_err(forward_error)?;

    // Every (row, position) some member scores, with the tokens wanted there.
    let mut slot_of: HashMap<(usize, usize), usize> = HashMap::new();
    let mut gathered: Vec<f32> = Vec::new();
    let mut wanted: Vec<Vec<u32>> = Vec::new();
    for (row, row_members) in members.iter().enumerate() {
        for &item in row_members {
            let ScoreItem { input, targets } = &items[item];
            let start = input.len() - targets.len();
            for (j, &token) in targets.iter().enumerate() {
                let position = start + j;
                let slot = *slot_of.entry((row, position)).or_insert_with(|| {
                    let at = (row * seq + position) * hidden;
                    gathered.extend_from_slice(&states[at..at + hidden]);
                    wanted.push(Vec::new());
                    wanted.len() - 1
                });
                if !wanted[slot].contains(&token) {
                    wanted[slot].push(token);
                }
            }
        }
    }
    drop(states);
    let scores = head_scores(engine, gathered, hidden, &wanted)?;
    for (row, row_members) in members.iter().enumerate() {
        for &item in row_members {
            let ScoreItem { input, targets } = &items[item];
            let start = input.len() - targets.len();
            results[item] = targets
                .iter()
                .enumerate()
                .map(|(j, &token)| {
                    let position = &scores[slot_of[&(row, start + j)]];
                    TokenScore {
                        logprob: position.logprob(token).unwrap_or(f64::NAN),
                        greedy: position.argmax == token,
                    }
                })
                .collect();
        }
    }
    Ok(())
}

/// Applies the LM head to the `hidden`-wide rows of `states` in slices that bound the logits
/// held at once, and scores the tokens in `wanted` (one entry per row).
pub(crate) fn head_scores(
    engine: &Engine<'_>,
    states: Vec<f32>,
    hidden: usize,
    wanted: &[Vec<u32>],
) -> Result<Vec<PositionScores>, ModelError> {
    let vocab = engine.lm.shape().vocab_size;
    let per_call = (HEAD_BUDGET / vocab.max(1)).max(1);
    let mut scores = Vec::with_capacity(wanted.len());
    for (part, rows) in states
        .chunks(per_call * hidden)
        .zip(wanted.chunks(per_call))
    {
        let input = from_host(part.to_vec(), [rows.len(), hidden], engine.device);
        let logits = engine.lm.lm_head(input).map_err(forward_error)?;
        let logits = to_host(logits).map_err(forward_error)?;
        scores.extend(score_rows(&logits, vocab, rows));
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(input: &[u32], targets: &[u32]) -> ScoreItem {
        ScoreItem {
            input: input.to_vec(),
            targets: targets.to_vec(),
        }
    }

    #[test]
    fn prefixes_and_duplicates_share_a_row() {
        let items = [
            item(&[1, 2, 3], &[4]),
            item(&[1, 2], &[3]),
            item(&[1, 2, 3], &[5]),
            item(&[9], &[1]),
            item(&[1, 2, 3, 4, 5], &[6, 7]),
            item(&[1, 7], &[]),
        ];
        let plan = SharedRows::plan(&items);
        assert_eq!(plan.rows, [4, 3]);
        assert_eq!(plan.members, [vec![0, 1, 2, 4], vec![3]]);
    }
}
