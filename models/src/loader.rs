//! One entry point that loads a model for evaluation: an HF folder (config.json plus
//! model.safetensors or a sharded index) or a GGUF file, with its tokenizer.json (given
//! explicitly, else found inside the folder or beside the file).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use serde::Deserialize;
use serde_json::Value;

use crate::arch::{self, Architecture, Checkpoint};
use crate::cpu::{amx_kernel, bf16_kernel};
use crate::device::is_cpu;
use crate::dtype::Dtype;
use crate::error::LoadError;
use crate::runner::{BurnModel, ModelSettings};
use crate::safetensors_source::HfFolder;
use crate::tokenizer::TextTokenizer;

/// The first four bytes of every GGUF file.
const GGUF_MAGIC: &[u8; 4] = b"GGUF";
/// Files of an HF folder besides the weights that change what the model computes.
const FOLDER_CONFIG_FILES: [&str; 2] = ["config.json", "generation_config.json"];
/// The tokenizer settings file that can change BOS handling.
const TOKENIZER_CONFIG_FILE: &str = "tokenizer_config.json";
/// The sharded-checkpoint index HF transformers writes.
const SHARD_INDEX_FILE: &str = "model.safetensors.index.json";
/// The single-file checkpoint HF transformers writes.
const SINGLE_WEIGHTS_FILE: &str = "model.safetensors";

/// Loads the model at `path` (an HF folder or a `.gguf` file) on `device` for products in
/// `dtype`, with the tokenizer.json at `tokenizer` (a file or a folder holding one) or else the
/// one inside the folder or beside the file, and checks that the tokenizer fits the model's
/// vocabulary.
pub fn load_model(
    path: &Path,
    tokenizer: Option<&Path>,
    device: &Device,
    dtype: Dtype,
) -> Result<BurnModel, LoadError> {
    if dtype == Dtype::Bf16 && !is_cpu(device) {
        return Err(LoadError::DtypeOffCpu { dtype });
    }
    if dtype == Dtype::Bf16 && !amx_kernel::usable() && !bf16_kernel::accelerated() {
        tracing::warn!(
            "this CPU has neither AMX nor a usable AVX512_BF16: --dtype bf16 runs on the \
             portable kernel, slower than --dtype f32"
        );
    }
    if !path.exists() {
        return Err(LoadError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such model; pass an HF model folder (config.json + model.safetensors) or \
                 a .gguf file",
            ),
        });
    }
    let clock = std::time::Instant::now();
    // Headers, config and architecture first, so that a bad checkpoint is reported as such;
    // then the tokenizer, whose parsing needs transient memory that would otherwise add to the
    // resident weights at the peak; then the weights.
    let opened = if path.is_dir() {
        open_folder(path)?
    } else {
        open_gguf(path)?
    };
    let tokenizer = TextTokenizer::for_model(tokenizer, path)?;
    let loaded = match opened {
        Opened::Folder(folder, architecture) => {
            load_folder(path, &folder, architecture, device, dtype)?
        }
        Opened::Gguf(checkpoint, architecture) => {
            load_gguf(path, &checkpoint, architecture, device, dtype)?
        }
    };
    let shape = loaded.lm.shape();
    tokenizer.check_fits(shape.vocab_size, path)?;
    tracing::info!(
        model = %path.display(),
        tokenizer = %tokenizer.path().display(),
        architecture = ?shape.architecture,
        layers = shape.num_layers,
        vocab = shape.vocab_size,
        seconds = clock.elapsed().as_secs_f64(),
        "model loaded"
    );
    let mut files = loaded.files;
    files.push(tokenizer.path().to_path_buf());
    let tokenizer_config = tokenizer.path().with_file_name(TOKENIZER_CONFIG_FILE);
    if tokenizer_config.is_file() {
        files.push(tokenizer_config);
    }
    Ok(BurnModel::new(
        loaded.lm,
        tokenizer,
        loaded.settings,
        device.clone(),
        dtype,
        files,
    ))
}

/// A model read from disk, before its tokenizer is attached.
struct Loaded {
    lm: Box<dyn arch::CausalLm>,
    settings: ModelSettings,
    files: Vec<PathBuf>,
}

/// A checkpoint whose headers and config have been read, before its weights are, with the
/// architecture its config names.
enum Opened {
    Folder(HfFolder, Architecture),
    Gguf(crate::gguf::GgufCheckpoint, Architecture),
}

/// Opens an HF folder and checks that its architecture is one this runtime implements.
fn open_folder(dir: &Path) -> Result<Opened, LoadError> {
    let folder = HfFolder::open(dir)?;
    let architecture = Architecture::detect(&folder.config, &folder.config_path)?;
    Ok(Opened::Folder(folder, architecture))
}

fn load_folder(
    dir: &Path,
    folder: &HfFolder,
    architecture: Architecture,
    device: &Device,
    dtype: Dtype,
) -> Result<Loaded, LoadError> {
    let lm = arch::load(
        &Checkpoint {
            config: &folder.config,
            config_path: &folder.config_path,
            weights: &folder.weights,
            weights_path: folder.weights.path(),
            dtype,
        },
        device,
    )?;
    let settings = ModelSettings::from_config(
        &folder.config,
        &folder.config_path,
        architecture.model_type(),
        Some(dir),
    )?;
    let mut files: Vec<PathBuf> = FOLDER_CONFIG_FILES
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| path.is_file())
        .collect();
    files.extend(weight_files(dir)?);
    Ok(Loaded {
        lm,
        settings,
        files,
    })
}

/// The part of a shard index that lists the shard files.
#[derive(Deserialize)]
struct ShardIndex {
    weight_map: std::collections::HashMap<String, String>,
}

/// The safetensors files of an HF folder: the index and its shards, or model.safetensors.
fn weight_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let index = dir.join(SHARD_INDEX_FILE);
    if !index.is_file() {
        return Ok(vec![dir.join(SINGLE_WEIGHTS_FILE)]);
    }
    let text = std::fs::read_to_string(&index).map_err(|source| LoadError::Io {
        path: index.clone(),
        source,
    })?;
    let parsed: ShardIndex = serde_json::from_str(&text).map_err(|e| LoadError::Format {
        path: index.clone(),
        message: format!("not a safetensors shard index ({e}); re-download it"),
    })?;
    let mut shards: Vec<PathBuf> = parsed.weight_map.values().map(|f| dir.join(f)).collect();
    shards.sort();
    shards.dedup();
    shards.insert(0, index);
    Ok(shards)
}

/// Opens a GGUF file (header, metadata, tensor index) and checks its architecture.
fn open_gguf(path: &Path) -> Result<Opened, LoadError> {
    if !has_gguf_magic(path)? {
        return Err(LoadError::Format {
            path: path.to_path_buf(),
            message: "neither a GGUF file nor a folder; pass an HF model folder \
                      (config.json + model.safetensors) or a .gguf file"
                .into(),
        });
    }
    let checkpoint = crate::gguf::open(path)?;
    let architecture = Architecture::detect(&checkpoint.config, path)?;
    Ok(Opened::Gguf(checkpoint, architecture))
}

fn load_gguf(
    path: &Path,
    checkpoint: &crate::gguf::GgufCheckpoint,
    architecture: Architecture,
    device: &Device,
    dtype: Dtype,
) -> Result<Loaded, LoadError> {
    let config: &Value = &checkpoint.config;
    let lm = arch::load(
        &Checkpoint {
            config,
            config_path: path,
            weights: &checkpoint.weights,
            weights_path: path,
            dtype,
        },
        device,
    )?;
    let settings = ModelSettings::from_config(config, path, architecture.model_type(), None)?;
    Ok(Loaded {
        lm,
        settings,
        files: vec![path.to_path_buf()],
    })
}

/// Whether the file at `path` starts with the GGUF magic.
fn has_gguf_magic(path: &Path) -> Result<bool, LoadError> {
    let mut magic = [0u8; 4];
    let mut file = File::open(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match file.read_exact(&mut magic) {
        Ok(()) => Ok(&magic == GGUF_MAGIC),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(source) => Err(LoadError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}
