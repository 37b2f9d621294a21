//! Cutting a sequence of rows into consecutive forward passes under a padded-token budget.

use std::ops::Range;

/// Consecutive ranges of `lengths` such that each range's rows, padded to its longest, hold at
/// most `budget` tokens; a row longer than the budget forms a range of its own. Order is kept.
pub(crate) fn by_token_budget(lengths: &[usize], budget: usize) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    let mut longest = 0;
    for (i, &len) in lengths.iter().enumerate() {
        let widest = longest.max(len);
        if i > start && widest * (i + 1 - start) > budget {
            ranges.push(start..i);
            start = i;
            longest = len;
        } else {
            longest = widest;
        }
    }
    if start < lengths.len() {
        ranges.push(start..lengths.len());
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_respect_the_budget_in_order() {
        assert_eq!(by_token_budget(&[4, 4, 4, 4, 4], 8), vec![0..2, 2..4, 4..5]);
        assert_eq!(by_token_budget(&[10, 2, 2], 8), vec![0..1, 1..3]);
        assert_eq!(by_token_budget(&[2, 2, 5], 8), vec![0..2, 2..3]);
        assert!(by_token_budget(&[], 8).is_empty());
    }
}
