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
        match self {
            BleuTokenizer::None => Cow::Borrowed(line),
            _ => Cow::Owned(regexp::join_words(&self.spaced(line))),
        }
    }

    /// `line` tokenized, tokens separated by runs of whitespace: what [`Self::tokenize`]
    /// returns before whitespace is collapsed, enough for splitting into words.
    pub(crate) fn spaced(self, line: &str) -> Cow<'_, str> {
        match self {
            BleuTokenizer::V13a => Cow::Owned(tok13a::spaced(line)),
            BleuTokenizer::Intl => Cow::Owned(intl::spaced(line)),
            BleuTokenizer::Char => Cow::Owned(char::spaced(line)),
            BleuTokenizer::Zh => Cow::Owned(zh::spaced(line)),
            BleuTokenizer::None => Cow::Borrowed(line),
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
