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
pub(super) fn substitute(pieces: &[&[u8]]) -> String {
    let size: usize = pieces.iter().map(|p| p.len()).sum();
    let mut spaced = Vec::with_capacity(size + size / 4);
    for &byte in pieces.iter().flat_map(|p| p.iter()) {
        if byte != b' ' && is_spaced_symbol(byte) {
            spaced.extend_from_slice(&[b' ', byte, b' ']);
        } else {
            spaced.push(byte);
        }
    }
    let step2 = replace_pairs(
        &spaced,
        |a| !a.is_ascii_digit(),
        is_period_or_comma,
        |a, b| [a, b' ', b, b' '],
    );
    let step3 = replace_pairs(
        &step2,
        is_period_or_comma,
        |b| !b.is_ascii_digit(),
        |a, b| [b' ', a, b' ', b],
    );
    let step4 = replace_pairs(
        &step3,
        |a| a.is_ascii_digit(),
        |b| b == b'-',
        |a, b| [a, b' ', b, b' '],
    );
    // Spaces were inserted at character boundaries of valid UTF-8 only, so this is lossless.
    String::from_utf8(step4).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
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

/// The class of substitution 1: `{|}~`, ``[\]^_` ``, space to `&`, `(` to `+`, `:` to `@`, `/`.
fn is_spaced_symbol(byte: u8) -> bool {
    matches!(byte, b'{'..=b'~' | b'['..=b'`' | b' '..=b'&' | b'('..=b'+' | b':'..=b'@' | b'/')
}

fn is_period_or_comma(byte: u8) -> bool {
    matches!(byte, b'.' | b',')
}

/// Replaces every non-overlapping pair `ab` with `first(a) && second(b)`, scanning left to
/// right, by the four bytes `emit(a, b)`.
fn replace_pairs(
    text: &[u8],
    first: impl Fn(u8) -> bool,
    second: impl Fn(u8) -> bool,
    emit: impl Fn(u8, u8) -> [u8; 4],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 4);
    let mut i = 0;
    while i < text.len() {
        let a = text[i];
        if first(a)
            && let Some(&b) = text.get(i + 1)
            && second(b)
        {
            out.extend_from_slice(&emit(a, b));
            i += 2;
        } else {
            out.push(a);
            i += 1;
        }
    }
    out
}
