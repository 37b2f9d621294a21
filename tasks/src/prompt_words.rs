//! The words of native prompts (`tasks/data/prompt_words.tsv`, written by
//! `scripts/prompt_words.py`): per language, its name for itself and for English (CLDR), and
//! "Answer", "Topic" and "Text" where a published translation has them. The file's header names
//! the sources; a `-` marks a word no source gives.

use std::collections::BTreeMap;
use std::sync::LazyLock;

const PROMPT_WORDS_TSV: &str = include_str!("../data/prompt_words.tsv");

/// The table, parsed once.
static TABLE: LazyLock<PromptWords> = LazyLock::new(|| PromptWords::parse(PROMPT_WORDS_TSV));

/// The native words of every language of the table.
#[derive(Debug)]
pub struct PromptWords {
    /// Column names after `code`, in file order.
    columns: Vec<String>,
    /// Per language code, its words in column order (`None` for `-`).
    rows: BTreeMap<String, Vec<Option<String>>>,
}

impl PromptWords {
    /// The table committed with babelbench.
    pub fn builtin() -> &'static PromptWords {
        &TABLE
    }

    /// `column` (`name`, `name_eng`, `answer`, `topic`, `text`) in language `code`, when a
    /// source gives it.
    pub fn word(&self, code: &str, column: &str) -> Option<&str> {
        let index = self.columns.iter().position(|c| c == column)?;
        self.rows.get(code)?.get(index)?.as_deref()
    }

    /// The words a template may use as `{word_<column>}`: every column but the names.
    pub fn word_columns(&self) -> impl Iterator<Item = &str> {
        self.columns
            .iter()
            .map(String::as_str)
            .filter(|c| !c.starts_with("name"))
    }

    /// The committed file is written by a script and checked by this crate's tests, so a
    /// malformed line is a build defect: it panics with the line.
    fn parse(text: &str) -> PromptWords {
        let header = text
            .lines()
            .find_map(|line| line.strip_prefix("# Columns (tab-separated): code"))
            .expect("prompt_words.tsv names its columns");
        let columns: Vec<String> = header.split_whitespace().map(str::to_string).collect();
        let rows = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(|line| {
                let mut cells = line.split('\t');
                let code = cells.next().unwrap_or_default().to_string();
                let words: Vec<Option<String>> = cells
                    .map(|cell| (cell != "-").then(|| cell.to_string()))
                    .collect();
                assert_eq!(words.len(), columns.len(), "prompt_words.tsv: {line}");
                (code, words)
            })
            .collect();
        PromptWords { columns, rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_from_the_committed_table() {
        let words = PromptWords::builtin();
        assert_eq!(words.word("deu_Latn", "name"), Some("Deutsch"));
        assert_eq!(words.word("deu_Latn", "name_eng"), Some("Englisch"));
        assert_eq!(words.word("deu_Latn", "answer"), Some("Antwort"));
        assert_eq!(words.word("deu_Latn", "topic"), Some("Thema"));
        assert_eq!(words.word("zho_Hans", "answer"), Some("答案"));
        // MMLU-ProX's Serbian is in Latin letters: not srp_Cyrl's.
        assert_eq!(words.word("srp_Cyrl", "answer"), None);
        assert_eq!(words.word("ace_Latn", "name"), None);
        assert_eq!(words.word("eng_Latn", "name"), None);
        assert_eq!(words.word("deu_Latn", "question"), None);
        let columns: Vec<&str> = words.word_columns().collect();
        assert_eq!(columns, ["answer", "topic", "text"]);
    }

    #[test]
    fn every_language_code_is_in_the_language_table() {
        let table = harness::languages::LanguageTable::builtin().unwrap();
        let words = PromptWords::builtin();
        for code in words.rows.keys() {
            assert!(table.get(code).is_some(), "{code} is not a language code");
        }
        assert_eq!(words.rows.len(), 204);
    }
}
