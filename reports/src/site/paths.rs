//! File names of the site's pages.

use std::collections::{BTreeMap, BTreeSet};

/// `name` reduced to ASCII letters, digits, `-`, `_` and `.`; other characters become `-`.
pub fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches(['-', '.']).to_string();
    if slug.is_empty() {
        "page".to_string()
    } else {
        slug
    }
}

/// Distinct slugs for `names`: a slug already taken gets `-2`, `-3`, … appended.
pub fn unique_slugs<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut taken = BTreeSet::new();
    let mut out = BTreeMap::new();
    for name in names {
        if out.contains_key(name) {
            continue;
        }
        let base = slug(name);
        let mut candidate = base.clone();
        let mut n = 2;
        while !taken.insert(candidate.to_lowercase()) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        out.insert(name.to_string(), candidate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_distinct() {
        assert_eq!(slug("gemma 3 (ckpt/100)"), "gemma-3--ckpt-100");
        assert_eq!(slug("../.."), "page");
        let slugs = unique_slugs(["a b", "a/b", "c"]);
        assert_eq!(slugs["a b"], "a-b");
        assert_eq!(slugs["a/b"], "a-b-2");
        assert_eq!(slugs["c"], "c");
    }
}
