//! SIB-200: topic classification TSV files and their labels.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use super::DataError;
use super::load::read_dataset_file;
use super::registry::builtin_ref;
use super::text::{columns, lines, malformed, tsv_rows};

/// The registry name of SIB-200.
pub const SIB200: &str = "sib200";

/// The header of a SIB-200 split file.
pub(crate) const SIB_HEADER: [&str; 3] = ["index_id", "category", "text"];

/// A SIB-200 split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SibSplit {
    /// `train.tsv`, 701 sentences.
    Train,
    /// `dev.tsv`, 99 sentences.
    Dev,
    /// `test.tsv`, 204 sentences.
    Test,
}

impl SibSplit {
    /// The three splits.
    pub const ALL: [SibSplit; 3] = [SibSplit::Train, SibSplit::Dev, SibSplit::Test];

    /// `train`, `dev` or `test`: the file's name in the registry and on disk.
    pub fn name(self) -> &'static str {
        match self {
            SibSplit::Train => "train",
            SibSplit::Dev => "dev",
            SibSplit::Test => "test",
        }
    }
}

impl fmt::Display for SibSplit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One labelled SIB-200 sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SibItem {
    /// Language code, e.g. `fra_Latn`.
    pub lang: String,
    /// Stable id, the same in every language. Below 997 it is the FLORES-200 dev-split line;
    /// from 997 on it is devtest line `index_id - 997`.
    pub index_id: u32,
    /// The topic, one of the labels.
    pub category: String,
    /// The sentence.
    pub text: String,
}

/// The sentences of `lang` in `split`, from `ROOT/sib200/annotated/{lang}/{split}.tsv` (the
/// built-in registry's layout), in file order.
pub fn load_sib200(root: &Path, lang: &str, split: SibSplit) -> Result<Vec<SibItem>, DataError> {
    let file = read_dataset_file(builtin_ref(), SIB200, split.name(), root, Some(lang))?;
    let items = parse_sib(&file.text, &file.path, lang)?;
    file.check_records(items.len())?;
    Ok(items)
}

/// The topic labels of `lang`, from `ROOT/sib200/annotated/{lang}/labels.txt`, in file order.
pub fn load_sib200_labels(root: &Path, lang: &str) -> Result<Vec<String>, DataError> {
    let file = read_dataset_file(builtin_ref(), SIB200, "labels", root, Some(lang))?;
    let labels = parse_labels(&file.text, &file.path)?;
    file.check_records(labels.len())?;
    Ok(labels)
}

/// Parses a SIB-200 split file; an index_id may appear once.
pub(crate) fn parse_sib(text: &str, path: &Path, lang: &str) -> Result<Vec<SibItem>, DataError> {
    let mut first_line: HashMap<u32, usize> = HashMap::new();
    let mut items = Vec::new();
    for (number, row) in tsv_rows(text, &SIB_HEADER, path)? {
        let [index_id, category, sentence] = columns(row, &SIB_HEADER, path, number)?;
        let index_id: u32 = index_id.parse().map_err(|_| {
            malformed(
                path,
                number,
                format!("column `index_id`: `{index_id}` is not a non-negative integer"),
            )
        })?;
        if category.is_empty() {
            return Err(malformed(path, number, "column `category` is empty"));
        }
        if sentence.trim().is_empty() {
            return Err(malformed(path, number, "column `text` is empty"));
        }
        if let Some(first) = first_line.insert(index_id, number) {
            return Err(malformed(
                path,
                number,
                format!("index_id {index_id} already appears on line {first}"),
            ));
        }
        items.push(SibItem {
            lang: lang.to_string(),
            index_id,
            category: category.to_string(),
            text: sentence.to_string(),
        });
    }
    Ok(items)
}

/// Parses a labels file: one distinct, non-empty label per line.
pub(crate) fn parse_labels(text: &str, path: &Path) -> Result<Vec<String>, DataError> {
    let mut labels: Vec<String> = Vec::new();
    for (number, line) in lines(text) {
        let label = line.trim();
        if label.is_empty() {
            return Err(malformed(
                path,
                number,
                "empty line; expected one label per line",
            ));
        }
        if labels.iter().any(|l| l == label) {
            return Err(malformed(
                path,
                number,
                format!("label `{label}` appears twice"),
            ));
        }
        labels.push(label.to_string());
    }
    Ok(labels)
}
