//! The `babelbench` binary end to end: every subcommand run as a process.
//! One binary for all of them, so the crate's tests link once.

mod cli_data;
mod cli_model;
mod cli_mt_score;
mod cli_run;
mod cli_tasks_tiny;
mod common;
