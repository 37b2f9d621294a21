//! Errors of the translation metrics.

use thiserror::Error;

/// Why a metric could not be built or computed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MetricError {
    /// Hypotheses and references differ in number.
    #[error(
        "{hypotheses} hypotheses but {references} references: give exactly one reference per hypothesis, in the same order"
    )]
    LengthMismatch {
        /// Number of hypotheses.
        hypotheses: usize,
        /// Number of references.
        references: usize,
    },
    /// A BLEU tokenizer name sacrebleu-compatible scoring does not know.
    #[error("unknown BLEU tokenizer '{name}': use one of 13a, intl, char, zh, none")]
    UnknownTokenizer {
        /// The name given.
        name: String,
    },
}
