//! Greedy generation for a batch of prompts: the prompts prefilled in groups of similar length
//! (little padding goes through the model, and every pass still has many rows), the group
//! caches stacked right-aligned into one batch cache, then one token per step for every row
//! still running. A finished row is fed masked padding, so it no longer adds to the cache and
//! its answer is fixed. When a row grows past the length at which the model's cache goes stale
//! (LongRoPE), the whole batch is prefilled again with the tokens so far.

use harness::model::ModelError;
use harness::request::GenerateResponse;

use crate::arch::{PadSide, TokenBatch};
use crate::cpu::host::to_host;
use crate::layers::kv_cache::KvCache;
use crate::runner::chunks::{by_similar_length, by_token_budget};
use crate::runner::engine::Engine;
use crate::runner::errors::forward_error;
use crate::runner::score::head_scores;
use crate::runner::stop::{cut_at_stop, first_stop};

/// Most padding, as a fraction of a prefill pass's tokens, that grouping prompts may add.
const MAX_PREFILL_PADDING: f64 = 0.1;

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

/// Runs the prompts through the model in groups of similar length, so that little padding is
/// computed, and returns the batch cache (rows right-aligned, in job order) with each row's
/// last hidden state (`[rows × hidden]`).
fn prefill(
    engine: &Engine<'_>,
    jobs: &[&GenerationJob<'_>],
) -> Result<(KvCache, Vec<f32>), ModelError> {
    let lengths: Vec<usize> = jobs.iter().map(|job| job.prompt.len()).collect();
    let mut caches = Vec::new();
    // (group, row in group, last hidden state) per job.
    let mut rows: Vec<Option<(usize, usize, Vec<f32>)>> = vec![None; jobs.len()];
    for (g, group) in by_similar_length(&lengths, MAX_PREFILL_PADDING, engine.budget)
        .into_iter()
        .enumerate()
    {
        let prompts: Vec<&[u32]> = group.iter().map(|&i| jobs[i].prompt.as_slice()).collect();
        let batch = TokenBatch::padded(&prompts, PadSide::Left).map_err(forward_error)?;
        let mut cache = engine.lm.new_cache(group.len());
        let output = engine
            .forward(&batch, Some(&mut cache), false)
            .map_err(forward_error)?;
        let [_, seq, hidden] = output.last_hidden_state.dims();
        let host = to_host(output.last_hidden_state).map_err(forward_error)?;
        for (r, &job) in group.iter().enumerate() {
            // Left padding puts every row's last token last.
            let at = (r * seq + seq - 1) * hidden;
            rows[job] = Some((g, r, host[at..at + hidden].to_vec()));
        }
        caches.push(cache);
    }
    let mut order = Vec::with_capacity(jobs.len());
    let mut last = Vec::new();
    for (g, r, state) in rows.into_iter().flatten() {
        order.push((&caches[g], r));
        last.extend(state);
    }
    let cache = KvCache::stack_left(&order).ok_or_else(|| {
        ModelError::Backend("the prefilled caches could not be stacked into one batch".into())
    })?;
    Ok((cache, last))
}

/// The cache of every row's prompt and generated tokens, computed afresh, and the last hidden
/// state of each row still running.
fn prefill_again(
    engine: &Engine<'_>,
    jobs: &[&GenerationJob<'_>],
    states: &[RowState],
) -> Result<(KvCache, Vec<f32>), ModelError> {
    let grown: Vec<GenerationJob<'_>> = jobs
        .iter()
        .zip(states)
        .map(|(job, state)| GenerationJob {
            prompt: [job.prompt.as_slice(), &state.ids].concat(),
            ..(*job).clone()
        })
        .collect();
    let (cache, all) = prefill(engine, &grown.iter().collect::<Vec<_>>())?;
    let hidden = all.len() / jobs.len();
    let last = states
        .iter()
        .enumerate()
        .filter(|(_, state)| !state.done)
        .flat_map(|(row, _)| all[row * hidden..(row + 1) * hidden].iter().copied())
        .collect();
    Ok((cache, last))
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
    let (mut cache, mut last) = prefill(engine, jobs)?;
    let mut states: Vec<RowState> = (0..rows)
        .map(|_| RowState {
            ids: Vec::new(),
            done: false,
        })
        .collect();
    let hidden = last.len() / rows;
    loop {
        let active: Vec<usize> = (0..rows).filter(|&r| !states[r].done).collect();
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
        if let Some(n) = engine.lm.cache_stale_past()
            && (0..rows)
                .any(|r| !states[r].done && jobs[r].prompt.len() + states[r].ids.len() == n + 1)
        {
            (cache, last) = prefill_again(engine, jobs, &states)?;
            continue;
        }
        let mut ids = Vec::with_capacity(rows);
        let mut mask = Vec::with_capacity(rows);
        for state in &states {
            let next = state.ids.last().copied().filter(|_| !state.done);
            ids.push(next.unwrap_or(0));
            mask.push(next.is_some());
        }
        let batch = TokenBatch::new(rows, 1, ids, mask).map_err(forward_error)?;
        let output = engine
            .forward(&batch, Some(&mut cache), false)
            .map_err(forward_error)?;
        let host = to_host(output.last_hidden_state).map_err(forward_error)?;
        // One-token steps: row r's newest hidden state is row r of the output.
        last = (0..rows)
            .filter(|&row| !states[row].done)
            .flat_map(|row| host[row * hidden..(row + 1) * hidden].iter().copied())
            .collect();
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
