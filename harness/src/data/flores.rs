//! FLORES-200: the devtest line files, their metadata TSV, and the dev-partial TSV.

use std::path::Path;

use super::DataError;
use super::load::read_dataset_file;
use super::registry::builtin_ref;
use super::text::{columns, lines, malformed, tsv_rows};

/// The registry name of the FLORES-200 devtest dataset.
pub const FLORES_DEVTEST: &str = "flores200_devtest";
/// The registry name of the partial FLORES-200 dev split.
pub const FLORES_DEV_PARTIAL: &str = "flores200_dev_partial";

/// The header of the dev-partial TSV.
pub(crate) const DEV_PARTIAL_HEADER: [&str; 2] = ["line", "text"];
/// The header of the FLORES metadata TSV.
const METADATA_HEADER: [&str; 5] = ["URL", "domain", "topic", "has_image", "has_hyperlink"];

/// One FLORES-200 sentence. `line` is its stable id: sentences with the same `line` are
/// translations of each other across languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloresSentence {
    /// Language code, e.g. `fra_Latn`.
    pub lang: String,
    /// 0-based line in the official split file (devtest, or dev for the dev-partial set).
    pub line: usize,
    /// The sentence.
    pub text: String,
}

/// The metadata of one FLORES-200 line (the same for every language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloresMetadata {
    /// 0-based line in the split.
    pub line: usize,
    /// The source article.
    pub url: String,
    /// `wikinews`, `wikivoyage` or `wikibooks`.
    pub domain: String,
    /// Comma-separated topics.
    pub topic: String,
    /// Whether the article has an image.
    pub has_image: bool,
    /// Whether the sentence has a hyperlink.
    pub has_hyperlink: bool,
}

/// The 1012 devtest sentences of `lang` from `ROOT/flores200/devtest/{lang}.devtest` (the
/// built-in registry's layout).
pub fn load_flores_devtest(root: &Path, lang: &str) -> Result<Vec<FloresSentence>, DataError> {
    let file = read_dataset_file(builtin_ref(), FLORES_DEVTEST, "devtest", root, Some(lang))?;
    let sentences = parse_flores_lines(&file.text, &file.path, lang)?;
    file.check_records(sentences.len())?;
    Ok(sentences)
}

/// The devtest metadata from `ROOT/flores200/metadata_devtest.tsv`, one entry per line.
pub fn load_flores_devtest_metadata(root: &Path) -> Result<Vec<FloresMetadata>, DataError> {
    let file = read_dataset_file(builtin_ref(), FLORES_DEVTEST, "metadata", root, None)?;
    let metadata = parse_flores_metadata(&file.text, &file.path)?;
    file.check_records(metadata.len())?;
    Ok(metadata)
}

/// The dev-split sentences of `lang` that SIB-200 holds, from
/// `ROOT/flores200/dev-partial/{lang}.tsv`; `line` is the official dev-split line.
pub fn load_flores_dev_partial(root: &Path, lang: &str) -> Result<Vec<FloresSentence>, DataError> {
    let file = read_dataset_file(builtin_ref(), FLORES_DEV_PARTIAL, "dev", root, Some(lang))?;
    let sentences = parse_dev_partial(&file.text, &file.path, lang)?;
    file.check_records(sentences.len())?;
    Ok(sentences)
}

/// Parses a FLORES line file: one non-empty sentence per line.
pub(crate) fn parse_flores_lines(
    text: &str,
    path: &Path,
    lang: &str,
) -> Result<Vec<FloresSentence>, DataError> {
    lines(text)
        .map(|(number, line)| {
            if line.trim().is_empty() {
                return Err(malformed(
                    path,
                    number,
                    "empty line; every FLORES sentence is non-empty",
                ));
            }
            Ok(FloresSentence {
                lang: lang.to_string(),
                line: number - 1,
                text: line.to_string(),
            })
        })
        .collect()
}

/// Parses the dev-partial TSV (`line<TAB>text`, increasing lines, non-empty text).
pub(crate) fn parse_dev_partial(
    text: &str,
    path: &Path,
    lang: &str,
) -> Result<Vec<FloresSentence>, DataError> {
    let mut sentences: Vec<FloresSentence> = Vec::new();
    for (number, row) in tsv_rows(text, &DEV_PARTIAL_HEADER, path)? {
        let [line, sentence] = columns(row, &DEV_PARTIAL_HEADER, path, number)?;
        let line: usize = line.parse().map_err(|_| {
            malformed(
                path,
                number,
                format!("column `line`: `{line}` is not a non-negative integer"),
            )
        })?;
        if let Some(previous) = sentences.last()
            && previous.line >= line
        {
            return Err(malformed(
                path,
                number,
                format!(
                    "column `line`: {line} after {}; lines must increase",
                    previous.line
                ),
            ));
        }
        if sentence.trim().is_empty() {
            return Err(malformed(path, number, "column `text` is empty"));
        }
        sentences.push(FloresSentence {
            lang: lang.to_string(),
            line,
            text: sentence.to_string(),
        });
    }
    Ok(sentences)
}

/// Parses a FLORES metadata TSV.
pub(crate) fn parse_flores_metadata(
    text: &str,
    path: &Path,
) -> Result<Vec<FloresMetadata>, DataError> {
    let yes_no = |value: &str, column: &str, number: usize| match value {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(malformed(
            path,
            number,
            format!("column `{column}`: expected `yes` or `no`, found `{other}`"),
        )),
    };
    tsv_rows(text, &METADATA_HEADER, path)?
        .enumerate()
        .map(|(line, (number, row))| {
            let [url, domain, topic, image, link] = columns(row, &METADATA_HEADER, path, number)?;
            Ok(FloresMetadata {
                line,
                url: url.to_string(),
                domain: domain.to_string(),
                topic: topic.to_string(),
                has_image: yes_no(image, "has_image", number)?,
                has_hyperlink: yes_no(link, "has_hyperlink", number)?,
            })
        })
        .collect()
}
