//! sacrebleu's BLEU tokenizers: `13a` (the default, mteval-v13a), `intl` (mteval-v14
//! international), `char`, `zh` and `none`.

mod char;
mod intl;
mod regexp;
mod tok13a;
mod zh;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

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

    /// `line` tokenized, tokens separated by single spaces (for `none`, `line` unchanged).
    pub fn tokenize(self, line: &str) -> Cow<'_, str> {
        if self == BleuTokenizer::None {
            return Cow::Borrowed(line);
        }
        let prepared = self.prepare(line);
        let tokens: Vec<&str> = self.tokens(&prepared).collect();
        Cow::Owned(tokens.join(" "))
    }

    /// `line` as [`Self::tokens`] reads it: normalized for `13a`, stripped for `zh`, spaced
    /// out by the regular expressions for `intl`, unchanged otherwise.
    pub(crate) fn prepare(self, line: &str) -> Cow<'_, str> {
        match self {
            BleuTokenizer::V13a => tok13a::normalize(line),
            BleuTokenizer::Intl => Cow::Owned(intl::spaced(line)),
            BleuTokenizer::Zh => Cow::Borrowed(pystr::strip(line)),
            BleuTokenizer::Char | BleuTokenizer::None => Cow::Borrowed(line),
        }
    }

    /// The tokens of a line that [`Self::prepare`] returned, each a piece of it.
    pub(crate) fn tokens(self, prepared: &str) -> Tokens<'_> {
        match self {
            BleuTokenizer::V13a => Tokens::V13a(regexp::tokens_13a(prepared)),
            BleuTokenizer::Zh => Tokens::Zh(regexp::tokens_zh(prepared)),
            BleuTokenizer::Char => Tokens::Chars(char::tokens(prepared)),
            BleuTokenizer::Intl | BleuTokenizer::None => Tokens::Words(pystr::split(prepared)),
        }
    }
}

/// Iterator over the tokens of a prepared line, from [`BleuTokenizer::tokens`].
pub(crate) enum Tokens<'a> {
    /// `13a`: the regexp tokenizer on the padded line.
    V13a(regexp::Tokens<'a, false>),
    /// `zh`: the regexp tokenizer with Chinese characters alone.
    Zh(regexp::Tokens<'a, true>),
    /// `char`: the characters that are not whitespace.
    Chars(char::Tokens<'a>),
    /// `intl` (of its spaced line) and `none`: the whitespace-separated words.
    Words(pystr::Words<'a>),
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        match self {
            Tokens::V13a(tokens) => tokens.next(),
            Tokens::Zh(tokens) => tokens.next(),
            Tokens::Chars(tokens) => tokens.next(),
            Tokens::Words(words) => words.next(),
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
        assert_eq!(BleuTokenizer::None.tokenize(" a  b "), " a  b ");
    }
}
