//! The `intl` tokenizer: mteval-v14's international tokenization.

use std::sync::LazyLock;

use regex::Regex;

/// sacrebleu's three substitutions, in order: punctuation after a non-number, punctuation
/// before a non-number, and every symbol, each spaced out.
static RULES: LazyLock<[(Regex, &'static str); 3]> = LazyLock::new(|| {
    let rule = |pattern: &str| Regex::new(pattern).expect("constant pattern is valid");
    [
        (rule(r"(\P{N})(\p{P})"), "${1} ${2} "),
        (rule(r"(\p{P})(\P{N})"), " ${1} ${2}"),
        (rule(r"(\p{S})"), " ${1} "),
    ]
});

/// `line` tokenized as sacrebleu's `TokenizerV14International`, tokens separated by
/// whitespace.
pub(super) fn spaced(line: &str) -> String {
    let mut text = line.to_string();
    for (pattern, replacement) in RULES.iter() {
        if let std::borrow::Cow::Owned(replaced) = pattern.replace_all(&text, *replacement) {
            text = replaced;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::super::BleuTokenizer;

    // Expected strings from sacrebleu 2.6.0: `TokenizerV14International()(line)`.
    #[test]
    fn matches_sacrebleu() {
        let cases = [
            (
                "Hello, world! It's 3.5-4 km (approx.).",
                "Hello , world ! It ' s 3.5-4 km ( approx . ) .",
            ),
            ("«Ça», dit-il. En 2019.", "« Ça » , dit - il . En 2019."),
            (
                "Preis: 5€ + 3$ = 8 «¿qué?»",
                "Preis : 5 € + 3 $ = 8 « ¿ qué ? »",
            ),
            ("中文，测试。", "中文 ， 测试 。"),
        ];
        for (line, expected) in cases {
            assert_eq!(BleuTokenizer::Intl.tokenize(line), expected, "{line:?}");
        }
    }
}
