//! Progress reporting: the engine calls a [`Progress`] as phases start, advance and finish, so
//! a front end can draw bars; [`NoProgress`] ignores everything (for `--quiet` and tests).

use std::collections::BTreeMap;
use std::time::Instant;

/// Phase that builds every task's documents.
pub const PHASE_DOCS: &str = "docs";
/// Phase that copies the shards' cached responses into the merged folder.
pub const PHASE_IMPORT: &str = "import";
/// Phase that scores the responses, task by task.
pub const PHASE_EVALUATE: &str = "evaluate";
/// Phase that writes the result files.
pub const PHASE_WRITE: &str = "write";

/// Where a phase stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgressUpdate<'a> {
    /// Phase name: [`PHASE_DOCS`], a request kind such as `loglikelihood`, [`PHASE_EVALUATE`], ...
    pub phase: &'a str,
    /// Items (requests, tasks) done.
    pub done: u64,
    /// Items the phase has in all.
    pub total: u64,
    /// Items per second since the phase started.
    pub items_per_second: f64,
    /// Tokens per second since the phase started, for request kinds whose answers count tokens.
    pub tokens_per_second: Option<f64>,
}

/// Receives the engine's progress; every method is called from the thread that runs the engine.
pub trait Progress {
    /// A phase with `total` items starts.
    fn phase_started(&self, phase: &str, total: u64);
    /// A phase advanced.
    fn advanced(&self, update: &ProgressUpdate<'_>);
    /// A phase ended after `seconds`.
    fn phase_finished(&self, phase: &str, seconds: f64);
    /// Something was repaired or skipped and the user should know (e.g. a torn cache tail).
    fn warning(&self, message: &str);
}

/// A [`Progress`] that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase_started(&self, _phase: &str, _total: u64) {}
    fn advanced(&self, _update: &ProgressUpdate<'_>) {}
    fn phase_finished(&self, _phase: &str, _seconds: f64) {}
    fn warning(&self, _message: &str) {}
}

/// One running phase: counts items and tokens, reports rates, and records its duration.
pub(crate) struct Phase<'p> {
    progress: &'p dyn Progress,
    name: &'static str,
    total: u64,
    done: u64,
    tokens: Option<u64>,
    started: Instant,
}

impl<'p> Phase<'p> {
    /// Starts phase `name` of `total` items.
    pub(crate) fn start(progress: &'p dyn Progress, name: &'static str, total: usize) -> Self {
        let total = total as u64;
        tracing::info!(phase = name, total, "phase started");
        progress.phase_started(name, total);
        Phase {
            progress,
            name,
            total,
            done: 0,
            tokens: None,
            started: Instant::now(),
        }
    }

    /// Records `items` more items done, with `tokens` tokens when the items count tokens.
    pub(crate) fn advance(&mut self, items: usize, tokens: Option<usize>) {
        self.done += items as u64;
        if let Some(tokens) = tokens {
            self.tokens = Some(self.tokens.unwrap_or(0) + tokens as u64);
        }
        let seconds = self.started.elapsed().as_secs_f64().max(1e-9);
        self.progress.advanced(&ProgressUpdate {
            phase: self.name,
            done: self.done,
            total: self.total,
            items_per_second: self.done as f64 / seconds,
            tokens_per_second: self.tokens.map(|t| t as f64 / seconds),
        });
    }

    /// Ends the phase and adds its seconds to `timings`.
    pub(crate) fn finish(self, timings: &mut BTreeMap<String, f64>) {
        let seconds = self.started.elapsed().as_secs_f64();
        tracing::info!(
            phase = self.name,
            items = self.done,
            tokens = self.tokens,
            seconds,
            tokens_per_second = self.tokens.map(|t| t as f64 / seconds.max(1e-9)),
            "phase finished"
        );
        self.progress.phase_finished(self.name, seconds);
        *timings.entry(self.name.to_string()).or_insert(0.0) += seconds;
    }
}
