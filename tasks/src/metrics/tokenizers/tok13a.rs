//! The `13a` tokenizer: mteval-v13a's normalization, then [`super::regexp`] on the line
//! padded with a space on both sides.

use std::borrow::Cow;

/// `line` normalized as sacrebleu's `Tokenizer13a` normalizes it before the regexp
/// tokenizer: drop `<skipped>` and `-` + newline, turn newlines into spaces, unescape
/// `&quot;`, `&amp;`, `&lt;`, `&gt;` (in that order). The padding is left to the scan.
pub(super) fn normalize(line: &str) -> Cow<'_, str> {
    let mut text = Cow::Borrowed(line);
    // Most lines have none of the three bytes the rules start with; one pass that does not
    // stop early (so it runs on vectors) says so.
    let special = line
        .bytes()
        .fold(false, |any, b| any | matches!(b, b'<' | b'\n' | b'&'));
    if !special {
        return text;
    }
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
    text
}

#[cfg(test)]
mod tests {
    use super::super::BleuTokenizer;

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
            assert_eq!(BleuTokenizer::V13a.tokenize(line), expected, "{line:?}");
        }
    }
}
