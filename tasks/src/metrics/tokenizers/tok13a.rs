//! The `13a` tokenizer: mteval-v13a's normalization, then [`super::regexp`].

use std::borrow::Cow;

use super::regexp;

/// `line` tokenized as sacrebleu's `Tokenizer13a`, tokens separated by whitespace: drop
/// `<skipped>` and `-` + newline, turn newlines into spaces, unescape `&quot;`, `&amp;`,
/// `&lt;`, `&gt;` (in that order), pad with a space on both sides and apply the regexp
/// tokenizer.
pub(super) fn spaced(line: &str) -> String {
    let mut text = Cow::Borrowed(line);
    if text.contains("<skipped>") {
        text = Cow::Owned(text.replace("<skipped>", ""));
    }
    if text.contains('\n') {
        text = Cow::Owned(text.replace("-\n", "").replace('\n', " "));
    }
    if text.contains('&') {
        text = Cow::Owned(
            text.replace("&quot;", "\"")
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">"),
        );
    }
    regexp::substitute(&[" ", &text, " "])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings from sacrebleu 2.6.0: `Tokenizer13a()(line)`.
    #[test]
    fn matches_sacrebleu() {
        let cases = [
            (
                "Hello, world! It's 3.5-4 km (approx.).",
                "Hello , world ! It's 3.5 - 4 km ( approx . ) .",
            ),
            (
                "a.. b,c 1,000.5 x.1 $5 e-mail",
                "a . . b , c 1,000.5 x . 1 $ 5 e-mail",
            ),
            ("&amp;quot; &lt;b&gt; <skipped>x", "& quot ; < b > x"),
            ("line-\nbreak\nnext", "linebreak next"),
            ("«Ça», dit-il. 2019.", "«Ça» , dit-il . 2019 ."),
            ("", ""),
        ];
        for (line, expected) in cases {
            assert_eq!(regexp::join_words(&spaced(line)), expected, "{line:?}");
        }
    }
}
