//! Belebele: multiple-choice questions in the official JSONL schema.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::DataError;
use super::load::read_dataset_file;
use super::registry::builtin_ref;
use super::text::{lines, malformed};

/// The registry name of Belebele.
pub const BELEBELE: &str = "belebele";

/// One Belebele question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BelebeleItem {
    /// Language code of the file, e.g. `eng_Latn`.
    pub lang: String,
    /// The passage's source article (the same in every language).
    pub link: String,
    /// 1 or 2: which question about the passage.
    pub question_number: u32,
    /// The passage, FLORES-200 sentences.
    pub flores_passage: String,
    /// The question.
    pub question: String,
    /// The four answers, `mc_answer1` to `mc_answer4`.
    pub mc_answers: [String; 4],
    /// Which answer is correct, 1 to 4.
    pub correct_answer_num: u8,
    /// The FLORES-200 code of the text's language variant.
    pub dialect: String,
}

impl BelebeleItem {
    /// The stable id `"{link}#{question_number}"`: the same for a question in every language,
    /// and unique within a language (a passage has at most one question of each number).
    pub fn id(&self) -> String {
        format!("{}#{}", self.link, self.question_number)
    }

    /// The correct answer's text.
    pub fn correct_answer(&self) -> &str {
        &self.mc_answers[usize::from(self.correct_answer_num) - 1]
    }
}

/// A question as it is stored; other fields (e.g. `ds`) are ignored.
#[derive(Deserialize)]
struct RawItem {
    link: String,
    question_number: u32,
    flores_passage: String,
    question: String,
    mc_answer1: String,
    mc_answer2: String,
    mc_answer3: String,
    mc_answer4: String,
    correct_answer_num: String,
    dialect: String,
}

/// The 900 questions of `lang` from `ROOT/belebele/{lang}.jsonl` (the built-in registry's
/// layout), in file order.
pub fn load_belebele(root: &Path, lang: &str) -> Result<Vec<BelebeleItem>, DataError> {
    let file = read_dataset_file(builtin_ref(), BELEBELE, "questions", root, Some(lang))?;
    let items = parse_belebele(&file.text, &file.path, lang)?;
    file.check_records(items.len())?;
    Ok(items)
}

/// Parses Belebele JSONL: one object per line, answers "1".."4", `dialect` equal to `lang`, and
/// no question twice.
pub(crate) fn parse_belebele(
    text: &str,
    path: &Path,
    lang: &str,
) -> Result<Vec<BelebeleItem>, DataError> {
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut items = Vec::new();
    for (number, line) in lines(text) {
        let raw: RawItem = serde_json::from_str(line).map_err(|e| {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            malformed(
                path,
                number,
                format!(
                    "not a Belebele question: {message} (column {}); expected a JSON object \
                     with link, question_number, flores_passage, question, mc_answer1..4, \
                     correct_answer_num and dialect",
                    e.column()
                ),
            )
        })?;
        let correct_answer_num = match raw.correct_answer_num.as_str() {
            "1" => 1,
            "2" => 2,
            "3" => 3,
            "4" => 4,
            other => {
                return Err(malformed(
                    path,
                    number,
                    format!("field `correct_answer_num`: expected \"1\" to \"4\", found {other:?}"),
                ));
            }
        };
        if raw.dialect != lang {
            return Err(malformed(
                path,
                number,
                format!(
                    "field `dialect` is `{}`, but the file is for `{lang}`",
                    raw.dialect
                ),
            ));
        }
        let item = BelebeleItem {
            lang: lang.to_string(),
            link: raw.link,
            question_number: raw.question_number,
            flores_passage: raw.flores_passage,
            question: raw.question,
            mc_answers: [
                raw.mc_answer1,
                raw.mc_answer2,
                raw.mc_answer3,
                raw.mc_answer4,
            ],
            correct_answer_num,
            dialect: raw.dialect,
        };
        if let Some(first) = first_line.insert(item.id(), number) {
            return Err(malformed(
                path,
                number,
                format!("question `{}` already appears on line {first}", item.id()),
            ));
        }
        items.push(item);
    }
    Ok(items)
}
