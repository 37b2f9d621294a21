//! MEXA's alignment arithmetic on hand-built embeddings whose answer is known.

use tasks::alignment::{AlignmentError, SimilarityMatrix, summarize_layers};

/// Unit vector `i` of length `n`.
fn unit(i: usize, n: usize) -> Vec<f32> {
    (0..n).map(|k| if k == i { 1.0 } else { 0.0 }).collect()
}

fn matrix(pivot: &[Vec<f32>], other: &[Vec<f32>]) -> SimilarityMatrix {
    let p: Vec<&[f32]> = pivot.iter().map(Vec::as_slice).collect();
    let o: Vec<&[f32]> = other.iter().map(Vec::as_slice).collect();
    SimilarityMatrix::from_embeddings(&p, &o).expect("valid embeddings")
}

#[test]
fn identical_embeddings_are_all_aligned() {
    let vectors: Vec<Vec<f32>> = (0..4).map(|i| unit(i, 4)).collect();
    let m = matrix(&vectors, &vectors);
    assert_eq!(m.aligned(), vec![true; 4]);
    assert_eq!(m.score(), 1.0);
    assert_eq!(m.get(0, 0), 1.0);
    assert_eq!(m.get(0, 1), 0.0);
}

#[test]
fn scaled_embeddings_are_aligned_because_cosine_ignores_length() {
    let pivot = vec![vec![1.0, 0.2], vec![0.1, 1.0]];
    let other = vec![vec![5.0, 1.0], vec![0.3, 3.0]];
    let m = matrix(&pivot, &other);
    assert!((m.get(0, 0) - 1.0).abs() < 1e-12);
    assert_eq!(m.score(), 1.0);
}

#[test]
fn a_cyclic_permutation_aligns_nothing() {
    let pivot: Vec<Vec<f32>> = (0..3).map(|i| unit(i, 3)).collect();
    let other: Vec<Vec<f32>> = (0..3).map(|i| unit((i + 1) % 3, 3)).collect();
    let m = matrix(&pivot, &other);
    assert_eq!(m.aligned(), vec![false, false, false]);
    assert_eq!(m.score(), 0.0);
}

#[test]
fn ties_are_not_aligned_because_the_inequality_is_strict() {
    // Other sentence 1 equals other sentence 0, so row 0 holds 1.0 twice.
    let pivot = vec![unit(0, 3), unit(1, 3), unit(2, 3)];
    let other = vec![unit(0, 3), unit(0, 3), unit(2, 3)];
    let m = matrix(&pivot, &other);
    assert_eq!(m.get(0, 0), m.get(0, 1));
    assert_eq!(m.aligned(), vec![false, false, true]);
    assert!((m.score() - 1.0 / 3.0).abs() < 1e-15);
}

#[test]
fn row_maximum_is_not_enough_when_the_column_has_a_larger_entry() {
    // C = [[0.5, 0.1], [0.9, 0.8]]: C[0][0] is its row's maximum but not its column's;
    // C[1][1] = 0.8 < C[1][0] = 0.9 fails its row.
    let m = SimilarityMatrix::from_rows(vec![vec![0.5, 0.1], vec![0.9, 0.8]]).expect("2x2");
    assert!(m.get(0, 0) > m.get(0, 1));
    assert_eq!(m.aligned(), vec![false, false]);
    assert_eq!(m.score(), 0.0);

    // C = [[0.5, 0.1, 0.2], [0.6, 0.9, 0.1], [0.1, 0.2, 0.7]]: pair 0 wins its row, loses its
    // column to C[1][0] = 0.6; pairs 1 and 2 win both.
    let m = SimilarityMatrix::from_rows(vec![
        vec![0.5, 0.1, 0.2],
        vec![0.6, 0.9, 0.1],
        vec![0.1, 0.2, 0.7],
    ])
    .expect("3x3");
    assert_eq!(m.aligned(), vec![false, true, true]);
    assert!((m.score() - 2.0 / 3.0).abs() < 1e-15);
}

#[test]
fn bad_embeddings_are_errors() {
    let one = [unit(0, 2)];
    let refs: Vec<&[f32]> = one.iter().map(Vec::as_slice).collect();
    assert_eq!(
        SimilarityMatrix::from_embeddings(&refs, &refs),
        Err(AlignmentError::TooFewSentences(1))
    );
    let two = [unit(0, 2), unit(1, 2)];
    let three = [unit(0, 2), unit(1, 2), unit(0, 2)];
    let two: Vec<&[f32]> = two.iter().map(Vec::as_slice).collect();
    let three: Vec<&[f32]> = three.iter().map(Vec::as_slice).collect();
    assert_eq!(
        SimilarityMatrix::from_embeddings(&two, &three),
        Err(AlignmentError::Unparallel { pivot: 2, other: 3 })
    );
    let zero = [vec![0.0, 0.0], unit(1, 2)];
    let zero: Vec<&[f32]> = zero.iter().map(Vec::as_slice).collect();
    assert_eq!(
        SimilarityMatrix::from_embeddings(&two, &zero),
        Err(AlignmentError::Degenerate {
            side: "other",
            index: 0
        })
    );
    let short = [unit(0, 2), vec![1.0]];
    let short: Vec<&[f32]> = short.iter().map(Vec::as_slice).collect();
    assert_eq!(
        SimilarityMatrix::from_embeddings(&short, &two),
        Err(AlignmentError::DimensionMismatch {
            side: "pivot",
            index: 1,
            found: 1,
            expected: 2
        })
    );
}

#[test]
fn layer_summary_is_mean_max_and_first_best_layer() {
    let summary = summarize_layers(&[0.25, 0.75, 0.5, 0.75]).expect("non-empty");
    assert_eq!(summary.mean, 0.5625);
    assert_eq!(summary.max, 0.75);
    assert_eq!(summary.best_layer, 1);
    assert!(summarize_layers(&[]).is_none());
}

#[test]
fn parallel_similarity_is_the_mean_of_the_diagonal() {
    // Pair 0: (1, 0) against (1, 1), cosine 1/sqrt(2); pair 1: (0, 2) against (0, -5), -1.
    let m = matrix(
        &[vec![1.0, 0.0], vec![0.0, 2.0]],
        &[vec![1.0, 1.0], vec![0.0, -5.0]],
    );
    let diagonal = m.diagonal();
    assert!((diagonal[0] - 1.0 / 2f64.sqrt()).abs() < 1e-12);
    assert_eq!(diagonal[1], -1.0);
    assert!((m.parallel_similarity() - (1.0 / 2f64.sqrt() - 1.0) / 2.0).abs() < 1e-12);
    // The off-diagonal entries do not count: a permutation that MEXA scores 0 keeps a Ranker
    // similarity of 0 here only because every diagonal cosine is 0.
    let pivot: Vec<Vec<f32>> = (0..3).map(|i| unit(i, 3)).collect();
    let other: Vec<Vec<f32>> = (0..3).map(|i| unit((i + 1) % 3, 3)).collect();
    assert_eq!(matrix(&pivot, &other).parallel_similarity(), 0.0);
    let m = SimilarityMatrix::from_rows(vec![vec![0.5, 0.9], vec![0.9, 0.3]]).expect("2x2");
    assert_eq!(m.score(), 0.0);
    assert!((m.parallel_similarity() - 0.4).abs() < 1e-15);
}
