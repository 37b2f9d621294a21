//! Pooled hidden states: every entry of HF's `output_hidden_states`, reduced over each text's
//! real tokens (padding never counts).

use harness::model::ModelError;
use harness::request::{HiddenStates, Pooling};

use crate::arch::{PadSide, TokenBatch};
use crate::cpu::host::to_host;
use crate::runner::chunks::by_token_budget;
use crate::runner::engine::Engine;
use crate::runner::errors::forward_error;

/// Hidden-state values (f32) one forward pass may hold at once, every layer counted: 32 MiB.
const STATES_BUDGET: usize = 1 << 23;

/// Pooled hidden states of each token sequence (each non-empty) under each of its poolings
/// (`result[s][p]` is sequence `s` pooled by `poolings[s][p]`), from one forward pass per
/// sequence. A pass keeps every layer's states until it has pooled them, so passes here take
/// fewer tokens than the runner's budget.
pub(crate) fn pooled_hidden_states(
    engine: &Engine<'_>,
    sequences: &[Vec<u32>],
    poolings: &[Vec<Pooling>],
) -> Result<Vec<Vec<HiddenStates>>, ModelError> {
    let lengths: Vec<usize> = sequences.iter().map(Vec::len).collect();
    let shape = engine.lm.shape();
    let per_token = (shape.num_layers + 1) * shape.hidden_size;
    let budget = engine.budget.min(STATES_BUDGET / per_token.max(1)).max(1);
    let mut out = Vec::with_capacity(sequences.len());
    for range in by_token_budget(&lengths, budget) {
        let chunk_poolings = &poolings[range.clone()];
        let chunk = &sequences[range];
        let batch = TokenBatch::padded(chunk, PadSide::Right).map_err(forward_error)?;
        let output = engine.forward(&batch, None, true).map_err(forward_error)?;
        let states = output.hidden_states.ok_or_else(|| {
            ModelError::Backend("the model returned no hidden states although asked to".into())
        })?;
        let empty = || HiddenStates {
            layers: Vec::with_capacity(states.len()),
        };
        let mut pooled: Vec<Vec<HiddenStates>> = chunk_poolings
            .iter()
            .map(|kinds| kinds.iter().map(|_| empty()).collect())
            .collect();
        for layer in states {
            let [_, seq, hidden] = layer.dims();
            let values = to_host(layer).map_err(forward_error)?;
            for (row, sequence) in chunk.iter().enumerate() {
                let tokens = &values[row * seq * hidden..(row * seq + sequence.len()) * hidden];
                for (states, &pooling) in pooled[row].iter_mut().zip(&chunk_poolings[row]) {
                    states.layers.push(pool(tokens, hidden, pooling));
                }
            }
        }
        out.extend(pooled);
    }
    Ok(out)
}

/// Reduces `tokens` (`[count, hidden]`, row-major, count ≥ 1) to one vector.
pub(crate) fn pool(tokens: &[f32], hidden: usize, pooling: Pooling) -> Vec<f32> {
    let count = tokens.len() / hidden;
    if pooling == Pooling::Last {
        return tokens[(count - 1) * hidden..].to_vec();
    }
    let mut sum = vec![0f64; hidden];
    let mut total_weight = 0f64;
    for (t, token) in tokens.chunks_exact(hidden).enumerate() {
        let weight = match pooling {
            Pooling::WeightedMean => (t + 1) as f64,
            _ => 1.0,
        };
        total_weight += weight;
        for (acc, &x) in sum.iter_mut().zip(token) {
            *acc += weight * f64::from(x);
        }
    }
    sum.iter().map(|&s| (s / total_weight) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_over_tokens() {
        let tokens = [1.0f32, 10.0, 2.0, 20.0, 4.0, 40.0];
        let mean = pool(&tokens, 2, Pooling::Mean);
        assert!((mean[0] - 7.0 / 3.0).abs() < 1e-6 && (mean[1] - 70.0 / 3.0).abs() < 1e-5);
        // Weights 1, 2, 3: (1 + 4 + 12) / 6.
        let weighted = pool(&tokens, 2, Pooling::WeightedMean);
        assert!((weighted[0] - 17.0 / 6.0).abs() < 1e-6);
        assert_eq!(pool(&tokens, 2, Pooling::Last), [4.0, 40.0]);
    }
}
