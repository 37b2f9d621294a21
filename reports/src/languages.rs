//! The language table the reports group by: FLORES-200 code → English name, ISO 639-3 code,
//! script, family and resource class 0–5. The caller passes the text (the binary embeds
//! `tasks/data/languages.tsv`), so this crate does not depend on the tasks crate.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::ReportError;

/// Columns the table must have (in any order; others are ignored).
const REQUIRED_COLUMNS: [&str; 6] = [
    "code",
    "name",
    "iso639_3",
    "script",
    "family",
    "joshi_class",
];

/// One language of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// FLORES-200 code, e.g. `deu_Latn`.
    pub code: String,
    /// English name, e.g. `German`.
    pub name: String,
    /// ISO 639-3 code, e.g. `deu`.
    pub iso639_3: String,
    /// ISO 15924 script, e.g. `Latn`.
    pub script: String,
    /// Top-level language family.
    pub family: String,
    /// Resource class 0 (left behind) to 5 (winners), Joshi et al. (2020).
    pub resource_class: u8,
}

/// The languages by code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LanguageTable {
    languages: BTreeMap<String, Language>,
}

impl LanguageTable {
    /// Parses a table in the format of `tasks/data/languages.tsv`: `#` comment lines, a
    /// tab-separated header row naming at least the columns `code name iso639_3 script family
    /// joshi_class`, then one row per language. `source_name` names the text in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, ReportError> {
        let error = |line: usize, message: String| ReportError::LanguageTable {
            source_name: source_name.to_string(),
            line,
            message,
        };
        let mut rows = text
            .lines()
            .enumerate()
            .map(|(index, line)| (index + 1, line))
            .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty());
        let (header_line, header) = rows.next().ok_or_else(|| {
            error(1, "no header row; expected a tab-separated header with the columns code, name, iso639_3, script, family, joshi_class".into())
        })?;
        let header: Vec<&str> = header.split('\t').map(str::trim).collect();
        let mut index = [0usize; 6];
        for (slot, column) in index.iter_mut().zip(REQUIRED_COLUMNS) {
            *slot = header.iter().position(|h| *h == column).ok_or_else(|| {
                error(
                    header_line,
                    format!("header lacks the column `{column}`; add it (tab-separated)"),
                )
            })?;
        }
        let mut languages = BTreeMap::new();
        for (line, row) in rows {
            let cells: Vec<&str> = row.split('\t').map(str::trim).collect();
            if cells.len() != header.len() {
                return Err(error(
                    line,
                    format!(
                        "{} cells, the header has {}; separate cells by tabs",
                        cells.len(),
                        header.len()
                    ),
                ));
            }
            let cell = |i: usize| cells[index[i]].to_string();
            let class = cell(5);
            let resource_class = class
                .parse::<u8>()
                .ok()
                .filter(|c| *c <= 5)
                .ok_or_else(|| {
                    error(
                        line,
                        format!("column `joshi_class`: `{class}` is not a class 0-5"),
                    )
                })?;
            let language = Language {
                code: cell(0),
                name: cell(1),
                iso639_3: cell(2),
                script: cell(3),
                family: cell(4),
                resource_class,
            };
            if language.code.is_empty() {
                return Err(error(line, "column `code` is empty".into()));
            }
            if languages.contains_key(&language.code) {
                return Err(error(
                    line,
                    format!("column `code`: `{}` appears twice", language.code),
                ));
            }
            languages.insert(language.code.clone(), language);
        }
        Ok(LanguageTable { languages })
    }

    /// Reads and parses the table at `path`.
    pub fn load(path: &Path) -> Result<Self, ReportError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ReportError::io("cannot read", path, source))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The language with code `code`.
    pub fn get(&self, code: &str) -> Option<&Language> {
        self.languages.get(code)
    }

    /// Number of languages.
    pub fn len(&self) -> usize {
        self.languages.len()
    }

    /// Whether the table has no languages.
    pub fn is_empty(&self) -> bool {
        self.languages.is_empty()
    }

    /// The display name of `code`: the English name, or the code itself when it is not listed.
    pub fn name_of(&self, code: &str) -> String {
        self.get(code)
            .map_or_else(|| code.to_string(), |l| l.name.clone())
    }

    /// The script of `code`: the table's, else the part after `_`, else `unknown`.
    pub fn script_of(&self, code: &str) -> String {
        match self.get(code) {
            Some(language) => language.script.clone(),
            None => code
                .split_once('_')
                .map_or("unknown", |(_, script)| script)
                .to_string(),
        }
    }

    /// The resource class of `code`, when listed.
    pub fn class_of(&self, code: &str) -> Option<u8> {
        self.get(code).map(|l| l.resource_class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "# comment\ncode\tname\tiso639_3\tscript\tfamily\tjoshi_class\tjoshi_entry\n\
        deu_Latn\tGerman\tdeu\tLatn\tIndo-European\t5\tgerman\n\
        zul_Latn\tZulu\tzul\tLatn\tAtlantic-Congo\t2\tzulu\n";

    #[test]
    fn parses_rows_by_header_name() {
        let table = LanguageTable::parse(TABLE, "t.tsv").unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(table.class_of("zul_Latn"), Some(2));
        assert_eq!(table.name_of("deu_Latn"), "German");
        assert_eq!(table.name_of("xxx_Cyrl"), "xxx_Cyrl");
        assert_eq!(table.script_of("xxx_Cyrl"), "Cyrl");
        assert_eq!(table.class_of("xxx_Cyrl"), None);
    }

    #[test]
    fn bad_class_names_file_line_and_column() {
        let text = TABLE.replace("\t2\tzulu", "\t7\tzulu");
        let message = LanguageTable::parse(&text, "t.tsv")
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "t.tsv:4: column `joshi_class`: `7` is not a class 0-5"
        );
    }

    #[test]
    fn missing_column_is_named() {
        let message = LanguageTable::parse("code\tname\n", "t.tsv")
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("t.tsv:1: header lacks the column `iso639_3`"),
            "{message}"
        );
    }
}
