//! The language table (`harness/data/languages.tsv`): for every FLORES-200 and SIB-200 code its
//! English name, ISO 639-3 code, ISO 15924 script, family and Joshi et al. (2020) resource class.
//! The file's header comment names the sources and the matching rules. The task registry expands
//! language globs over it; the reports name, group and colour languages by it.

/// The table's text, embedded at build time.
const LANGUAGES_TSV: &str = include_str!("../data/languages.tsv");

/// Where the embedded table comes from, for error messages.
const LANGUAGES_SOURCE: &str = "harness/data/languages.tsv (built in)";

/// The header row of the table.
const HEADER: [&str; 7] = [
    "code",
    "name",
    "iso639_3",
    "script",
    "family",
    "joshi_class",
    "joshi_entry",
];

/// A row of the language table that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct LanguageTableError {
    /// The table's file name.
    pub source_name: String,
    /// 1-based line of the bad row.
    pub line: usize,
    /// What is wrong, naming the column.
    pub message: String,
}

/// One language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// FLORES-200 code, e.g. `deu_Latn`.
    pub code: String,
    /// English name, e.g. `German`.
    pub name: String,
    /// ISO 639-3 code, e.g. `deu`.
    pub iso639_3: String,
    /// ISO 15924 script code, e.g. `Latn`.
    pub script: String,
    /// Top-level language family, e.g. `Indo-European`.
    pub family: String,
    /// Resource class 0 (left behind) to 5 (winners) of Joshi et al. (2020).
    pub resource_class: u8,
    /// The `lang2tax.txt` entries the class was read from; empty when the language is absent.
    pub joshi_entries: Vec<String>,
}

/// All languages of the table, in table order (sorted by code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageTable {
    languages: Vec<Language>,
}

impl LanguageTable {
    /// The table shipped with babelbench.
    pub fn builtin() -> Result<Self, LanguageTableError> {
        Self::parse(LANGUAGES_TSV, LANGUAGES_SOURCE)
    }

    /// Parses a table in the format of `harness/data/languages.tsv`: `#` comment lines, then the
    /// header row, then one tab-separated row per language. `source_name` names the text in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, LanguageTableError> {
        let error = |line: usize, message: String| LanguageTableError {
            source_name: source_name.to_string(),
            line,
            message,
        };
        let mut rows = text
            .lines()
            .enumerate()
            .map(|(index, line)| (index + 1, line))
            .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty());
        let (header_line, header) = rows
            .next()
            .ok_or_else(|| error(1, "no header row; expected the columns of HEADER".into()))?;
        if header.split('\t').ne(HEADER) {
            return Err(error(
                header_line,
                format!("header must be `{}` (tab-separated)", HEADER.join(" ")),
            ));
        }
        let mut languages: Vec<Language> = Vec::new();
        for (line, row) in rows {
            let language = parse_row(row).map_err(|message| error(line, message))?;
            if let Some(previous) = languages.last()
                && previous.code >= language.code
            {
                return Err(error(
                    line,
                    format!(
                        "column `code`: `{}` after `{}`; rows must be sorted by code, each once",
                        language.code, previous.code
                    ),
                ));
            }
            languages.push(language);
        }
        Ok(LanguageTable { languages })
    }

    /// The language with FLORES-200 code `code`.
    pub fn get(&self, code: &str) -> Option<&Language> {
        self.languages
            .binary_search_by(|language| language.code.as_str().cmp(code))
            .ok()
            .map(|index| &self.languages[index])
    }

    /// All languages, sorted by code.
    pub fn languages(&self) -> &[Language] {
        &self.languages
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

    /// All codes, sorted.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.languages.iter().map(|language| language.code.as_str())
    }

    /// The codes of the table's FLORES-200 languages (all but those SIB-200 added), sorted.
    pub fn flores200_codes(&self) -> impl Iterator<Item = &str> {
        self.codes().filter(|code| !NOT_IN_FLORES200.contains(code))
    }
}

/// Languages of the table that FLORES-200 lacks: SIB-200 added N'Ko.
pub const NOT_IN_FLORES200: [&str; 1] = ["nqo_Nkoo"];

/// Reads one data row, or says which column is wrong.
fn parse_row(row: &str) -> Result<Language, String> {
    let fields: Vec<&str> = row.split('\t').collect();
    let [code, name, iso, script, family, class, entries] = fields[..] else {
        return Err(format!(
            "{} columns; expected {} ({})",
            fields.len(),
            HEADER.len(),
            HEADER.join(", ")
        ));
    };
    let Some((code_iso, code_script)) = code.split_once('_') else {
        return Err(format!(
            "column `code`: `{code}` is not of the form `deu_Latn`"
        ));
    };
    if code_iso != iso || code_script != script {
        return Err(format!(
            "columns `iso639_3` and `script` (`{iso}`, `{script}`) must be the two parts of \
             `code` (`{code}`)"
        ));
    }
    for (column, value) in [("name", name), ("family", family)] {
        if value.trim().is_empty() {
            return Err(format!("column `{column}` is empty"));
        }
    }
    let resource_class = match class.parse::<u8>() {
        Ok(class) if class <= 5 => class,
        _ => {
            return Err(format!(
                "column `joshi_class`: `{class}` is not a class 0 to 5"
            ));
        }
    };
    let joshi_entries = match entries {
        "-" => Vec::new(),
        entries => entries.split(',').map(str::to_string).collect(),
    };
    Ok(Language {
        code: code.to_string(),
        name: name.to_string(),
        iso639_3: iso.to_string(),
        script: script.to_string(),
        family: family.to_string(),
        resource_class,
        joshi_entries,
    })
}

#[cfg(test)]
mod tests {
    use super::LanguageTable;

    const TABLE: &str = "# comment\ncode\tname\tiso639_3\tscript\tfamily\tjoshi_class\tjoshi_entry\n\
        deu_Latn\tGerman\tdeu\tLatn\tIndo-European\t5\tgerman\n\
        zul_Latn\tZulu\tzul\tLatn\tAtlantic-Congo\t2\tzulu\n";

    #[test]
    fn unlisted_codes_fall_back_to_the_code() {
        let table = LanguageTable::parse(TABLE, "t.tsv").unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(table.class_of("zul_Latn"), Some(2));
        assert_eq!(table.name_of("deu_Latn"), "German");
        assert_eq!(table.name_of("xxx_Cyrl"), "xxx_Cyrl");
        assert_eq!(table.script_of("xxx_Cyrl"), "Cyrl");
        assert_eq!(table.script_of("nocode"), "unknown");
        assert_eq!(table.class_of("xxx_Cyrl"), None);
    }
}
