//! The `char` tokenizer: every character is a token.

use super::regexp::join_words;

/// `line` tokenized as sacrebleu's `TokenizerChar`: its characters joined by spaces, and, as
/// BLEU then splits on whitespace, whitespace characters dropped.
pub(super) fn tokenize(line: &str) -> String {
    join_words(line.chars().flat_map(|c| [c, ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_is_a_token() {
        assert_eq!(tokenize("ab c\u{a0}น้ำ"), "a b c น ้ ำ");
        assert_eq!(tokenize(""), "");
    }
}
