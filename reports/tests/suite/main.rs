//! Integration tests of the reports crate on synthetic run folders (one test binary, so the
//! heavy polars dependency links once).

mod browser;
mod compare;
mod errors;
mod fixtures;
mod history;
mod leaderboard;
mod run_files;
mod site;
