//! The task files shipped with babelbench (the repository's `tasks/builtin/`, one folder per
//! family), built into the binary so that it runs them from anywhere. They are read through
//! paths under [`BUILTIN_ROOT`], which no real file has.

use std::path::{Path, PathBuf};

/// The folder the built-in files appear under in paths and messages.
pub const BUILTIN_ROOT: &str = "<builtin>";

/// Each built-in file: its path under `tasks/builtin/` and its text.
const FILES: [(&str, &str); 6] = [
    (
        "belebele/belebele.yaml",
        include_str!("../../builtin/belebele/belebele.yaml"),
    ),
    (
        "flores/flores.yaml",
        include_str!("../../builtin/flores/flores.yaml"),
    ),
    (
        "sib200/sib200.yaml",
        include_str!("../../builtin/sib200/sib200.yaml"),
    ),
    (
        "mexa/mexa.yaml",
        include_str!("../../builtin/mexa/mexa.yaml"),
    ),
    ("bpb/bpb.yaml", include_str!("../../builtin/bpb/bpb.yaml")),
    (
        "tokenizer_premium/tokenizer_premium.yaml",
        include_str!("../../builtin/tokenizer_premium/tokenizer_premium.yaml"),
    ),
];

/// The paths of the built-in files, in the order their groups are listed.
pub fn builtin_files() -> Vec<PathBuf> {
    FILES
        .iter()
        .map(|(path, _)| Path::new(BUILTIN_ROOT).join(path))
        .collect()
}

/// The text of the task file at `path`: a built-in file's, else the file's on disk.
pub(crate) fn read_task_file(path: &Path) -> std::io::Result<String> {
    match path.strip_prefix(BUILTIN_ROOT) {
        Ok(relative) => FILES
            .iter()
            .find(|(name, _)| Path::new(name) == relative)
            .map(|(_, text)| text.to_string())
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such built-in task file")
            }),
        Err(_) => std::fs::read_to_string(path),
    }
}

/// Whether `path` names a file (built in or on disk).
pub(crate) fn is_task_file(path: &Path) -> bool {
    match path.strip_prefix(BUILTIN_ROOT) {
        Ok(relative) => FILES.iter().any(|(name, _)| Path::new(name) == relative),
        Err(_) => path.is_file(),
    }
}
