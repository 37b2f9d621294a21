//! The default suite: what `babelbench run` evaluates when no `--tasks` are given.

/// FLORES-200 languages translated to and from English by default: typologically diverse, in
/// nine scripts and seven families.
const DEFAULT_FLORES_LANGUAGES: [&str; 10] = [
    "deu_Latn", "fra_Latn", "rus_Cyrl", "zho_Hans", "arb_Arab", "hin_Deva", "swh_Latn", "tur_Latn",
    "jpn_Jpan", "yor_Latn",
];

/// Task selectors of the default suite: Belebele (English, German), FLORES xx→eng and eng→xx for
/// ten languages, and SIB-200, MEXA, bits-per-byte and tokenizer premium on every language.
pub fn default_selectors() -> Vec<String> {
    let mut selectors = vec![
        "belebele_eng_Latn".to_string(),
        "belebele_deu_Latn".to_string(),
    ];
    selectors.extend(
        DEFAULT_FLORES_LANGUAGES
            .iter()
            .map(|lang| format!("flores_{lang}")),
    );
    selectors.extend(["sib200", "mexa", "bpb", "tokenizer_premium"].map(String::from));
    selectors
}
