//! sacrebleu's `TokenizerRegexp`, the language-dependent part of `13a` and `zh`.
//!
//! Four substitutions run in order, then whitespace is collapsed:
//! 1. `([\{-\~\[-\` -\&\(-\+\:-\@\/])` → ` \1 `: space out ASCII symbols and most ASCII
//!    punctuation (not `'`, `-`, `.`, `,`);
//! 2. `([^0-9])([\.,])` → `\1 \2 `: period and comma after a non-digit;
//! 3. `([\.,])([^0-9])` → ` \1 \2`: period and comma before a non-digit;
//! 4. `([0-9])(-)` → `\1 \2 `: dash after a digit.
//!
//! Each pattern matches one or two fixed characters, so a left-to-right scan that replaces a
//! match and resumes after it produces what Python's `re.sub` produces. The scans run on UTF-8
//! bytes: every character the patterns name is ASCII, a multi-byte character is a non-digit
//! whichever of its bytes is tested, and no byte of it is `.`, `,` or `-`, so testing bytes
//! selects the same matches, and spaces are only inserted at character boundaries. Substitution
//! 1 leaves the space character itself alone: a run of spaces behaves in substitutions 2 to 4
//! as a single space does, and the final collapse removes the difference.

use crate::metrics::pystr;

/// The text `pieces` form, after the four substitutions, tokens separated by whitespace.
///
/// Each pass copies the runs of bytes between its matches whole; substitutions 2 to 4 find
/// their candidates with `memchr`, since every match holds a `.`, `,` or `-`.
pub(super) fn substitute(pieces: &[&str]) -> String {
    let size: usize = pieces.iter().map(|p| p.len()).sum();
    let mut text = Vec::with_capacity(size + size / 4 + 8);
    for piece in pieces {
        space_symbols(piece.as_bytes(), &mut text);
    }
    let mut out = Vec::with_capacity(text.len() + text.len() / 4 + 8);
    // 2. A non-digit, then a period or comma.
    replace_pairs(
        &text,
        &mut out,
        Fixed::Second(memchr::memchr2_iter(b'.', b',', &text)),
        |a, b| (!a.is_ascii_digit()).then_some([a, b' ', b, b' ']),
    );
    text.clear();
    // 3. A period or comma, then a non-digit.
    replace_pairs(
        &out,
        &mut text,
        Fixed::First(memchr::memchr2_iter(b'.', b',', &out)),
        |a, b| (!b.is_ascii_digit()).then_some([b' ', a, b' ', b]),
    );
    out.clear();
    // 4. A digit, then a dash.
    replace_pairs(
        &text,
        &mut out,
        Fixed::Second(memchr::memchr_iter(b'-', &text)),
        |a, b| a.is_ascii_digit().then_some([a, b' ', b, b' ']),
    );
    debug_assert!(std::str::from_utf8(&out).is_ok());
    // SAFETY: the pieces are UTF-8 and every pass only inserts ASCII spaces next to ASCII
    // bytes, that is at character boundaries, so `out` is UTF-8 too (checked in debug builds).
    unsafe { String::from_utf8_unchecked(out) }
}

/// Substitution 1: appends `text` to `out` with every symbol of its class spaced out.
fn space_symbols(text: &[u8], out: &mut Vec<u8>) {
    let mut rest = text;
    while let Some(i) = rest.iter().position(|&b| SPACED_SYMBOL[b as usize]) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(&[b' ', rest[i], b' ']);
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// The words of `text` joined by single spaces, as Python's `' '.join(text.split())`.
pub(super) fn join_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in pystr::split(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Per byte: whether substitution 1 spaces it out. Its class is `{|}~`, ``[\]^_` ``, space
/// to `&`, `(` to `+`, `:` to `@` and `/`; the space itself is left alone (see above).
const SPACED_SYMBOL: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = matches!(
            byte as u8,
            b'{'..=b'~' | b'['..=b'`' | b'!'..=b'&' | b'('..=b'+' | b':'..=b'@' | b'/'
        );
        byte += 1;
    }
    table
};

/// Where the byte a pattern fixes lies in its pair, and the positions of that byte.
enum Fixed<I> {
    /// The pattern's first byte is fixed; the iterator yields its positions.
    First(I),
    /// The pattern's second byte is fixed; the iterator yields its positions.
    Second(I),
}

/// Appends `text` to `out` with every pair `ab` that `emit` turns into four bytes replaced,
/// leftmost first and without overlaps, as `re.sub` replaces matches: only pairs at the
/// candidate positions `fixed` gives can match.
fn replace_pairs(
    text: &[u8],
    out: &mut Vec<u8>,
    fixed: Fixed<impl Iterator<Item = usize>>,
    emit: impl Fn(u8, u8) -> Option<[u8; 4]>,
) {
    // Bytes before `copied` are in `out`; a match may not start before it.
    let mut copied = 0;
    let mut try_pair = |start: usize, out: &mut Vec<u8>| {
        if start < copied || start + 1 >= text.len() {
            return;
        }
        if let Some(bytes) = emit(text[start], text[start + 1]) {
            out.extend_from_slice(&text[copied..start]);
            out.extend_from_slice(&bytes);
            copied = start + 2;
        }
    };
    match fixed {
        Fixed::First(positions) => positions.for_each(|i| try_pair(i, out)),
        Fixed::Second(positions) => positions
            .filter(|&i| i > 0)
            .for_each(|i| try_pair(i - 1, out)),
    }
    out.extend_from_slice(&text[copied..]);
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

    #[test]
    fn candidate_scans_replace_what_sequential_scans_replace() {
        let alphabet = b"a1.,- ";
        let mut state = 7u64;
        for case in 0..2000 {
            let text: Vec<u8> = (0..case % 23)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    alphabet[(state >> 33) as usize % alphabet.len()]
                })
                .collect();
            let step2 = |a: u8, b: u8| {
                (!a.is_ascii_digit() && matches!(b, b'.' | b',')).then_some([a, b' ', b, b' '])
            };
            let step3 = |a: u8, b: u8| {
                (matches!(a, b'.' | b',') && !b.is_ascii_digit()).then_some([b' ', a, b' ', b])
            };
            let step4 =
                |a: u8, b: u8| (a.is_ascii_digit() && b == b'-').then_some([a, b' ', b, b' ']);
            let mut out = Vec::new();
            let periods = memchr::memchr2_iter(b'.', b',', &text);
            replace_pairs(&text, &mut out, Fixed::Second(periods), step2);
            assert_eq!(
                out,
                sequential(&text, step2),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
            out.clear();
            let periods = memchr::memchr2_iter(b'.', b',', &text);
            replace_pairs(&text, &mut out, Fixed::First(periods), step3);
            assert_eq!(
                out,
                sequential(&text, step3),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
            out.clear();
            let dashes = memchr::memchr_iter(b'-', &text);
            replace_pairs(&text, &mut out, Fixed::Second(dashes), step4);
            assert_eq!(
                out,
                sequential(&text, step4),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
