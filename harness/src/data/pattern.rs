//! Language codes and the file patterns of the registry (`flores200/devtest/{lang}.devtest`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::DataError;

/// The placeholder for a language code in a [`FilePattern`].
pub const LANG_PLACEHOLDER: &str = "{lang}";

/// Whether `code` is a FLORES-200 language code: three lowercase ASCII letters (ISO 639-3), `_`,
/// and an ISO 15924 script (one uppercase and three lowercase ASCII letters), e.g. `fra_Latn`.
pub fn is_lang_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 8
        && b[..3].iter().all(u8::is_ascii_lowercase)
        && b[3] == b'_'
        && b[4].is_ascii_uppercase()
        && b[5..].iter().all(u8::is_ascii_lowercase)
}

/// Checks `lang` with [`is_lang_code`].
pub(crate) fn check_lang_code(lang: &str) -> Result<(), DataError> {
    if is_lang_code(lang) {
        Ok(())
    } else {
        Err(DataError::InvalidLanguageCode {
            lang: lang.to_string(),
        })
    }
}

/// Checks that `path` is a relative path of `/`-separated, non-empty components other than `.`
/// and `..`, without a backslash.
fn check_relative(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".to_string());
    }
    if path.contains('\\') {
        return Err(format!("`{path}`: separate folders with `/`, not `\\`"));
    }
    if path
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(format!(
            "`{path}`: expected a relative path of `/`-separated names, without `.`, `..`, \
             a leading `/` or an empty name"
        ));
    }
    Ok(())
}

/// A relative path of `/`-separated names (no `.`, `..` or leading `/`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct RelPath(String);

impl TryFrom<String> for RelPath {
    type Error = String;

    fn try_from(path: String) -> Result<Self, String> {
        check_relative(&path)?;
        Ok(RelPath(path))
    }
}

impl RelPath {
    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path under `base`.
    pub fn under(&self, base: &Path) -> PathBuf {
        self.0.split('/').fold(base.to_path_buf(), |p, c| p.join(c))
    }
}

/// A file's path relative to the data root, with at most one `{lang}` placeholder, e.g.
/// `sib200/annotated/{lang}/train.tsv`. Without a placeholder it names one file shared by all
/// languages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct FilePattern(String);

impl TryFrom<String> for FilePattern {
    type Error = String;

    fn try_from(pattern: String) -> Result<Self, String> {
        check_relative(&pattern)?;
        let without = pattern.replacen(LANG_PLACEHOLDER, "", 1);
        if without.contains('{') || without.contains('}') {
            return Err(format!(
                "`{pattern}`: the only placeholder allowed is one `{LANG_PLACEHOLDER}`"
            ));
        }
        Ok(FilePattern(pattern))
    }
}

impl FilePattern {
    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the pattern has a `{lang}` placeholder (one file per language).
    pub fn has_lang(&self) -> bool {
        self.0.contains(LANG_PLACEHOLDER)
    }

    /// The `/`-separated path relative to the data root for `lang` (ignored without a
    /// placeholder).
    pub fn relative(&self, lang: &str) -> String {
        self.0.replace(LANG_PLACEHOLDER, lang)
    }

    /// The file for `lang` (ignored without a placeholder) under the data root `root`.
    pub fn path(&self, root: &Path, lang: &str) -> PathBuf {
        self.relative(lang)
            .split('/')
            .fold(root.to_path_buf(), |p, c| p.join(c))
    }

    /// Splits the pattern around its placeholder: the folder components before the component
    /// that holds it, and that component's text before and after it.
    fn split(&self) -> Option<(Vec<&str>, &str, &str)> {
        let components: Vec<&str> = self.0.split('/').collect();
        let at = components
            .iter()
            .position(|c| c.contains(LANG_PLACEHOLDER))?;
        let (before, after) = components[at].split_once(LANG_PLACEHOLDER)?;
        Some((components[..at].to_vec(), before, after))
    }

    /// The language codes whose name on disk fits the pattern's placeholder component, sorted.
    /// Only the component holding `{lang}` must exist (so that a language with a missing file is
    /// still found and reported). Empty when the folder above it does not exist or the pattern
    /// has no placeholder.
    pub fn languages_on_disk(&self, root: &Path) -> Result<Vec<String>, DataError> {
        let Some((folders, before, after)) = self.split() else {
            return Ok(Vec::new());
        };
        let dir = folders.iter().fold(root.to_path_buf(), |p, c| p.join(c));
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| DataError::io(&dir, e))?;
        let mut langs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| DataError::io(&dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let code = name
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after));
            if let Some(code) = code.filter(|c| is_lang_code(c)) {
                langs.push(code.to_string());
            }
        }
        langs.sort();
        langs.dedup();
        Ok(langs)
    }

    /// The language code when `relative` (a `/`-separated path under the data root) fits the
    /// pattern; `Some("")` for a pattern without placeholder that equals `relative`.
    pub fn match_relative<'a>(&self, relative: &'a str) -> Option<&'a str> {
        match self.0.split_once(LANG_PLACEHOLDER) {
            None => (relative == self.0).then_some(""),
            Some((before, after)) => relative
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after))
                .filter(|code| is_lang_code(code)),
        }
    }
}
/// Whether `name` matches `glob`, where `*` stands for any run of characters (also none) and
/// `?` for exactly one character. Matching is case-sensitive, like FLORES-200 codes and file names.
pub fn glob_matches(glob: &str, name: &str) -> bool {
    let pattern: Vec<char> = glob.chars().collect();
    let text: Vec<char> = name.chars().collect();
    // Iterative matcher with backtracking to the last `*`.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}
