//! The dominant script of a text's letters, as the script part of a FLORES-200 code names it.
//!
//! Every alphabetic character (Unicode `Alphabetic`: letters and the vowel signs of Brahmic
//! scripts; not digits, punctuation, symbols or whitespace) counts for its Unicode script,
//! except Common, Inherited and Unknown. The script with the most letters dominates; on a tie
//! the target's script wins, else the first code in alphabetical order. A text without letters
//! has no dominant script.
//!
//! FLORES-200 codes name a few scripts that are not single Unicode scripts; the letters of
//! those count together under the target's code:
//! - `Hans`, `Hant`: Han (the check cannot tell simplified from traditional characters);
//! - `Jpan`: Han, Hiragana and Katakana;
//! - `Kore` and `Hang` (FLORES-200's `kor_Hang`): Hangul and Han (Hanja).
//!
//! Every other FLORES-200 script code (`Latn`, `Cyrl`, `Arab`, `Deva`, `Beng`, `Tibt`, `Olck`,
//! `Tfng`, ...) is an ISO 15924 code that is also the Unicode script's short name.

use std::collections::BTreeMap;

use unicode_script::{Script, UnicodeScript};

/// The Unicode scripts (ISO 15924 short names) whose letters count as the FLORES-200 script
/// `code`.
fn unicode_scripts(code: &str) -> Vec<&str> {
    match code {
        "Hans" | "Hant" => vec!["Hani"],
        "Jpan" => vec!["Hani", "Hira", "Kana"],
        "Kore" | "Hang" => vec!["Hang", "Hani"],
        other => vec![other],
    }
}

/// The class a letter of Unicode script `script` counts for against the target script code
/// `target`: the target's code when the script is one of the target's, else the script's ISO
/// 15924 short name. `None` for Common, Inherited and Unknown.
pub fn script_class(script: Script, target: &str) -> Option<&str> {
    if matches!(script, Script::Common | Script::Inherited | Script::Unknown) {
        return None;
    }
    let name = script.short_name();
    Some(if unicode_scripts(target).contains(&name) {
        target
    } else {
        name
    })
}

/// The dominant script class of `text`'s letters against the target script code `target`
/// (e.g. `Latn`, `Jpan`), by the rule in the module documentation; `None` without letters.
pub fn dominant_script(text: &str, target: &str) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        if let Some(class) = script_class(c.script(), target) {
            *counts.entry(class).or_default() += 1;
        }
    }
    let most = *counts.values().max()?;
    let winner = if counts.get(target) == Some(&most) {
        target
    } else {
        counts
            .iter()
            .find(|(_, count)| **count == most)
            .map(|(class, _)| *class)?
    };
    Some(winner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_count_digits_and_punctuation_do_not() {
        assert_eq!(
            dominant_script("abc 123 !!! ___", "Latn").as_deref(),
            Some("Latn")
        );
        assert_eq!(dominant_script("12 34 — 56.", "Latn"), None);
        assert_eq!(dominant_script("", "Cyrl"), None);
        // Devanagari vowel signs are letters of the script.
        assert_eq!(dominant_script("नमस्ते", "Deva").as_deref(), Some("Deva"));
    }

    #[test]
    fn the_script_with_most_letters_wins_and_ties_go_to_the_target() {
        assert_eq!(dominant_script("abcd где", "Cyrl").as_deref(), Some("Latn"));
        assert_eq!(dominant_script("abc где", "Cyrl").as_deref(), Some("Cyrl"));
        assert_eq!(dominant_script("abc где", "Grek").as_deref(), Some("Cyrl"));
    }

    #[test]
    fn compound_flores_scripts_count_their_unicode_scripts_together() {
        // 2 Han, 1 Hiragana, 4 Katakana against 4 Latin letters; alone, Katakana ties with Latin.
        let japanese = "日本はカタカナ abcd";
        assert_eq!(dominant_script(japanese, "Jpan").as_deref(), Some("Jpan"));
        assert_eq!(dominant_script(japanese, "Hans").as_deref(), Some("Kana"));
        assert_eq!(
            dominant_script("한국語 문장", "Hang").as_deref(),
            Some("Hang")
        );
        assert_eq!(dominant_script("漢字", "Hant").as_deref(), Some("Hant"));
        assert_eq!(dominant_script("漢字", "Latn").as_deref(), Some("Hani"));
        assert_eq!(dominant_script("ひらがな", "Hans").as_deref(), Some("Hira"));
    }
}
