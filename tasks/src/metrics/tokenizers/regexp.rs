//! sacrebleu's `TokenizerRegexp`, the language-dependent part of `13a` and `zh`, as one scan
//! that yields the tokens.
//!
//! sacrebleu runs four substitutions in order, then splits on whitespace:
//! 1. `([\{-\~\[-\` -\&\(-\+\:-\@\/])` → ` \1 `: space out ASCII symbols and most ASCII
//!    punctuation (not `'`, `-`, `.`, `,`);
//! 2. `([^0-9])([\.,])` → `\1 \2 `: period and comma after a non-digit;
//! 3. `([\.,])([^0-9])` → ` \1 \2`: period and comma before a non-digit;
//! 4. `([0-9])(-)` → `\1 \2 `: dash after a digit.
//!
//! Substitutions only insert spaces, so every token is a piece of the input, cut at its
//! whitespace and at the gaps that receive a space. Those gaps follow from local rules:
//! - a symbol of substitution 1 stands alone;
//! - a `-` right after a digit stands alone (no earlier substitution puts a space between a
//!   digit and a `-`);
//! - in a run of periods and commas, each member that substitution 2 or 3 matches stands
//!   alone (both put spaces on both sides of it), and the others join their neighbours.
//!   Substitution 2 matches a member after a non-digit that no earlier match took: in a run,
//!   the first member when the character before the run is not a digit, and from there every
//!   other member. Afterwards one of any two neighbouring members has a space beside it, so
//!   no member takes another in substitution 3, and every member but the last is followed by
//!   a period, comma or space: all of them match, and the last matches when a non-digit
//!   follows it.
//!
//! Where there is no neighbour, the text's padding decides: `13a` pads the line with a space
//! on both sides (a non-digit), `zh` does not pad (no match). The scan tests UTF-8 bytes: every
//! character the patterns name is ASCII, a byte of a multi-byte character is a non-digit, and
//! none is `.`, `,`, `-` or a symbol, so bytes select the same matches as characters.
//! For `zh`, Chinese characters stand alone too: sacrebleu spaces them out before the
//! substitutions, and a Chinese character and a space are both non-digits, so the other rules
//! are unchanged.

use super::zh;
use crate::metrics::pystr;
use crate::metrics::scan::{self, ByteRanges};

/// What the scan reads from one byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Byte {
    /// Part of a token whatever its neighbours: letters, `'`, most bytes of multi-byte
    /// characters.
    Plain,
    /// ASCII whitespace or an information separator (Python's `isspace`).
    Space,
    /// A symbol of substitution 1.
    Symbol,
    /// `0` to `9`.
    Digit,
    /// `.` or `,`.
    Period,
    /// `-`.
    Dash,
    /// 0xC2, 0xE1, 0xE2 or 0xE3: the first byte of a character that may be whitespace.
    SpaceLead,
    /// The first byte of another multi-byte character.
    Lead,
}

/// [`Byte`] of every byte value.
const BYTES: [Byte; 256] = {
    let mut table = [Byte::Plain; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            b if pystr::is_ascii_space(b) => Byte::Space,
            b'{'..=b'~' | b'['..=b'`' | b'!'..=b'&' | b'('..=b'+' | b':'..=b'@' | b'/' => {
                Byte::Symbol
            }
            b'0'..=b'9' => Byte::Digit,
            b'.' | b',' => Byte::Period,
            b'-' => Byte::Dash,
            b if pystr::may_lead_space(b) => Byte::SpaceLead,
            0xC0..=0xFF => Byte::Lead,
            _ => Byte::Plain,
        };
        byte += 1;
    }
    table
};

/// Bytes where a token may end, for [`Tokens::skip_joined`]: below `0`, `:` to `@`, `[` to
/// `` ` ``, `{` to 0x7F, and the lead bytes of characters that may be whitespace. A superset
/// of the bytes that are not always joined (`'` and the control characters join).
const STOPS_13A: ByteRanges<6> = [
    (0x00, 0x2F),
    (b':', b'@'),
    (b'[', b'`'),
    (b'{', 0x7F),
    (0xC2, 0xC2),
    (0xE1, 0xE3),
];

/// [`STOPS_13A`] for `zh`: every lead byte, since Chinese characters stand alone.
const STOPS_ZH: ByteRanges<5> = [
    (0x00, 0x2F),
    (b':', b'@'),
    (b'[', b'`'),
    (b'{', 0x7F),
    (0xC0, 0xFF),
];

/// What the character at a position does to the tokens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Whitespace: separates tokens.
    Space,
    /// A token of its own.
    Alone,
    /// Part of the token around it.
    Joined,
}

/// The tokens of `text` as sacrebleu's `Tokenizer13a` post-processing yields them, for text
/// that is already normalized (the line padded with a space on both sides).
pub(super) fn tokens_13a(text: &str) -> Tokens<'_, false> {
    Tokens {
        text,
        pos: 0,
        padded: true,
    }
}

/// The tokens of `text` as sacrebleu's `TokenizerZh` yields them, for text that is already
/// stripped (no padding; Chinese characters stand alone).
pub(super) fn tokens_zh(text: &str) -> Tokens<'_, true> {
    Tokens {
        text,
        pos: 0,
        padded: false,
    }
}

/// Iterator over the tokens of a text, from [`tokens_13a`] or [`tokens_zh`]; `ZH`: Chinese
/// characters stand alone.
#[derive(Debug, Clone)]
pub struct Tokens<'a, const ZH: bool> {
    text: &'a str,
    pos: usize,
    /// Whether the text counts as padded with a space on both sides.
    padded: bool,
}

impl<const ZH: bool> Tokens<'_, ZH> {
    /// The role and byte length of the character (or, for a [`Byte::Lead`] of `13a`, the
    /// byte) at byte `i`.
    #[inline]
    fn role(&self, i: usize) -> (Role, usize) {
        let bytes = self.text.as_bytes();
        match BYTES[bytes[i] as usize] {
            Byte::Plain | Byte::Digit => (Role::Joined, 1),
            Byte::Space => (Role::Space, 1),
            Byte::Symbol => (Role::Alone, 1),
            Byte::Period if self.period_alone(i) => (Role::Alone, 1),
            Byte::Period => (Role::Joined, 1),
            Byte::Dash if i > 0 && bytes[i - 1].is_ascii_digit() => (Role::Alone, 1),
            Byte::Dash => (Role::Joined, 1),
            Byte::Lead if !ZH => (Role::Joined, 1),
            Byte::SpaceLead | Byte::Lead => {
                let c = self.text[i..].chars().next().unwrap_or_default();
                let role = if pystr::is_space(c) {
                    Role::Space
                } else if ZH && zh::is_chinese(c) {
                    Role::Alone
                } else {
                    Role::Joined
                };
                (role, c.len_utf8())
            }
        }
    }

    /// Whether `byte` is part of the token around it, whatever its neighbours.
    #[inline(always)]
    fn always_joined(byte: u8) -> bool {
        match BYTES[byte as usize] {
            Byte::Plain | Byte::Digit => true,
            Byte::Lead => !ZH,
            _ => false,
        }
    }

    /// The first position from `from` on whose byte is not [`Self::always_joined`], or one
    /// that may be (the stops include a few bytes that join, such as `'`), or the end.
    #[inline]
    fn skip_joined(bytes: &[u8], from: usize) -> usize {
        if ZH {
            scan::find(bytes, from, &STOPS_ZH)
        } else {
            scan::find(bytes, from, &STOPS_13A)
        }
    }

    /// Whether the period or comma at byte `i` stands alone (see the module's rules).
    fn period_alone(&self, i: usize) -> bool {
        let bytes = self.text.as_bytes();
        let is_period = |b: u8| b == b'.' || b == b',';
        let end = i + 1 + bytes[i + 1..].iter().take_while(|&&b| is_period(b)).count();
        if end > i + 1 {
            return true;
        }
        let start = i - bytes[..i]
            .iter()
            .rev()
            .take_while(|&&b| is_period(b))
            .count();
        // Substitution 2 matches the run's first member after a non-digit, then every other.
        let first_matched = match start {
            0 => self.padded,
            _ => !bytes[start - 1].is_ascii_digit(),
        };
        let matched = first_matched == (i - start).is_multiple_of(2);
        let non_digit_next = match bytes.get(end) {
            Some(b) => !b.is_ascii_digit(),
            None => self.padded,
        };
        matched || non_digit_next
    }
}

impl<'a, const ZH: bool> Iterator for Tokens<'a, ZH> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let start = loop {
            if self.pos >= len {
                return None;
            }
            // Most tokens follow a plain space and start with a byte that always joins.
            let byte = bytes[self.pos];
            if byte == b' ' {
                self.pos += 1;
                continue;
            }
            if Self::always_joined(byte) {
                self.pos += 1;
                break self.pos - 1;
            }
            let (role, width) = self.role(self.pos);
            let at = self.pos;
            self.pos += width;
            match role {
                Role::Space => {}
                Role::Alone => return Some(&self.text[at..self.pos]),
                Role::Joined => break at,
            }
        };
        while self.pos < len {
            // Most bytes join whatever their neighbours are, and most tokens end at a space.
            self.pos = Self::skip_joined(bytes, self.pos);
            match bytes.get(self.pos) {
                None | Some(b' ') => break,
                Some(_) => {}
            }
            let (role, width) = self.role(self.pos);
            if role != Role::Joined {
                break;
            }
            self.pos += width;
        }
        Some(&self.text[start..self.pos])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `re.sub` of a two-byte pattern by its definition: scan left to right, replace a match
    /// and resume after it.
    fn sequential(text: &[u8], emit: impl Fn(u8, u8) -> Option<[u8; 4]>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            match text.get(i + 1).and_then(|&b| emit(text[i], b)) {
                Some(bytes) => {
                    out.extend_from_slice(&bytes);
                    i += 2;
                }
                None => {
                    out.push(text[i]);
                    i += 1;
                }
            }
        }
        out
    }

    /// The tokens by sacrebleu's definition: the four substitutions one after the other on
    /// the text (padded with spaces when `padded`), then a split on whitespace.
    fn substituted(text: &str, padded: bool) -> Vec<String> {
        let mut spaced = Vec::new();
        let pad: &[u8] = if padded { b" " } else { b"" };
        for &b in pad.iter().chain(text.as_bytes()).chain(pad) {
            if b != b' ' && BYTES[b as usize] == Byte::Symbol {
                spaced.extend_from_slice(&[b' ', b, b' ']);
            } else {
                spaced.push(b);
            }
        }
        let period = |b: u8| b == b'.' || b == b',';
        let spaced = sequential(&spaced, |a, b| {
            (!a.is_ascii_digit() && period(b)).then_some([a, b' ', b, b' '])
        });
        let spaced = sequential(&spaced, |a, b| {
            (period(a) && !b.is_ascii_digit()).then_some([b' ', a, b' ', b])
        });
        let spaced = sequential(&spaced, |a, b| {
            (a.is_ascii_digit() && b == b'-').then_some([a, b' ', b, b' '])
        });
        let spaced = String::from_utf8(spaced).unwrap();
        pystr::split(&spaced).map(str::to_string).collect()
    }

    /// Random texts over an alphabet that exercises every rule.
    fn random_texts(count: usize) -> Vec<String> {
        let alphabet = [
            "a", "1", "9", ".", ",", "-", " ", "(", "$", "'", "é", "\u{a0}", "\u{3000}", "中", "—",
        ];
        let mut state = 7u64;
        (0..count)
            .map(|case| {
                (0..case % 23)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1);
                        alphabet[(state >> 33) as usize % alphabet.len()]
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn padded_scan_yields_the_substitutions_tokens() {
        for text in random_texts(5000) {
            let ours: Vec<&str> = tokens_13a(&text).collect();
            assert_eq!(ours, substituted(&text, true), "{text:?}");
        }
    }

    #[test]
    fn unpadded_scan_with_chinese_alone_yields_the_substitutions_tokens() {
        for text in random_texts(5000) {
            let mut spaced = String::new();
            for c in text.chars() {
                if zh::is_chinese(c) {
                    spaced.extend([' ', c, ' ']);
                } else {
                    spaced.push(c);
                }
            }
            let ours: Vec<&str> = tokens_zh(&text).collect();
            assert_eq!(ours, substituted(&spaced, false), "{text:?}");
        }
    }

    #[test]
    fn stops_cover_every_byte_that_is_not_always_joined() {
        for byte in 0..=255u8 {
            // A byte that may end a token is always a stop (the converse need not hold).
            if !Tokens::<false>::always_joined(byte) {
                assert_eq!(scan::find(&[byte], 0, &STOPS_13A), 0, "13a {byte:#x}");
            }
            if !Tokens::<true>::always_joined(byte) {
                assert_eq!(scan::find(&[byte], 0, &STOPS_ZH), 0, "zh {byte:#x}");
            }
        }
    }

    #[test]
    fn long_texts_cross_the_sixteen_byte_steps() {
        let text = "Wir haben jetzt 4 Monate alte Mäuse, die früher Diabetes hatten (Typ 1.5-2) — \
                    und jetzt nicht mehr., sagte er.";
        assert_eq!(
            tokens_13a(text).collect::<Vec<_>>(),
            substituted(text, true),
        );
    }

    #[test]
    fn periods_by_hand() {
        let cases = [
            ("a.. b,c 1,000.5 x.1", "a . . b , c 1,000.5 x . 1"),
            ("5.. 5.,5 a.,5 3.5-4", "5 . . 5 . , 5 a . ,5 3.5 - 4"),
        ];
        for (text, expected) in cases {
            assert_eq!(tokens_13a(text).collect::<Vec<_>>().join(" "), expected);
        }
        // Unpadded, a leading period before a digit and a final one after a digit stay.
        assert_eq!(tokens_zh(".5 x 5.").collect::<Vec<_>>(), [".5", "x", "5."]);
        assert_eq!(
            tokens_13a(".5 x 5.").collect::<Vec<_>>(),
            [".", "5", "x", "5", "."]
        );
    }
}
