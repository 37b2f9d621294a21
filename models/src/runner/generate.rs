//! Greedy generation for a batch of prompts: left padding, one prefill pass that fills the KV
//! cache, then one token per step for every row still running. A finished row is fed masked
//! padding, so it no longer adds to the cache and its answer is fixed.

use harness::model::ModelError;
use harness::request::GenerateResponse;

use crate::arch::{PadSide, TokenBatch};
use crate::layers::host::to_host;
use crate::runner::chunks::by_token_budget;
use crate::runner::engine::Engine;
use crate::runner::errors::forward_error;
use crate::runner::score::head_scores;
use crate::runner::stop::{cut_at_stop, first_stop};

/// One generation to run.
#[derive(Debug, Clone)]
pub(crate) struct GenerationJob<'a> {
    /// Prompt tokens, already truncated to leave room for `max_new_tokens`.
    pub(crate) prompt: Vec<u32>,
    /// Stop strings.
    pub(crate) until: &'a [String],
    /// Most tokens to generate.
    pub(crate) max_new_tokens: usize,
}

/// Turns generated ids into text (special tokens left out).
pub(crate) type Detokenize<'a> = dyn Fn(&[u32]) -> Result<String, ModelError> + 'a;

/// Generates greedily for every job; `eos` ids end a row (and are kept in its ids).
pub(crate) fn generate(
    engine: &Engine<'_>,
    jobs: &[GenerationJob<'_>],
    eos: &[u32],
    detokenize: &Detokenize<'_>,
) -> Result<Vec<GenerateResponse>, ModelError> {
    if jobs.iter().any(|job| job.prompt.is_empty()) {
        return Err(ModelError::InvalidRequest(
            "a generation prompt encodes to no tokens; give a non-empty prompt or use a \
             tokenizer that adds a BOS token"
                .into(),
        ));
    }
    let mut responses = vec![
        GenerateResponse {
            text: String::new(),
            token_ids: Vec::new(),
        };
        jobs.len()
    ];
    let running: Vec<usize> = (0..jobs.len())
        .filter(|&i| jobs[i].max_new_tokens > 0)
        .collect();
    let lengths: Vec<usize> = running.iter().map(|&i| jobs[i].prompt.len()).collect();
    for range in by_token_budget(&lengths, engine.budget) {
        let members = &running[range];
        let chunk: Vec<&GenerationJob<'_>> = members.iter().map(|&i| &jobs[i]).collect();
        let answers = generate_chunk(engine, &chunk, eos, detokenize)?;
        for (&i, answer) in members.iter().zip(answers) {
            responses[i] = answer;
        }
    }
    Ok(responses)
}

/// Progress of one row.
struct RowState {
    ids: Vec<u32>,
    done: bool,
}

/// Generates for one batch of rows sharing a KV cache.
fn generate_chunk(
    engine: &Engine<'_>,
    jobs: &[&GenerationJob<'_>],
    eos: &[u32],
    detokenize: &Detokenize<'_>,
) -> Result<Vec<GenerateResponse>, ModelError> {
    let rows = jobs.len();
    let prompts: Vec<&[u32]> = jobs.iter().map(|job| job.prompt.as_slice()).collect();
    let mut batch = TokenBatch::padded(&prompts, PadSide::Left).map_err(forward_error)?;
    let mut cache = engine.lm.new_cache(rows);
    let mut states: Vec<RowState> = (0..rows)
        .map(|_| RowState {
            ids: Vec::new(),
            done: false,
        })
        .collect();
    loop {
        let output = engine
            .forward(&batch, Some(&mut cache), false)
            .map_err(forward_error)?;
        let [_, seq, hidden] = output.last_hidden_state.dims();
        let host = to_host(output.last_hidden_state).map_err(forward_error)?;
        let active: Vec<usize> = (0..rows).filter(|&r| !states[r].done).collect();
        let mut last = Vec::with_capacity(active.len() * hidden);
        for &row in &active {
            // Left padding (and one-token steps) put every row's newest token last.
            let at = (row * seq + seq - 1) * hidden;
            last.extend_from_slice(&host[at..at + hidden]);
        }
        drop(host);
        let picks = head_scores(engine, last, hidden, &vec![Vec::new(); active.len()])?;
        for (&row, pick) in active.iter().zip(&picks) {
            let state = &mut states[row];
            state.ids.push(pick.argmax);
            let job = jobs[row];
            state.done = eos.contains(&pick.argmax)
                || state.ids.len() >= job.max_new_tokens
                || (!job.until.is_empty()
                    && first_stop(&detokenize(&state.ids)?, job.until).is_some());
        }
        if states.iter().all(|s| s.done) {
            break;
        }
        let mut ids = Vec::with_capacity(rows);
        let mut mask = Vec::with_capacity(rows);
        for state in &states {
            let next = state.ids.last().copied().filter(|_| !state.done);
            ids.push(next.unwrap_or(0));
            mask.push(next.is_some());
        }
        batch = TokenBatch::new(rows, 1, ids, mask).map_err(forward_error)?;
    }
    states
        .into_iter()
        .zip(jobs)
        .map(|(state, job)| {
            Ok(GenerateResponse {
                text: cut_at_stop(detokenize(&state.ids)?, job.until),
                token_ids: state.ids,
            })
        })
        .collect()
}
