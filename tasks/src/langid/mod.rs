//! The language and the script of a generated text, compared with the target language of a
//! generation task (a FLORES-200 code such as `deu_Latn`).
//!
//! - **Language**: [`whatlang`] (trigram profiles of 69 languages, pure Rust, a few hundred
//!   kilobytes of tables and no dependencies that CI does not build already). `lingua` is more
//!   accurate on short texts, but its models for 75 languages are hundreds of megabytes of
//!   crates to download and build from cold on CI's two cores; an off-target rate needs "is
//!   this clearly another language", which trigrams answer on sentence-length outputs. The
//!   languages whatlang knows are mapped to FLORES-200 codes in [`languages`]; a target it
//!   does not know (Cantonese, Nynorsk, most Arabic varieties, ...) is *not covered*, and its
//!   off-target rate is absent rather than 0.
//! - **Script**: the dominant Unicode script of the text's letters ([`script`]), compared with
//!   the script of the target's code, so every FLORES-200 language has a script check.
//!
//! Both are deterministic functions of the text: no randomness, no dependence on order.

pub mod languages;
pub mod script;

pub use languages::{covers, detected_language, whatlang_codes};
pub use script::{dominant_script, script_class};

/// The version of the language identifier, as metric signatures name it.
pub const IDENTIFIER: &str = "whatlang-0.16";

/// What was detected in one output, relative to the target language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identification {
    /// The detected language as a FLORES-200 code (`deu_Latn`), `None` when the identifier
    /// found no language (an empty output, digits or punctuation only).
    pub language: Option<String>,
    /// Whether the output is not in the target language: `None` when the identifier does not
    /// cover the target; `Some(true)` also when no language was detected.
    pub off_target: Option<bool>,
    /// The dominant script of the letters (ISO 15924, with the target's own code for the
    /// scripts it is written in, see [`script_class`]); `None` when the output has no letters.
    pub script: Option<String>,
    /// Whether the dominant script is not the target's; an output without letters counts as
    /// wrong script.
    pub wrong_script: bool,
}

/// Identifies the language and the script of `text` against the target FLORES-200 code
/// `target` (e.g. `zho_Hans`).
pub fn identify(text: &str, target: &str) -> Identification {
    let target_script = target.split_once('_').map_or("", |(_, script)| script);
    let language = detected_language(text, target);
    let off_target = covers(target).then(|| language.as_deref() != Some(target));
    let script = dominant_script(text, target_script);
    let wrong_script = script.as_deref() != Some(target_script);
    Identification {
        language,
        off_target,
        script,
        wrong_script,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_language_is_on_target_and_in_script() {
        let found = identify(
            "Der schnelle braune Fuchs springt über den faulen Hund und läuft dann nach Hause.",
            "deu_Latn",
        );
        assert_eq!(found.language.as_deref(), Some("deu_Latn"));
        assert_eq!(found.off_target, Some(false));
        assert_eq!(found.script.as_deref(), Some("Latn"));
        assert!(!found.wrong_script);
    }

    #[test]
    fn wrong_language_in_the_right_script_is_off_target_only() {
        let found = identify(
            "The quick brown fox jumps over the lazy dog and then runs back home.",
            "deu_Latn",
        );
        assert_eq!(found.language.as_deref(), Some("eng_Latn"));
        assert_eq!(found.off_target, Some(true));
        assert!(!found.wrong_script);
    }

    #[test]
    fn wrong_script_is_both() {
        let found = identify(
            "Быстрая коричневая лиса прыгает через ленивую собаку.",
            "deu_Latn",
        );
        assert_eq!(found.language.as_deref(), Some("rus_Cyrl"));
        assert_eq!(found.off_target, Some(true));
        assert_eq!(found.script.as_deref(), Some("Cyrl"));
        assert!(found.wrong_script);
    }

    #[test]
    fn empty_and_digit_only_outputs_are_off_target_and_wrong_script() {
        for text in ["", "   ", "12 345, 678.", "2024 — 2025 !!"] {
            let found = identify(text, "fra_Latn");
            assert_eq!(found.language, None, "{text:?}");
            assert_eq!(found.off_target, Some(true), "{text:?}");
            assert_eq!(found.script, None, "{text:?}");
            assert!(found.wrong_script, "{text:?}");
        }
    }

    #[test]
    fn mixed_output_goes_by_its_larger_part() {
        // Mostly French, with an English tail: French, on target.
        let found = identify(
            "Le chat noir dort tranquillement sur le canapé du salon pendant que la pluie \
             tombe dehors depuis ce matin. Thank you.",
            "fra_Latn",
        );
        assert_eq!(found.language.as_deref(), Some("fra_Latn"));
        assert_eq!(found.off_target, Some(false));
        // Chinese with a few Latin letters: Han dominates.
        let found = identify("我们在2024年去了北京和上海 (OK)。", "zho_Hans");
        assert_eq!(found.script.as_deref(), Some("Hans"));
        assert!(!found.wrong_script);
    }

    #[test]
    fn uncovered_targets_have_no_off_target_verdict_but_a_script_check() {
        // Cantonese is not among whatlang's languages.
        let found = identify("佢哋今日去咗街市買餸。", "yue_Hant");
        assert_eq!(found.off_target, None);
        assert_eq!(found.script.as_deref(), Some("Hant"));
        assert!(!found.wrong_script);
        let found = identify("They went to the market today.", "yue_Hant");
        assert_eq!(found.off_target, None);
        assert_eq!(found.language.as_deref(), Some("eng_Latn"));
        assert!(found.wrong_script);
    }
}
