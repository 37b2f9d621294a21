//! Where fetched models live: `$BABELBENCH_MODELS` if set and non-empty, else
//! `~/.cache/babelbench/models`, the folder `scripts/fetch-default-model.sh` fills.

use std::path::PathBuf;

/// The environment variable naming the model cache.
pub const MODELS_ENV: &str = "BABELBENCH_MODELS";

/// The default model's GGUF file (google/gemma-3-270m, Q4_K_M), relative to the model cache.
pub const DEFAULT_MODEL: &str = "gemma-3-270m/gemma-3-270m-q4_k_m.gguf";

/// The default model's tokenizer.json, relative to the model cache.
pub const DEFAULT_TOKENIZER: &str = "gemma-3-270m/tokenizer.json";

/// The model cache; `None` when neither [`MODELS_ENV`] nor `$HOME` is set.
pub fn model_cache() -> Option<PathBuf> {
    match std::env::var_os(MODELS_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".cache/babelbench/models")),
    }
}
