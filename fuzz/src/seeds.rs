//! Where seeds come from: the real files of `../shared/data` and `../shared/fixtures`, the
//! repository's fixtures, read at run time (never copied into the repository), and small
//! inputs synthesized here where no real file is small enough to mutate quickly.

use std::path::{Path, PathBuf};

/// One starting input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// Where it came from (a path, or what synthesized it).
    pub origin: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Seed {
    /// A seed from `origin` with `bytes`.
    pub fn new(origin: impl Into<String>, bytes: Vec<u8>) -> Self {
        Seed {
            origin: origin.into(),
            bytes,
        }
    }
}

/// Largest text seed: longer files are cut at a line end, so that a run stays fast.
pub const MAX_TEXT_SEED: usize = 16 * 1024;
/// Largest binary seed read whole.
pub const MAX_BINARY_SEED: usize = 4 << 20;

/// Files under `dir` (recursively, sorted) whose name satisfies `keep`; none when `dir` is
/// absent.
pub fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if keep(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Whether `path`'s name ends with `suffix`.
pub fn ends_with(path: &Path, suffix: &str) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(suffix))
}

/// The head of a text: at most `max` bytes, cut after the last whole line.
pub fn text_head(bytes: &[u8], max: usize) -> Vec<u8> {
    if bytes.len() <= max {
        return bytes.to_vec();
    }
    let head = &bytes[..max];
    match head.iter().rposition(|&b| b == b'\n') {
        Some(end) => head[..=end].to_vec(),
        None => head.to_vec(),
    }
}

/// Text seeds from `paths`: each file's head (see [`text_head`]), at most `limit` files.
pub fn text_seeds(paths: &[PathBuf], limit: usize) -> Vec<Seed> {
    paths
        .iter()
        .take(limit)
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            Some(Seed::new(
                p.display().to_string(),
                text_head(&bytes, MAX_TEXT_SEED),
            ))
        })
        .collect()
}

/// Binary seeds from `paths` no larger than [`MAX_BINARY_SEED`], at most `limit` files.
pub fn binary_seeds(paths: &[PathBuf], limit: usize) -> Vec<Seed> {
    paths
        .iter()
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() as usize <= MAX_BINARY_SEED))
        .take(limit)
        .filter_map(|p| Some(Seed::new(p.display().to_string(), std::fs::read(p).ok()?)))
        .collect()
}

/// Joins `parts` with NUL bytes: the packing of the targets that take several files.
pub fn pack(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(&0u8)
}

/// The parts of a packed input: split at NUL bytes, at most `n` parts (the last keeps any
/// further NULs).
pub fn unpack(bytes: &[u8], n: usize) -> Vec<&[u8]> {
    bytes.splitn(n, |&b| b == 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_end_at_a_line() {
        assert_eq!(text_head(b"ab\ncd\nef", 7), b"ab\ncd\n");
        assert_eq!(text_head(b"abc", 7), b"abc");
        assert_eq!(text_head(b"abcdefgh", 4), b"abcd");
    }

    #[test]
    fn packing_round_trips() {
        let packed = pack(&[b"a", b"", b"c\0d"]);
        assert_eq!(unpack(&packed, 3), vec![&b"a"[..], b"", b"c\0d"]);
        assert_eq!(unpack(b"only", 3), vec![&b"only"[..]]);
    }
}
