//! Python `str` whitespace semantics, which sacrebleu's results depend on.
//!
//! Python's `str.split()`, `str.strip()` and `str.rstrip()` treat as whitespace every character
//! for which `str.isspace()` holds: Unicode `White_Space` (what [`char::is_whitespace`] tests)
//! plus the four information separators U+001C..U+001F.

/// Whether Python's `str.isspace()` holds for `c`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The words of `text` as Python's `text.split()` returns them.
pub fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_space).filter(|word| !word.is_empty())
}

/// `text` without trailing whitespace, as Python's `text.rstrip()`.
pub fn rstrip(text: &str) -> &str {
    text.trim_end_matches(is_space)
}

/// `text` without leading and trailing whitespace, as Python's `text.strip()`.
pub fn strip(text: &str) -> &str {
    text.trim_matches(is_space)
}

/// The lines of `text` as sacrebleu reads a file: split on `\n` only (a final newline starts
/// no further line), each without trailing whitespace, as `line.rstrip()`.
pub fn lines(text: &str) -> Vec<&str> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n').map(rstrip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code point for which Python 3.11's `chr(c).isspace()` is true.
    const PYTHON_SPACES: [u32; 29] = [
        0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
        0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029,
        0x202f, 0x205f, 0x3000,
    ];

    #[test]
    fn whitespace_set_equals_pythons() {
        let ours: Vec<u32> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| is_space(c))
            .map(u32::from)
            .collect();
        assert_eq!(ours, PYTHON_SPACES);
    }

    #[test]
    fn lines_split_on_newlines_only_and_lose_trailing_whitespace() {
        assert_eq!(lines("a \nb\u{a0}\n"), ["a", "b"]);
        assert_eq!(lines("a\n\n b\r\nc\u{85}d"), ["a", "", " b", "c\u{85}d"]);
        assert_eq!(lines(""), [""]);
        assert_eq!(lines("\n"), [""]);
    }

    #[test]
    fn split_and_strip_like_python() {
        let text = "\u{1f} a\u{a0}b\u{3000}\u{200b}c \t\r";
        assert_eq!(split(text).collect::<Vec<_>>(), ["a", "b", "\u{200b}c"]);
        assert_eq!(rstrip(text), "\u{1f} a\u{a0}b\u{3000}\u{200b}c");
        assert_eq!(strip(text), "a\u{a0}b\u{3000}\u{200b}c");
        assert_eq!(split("  ").count(), 0);
    }
}
