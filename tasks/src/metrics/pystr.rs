//! Python `str` whitespace semantics, which sacrebleu's results depend on.
//!
//! Python's `str.split()`, `str.strip()` and `str.rstrip()` treat as whitespace every character
//! for which `str.isspace()` holds: Unicode `White_Space` (what [`char::is_whitespace`] tests)
//! plus the four information separators U+001C..U+001F.

use super::scan::{self, ByteRanges};

/// Whether Python's `str.isspace()` holds for `c`: Unicode `White_Space` (what
/// [`char::is_whitespace`] tests) plus the four information separators U+001C..U+001F, listed
/// as ranges (compared one by one, faster than the Unicode table lookup).
#[inline]
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..=' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
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

/// Whether the ASCII byte `byte` is whitespace for Python: `\t` to `\r`, the information
/// separators U+001C..U+001F and the space.
pub(crate) const fn is_ascii_space(byte: u8) -> bool {
    matches!(byte, b'\t'..=b'\r' | 0x1c..=b' ')
}

/// Whether `byte` is the lead byte 0xC2, 0xE1, 0xE2 or 0xE3 of a multi-byte character that may
/// be whitespace; no other byte starts one, and none of these occurs inside a character.
pub(crate) const fn may_lead_space(byte: u8) -> bool {
    matches!(byte, 0xC2 | 0xE1..=0xE3)
}

/// What a byte of UTF-8 text says about whitespace.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ByteClass {
    /// Not whitespace, nor the start of a whitespace character.
    Other,
    /// An ASCII whitespace character (or information separator).
    Space,
    /// The lead byte of a multi-byte character that may be whitespace ([`may_lead_space`]).
    MaybeSpace,
}

/// [`ByteClass`] of every byte value.
const BYTE_CLASS: [ByteClass; 256] = {
    let mut classes = [ByteClass::Other; 256];
    let mut byte = 0;
    while byte < 256 {
        classes[byte] = match byte as u8 {
            b if is_ascii_space(b) => ByteClass::Space,
            b if may_lead_space(b) => ByteClass::MaybeSpace,
            _ => ByteClass::Other,
        };
        byte += 1;
    }
    classes
};

/// Bytes that may start a whitespace character, for the scan over a word: every ASCII byte
/// up to the space (a superset of ASCII whitespace) and the lead bytes of [`ByteClass`].
const MAY_START_SPACE: ByteRanges<3> = [(0x00, b' '), (0xC2, 0xC2), (0xE1, 0xE3)];

/// The byte length of the whitespace character starting at byte `i` of `text`, if there is
/// one.
#[inline(always)]
fn space_len(text: &str, i: usize) -> Option<usize> {
    match BYTE_CLASS[text.as_bytes()[i] as usize] {
        ByteClass::Space => Some(1),
        ByteClass::MaybeSpace => multibyte_space_len(text, i),
        ByteClass::Other => None,
    }
}

/// [`space_len`] at a byte that may start a multi-byte whitespace character: out of line, as
/// such bytes are rare in most text.
#[inline(never)]
fn multibyte_space_len(text: &str, i: usize) -> Option<usize> {
    text[i..]
        .chars()
        .next()
        .filter(|&c| is_space(c))
        .map(char::len_utf8)
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let mut i = self.pos;
        loop {
            // Most whitespace is ASCII.
            while i < len && BYTE_CLASS[bytes[i] as usize] == ByteClass::Space {
                i += 1;
            }
            match (i < len).then(|| space_len(self.text, i)).flatten() {
                Some(n) => i += n,
                None => break,
            }
        }
        if i >= len {
            self.pos = len;
            return None;
        }
        let start = i;
        loop {
            // Most bytes are neither whitespace nor a possible start of it.
            i = scan::find(bytes, i, &MAY_START_SPACE);
            if i >= len || space_len(self.text, i).is_some() {
                break;
            }
            i += 1;
        }
        self.pos = i;
        Some(&self.text[start..i])
    }
}

/// The lines of `text` as sacrebleu reads a file: split on `\n` only (a final newline starts
/// no further line), each without trailing whitespace, as `line.rstrip()`.
pub fn lines(text: &str) -> Vec<&str> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', body.as_bytes()) {
        lines.push(rstrip(&body[start..end]));
        start = end + 1;
    }
    lines.push(rstrip(&body[start..]));
    lines
}

/// `text` without trailing whitespace, as Python's `text.rstrip()`.
pub fn rstrip(text: &str) -> &str {
    match text.as_bytes().last() {
        // Most lines end in an ASCII character that is not whitespace: no character to
        // decode backwards.
        Some(&last) if last.is_ascii() && !is_ascii_space(last) => text,
        _ => text.trim_end_matches(is_space),
    }
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
        for byte in 0..128u8 {
            assert_eq!(
                is_ascii_space(byte),
                is_space(char::from(byte)),
                "{byte:#x}"
            );
        }
        for c in PYTHON_SPACES.iter().filter_map(|&c| char::from_u32(c)) {
            let lead = c.to_string().as_bytes()[0];
            assert!(c.is_ascii() || may_lead_space(lead), "{c:?}");
        }
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
        assert_eq!(rstrip("\u{3000}x"), "\u{3000}x");
        assert_eq!(rstrip("x\u{3000}é\u{85}"), "x\u{3000}é");
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
