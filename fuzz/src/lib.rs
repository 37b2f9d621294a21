//! Fuzz targets for every babelbench parser that reads bytes from outside: GGUF and safetensors
//! checkpoints, tokenizer files, task YAML (with `include:` chains and Jinja templates),
//! `datasets.toml`, data rows (JSON Lines, CSV, TSV, Parquet, text), the response cache's
//! record log and `mt-score`'s inputs.
//!
//! Each [`Target`] takes arbitrary bytes and must never panic: an error is the right answer to
//! a damaged file. [`driver::run`] mutates a target's seeds (the real files of `../shared` and
//! the repository's fixtures, plus small synthesized ones) for a given time, and saves and
//! minimizes every input that panics. `tests/suite/regressions.rs` replays the saved inputs under
//! `fuzz/regressions/<target>/` in `cargo test`. See `docs/fuzzing.md`.

pub mod driver;
pub mod mutate;
pub mod seeds;
pub mod targets;

use std::path::{Path, PathBuf};

pub use seeds::Seed;

/// One parser under fuzzing.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// Short name: the folder of its regression inputs and crashes.
    pub name: &'static str,
    /// What it feeds the bytes to.
    pub about: &'static str,
    /// Feeds `bytes` to the parser. Returns a short description of the outcome (`ok`, or the
    /// parser's error), which the driver uses to keep inputs that reach new outcomes; panics
    /// only when the parser does, or when an invariant of its result is broken.
    pub run: fn(&[u8]) -> String,
    /// The inputs mutation starts from.
    pub seeds: fn() -> Vec<Seed>,
    /// Tokens worth inserting into this format's inputs.
    pub dictionary: &'static [&'static [u8]],
}

/// Every target, in the order `scripts/fuzz.sh` runs them.
pub fn all() -> &'static [Target] {
    targets::ALL
}

/// The target called `name`.
pub fn find(name: &str) -> Option<&'static Target> {
    all().iter().find(|t| t.name == name)
}

/// The `fuzz/` folder of the repository.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The repository root.
pub fn repo_dir() -> PathBuf {
    crate_dir()
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The shared data and fixtures beside the repository (`../shared`); may be absent.
pub fn shared_dir() -> PathBuf {
    repo_dir().join("../shared")
}

/// The folder of `target`'s checked-in regression inputs.
pub fn regression_dir(target: &str) -> PathBuf {
    crate_dir().join("regressions").join(target)
}
