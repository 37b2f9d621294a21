//! Where babelbench's tests find their data, in one place for every crate's tests.
//!
//! - [`fixtures`]: `testdata/fixtures/`, committed: tiny models and reference outputs of HF
//!   transformers and sacrebleu (see its README.md).
//! - [`data`]: `testdata/data/`, committed: a small subset of the data root (a few languages,
//!   the first rows of each file), in the data root's layout. Tests that only need real rows
//!   read it, so `cargo test --workspace` passes on a clone with nothing beside it.
//! - [`full_data`]: the full data root, `$BABELBENCH_DATA` or else `../shared/data` beside the
//!   repository, for the tests that need every language or every row.
//! - [`default_model`]: the default model in the model cache, fetched by
//!   `scripts/fetch-default-model.sh`.
//!
//! When the full data or the default model is absent, a test that needs it prints one line
//! naming itself and what is missing, and returns; with `CI=true` it fails instead, so CI
//! never passes without running it.

use std::io::Write;
use std::path::{Path, PathBuf};

use harness::data::DATA_ENV;
use harness::model_cache::{DEFAULT_MODEL, model_cache};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testdata/ is inside the repository")
        .to_path_buf()
}

/// The committed fixtures, `testdata/fixtures/`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The committed data subset, `testdata/data/`: a data root with a few languages and the first
/// rows of each file (see `testdata/README.md`). Its files are shorter than `datasets.toml`'s
/// `records`, so the strict loaders of `harness::data` reject them; tasks read them.
pub fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Where the full data root is looked for: `$BABELBENCH_DATA` when set and not empty, else
/// `shared/data` beside the repository.
pub fn full_data_root() -> PathBuf {
    match std::env::var_os(DATA_ENV) {
        Some(root) if !root.is_empty() => PathBuf::from(root),
        _ => repo_root().join("../shared/data"),
    }
}

/// The full data root, for a test that needs every language or every row. `None` when it is
/// absent (the test then returns after printing why); with `CI=true` an absent root fails
/// the test.
#[must_use = "a test returns when the full data is absent"]
#[track_caller]
pub fn full_data() -> Option<PathBuf> {
    let root = full_data_root();
    if root.is_dir() {
        return Some(root);
    }
    absent(
        "the full data root",
        &root,
        &format!(
            "set ${DATA_ENV} to a data root with FLORES-200, Belebele and SIB-200, or put it at \
             shared/data beside the repository"
        ),
    )
}

/// The default model's GGUF file (google/gemma-3-270m, Q4_K_M) in the model cache, for a test
/// that runs it. `None` when it is absent (the test then returns after printing why); with
/// `CI=true` an absent model fails the test.
#[must_use = "a test returns when the default model is absent"]
#[track_caller]
pub fn default_model() -> Option<PathBuf> {
    let path = model_cache().unwrap_or_default().join(DEFAULT_MODEL);
    if path.is_file() {
        return Some(path);
    }
    absent(
        "the default model",
        &path,
        "run scripts/fetch-default-model.sh from the repository root",
    )
}

/// Whether the tests run in CI (`CI=true`, as CI services set it, or `CI=1`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| ci.eq_ignore_ascii_case("true") || ci == "1")
}

/// Reports that `what` at `path` is absent: panics in CI, else prints one line naming the
/// running test and returns `None`. The line goes straight to stderr, past the test
/// harness's output capture, so it shows in a plain `cargo test`. The panic names the test's
/// line (`#[track_caller]`).
#[track_caller]
fn absent(what: &str, path: &Path, how: &str) -> Option<PathBuf> {
    let message = format!("{what} is absent: {} ({how})", path.display());
    if in_ci() {
        panic!("{message}; CI=true, so tests that need it fail instead of skipping");
    }
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    // Ignoring a failed write: the skip is still a skip without its line.
    let _ = writeln!(std::io::stderr(), "skipped {test}: {message}");
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files under `dir`, relative to it, sorted.
    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(next) = pending.pop() {
            for entry in std::fs::read_dir(&next).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    files.push(path.strip_prefix(dir).unwrap().to_path_buf());
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn the_subset_has_the_languages_the_tests_name() {
        let root = data();
        for lang in ["deu_Latn", "eng_Latn", "fra_Latn", "tha_Thai", "zho_Hans"] {
            for file in [
                format!("flores200/devtest/{lang}.devtest"),
                format!("flores200/dev-partial/{lang}.tsv"),
                format!("sib200/annotated/{lang}/train.tsv"),
                format!("sib200/annotated/{lang}/labels.txt"),
            ] {
                assert!(root.join(&file).is_file(), "{file}");
            }
        }
        for lang in ["deu_Latn", "eng_Latn"] {
            assert!(root.join(format!("belebele/{lang}.jsonl")).is_file());
        }
        let devtest = std::fs::read_to_string(root.join("flores200/devtest/eng_Latn.devtest"));
        assert_eq!(devtest.unwrap().lines().count(), 150);
    }

    /// Every committed data file is the start of the real one, byte for byte, so tests on the
    /// subset see real rows (scripts/testdata_subset.py writes them).
    #[test]
    fn every_subset_file_is_a_prefix_of_the_full_file() {
        let Some(full) = full_data() else { return };
        let files = files_under(&data());
        assert!(files.len() >= 30, "{files:?}");
        for file in files {
            let ours = std::fs::read(data().join(&file)).unwrap();
            let theirs = std::fs::read(full.join(&file)).unwrap();
            assert!(theirs.starts_with(&ours), "{}", file.display());
            assert!(ours.ends_with(b"\n"), "{} ends mid-line", file.display());
        }
    }

    /// Every fixture in `shared/fixtures` beside the repository, when that copy is there (CI's
    /// machines have it), is committed unchanged; fixtures made here since (the tiny models of
    /// scripts/tiny_models.py) exist only in the repository, and README.md may go on after the
    /// shared text.
    #[test]
    fn fixtures_equal_the_shared_copy_when_present() {
        let shared = repo_root().join("../shared/fixtures");
        if !shared.is_dir() {
            let _ = absent("the shared fixtures", &shared, "nothing to compare with");
            return;
        }
        let ours = files_under(&fixtures());
        let files = files_under(&shared);
        let missing: Vec<_> = files.iter().filter(|f| !ours.contains(f)).collect();
        assert!(missing.is_empty(), "not committed: {missing:?}");
        for file in files {
            let ours = std::fs::read(fixtures().join(&file)).unwrap();
            let theirs = std::fs::read(shared.join(&file)).unwrap();
            if file == Path::new("README.md") {
                // The README describes the fixtures made here too, in sections after the
                // shared copy's text.
                assert!(
                    ours.starts_with(&theirs),
                    "README.md must extend the shared one"
                );
            } else {
                assert_eq!(ours, theirs, "{}", file.display());
            }
        }
    }

    #[test]
    fn an_absent_root_skips_outside_ci_and_fails_in_ci() {
        let missing = Path::new("/nonexistent/babelbench-testdata");
        let result = std::panic::catch_unwind(|| absent("the thing", missing, "make it"));
        if in_ci() {
            assert!(result.is_err(), "CI=true must fail");
        } else {
            assert_eq!(result.unwrap(), None);
        }
    }
}
