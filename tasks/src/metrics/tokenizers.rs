//! sacrebleu's BLEU tokenizers: `13a` (the default, mteval-v13a), `intl` (mteval-v14
//! international), `char`, `zh` and `none`, with the regular expressions sacrebleu 2.6.0 uses.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;

use super::error::MetricError;
use super::pystr;

/// A BLEU tokenizer, named as sacrebleu names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BleuTokenizer {
    /// `13a`: mteval-v13a's tokenization, sacrebleu's default.
    #[default]
    V13a,
    /// `intl`: mteval-v14's international tokenization on Unicode punctuation and symbols.
    Intl,
    /// `char`: every character is a token.
    Char,
    /// `zh`: every CJK character is a token, the rest is tokenized as `13a` does.
    Zh,
    /// `none`: no tokenization; tokens are the whitespace-separated words.
    None,
}

/// One of sacrebleu's substitutions.
enum Rule {
    /// Every match gets a space on either side (sacrebleu's `r" \1 "` around a group that is the
    /// whole match), found with `find_iter`, which resolves no capture groups.
    Spaced(Regex),
    /// As [`Rule::Spaced`] for a pattern that is one character class, tested per character.
    SpacedChars(fn(char) -> bool),
    /// Every match replaced by a template of its groups.
    Replace(Regex, &'static str),
}

impl Rule {
    fn spaced(pattern: &str) -> Self {
        Rule::Spaced(Regex::new(pattern).expect("constant pattern is valid"))
    }

    fn replace(pattern: &str, template: &'static str) -> Self {
        Rule::Replace(
            Regex::new(pattern).expect("constant pattern is valid"),
            template,
        )
    }

    /// `text` after the rule; borrowed when nothing matched.
    fn apply<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self {
            Rule::Spaced(pattern) => {
                let mut out = String::with_capacity(text.len() * 2);
                let mut last = 0;
                for found in pattern.find_iter(text) {
                    out.push_str(&text[last..found.start()]);
                    out.push(' ');
                    out.push_str(found.as_str());
                    out.push(' ');
                    last = found.end();
                }
                out.push_str(&text[last..]);
                Cow::Owned(out)
            }
            Rule::SpacedChars(class) => {
                let mut out = String::with_capacity(text.len() * 2);
                for c in text.chars() {
                    if class(c) {
                        out.extend([' ', c, ' ']);
                    } else {
                        out.push(c);
                    }
                }
                Cow::Owned(out)
            }
            Rule::Replace(pattern, template) => pattern.replace_all(text, *template),
        }
    }
}

/// sacrebleu's `TokenizerRegexp`, the post-processing of `13a` and `zh`: ASCII symbols and
/// most ASCII punctuation, periods and commas not next to a digit, and a dash after a digit,
/// each spaced out.
static REGEXP: LazyLock<[Rule; 4]> = LazyLock::new(|| {
    [
        Rule::SpacedChars(is_13a_symbol),
        Rule::replace(r"([^0-9])([\.,])", "${1} ${2} "),
        Rule::replace(r"([\.,])([^0-9])", " ${1} ${2}"),
        Rule::replace(r"([0-9])(-)", "${1} ${2} "),
    ]
});

/// The character class of 13a's first rule, sacrebleu's `[\{-\~\[-\` -\&\(-\+\:-\@\/]`: ASCII
/// symbols and punctuation but for `'`, `,`, `-` and `.`, and the space. It matches at every
/// space of a line, so it is tested per character rather than searched for.
fn is_13a_symbol(c: char) -> bool {
    matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/')
}

/// sacrebleu's `TokenizerV14International`: punctuation after a non-number, punctuation
/// before a non-number, and every symbol, each spaced out.
static INTL: LazyLock<[Rule; 3]> = LazyLock::new(|| {
    [
        Rule::replace(r"(\P{N})(\p{P})", "${1} ${2} "),
        Rule::replace(r"(\p{P})(\P{N})", " ${1} ${2}"),
        Rule::spaced(r"\p{S}"),
    ]
});

/// `line` with `rules` applied in order, its words then joined by single spaces.
fn substitute(line: &str, rules: &[Rule]) -> String {
    let mut text = line.to_string();
    for rule in rules {
        if let Cow::Owned(changed) = rule.apply(&text) {
            text = changed;
        }
    }
    pystr::split(&text).collect::<Vec<_>>().join(" ")
}

/// The characters sacrebleu's `TokenizerZh` treats as Chinese, as inclusive code point ranges.
///
/// sacrebleu lists its ranges as Python strings and tests `start <= char <= end`. Two entries
/// are written `'\u20000'..'\u2a6d6'` and `'\u2f800'..'\u2fa1d'`; Python reads `\u` with four
/// hex digits, so these are two-character strings and the comparisons select U+2001..=U+2A6D
/// and U+2F81..=U+2FA1 instead of the CJK Extension B and Compatibility Supplement planes. We
/// reproduce what sacrebleu computes: the first range spans general punctuation (dashes,
/// curly quotes, `…`), currency, arrows, math and dingbats, which therefore become tokens.
const CHINESE_RANGES: [(char, char); 22] = [
    ('\u{3400}', '\u{4DB5}'),
    ('\u{4E00}', '\u{9FA5}'),
    ('\u{9FA6}', '\u{9FBB}'),
    ('\u{F900}', '\u{FA2D}'),
    ('\u{FA30}', '\u{FA6A}'),
    ('\u{FA70}', '\u{FAD9}'),
    ('\u{2001}', '\u{2A6D}'),
    ('\u{2F81}', '\u{2FA1}'),
    ('\u{FF00}', '\u{FFEF}'),
    ('\u{2E80}', '\u{2EFF}'),
    ('\u{3000}', '\u{303F}'),
    ('\u{31C0}', '\u{31EF}'),
    ('\u{2F00}', '\u{2FDF}'),
    ('\u{2FF0}', '\u{2FFF}'),
    ('\u{3100}', '\u{312F}'),
    ('\u{31A0}', '\u{31BF}'),
    ('\u{FE10}', '\u{FE1F}'),
    ('\u{FE30}', '\u{FE4F}'),
    ('\u{2600}', '\u{26FF}'),
    ('\u{2700}', '\u{27BF}'),
    ('\u{3200}', '\u{32FF}'),
    ('\u{3300}', '\u{33FF}'),
];

/// Whether sacrebleu's `TokenizerZh` makes `c` a token of its own.
fn is_chinese(c: char) -> bool {
    CHINESE_RANGES
        .iter()
        .any(|&(start, end)| (start..=end).contains(&c))
}

impl BleuTokenizer {
    /// Every supported tokenizer.
    pub const ALL: [BleuTokenizer; 5] = [
        BleuTokenizer::V13a,
        BleuTokenizer::Intl,
        BleuTokenizer::Char,
        BleuTokenizer::Zh,
        BleuTokenizer::None,
    ];

    /// The tokenizer for text in `script` (ISO 15924), as babelbench scores FLORES-200: `zh` for
    /// Hans and Hant, `char` for Jpan, Thai, Laoo, Khmr and Mymr (scripts written without
    /// spaces between words), `13a` otherwise.
    pub fn for_script(script: &str) -> BleuTokenizer {
        match script {
            "Hans" | "Hant" => BleuTokenizer::Zh,
            "Jpan" | "Thai" | "Laoo" | "Khmr" | "Mymr" => BleuTokenizer::Char,
            _ => BleuTokenizer::V13a,
        }
    }

    /// The name in sacrebleu's signatures and command line: `13a`, `intl`, `char`, `zh`, `none`.
    pub fn name(self) -> &'static str {
        match self {
            BleuTokenizer::V13a => "13a",
            BleuTokenizer::Intl => "intl",
            BleuTokenizer::Char => "char",
            BleuTokenizer::Zh => "zh",
            BleuTokenizer::None => "none",
        }
    }

    /// `line` tokenized as sacrebleu's tokenizer of this name returns it; BLEU's tokens are
    /// its whitespace-separated words.
    pub fn tokenize(self, line: &str) -> String {
        match self {
            BleuTokenizer::V13a => {
                // The substitutions in sacrebleu's order, each skipped when it cannot apply.
                let mut line = line.to_string();
                if line.contains("<skipped>") {
                    line = line.replace("<skipped>", "");
                }
                if line.contains('\n') {
                    line = line.replace("-\n", "").replace('\n', " ");
                }
                if line.contains('&') {
                    line = line
                        .replace("&quot;", "\"")
                        .replace("&amp;", "&")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">");
                }
                substitute(&format!(" {line} "), &*REGEXP)
            }
            BleuTokenizer::Intl => substitute(line, &*INTL),
            BleuTokenizer::Char => {
                let chars: Vec<String> = line.chars().map(String::from).collect();
                chars.join(" ")
            }
            BleuTokenizer::Zh => {
                let mut spaced = String::new();
                for c in pystr::strip(line).chars() {
                    if is_chinese(c) {
                        spaced.extend([' ', c, ' ']);
                    } else {
                        spaced.push(c);
                    }
                }
                substitute(&spaced, &*REGEXP)
            }
            BleuTokenizer::None => line.to_string(),
        }
    }
}

impl fmt::Display for BleuTokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BleuTokenizer {
    type Err = MetricError;

    /// Parses a sacrebleu tokenizer name.
    fn from_str(name: &str) -> Result<Self, MetricError> {
        BleuTokenizer::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| MetricError::UnknownTokenizer {
                name: name.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_errors() {
        for tokenizer in BleuTokenizer::ALL {
            assert_eq!(tokenizer.name().parse::<BleuTokenizer>(), Ok(tokenizer));
        }
        let err = "ja-mecab".parse::<BleuTokenizer>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown BLEU tokenizer 'ja-mecab': use one of 13a, intl, char, zh, none"
        );
    }

    /// Asserts that `tokenizer` turns each line into its expected string.
    fn check(tokenizer: BleuTokenizer, cases: &[(&str, &str)]) {
        for (line, expected) in cases {
            assert_eq!(tokenizer.tokenize(line), *expected, "{tokenizer} {line:?}");
        }
    }

    // Expected strings from sacrebleu 2.6.0: `Tokenizer13a()(line)` and so on.
    #[test]
    fn tokens_equal_sacrebleus() {
        check(
            BleuTokenizer::V13a,
            &[
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
            ],
        );
        check(
            BleuTokenizer::Intl,
            &[
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
            ],
        );
        check(
            BleuTokenizer::Zh,
            &[
                (
                    " 我们在2019年去了北京，好吗？ ",
                    "我 们 在 2019 年 去 了 北 京 ， 好 吗 ？",
                ),
                (
                    "他说“OK.”—然后…走了 ABC,def.",
                    "他 说 “ OK . ” — 然 后 … 走 了 ABC , def .",
                ),
                ("𠀀x", "𠀀x"),
                (".5 x 5.", ".5 x 5."),
            ],
        );
        check(BleuTokenizer::Char, &[("ab c", "a b   c")]);
        check(BleuTokenizer::None, &[(" a  b ", " a  b ")]);
    }

    #[test]
    fn the_13a_symbol_class_equals_sacrebleus_pattern() {
        let pattern = Regex::new(r"^[\{-\~\[-\` -\&\(-\+\:-\@\/]$").unwrap();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut buf = [0; 4];
            assert_eq!(
                is_13a_symbol(c),
                pattern.is_match(c.encode_utf8(&mut buf)),
                "{c:?}"
            );
        }
    }

    /// The ranges sacrebleu 2.6.0's `TokenizerZh._is_chinese_char` accepts, merged, computed by
    /// testing every code point.
    const SACREBLEU_MERGED: [(u32, u32); 13] = [
        (0x2001, 0x2A6D),
        (0x2E80, 0x2FDF),
        (0x2FF0, 0x303F),
        (0x3100, 0x312F),
        (0x31A0, 0x31EF),
        (0x3200, 0x4DB5),
        (0x4E00, 0x9FBB),
        (0xF900, 0xFA2D),
        (0xFA30, 0xFA6A),
        (0xFA70, 0xFAD9),
        (0xFE10, 0xFE1F),
        (0xFE30, 0xFE4F),
        (0xFF00, 0xFFEF),
    ];

    #[test]
    fn chinese_characters_equal_sacrebleus() {
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for code in 0..=0x10FFFFu32 {
            if char::from_u32(code).is_some_and(is_chinese) {
                match merged.last_mut() {
                    Some(last) if last.1 + 1 == code => last.1 = code,
                    _ => merged.push((code, code)),
                }
            }
        }
        assert_eq!(merged, SACREBLEU_MERGED);
    }
}
