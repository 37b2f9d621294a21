//! Progress bars for the run engine's phases (indicatif), or nothing with `--quiet`.

use std::cell::RefCell;

use harness::evaluator::{Progress, ProgressUpdate};
use indicatif::{ProgressBar, ProgressStyle};

/// Draws one bar per phase on standard error, with counts, rates and ETA.
pub struct Bars {
    current: RefCell<Option<ProgressBar>>,
}

impl Bars {
    /// No bar yet; one appears when a phase starts.
    pub fn new() -> Self {
        Bars {
            current: RefCell::new(None),
        }
    }
}

impl Progress for Bars {
    fn phase_started(&self, phase: &str, total: u64) {
        let bar = ProgressBar::new(total);
        let style = ProgressStyle::with_template(
            "{prefix:>14} [{elapsed_precise}] {bar:30} {pos}/{len} {msg} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(phase.to_string());
        if let Some(old) = self.current.replace(Some(bar)) {
            old.finish_and_clear();
        }
    }

    fn advanced(&self, update: &ProgressUpdate<'_>) {
        if let Some(bar) = self.current.borrow().as_ref() {
            bar.set_length(update.total);
            bar.set_position(update.done);
            let mut message = format!("{:.1} items/s", update.items_per_second);
            if let Some(tokens) = update.tokens_per_second {
                message.push_str(&format!(", {tokens:.0} tokens/s"));
            }
            bar.set_message(message);
        }
    }

    fn phase_finished(&self, phase: &str, seconds: f64) {
        if let Some(bar) = self.current.take() {
            let message = bar.message();
            bar.finish_and_clear();
            eprintln!(
                "{phase:>14}: {} items in {seconds:.1}s {message}",
                bar.position()
            );
        }
    }

    fn warning(&self, message: &str) {
        match self.current.borrow().as_ref() {
            Some(bar) => bar.println(format!("warning: {message}")),
            None => eprintln!("warning: {message}"),
        }
    }
}
