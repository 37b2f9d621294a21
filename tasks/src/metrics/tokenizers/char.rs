//! The `char` tokenizer: every character is a token.

use crate::metrics::pystr;

/// The tokens of `line` as sacrebleu's `TokenizerChar` yields them (a space after every
/// character, then a split on whitespace): the characters that are not whitespace.
pub(super) fn tokens(line: &str) -> Tokens<'_> {
    Tokens { rest: line }
}

/// Iterator over the characters of a line that are not whitespace, each as a `&str`.
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let c = self.rest.chars().next()?;
            let (token, rest) = self.rest.split_at(c.len_utf8());
            self.rest = rest;
            if !pystr::is_space(c) {
                return Some(token);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_is_a_token() {
        assert_eq!(
            tokens("ab c\u{a0}น้ำ").collect::<Vec<_>>(),
            ["a", "b", "c", "น", "้", "ำ"]
        );
        assert_eq!(tokens("").count(), 0);
    }
}
