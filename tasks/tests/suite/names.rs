//! Language globs and nearest-name suggestions.

use tasks::names::{edit_distance, glob_matches, is_glob, nearest};

#[test]
fn globs_match_prefixes_suffixes_and_single_characters() {
    assert!(glob_matches("deu_*", "deu_Latn"));
    assert!(glob_matches("*_Latn", "deu_Latn"));
    assert!(!glob_matches("*_Latn", "rus_Cyrl"));
    assert!(glob_matches("zho_Han?", "zho_Hans"));
    assert!(glob_matches("zho_Han?", "zho_Hant"));
    assert!(!glob_matches("zho_Han?", "zho_Han"));
    assert!(glob_matches("*", "anything"));
    assert!(glob_matches("a*b*c", "axxbyyc"));
    assert!(!glob_matches("a*b*c", "axxbyy"));
    assert!(glob_matches("deu_Latn", "deu_Latn"));
    assert!(!glob_matches("deu_latn", "deu_Latn"));
    assert!(is_glob("deu_*") && is_glob("?") && !is_glob("deu_Latn"));
}

#[test]
fn edit_distance_counts_insertions_deletions_and_substitutions() {
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("deu_latn", "deu_Latn"), 1);
    assert_eq!(edit_distance("belebel", "belebele"), 1);
}

#[test]
fn nearest_orders_by_distance_and_drops_far_names() {
    let candidates = ["deu_Latn", "dan_Latn", "fra_Latn", "zho_Hans"];
    assert_eq!(
        nearest("deu_latn", candidates, 2),
        vec!["deu_Latn", "dan_Latn"]
    );
    assert!(nearest("xyzzy_Qqqq", candidates, 3).is_empty());
}
