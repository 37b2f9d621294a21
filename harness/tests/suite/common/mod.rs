//! Helpers shared by the data tests: the data roots (from `testdata`) and small temporary data
//! roots.
//!
//! [`data`] is the committed subset (`testdata/data/`): the first rows of a few languages. The
//! loaders of `harness::data` reject its files as short (datasets.toml fixes every file's
//! record count), so tests of what a loader accepts, and of counts, take the full data root
//! from [`full_data`], which skips them when it is absent (and fails them with `CI=true`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub use testdata::{data, full_data, repo_root};

/// Copies `relative` from the data root `from` into `root`.
pub fn copy_real(from: &Path, root: &Path, relative: &str) -> PathBuf {
    let to = root.join(relative);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from.join(relative), &to).unwrap();
    to
}

/// Writes `contents` to `relative` under `root`.
pub fn write(root: &Path, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let to = root.join(relative);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::write(&to, contents).unwrap();
    to
}

/// Keeps the first `lines` lines of the file at `path`.
pub fn truncate_lines(path: &Path, lines: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let kept: String = text.split_inclusive('\n').take(lines).collect();
    std::fs::write(path, kept).unwrap();
}

/// Replaces line `line` (1-based) of the file at `path` with `with`.
pub fn replace_line(path: &Path, line: usize, with: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<&str> = text.split('\n').collect();
    lines[line - 1] = with;
    std::fs::write(path, lines.join("\n")).unwrap();
}
