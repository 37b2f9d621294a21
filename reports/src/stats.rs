//! Summary statistics: means and Pearson and Spearman correlations.

/// The arithmetic mean; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// Pearson's correlation coefficient of paired values; `None` with fewer than two pairs, unequal
/// lengths or when either side is constant.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (mean_x, mean_y) = (mean(x)?, mean(y)?);
    let (mut covariance, mut var_x, mut var_y) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        covariance += (a - mean_x) * (b - mean_y);
        var_x += (a - mean_x).powi(2);
        var_y += (b - mean_y).powi(2);
    }
    if var_x == 0.0 || var_y == 0.0 {
        return None;
    }
    Some(covariance / (var_x * var_y).sqrt())
}

/// Spearman's rank correlation: Pearson's coefficient of the ranks, ties taking their average
/// rank. `None` in the cases where [`pearson`] is `None`.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() {
        return None;
    }
    pearson(&ranks(x), &ranks(y))
}

/// 1-based ranks of `values`, ties sharing the mean of their ranks.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && values[order[end + 1]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + end) as f64 / 2.0 + 1.0;
        for &index in &order[start..=end] {
            ranks[index] = rank;
        }
        start = end + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_values() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(mean(&[]), None);
    }

    #[test]
    fn pearson_of_hand_computed_pairs() {
        // x̄ = 2, ȳ = 3; deviations (-1,0,1) and (-1,-1,2): cov 3, var 2 and 6 → 3 / √12
        let r = pearson(&[1.0, 2.0, 3.0], &[2.0, 2.0, 5.0]).unwrap();
        assert!((r - 3.0 / 12f64.sqrt()).abs() < 1e-12);
        assert_eq!(pearson(&[1.0, 2.0], &[4.0, 4.0]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn spearman_of_monotone_and_reversed_values() {
        assert_eq!(spearman(&[1.0, 5.0, 9.0], &[0.1, 0.2, 100.0]), Some(1.0));
        assert_eq!(spearman(&[1.0, 5.0, 9.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        // ranks x (1,2,3), y (1.5,1.5,3): pearson = 1.5 / √(2·1.5) = √3/2
        let rho = spearman(&[1.0, 2.0, 3.0], &[7.0, 7.0, 9.0]).unwrap();
        assert!((rho - 3f64.sqrt() / 2.0).abs() < 1e-12);
    }
}
