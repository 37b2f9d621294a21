//! Mapping forward-pass failures onto the harness's model errors.

use harness::model::ModelError;

use crate::error::ForwardError;

/// A forward failure as a [`ModelError`]: inputs the model cannot take are invalid requests,
/// anything else a backend failure.
pub(crate) fn forward_error(error: ForwardError) -> ModelError {
    match error {
        ForwardError::TokenOutOfRange { .. } | ForwardError::TooLong { .. } => {
            ModelError::InvalidRequest(error.to_string())
        }
        other => ModelError::Backend(other.to_string()),
    }
}
