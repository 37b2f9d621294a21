//! whatlang's languages as FLORES-200 codes.
//!
//! Each whatlang language (by its ISO 639-3 code) covers the FLORES-200 codes written in that
//! language: Mandarin (`cmn`) covers `zho_Hans` and `zho_Hant` (the identifier cannot tell the
//! two apart; the script check does not either, both being Han), Akan (`aka`) covers `aka_Latn`
//! and its variety `twi_Latn`, and where FLORES-200 names a standard variety its code is used
//! (`lvs_Latn` Standard Latvian, `uzn_Latn` Northern Uzbek, `azj_Latn` North Azerbaijani,
//! `npi_Deva` Nepali, `ory_Orya` Odia, `ydd_Hebr` Eastern Yiddish, `arb_Arab` Modern Standard
//! Arabic). Latin has no FLORES-200 code; it is reported as `lat_Latn`.

/// whatlang's ISO 639-3 code → the FLORES-200 codes it covers, the first being the one reported
/// when the target is none of them.
static COVERED: [(&str, &[&str]); 69] = [
    ("afr", &["afr_Latn"]),
    ("aka", &["aka_Latn", "twi_Latn"]),
    ("amh", &["amh_Ethi"]),
    ("ara", &["arb_Arab"]),
    ("aze", &["azj_Latn"]),
    ("bel", &["bel_Cyrl"]),
    ("ben", &["ben_Beng"]),
    ("bul", &["bul_Cyrl"]),
    ("cat", &["cat_Latn"]),
    ("ces", &["ces_Latn"]),
    ("cmn", &["zho_Hans", "zho_Hant"]),
    ("dan", &["dan_Latn"]),
    ("deu", &["deu_Latn"]),
    ("ell", &["ell_Grek"]),
    ("eng", &["eng_Latn"]),
    ("epo", &["epo_Latn"]),
    ("est", &["est_Latn"]),
    ("fin", &["fin_Latn"]),
    ("fra", &["fra_Latn"]),
    ("guj", &["guj_Gujr"]),
    ("heb", &["heb_Hebr"]),
    ("hin", &["hin_Deva"]),
    ("hrv", &["hrv_Latn"]),
    ("hun", &["hun_Latn"]),
    ("hye", &["hye_Armn"]),
    ("ind", &["ind_Latn"]),
    ("ita", &["ita_Latn"]),
    ("jav", &["jav_Latn"]),
    ("jpn", &["jpn_Jpan"]),
    ("kan", &["kan_Knda"]),
    ("kat", &["kat_Geor"]),
    ("khm", &["khm_Khmr"]),
    ("kor", &["kor_Hang"]),
    ("lat", &["lat_Latn"]),
    ("lav", &["lvs_Latn"]),
    ("lit", &["lit_Latn"]),
    ("mal", &["mal_Mlym"]),
    ("mar", &["mar_Deva"]),
    ("mkd", &["mkd_Cyrl"]),
    ("mya", &["mya_Mymr"]),
    ("nep", &["npi_Deva"]),
    ("nld", &["nld_Latn"]),
    ("nob", &["nob_Latn"]),
    ("ori", &["ory_Orya"]),
    ("pan", &["pan_Guru"]),
    ("pes", &["pes_Arab"]),
    ("pol", &["pol_Latn"]),
    ("por", &["por_Latn"]),
    ("ron", &["ron_Latn"]),
    ("rus", &["rus_Cyrl"]),
    ("sin", &["sin_Sinh"]),
    ("slk", &["slk_Latn"]),
    ("slv", &["slv_Latn"]),
    ("sna", &["sna_Latn"]),
    ("spa", &["spa_Latn"]),
    ("srp", &["srp_Cyrl"]),
    ("swe", &["swe_Latn"]),
    ("tam", &["tam_Taml"]),
    ("tel", &["tel_Telu"]),
    ("tgl", &["tgl_Latn"]),
    ("tha", &["tha_Thai"]),
    ("tuk", &["tuk_Latn"]),
    ("tur", &["tur_Latn"]),
    ("ukr", &["ukr_Cyrl"]),
    ("urd", &["urd_Arab"]),
    ("uzb", &["uzn_Latn"]),
    ("vie", &["vie_Latn"]),
    ("yid", &["ydd_Hebr"]),
    ("zul", &["zul_Latn"]),
];

/// The FLORES-200 codes whatlang's language `code` covers; empty for a code it does not name.
fn flores_codes(code: &str) -> &'static [&'static str] {
    COVERED
        .binary_search_by(|(known, _)| known.cmp(&code))
        .map_or(&[], |index| COVERED[index].1)
}

/// Whether the identifier covers the FLORES-200 code `target`.
pub fn covers(target: &str) -> bool {
    COVERED.iter().any(|(_, codes)| codes.contains(&target))
}

/// whatlang's ISO 639-3 codes, sorted, each with the FLORES-200 codes it covers.
pub fn whatlang_codes() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    COVERED.iter().copied()
}

/// The language of `text` as a FLORES-200 code: `target` itself when the detected language
/// covers it, else the detected language's first code; `None` when nothing was detected.
pub fn detected_language(text: &str, target: &str) -> Option<String> {
    let info = whatlang::detect(text)?;
    let codes = flores_codes(info.lang().code());
    let code = if codes.contains(&target) {
        target
    } else {
        *codes.first()?
    };
    Some(code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::languages::LanguageTable;

    #[test]
    fn every_whatlang_language_is_mapped_to_codes_of_the_language_table() {
        let table = LanguageTable::builtin().unwrap();
        let mut known: Vec<&str> = whatlang::Lang::all().iter().map(|l| l.code()).collect();
        known.sort_unstable();
        let mapped: Vec<&str> = whatlang_codes().map(|(code, _)| code).collect();
        assert_eq!(mapped, known);
        for (code, flores) in whatlang_codes() {
            for flores in flores {
                assert!(
                    table.get(flores).is_some() || *flores == "lat_Latn",
                    "{code} → {flores} is not in the language table"
                );
            }
        }
        // 68 of the 69 languages have FLORES-200 codes, two of them two codes each.
        let covered = table.flores200_codes().filter(|c| covers(c)).count();
        assert_eq!(covered, 70);
    }

    #[test]
    fn mandarin_reports_the_target_script_variant() {
        let text = "我们今天去市场买菜，然后回家做饭。";
        assert_eq!(
            detected_language(text, "zho_Hant").as_deref(),
            Some("zho_Hant")
        );
        assert_eq!(
            detected_language(text, "zho_Hans").as_deref(),
            Some("zho_Hans")
        );
        assert_eq!(
            detected_language(text, "eng_Latn").as_deref(),
            Some("zho_Hans")
        );
        assert!(covers("zho_Hant") && covers("twi_Latn"));
        assert!(!covers("yue_Hant") && !covers("nno_Latn"));
    }
}
