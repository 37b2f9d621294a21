//! The language table covers every FLORES-200 devtest and SIB-200 language with sane fields.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use harness::languages::LanguageTable;

/// Codes from the names of the entries of `dir` under `root`, after stripping `suffix`.
fn codes_in(root: &Path, dir: &str, suffix: &str) -> BTreeSet<String> {
    std::fs::read_dir(root.join(dir))
        .expect("full data present")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter_map(|name| name.strip_suffix(suffix).map(str::to_string))
        .filter(|name| !name.contains('.'))
        .collect()
}

#[test]
fn the_table_holds_exactly_the_flores_and_sib_languages() {
    let Some(root) = common::full_data() else {
        return;
    };
    let table = LanguageTable::builtin().expect("table parses");
    let codes: BTreeSet<String> = table.codes().map(str::to_string).collect();
    assert_eq!(codes.len(), 205);
    let flores = codes_in(&root, "flores200/devtest", ".devtest");
    let sib = codes_in(&root, "sib200/annotated", "");
    assert_eq!(flores.len(), 204);
    assert_eq!(sib.len(), 205);
    assert_eq!(codes, sib);
    assert_eq!(
        sib.difference(&flores).collect::<Vec<_>>(),
        vec!["nqo_Nkoo"]
    );
}

#[test]
fn rows_carry_name_script_family_and_class() {
    let table = LanguageTable::builtin().expect("table parses");
    let german = table.get("deu_Latn").expect("German");
    assert_eq!(german.name, "German");
    assert_eq!(german.iso639_3, "deu");
    assert_eq!(german.script, "Latn");
    assert_eq!(german.family, "Indo-European");
    assert_eq!(german.resource_class, 5);
    assert_eq!(german.joshi_entries, vec!["german"]);

    let swahili = table.get("swh_Latn").expect("Swahili");
    assert_eq!(
        (swahili.family.as_str(), swahili.resource_class),
        ("Atlantic-Congo", 2)
    );
    let chinese = table.get("zho_Hant").expect("Chinese");
    assert_eq!(
        (chinese.script.as_str(), chinese.resource_class),
        ("Hant", 5)
    );
    let tunisian = table.get("aeb_Arab").expect("Tunisian Arabic");
    assert_eq!(tunisian.resource_class, 0);
    assert!(tunisian.joshi_entries.is_empty());
    assert_eq!(table.get("eng_Latn").map(|l| l.resource_class), Some(5));
    assert!(table.get("xxx_Latn").is_none());

    let classes: Vec<usize> = (0..=5u8)
        .map(|c| {
            table
                .languages()
                .iter()
                .filter(|l| l.resource_class == c)
                .count()
        })
        .collect();
    assert_eq!(classes, vec![34, 100, 17, 27, 18, 9]);
}

#[test]
fn malformed_tables_name_the_line_and_column() {
    let header = "code\tname\tiso639_3\tscript\tfamily\tjoshi_class\tjoshi_entry";
    let bad_class =
        format!("# comment\n{header}\ndeu_Latn\tGerman\tdeu\tLatn\tIndo-European\t7\tgerman\n");
    let err = LanguageTable::parse(&bad_class, "t.tsv").unwrap_err();
    assert_eq!(err.line, 3);
    assert!(
        err.to_string().starts_with("t.tsv:3: column `joshi_class`"),
        "{err}"
    );

    let mismatch = format!("{header}\ndeu_Latn\tGerman\tger\tLatn\tIndo-European\t5\tgerman\n");
    let err = LanguageTable::parse(&mismatch, "t.tsv").unwrap_err();
    assert!(
        err.message.contains("must be the two parts of `code`"),
        "{err}"
    );

    let unsorted = format!(
        "{header}\nfra_Latn\tFrench\tfra\tLatn\tIndo-European\t5\tfrench\n\
         deu_Latn\tGerman\tdeu\tLatn\tIndo-European\t5\tgerman\n"
    );
    let err = LanguageTable::parse(&unsorted, "t.tsv").unwrap_err();
    assert_eq!(err.line, 3);

    let err = LanguageTable::parse("code\tname\n", "t.tsv").unwrap_err();
    assert!(err.message.starts_with("header must be"), "{err}");

    let short = format!("{header}\ndeu_Latn\tGerman\n");
    let err = LanguageTable::parse(&short, "t.tsv").unwrap_err();
    assert!(err.message.starts_with("2 columns; expected 7"), "{err}");
}
