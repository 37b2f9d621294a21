//! Errors raised while loading a model; each names the file and the tensor or field at fault.

use std::path::PathBuf;

/// A model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file exists but its contents are not what the format requires.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A tensor the architecture needs is absent.
    #[error("{path}: missing tensor `{name}`")]
    MissingTensor {
        /// The weight file(s).
        path: PathBuf,
        /// The tensor name (HF naming).
        name: String,
    },
    /// A tensor has a shape other than the config implies.
    #[error("{path}: tensor `{name}` has shape {actual:?}, expected {expected:?} from config.json")]
    ShapeMismatch {
        /// The weight file(s).
        path: PathBuf,
        /// The tensor name.
        name: String,
        /// Shape found.
        actual: Vec<usize>,
        /// Shape the config implies.
        expected: Vec<usize>,
    },
    /// A dtype asked for on a device that does not compute in it.
    #[error("--dtype {dtype} runs on the CPU backend only; use --device cpu, or --dtype f32")]
    DtypeOffCpu {
        /// The dtype asked for.
        dtype: crate::dtype::Dtype,
    },
    /// A model folder has no `config.json`.
    #[error(
        "{dir}: no config.json; an HF model folder needs the config.json saved with its \
         model.safetensors"
    )]
    MissingConfig {
        /// The folder.
        dir: PathBuf,
    },
    /// config.json names an architecture this runtime does not implement.
    #[error(
        "{path}: unsupported architecture (model_type {model_type:?}, architectures \
         {architectures:?}); supported model_type values: llama, mistral, qwen2, qwen3, gemma2, \
         gemma3_text, gemma3 (its language model), phi3, gpt2"
    )]
    UnknownArchitecture {
        /// The config file.
        path: PathBuf,
        /// Its `model_type`, empty when absent.
        model_type: String,
        /// Its `architectures` list.
        architectures: Vec<String>,
    },
    /// A config field is missing, malformed or names an unsupported variant.
    #[error("{path}: field `{field}`: {message}")]
    InvalidConfig {
        /// The config file.
        path: PathBuf,
        /// The field at fault.
        field: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A GGUF tensor is stored in a type this runtime cannot dequantize.
    #[error(
        "{path}: tensor `{tensor}` is stored as {type_name}, which babelbench cannot \
         dequantize; supported types: {supported}. Use a GGUF quantized to one of these"
    )]
    UnsupportedTensorType {
        /// The GGUF file.
        path: PathBuf,
        /// The tensor (GGUF naming).
        tensor: String,
        /// The ggml type's name (or its numeric id when unknown).
        type_name: String,
        /// The types that can be dequantized, comma-separated.
        supported: String,
    },
    /// No tokenizer was given and none lies beside the model.
    #[error(
        "no tokenizer for {model}: {expected} does not exist; pass --tokenizer with the \
         path of this model's tokenizer.json"
    )]
    MissingTokenizer {
        /// The model file or folder.
        model: PathBuf,
        /// Where a tokenizer.json was looked for.
        expected: PathBuf,
    },
    /// The tokenizer emits token ids that the model's embedding table has no row for.
    #[error(
        "tokenizer {tokenizer} does not fit model {model}: it has token id {id} (`{token}`), \
         but the model's embedding table has only {rows} rows; use the tokenizer.json that \
         belongs to this model"
    )]
    TokenizerMismatch {
        /// The tokenizer.json.
        tokenizer: PathBuf,
        /// The model file or folder.
        model: PathBuf,
        /// The largest offending token id.
        id: u32,
        /// Its token text.
        token: String,
        /// Rows of the embedding table.
        rows: usize,
    },
}

/// A forward pass was given inputs it cannot run on; nothing was computed.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The token batch is malformed (ragged rows, mask of the wrong length, empty).
    #[error("invalid token batch: {0}")]
    InvalidBatch(String),
    /// A token id does not index the embedding table.
    #[error(
        "token id {id} at row {row}, column {column} is outside the vocabulary of {vocab} \
         tokens; encode the text with this model's own tokenizer"
    )]
    TokenOutOfRange {
        /// Batch row.
        row: usize,
        /// Column within the row.
        column: usize,
        /// The offending id.
        id: u32,
        /// Vocabulary size from config.json.
        vocab: usize,
    },
    /// The KV cache does not belong to this model or this batch.
    #[error("KV cache mismatch: {0}")]
    CacheMismatch(String),
    /// A position is beyond the model's learned position table.
    #[error(
        "row {row} reaches position {position}, but this model has only {max} learned \
         positions; shorten the input"
    )]
    TooLong {
        /// Batch row.
        row: usize,
        /// The first position out of range.
        position: usize,
        /// Number of learned positions.
        max: usize,
    },
    /// `lm_head` was given rows of the wrong width.
    #[error("lm_head input has {actual} columns; it needs rows of the hidden size {expected}")]
    HiddenSize {
        /// The model's hidden size.
        expected: usize,
        /// Columns given.
        actual: usize,
    },
    /// The tensor backend could not hand data to the host.
    #[error("tensor backend: {0}")]
    Backend(String),
}
