//! Matching names: language globs (`deu_*`, `*_Latn`) and nearest-name suggestions.

/// Whether `glob` contains a wildcard (`*` or `?`).
pub fn is_glob(glob: &str) -> bool {
    glob.contains(['*', '?'])
}

pub use harness::data::glob_matches;

/// Levenshtein distance between `a` and `b`, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Up to `max` of `candidates` nearest to `name` by edit distance (ties in candidate order),
/// leaving out those that differ in more than half of `name`'s characters.
pub fn nearest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let limit = name.chars().count().div_ceil(2).max(2);
    let mut scored: Vec<(usize, usize, &str)> = candidates
        .into_iter()
        .enumerate()
        .map(|(order, candidate)| (edit_distance(name, candidate), order, candidate))
        .filter(|(distance, _, _)| *distance <= limit)
        .collect();
    scored.sort();
    scored.into_iter().take(max).map(|(_, _, c)| c).collect()
}
