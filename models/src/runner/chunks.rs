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

/// Groups of row indices, shortest rows first, such that padding each group to its longest row
/// adds at most `max_padding` (a fraction) of the group's padded tokens and at most `budget`
/// padded tokens; a row longer than the budget forms a group of its own.
pub(crate) fn by_similar_length(
    lengths: &[usize],
    max_padding: f64,
    budget: usize,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut real = 0;
    for i in order {
        let len = lengths[i];
        if let Some(group) = groups.last_mut() {
            // Rows come shortest first, so this row is the group's longest.
            let padded = len * (group.len() + 1);
            let padding = padded - (real + len);
            if padded <= budget && padding as f64 <= max_padding * padded as f64 {
                group.push(i);
                real += len;
                continue;
            }
        }
        groups.push(vec![i]);
        real = len;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_of_similar_length_bound_padding_and_budget() {
        // Sorted: 73 79 85 | 113 119 122 | 151 157 with at most 10% padding.
        let lengths = [85, 113, 122, 157, 151, 119, 73, 79];
        assert_eq!(
            by_similar_length(&lengths, 0.1, 10_000),
            vec![vec![6, 7, 0], vec![1, 5, 2], vec![4, 3]]
        );
        assert_eq!(
            by_similar_length(&[5, 5, 5], 0.0, 10),
            vec![vec![0, 1], vec![2]]
        );
        assert_eq!(by_similar_length(&[1, 9], 1.0, 4), vec![vec![0], vec![1]]);
        assert!(by_similar_length(&[], 0.1, 8).is_empty());
    }

    #[test]
    fn ranges_respect_the_budget_in_order() {
        assert_eq!(by_token_budget(&[4, 4, 4, 4, 4], 8), vec![0..2, 2..4, 4..5]);
        assert_eq!(by_token_budget(&[10, 2, 2], 8), vec![0..1, 1..3]);
        assert_eq!(by_token_budget(&[2, 2, 5], 8), vec![0..2, 2..3]);
        assert!(by_token_budget(&[], 8).is_empty());
    }
}
