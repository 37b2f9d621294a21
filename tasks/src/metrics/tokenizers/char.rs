//! The `char` tokenizer: every character is a token.

/// `line` tokenized as sacrebleu's `TokenizerChar`: every character followed by a space, so
/// that the tokens are the characters that are not whitespace.
pub(super) fn spaced(line: &str) -> String {
    let mut text = String::with_capacity(line.len() * 2);
    for c in line.chars() {
        text.push(c);
        text.push(' ');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::super::regexp::join_words;
    use super::*;

    #[test]
    fn every_character_is_a_token() {
        assert_eq!(join_words(&spaced("ab c\u{a0}น้ำ")), "a b c น ้ ำ");
        assert_eq!(join_words(&spaced("")), "");
    }
}
