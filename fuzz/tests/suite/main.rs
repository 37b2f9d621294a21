//! The fuzz crate's tests: property tests and the replay of saved crashing inputs.
//! One binary for all of them, so the crate's tests link once.

mod properties;
mod regressions;
