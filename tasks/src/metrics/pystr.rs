//! Python `str` whitespace semantics, which sacrebleu's results depend on.
//!
//! Python's `str.split()`, `str.strip()` and `str.rstrip()` treat as whitespace every character
//! for which `str.isspace()` holds: Unicode `White_Space` (what [`char::is_whitespace`] tests)
//! plus the four information separators U+001C..U+001F.

/// Whether Python's `str.isspace()` holds for `c`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

/// The words of `text` as Python's `text.split()` returns them.
pub fn split(text: &str) -> Words<'_> {
    Words { text, pos: 0 }
}

/// Iterator over the words of a text, from [`split`].
#[derive(Debug, Clone)]
pub struct Words<'a> {
    text: &'a str,
    pos: usize,
}

/// The byte length of the whitespace character starting at byte `i` of `text`, if there is
/// one. ASCII bytes are tested directly; other whitespace characters start with one of the
/// lead bytes 0xC2, 0xE1, 0xE2, 0xE3, which never occur inside a character, so only those
/// positions are decoded.
fn space_len(text: &str, i: usize) -> Option<usize> {
    match text.as_bytes()[i] {
        b'\t'..=b'\r' | 0x1c..=b' ' => Some(1),
        0xC2 | 0xE1 | 0xE2 | 0xE3 => text[i..]
            .chars()
            .next()
            .filter(|&c| is_space(c))
            .map(char::len_utf8),
        _ => None,
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let len = self.text.len();
        let mut i = self.pos;
        while i < len {
            match space_len(self.text, i) {
                Some(n) => i += n,
                None => break,
            }
        }
        if i >= len {
            self.pos = len;
            return None;
        }
        let start = i;
        while i < len && space_len(self.text, i).is_none() {
            i += 1;
        }
        self.pos = i;
        Some(&self.text[start..i])
    }
}

/// `text` without trailing whitespace, as Python's `text.rstrip()`.
pub fn rstrip(text: &str) -> &str {
    text.trim_end_matches(is_space)
}

/// `text` without leading and trailing whitespace, as Python's `text.strip()`.
pub fn strip(text: &str) -> &str {
    text.trim_matches(is_space)
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
    fn split_and_strip_like_python() {
        let text = "\u{1f} a\u{a0}b\u{3000}\u{200b}c \t\r";
        assert_eq!(split(text).collect::<Vec<_>>(), ["a", "b", "\u{200b}c"]);
        assert_eq!(rstrip(text), "\u{1f} a\u{a0}b\u{3000}\u{200b}c");
        assert_eq!(strip(text), "a\u{a0}b\u{3000}\u{200b}c");
        assert_eq!(split("  ").count(), 0);
        let every_space: String = PYTHON_SPACES
            .iter()
            .filter_map(|&c| char::from_u32(c))
            .flat_map(|c| ['é', c])
            .collect();
        assert_eq!(split(&every_space).count(), PYTHON_SPACES.len());
        assert!(split(&every_space).all(|w| w == "é"));
        // Characters sharing a lead byte with whitespace characters: ¡ (C2 A1), ‐ (E2 80 90),
        // 、 (E3 80 81), ᚁ (E1 9A 81).
        assert_eq!(split("a¡‐、ᚁ b").collect::<Vec<_>>(), ["a¡‐、ᚁ", "b"]);
    }
}
