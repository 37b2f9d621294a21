//! A [`WeightSource`] over an HF model folder: `config.json` plus `model.safetensors` or the
//! shards listed by `model.safetensors.index.json`, memory-mapped and converted to f32 on read
//! (or kept as their 16-bit values, [`WeightSource::half`]); a tensor's pages are released from
//! the process once it has been read.

use std::collections::HashMap;
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use safetensors::tensor::{Dtype, Metadata, SafeTensorError, SafeTensors, TensorInfo};
use serde::Deserialize;

use crate::error::LoadError;
use crate::weights::{HalfFormat, HalfTensor, HostTensor, WeightSource};

/// The single-file checkpoint name HF transformers writes.
const SINGLE_FILE: &str = "model.safetensors";
/// The shard index HF transformers writes for sharded checkpoints.
const INDEX_FILE: &str = "model.safetensors.index.json";
/// Size of the little-endian header-length prefix of a safetensors file.
const HEADER_PREFIX: usize = 8;

/// An HF model folder: its parsed `config.json` and its safetensors weights.
pub struct HfFolder {
    /// The parsed `config.json`.
    pub config: serde_json::Value,
    /// Path of `config.json`, for error messages.
    pub config_path: PathBuf,
    /// The weights.
    pub weights: SafetensorsSource,
}

impl HfFolder {
    /// Opens `dir`, which must hold `config.json` and `model.safetensors` (or a sharded index).
    pub fn open(dir: &Path) -> Result<Self, LoadError> {
        let config_path = dir.join("config.json");
        if !config_path.is_file() {
            return Err(LoadError::MissingConfig {
                dir: dir.to_path_buf(),
            });
        }
        let text = std::fs::read_to_string(&config_path).map_err(|source| LoadError::Io {
            path: config_path.clone(),
            source,
        })?;
        let config = serde_json::from_str(&text).map_err(|e| LoadError::Format {
            path: config_path.clone(),
            message: format!("not valid JSON ({e}); restore the config.json of this model"),
        })?;
        let weights = SafetensorsSource::open_dir(dir)?;
        Ok(Self {
            config,
            config_path,
            weights,
        })
    }
}

/// One memory-mapped safetensors file.
struct Shard {
    path: PathBuf,
    map: Mmap,
    /// Byte offset of the tensor data (after the header).
    data_start: usize,
}

/// Tensors of one or more safetensors files, looked up by HF name.
pub struct SafetensorsSource {
    /// The folder or file named in errors.
    origin: PathBuf,
    shards: Vec<Shard>,
    /// Tensor name → (shard index, header entry).
    tensors: HashMap<String, (usize, TensorInfo)>,
}

/// The part of `model.safetensors.index.json` that maps tensors to shard files.
#[derive(Deserialize)]
struct ShardIndex {
    weight_map: HashMap<String, String>,
}

impl SafetensorsSource {
    /// Opens the weights of an HF folder: `model.safetensors`, or every shard named by
    /// `model.safetensors.index.json`.
    pub fn open_dir(dir: &Path) -> Result<Self, LoadError> {
        let index_path = dir.join(INDEX_FILE);
        if index_path.is_file() {
            return Self::open_index(dir, &index_path);
        }
        let single = dir.join(SINGLE_FILE);
        if single.is_file() {
            return Self::open_file(&single);
        }
        Err(LoadError::Format {
            path: dir.to_path_buf(),
            message: format!(
                "neither {SINGLE_FILE} nor {INDEX_FILE} found; download the model's safetensors \
                 weights into this folder"
            ),
        })
    }

    /// Opens one safetensors file.
    pub fn open_file(path: &Path) -> Result<Self, LoadError> {
        let (shard, infos) = map_shard(path)?;
        let tensors = infos
            .into_iter()
            .map(|(name, info)| (name, (0, info)))
            .collect();
        Ok(Self {
            origin: path.to_path_buf(),
            shards: vec![shard],
            tensors,
        })
    }

    fn open_index(dir: &Path, index_path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(index_path).map_err(|source| LoadError::Io {
            path: index_path.to_path_buf(),
            source,
        })?;
        let index: ShardIndex = serde_json::from_str(&text).map_err(|e| LoadError::Format {
            path: index_path.to_path_buf(),
            message: format!("not a safetensors shard index ({e}); re-download it"),
        })?;
        let mut files: Vec<&String> = index.weight_map.values().collect();
        files.sort();
        files.dedup();
        let mut shards = Vec::with_capacity(files.len());
        let mut by_file: HashMap<&str, HashMap<String, TensorInfo>> = HashMap::new();
        for file in &files {
            let (shard, infos) = map_shard(&dir.join(file))?;
            shards.push(shard);
            by_file.insert(file.as_str(), infos);
        }
        let mut tensors = HashMap::with_capacity(index.weight_map.len());
        for (name, file) in &index.weight_map {
            let shard_idx = files.binary_search(&file).map_err(|_| LoadError::Format {
                path: index_path.to_path_buf(),
                message: format!("shard {file} of tensor `{name}` is not listed"),
            })?;
            let info = by_file
                .get(file.as_str())
                .and_then(|infos| infos.get(name))
                .ok_or_else(|| LoadError::Format {
                    path: dir.join(file),
                    message: format!(
                        "the index places tensor `{name}` in this shard but its header lacks it; \
                         re-download the shards"
                    ),
                })?;
            tensors.insert(name.clone(), (shard_idx, info.clone()));
        }
        Ok(Self {
            origin: dir.to_path_buf(),
            shards,
            tensors,
        })
    }

    /// The folder or file these weights were read from.
    pub fn path(&self) -> &Path {
        &self.origin
    }

    /// Names of all tensors, unordered.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }
}

impl SafetensorsSource {
    /// The shard, header entry and byte range (within the shard's map) of tensor `name`.
    fn locate(&self, name: &str) -> Result<(&Shard, &TensorInfo, Range<usize>), LoadError> {
        let (shard_idx, info) = self
            .tensors
            .get(name)
            .ok_or_else(|| LoadError::MissingTensor {
                path: self.origin.clone(),
                name: name.to_string(),
            })?;
        let shard = &self.shards[*shard_idx];
        let (begin, end) = info.data_offsets;
        Ok((
            shard,
            info,
            shard.data_start + begin..shard.data_start + end,
        ))
    }
}

impl Shard {
    /// Lets the kernel drop the pages of `range` from this process's memory once they have
    /// been copied out: a checkpoint is read once, and mapped pages left resident would count
    /// twice against the peak memory of a load (the file, and the weights made from it).
    fn release(&self, range: Range<usize>) {
        #[cfg(not(unix))]
        let _ = range;
        #[cfg(unix)]
        // SAFETY: the map is a read-only view of the file and no borrow of these bytes outlives
        // the read that just copied them; a later read faults the same bytes back in from the
        // file. The advice is only a hint, so a failure changes nothing but the memory use.
        let _ = unsafe {
            self.map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                range.start,
                range.len(),
            )
        };
    }
}

impl WeightSource for SafetensorsSource {
    fn tensor(&self, name: &str) -> Result<HostTensor, LoadError> {
        let (shard, info, range) = self.locate(name)?;
        let data = to_f32(&shard.map[range.clone()], info.dtype).ok_or_else(|| LoadError::Format {
            path: shard.path.clone(),
            message: format!(
                "tensor `{name}` has dtype {:?}; only F32, F16, BF16 and F64 weights are supported",
                info.dtype
            ),
        })?;
        shard.release(range);
        Ok(HostTensor {
            shape: info.shape.clone(),
            data,
        })
    }

    fn half(&self, name: &str) -> Result<Option<HalfTensor>, LoadError> {
        let (shard, info, range) = self.locate(name)?;
        let format = match info.dtype {
            Dtype::BF16 => HalfFormat::Bf16,
            Dtype::F16 => HalfFormat::F16,
            _ => return Ok(None),
        };
        let bits = shard.map[range.clone()]
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        shard.release(range);
        Ok(Some(HalfTensor {
            shape: info.shape.clone(),
            format,
            bits,
        }))
    }

    fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }
}

/// Maps `path` and validates its header against the file size.
fn map_shard(path: &Path) -> Result<(Shard, HashMap<String, TensorInfo>), LoadError> {
    let file = File::open(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // SAFETY: the map is read-only; a checkpoint rewritten while mapped is outside what any
    // loader can guard against, and the header is validated before any tensor is sliced.
    let map = unsafe { Mmap::map(&file) }.map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (header_len, metadata): (usize, Metadata) =
        SafeTensors::read_metadata(&map).map_err(|e| LoadError::Format {
            path: path.to_path_buf(),
            message: describe_header_error(&e, map.len()),
        })?;
    let infos = metadata
        .tensors()
        .into_iter()
        .map(|(name, info)| (name, info.clone()))
        .collect();
    let shard = Shard {
        path: path.to_path_buf(),
        map,
        data_start: HEADER_PREFIX + header_len,
    };
    Ok((shard, infos))
}

/// A human explanation of a safetensors header failure.
fn describe_header_error(error: &SafeTensorError, file_len: usize) -> String {
    match error {
        SafeTensorError::HeaderTooSmall
        | SafeTensorError::InvalidHeaderLength
        | SafeTensorError::MetadataIncompleteBuffer => format!(
            "truncated or corrupt safetensors file ({file_len} bytes do not match the sizes its \
             header declares); re-download it"
        ),
        other => format!("not a valid safetensors file ({other:?}); re-download it"),
    }
}

/// Little-endian `bytes` of `dtype` as f32, or `None` for a non-float dtype.
fn to_f32(bytes: &[u8], dtype: Dtype) -> Option<Vec<f32>> {
    let data = match dtype {
        Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => bytes
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => bytes
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::F64 => bytes
            .chunks_exact(8)
            .map(|b| {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                f64::from_le_bytes(a) as f32
            })
            .collect(),
        _ => return None,
    };
    Some(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_dtypes_convert_to_f32() {
        let f32_bytes: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(to_f32(&f32_bytes, Dtype::F32), Some(vec![1.5, -2.0]));
        let f16_bytes: Vec<u8> = [half::f16::from_f32(0.5), half::f16::from_f32(-3.0)]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(to_f32(&f16_bytes, Dtype::F16), Some(vec![0.5, -3.0]));
        let bf16_bytes: Vec<u8> = [half::bf16::from_f32(1.0), half::bf16::from_f32(-0.25)]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(to_f32(&bf16_bytes, Dtype::BF16), Some(vec![1.0, -0.25]));
        assert_eq!(
            to_f32(&0.125f64.to_le_bytes(), Dtype::F64),
            Some(vec![0.125])
        );
        assert_eq!(to_f32(&[1, 2, 3, 4], Dtype::I32), None);
    }

    #[test]
    fn tensors_read_again_after_their_pages_are_released_and_16_bit_ones_keep_their_bits() {
        use safetensors::tensor::TensorView;
        // Large enough to span several pages, so that releasing them drops resident pages.
        let values: Vec<half::bf16> = (0..10_000)
            .map(|i| half::bf16::from_f32(i as f32 / 64.0 - 70.0))
            .collect();
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let floats: Vec<u8> = [0.5f32, -1.25]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SINGLE_FILE);
        let views = [
            (
                "w",
                TensorView::new(Dtype::BF16, vec![100, 100], &bytes).unwrap(),
            ),
            ("b", TensorView::new(Dtype::F32, vec![2], &floats).unwrap()),
        ];
        safetensors::serialize_to_file(views, None, &path).unwrap();
        let source = SafetensorsSource::open_file(&path).unwrap();
        let widened: Vec<f32> = values.iter().map(|v| v.to_f32()).collect();
        let bits: Vec<u16> = values.iter().map(|v| v.to_bits()).collect();
        for _ in 0..2 {
            assert_eq!(source.tensor("w").unwrap().data, widened);
            let half = source.half("w").unwrap().unwrap();
            assert_eq!(
                (half.shape, half.format),
                (vec![100, 100], HalfFormat::Bf16)
            );
            assert_eq!(half.bits, bits);
            assert_eq!(source.half("b").unwrap(), None);
            assert_eq!(source.tensor("b").unwrap().data, vec![0.5, -1.25]);
        }
    }
}
