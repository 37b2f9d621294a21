//! The arithmetic of MEXA (Kargaran et al., "MEXA: Multilingual Evaluation of English-Centric
//! LLMs via Cross-Lingual Alignment"): cosine similarities between parallel sentence embeddings
//! and the fraction of sentences that are aligned.
//!
//! For one layer, `C[i][j]` is the cosine similarity of pivot (English) sentence `i` and
//! sentence `j` of the other language. Sentence `i` is aligned when `C[i][i]` is strictly
//! greater than every other entry of row `i` and every other entry of column `i`; the layer's
//! score is the aligned fraction. Similarities are computed in `f64`.
//!
//! The same matrix gives the Language Ranker similarity (Li et al., "Language Ranker: A Metric
//! for Quantifying LLM Performance Across High and Low-Resource Languages", AAAI 2025,
//! arXiv 2404.11553): the mean of its diagonal, the mean cosine similarity between each
//! sentence and its own English translation ([`SimilarityMatrix::parallel_similarity`]).
//! Unlike MEXA it ignores the other sentences: it measures how close the two representations
//! are, not whether the translation is the closest one.

/// Embeddings that cannot be aligned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlignmentError {
    /// Fewer than two sentence pairs: alignment compares each pair with the others.
    #[error("MEXA needs at least 2 sentence pairs, got {0}; raise the number of sentences")]
    TooFewSentences(usize),
    /// The two sides have different numbers of sentences.
    #[error(
        "{pivot} pivot sentences but {other} sentences in the other language; both sides must be parallel"
    )]
    Unparallel {
        /// Pivot sentences.
        pivot: usize,
        /// Sentences of the other language.
        other: usize,
    },
    /// Two vectors have different lengths.
    #[error(
        "{side} sentence {index}: vector of length {found}, expected {expected} like the first pivot vector"
    )]
    DimensionMismatch {
        /// `pivot` or `other`.
        side: &'static str,
        /// 0-based sentence index.
        index: usize,
        /// Its length.
        found: usize,
        /// The first pivot vector's length.
        expected: usize,
    },
    /// A vector is zero or holds a NaN or infinity, so its cosine is undefined.
    #[error(
        "{side} sentence {index}: the vector is zero or not finite, so its cosine similarity is undefined"
    )]
    Degenerate {
        /// `pivot` or `other`.
        side: &'static str,
        /// 0-based sentence index.
        index: usize,
    },
}

/// An `n × n` matrix of cosine similarities, row `i` = pivot sentence `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarityMatrix {
    n: usize,
    values: Vec<f64>,
}

impl SimilarityMatrix {
    /// The matrix of `cosine(pivot[i], other[j])`.
    pub fn from_embeddings(pivot: &[&[f32]], other: &[&[f32]]) -> Result<Self, AlignmentError> {
        if pivot.len() != other.len() {
            return Err(AlignmentError::Unparallel {
                pivot: pivot.len(),
                other: other.len(),
            });
        }
        let n = pivot.len();
        if n < 2 {
            return Err(AlignmentError::TooFewSentences(n));
        }
        let dim = pivot[0].len();
        let pivot = normalized_all(pivot, "pivot", dim)?;
        let other = normalized_all(other, "other", dim)?;
        let mut values = Vec::with_capacity(n * n);
        for p in &pivot {
            for o in &other {
                values.push(p.iter().zip(o).map(|(a, b)| a * b).sum());
            }
        }
        Ok(SimilarityMatrix { n, values })
    }

    /// A matrix from its rows, for similarities computed elsewhere.
    pub fn from_rows(rows: Vec<Vec<f64>>) -> Result<Self, AlignmentError> {
        let n = rows.len();
        if n < 2 {
            return Err(AlignmentError::TooFewSentences(n));
        }
        if let Some((index, row)) = rows.iter().enumerate().find(|(_, row)| row.len() != n) {
            return Err(AlignmentError::DimensionMismatch {
                side: "other",
                index,
                found: row.len(),
                expected: n,
            });
        }
        Ok(SimilarityMatrix {
            n,
            values: rows.into_iter().flatten().collect(),
        })
    }

    /// The number of sentence pairs.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: a matrix holds at least two pairs.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// `C[i][j]`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.n + j]
    }

    /// Whether pair `i` is aligned: `C[i][i]` strictly above every other entry of row `i` and
    /// of column `i`.
    pub fn is_aligned(&self, i: usize) -> bool {
        let diagonal = self.get(i, i);
        (0..self.n)
            .filter(|&k| k != i)
            .all(|k| diagonal > self.get(i, k) && diagonal > self.get(k, i))
    }

    /// For each pair, whether it is aligned.
    pub fn aligned(&self) -> Vec<bool> {
        (0..self.n).map(|i| self.is_aligned(i)).collect()
    }

    /// The aligned fraction, the layer's MEXA score.
    pub fn score(&self) -> f64 {
        let aligned = self.aligned().into_iter().filter(|&a| a).count();
        aligned as f64 / self.n as f64
    }

    /// `C[i][i]` for each pair: the cosine similarity of each sentence with its own pivot.
    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.n).map(|i| self.get(i, i)).collect()
    }

    /// The mean of the diagonal, the layer's Language Ranker similarity: the mean cosine
    /// similarity between each sentence and its pivot translation, in `[-1, 1]`.
    pub fn parallel_similarity(&self) -> f64 {
        self.diagonal().iter().sum::<f64>() / self.n as f64
    }
}

/// Each vector scaled to unit length in `f64`, checking lengths and finiteness.
fn normalized_all(
    vectors: &[&[f32]],
    side: &'static str,
    dim: usize,
) -> Result<Vec<Vec<f64>>, AlignmentError> {
    vectors
        .iter()
        .enumerate()
        .map(|(index, vector)| {
            if vector.len() != dim {
                return Err(AlignmentError::DimensionMismatch {
                    side,
                    index,
                    found: vector.len(),
                    expected: dim,
                });
            }
            let norm = vector
                .iter()
                .map(|&x| f64::from(x) * f64::from(x))
                .sum::<f64>()
                .sqrt();
            if !norm.is_finite() || norm == 0.0 {
                return Err(AlignmentError::Degenerate { side, index });
            }
            Ok(vector.iter().map(|&x| f64::from(x) / norm).collect())
        })
        .collect()
}

/// Mean and maximum of per-layer scores: MEXA's model-level summaries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerSummary {
    /// Mean over layers.
    pub mean: f64,
    /// Maximum over layers.
    pub max: f64,
    /// The first layer reaching the maximum.
    pub best_layer: usize,
}

/// Summarizes per-layer scores; `None` when there are none.
pub fn summarize_layers(scores: &[f64]) -> Option<LayerSummary> {
    let (best_layer, max) = scores.iter().copied().enumerate().fold(
        None,
        |best: Option<(usize, f64)>, (layer, score)| match best {
            Some((_, top)) if top >= score => best,
            _ => Some((layer, score)),
        },
    )?;
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    Some(LayerSummary {
        mean,
        max,
        best_layer,
    })
}
