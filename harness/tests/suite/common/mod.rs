//! Helpers shared by the data tests: the real data and small temporary data roots.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The read-only real data, `shared/data` next to the repository.
pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Copies `relative` from the real data into `root`.
pub fn copy_real(root: &Path, relative: &str) -> PathBuf {
    let to = root.join(relative);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(shared_data().join(relative), &to).unwrap();
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
