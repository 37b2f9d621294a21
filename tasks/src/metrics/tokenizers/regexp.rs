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
//! match and resumes after it produces exactly what Python's `re.sub` produces. The scans run
//! on decoded characters.

use crate::metrics::pystr;

/// The characters of `line` after the four substitutions, tokens joined by single spaces.
pub(super) fn tokenize(line: impl Iterator<Item = char>) -> String {
    let mut spaced = Vec::with_capacity(256);
    for c in line {
        if is_spaced_symbol(c) {
            spaced.extend([' ', c, ' ']);
        } else {
            spaced.push(c);
        }
    }
    let step2 = replace_pairs(
        &spaced,
        |a| !is_digit(a),
        is_period_or_comma,
        |a, b| [a, ' ', b, ' '],
    );
    let step3 = replace_pairs(
        &step2,
        is_period_or_comma,
        |b| !is_digit(b),
        |a, b| [' ', a, ' ', b],
    );
    let step4 = replace_pairs(&step3, is_digit, |b| b == '-', |a, b| [a, ' ', b, ' ']);
    join_words(step4.into_iter())
}

/// The words of `text` joined by single spaces, as Python's `' '.join(text.split())`.
pub(super) fn join_words(text: impl Iterator<Item = char>) -> String {
    let mut out = String::with_capacity(256);
    let mut pending_space = false;
    for c in text {
        if pystr::is_space(c) {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// The class of substitution 1: `{|}~`, ``[\]^_` ``, space to `&`, `(` to `+`, `:` to `@`, `/`.
fn is_spaced_symbol(c: char) -> bool {
    matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/')
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn is_period_or_comma(c: char) -> bool {
    matches!(c, '.' | ',')
}

/// Replaces every non-overlapping pair `ab` with `first(a) && second(b)`, scanning left to
/// right, by the four characters `emit(a, b)`.
fn replace_pairs(
    text: &[char],
    first: impl Fn(char) -> bool,
    second: impl Fn(char) -> bool,
    emit: impl Fn(char, char) -> [char; 4],
) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 4);
    let mut i = 0;
    while i < text.len() {
        let a = text[i];
        if first(a)
            && let Some(&b) = text.get(i + 1)
            && second(b)
        {
            out.extend(emit(a, b));
            i += 2;
        } else {
            out.push(a);
            i += 1;
        }
    }
    out
}
