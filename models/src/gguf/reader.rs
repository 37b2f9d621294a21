//! The GGUF container (versions 2 and 3, little-endian): header, metadata, tensor infos and
//! the aligned tensor data, memory-mapped. Every count, offset and size is checked against
//! the file size before it is used.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use super::cursor::Cursor;
use super::dequant::{dequantize, dequantize_grouped};
use super::ggml_type::{GgmlType, supported_list, type_name};
use super::metadata::{MetaValue, Metadata};
use crate::error::LoadError;
use crate::quantized::GroupedQuants;

/// The four bytes every GGUF file starts with.
const MAGIC: &[u8; 4] = b"GGUF";
/// Tensor data alignment when `general.alignment` is absent.
const DEFAULT_ALIGNMENT: usize = 32;
/// Most dimensions a ggml tensor can have.
const MAX_DIMS: usize = 4;
/// Smallest tensor info: empty name (8), dimension count (4), type (4), offset (8).
const MIN_TENSOR_INFO_BYTES: usize = 24;
/// Smallest metadata entry: empty key (8), value type (4), a one-byte value.
const MIN_KV_BYTES: usize = 13;

/// Where one tensor's data lies and how it is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    name: String,
    dims: Vec<usize>,
    ggml_type: GgmlType,
    offset: usize,
    n_bytes: usize,
}

impl TensorInfo {
    /// The GGUF tensor name, e.g. `blk.0.attn_q.weight`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Dimensions in GGUF order: innermost (row length) first.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// Dimensions in PyTorch order: outermost first.
    pub fn shape(&self) -> Vec<usize> {
        self.dims.iter().rev().copied().collect()
    }

    /// Number of values.
    pub fn n_elements(&self) -> usize {
        self.dims.iter().product()
    }

    /// The storage type.
    pub fn ggml_type(&self) -> GgmlType {
        self.ggml_type
    }

    /// Absolute byte offset of the data in the file.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Size of the data in bytes.
    pub fn n_bytes(&self) -> usize {
        self.n_bytes
    }
}

/// Everything before the tensor data.
#[derive(Debug)]
struct Header {
    version: u32,
    metadata: Metadata,
    tensors: Vec<TensorInfo>,
    alignment: usize,
    data_offset: usize,
}

/// A memory-mapped GGUF file.
pub struct GgufFile {
    path: PathBuf,
    map: Mmap,
    header: Header,
    by_name: HashMap<String, usize>,
}

impl std::fmt::Debug for GgufFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GgufFile")
            .field("path", &self.path)
            .field("version", &self.header.version)
            .field("metadata_entries", &self.header.metadata.len())
            .field("tensors", &self.header.tensors.len())
            .finish()
    }
}

impl GgufFile {
    /// Maps and parses the GGUF file at `path`.
    pub fn open(path: &Path) -> Result<Self, LoadError> {
        let io = |source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len < MAGIC.len() as u64 {
            return Err(not_gguf(path, &[]));
        }
        // SAFETY: the map is read-only and lives as long as `GgufFile`; like every reader of
        // a memory-mapped model, this assumes the file is not truncated or rewritten while open.
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        let header = parse(path, &map)?;
        let mut by_name = HashMap::with_capacity(header.tensors.len());
        for (index, info) in header.tensors.iter().enumerate() {
            if by_name.insert(info.name.clone(), index).is_some() {
                return Err(LoadError::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "tensor `{}` appears twice; the file is damaged: download it again",
                        info.name
                    ),
                });
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            map,
            header,
            by_name,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The GGUF version (2 or 3).
    pub fn version(&self) -> u32 {
        self.header.version
    }

    /// The metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.header.metadata
    }

    /// All tensors, in file order.
    pub fn tensors(&self) -> &[TensorInfo] {
        &self.header.tensors
    }

    /// The tensor called `name` (GGUF naming).
    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.by_name.get(name).map(|&i| &self.header.tensors[i])
    }

    /// Tensor data alignment in bytes.
    pub fn alignment(&self) -> usize {
        self.header.alignment
    }

    /// Byte offset where tensor data starts.
    pub fn data_offset(&self) -> usize {
        self.header.data_offset
    }

    /// The raw bytes of `info`'s data.
    pub fn tensor_data(&self, info: &TensorInfo) -> Result<&[u8], LoadError> {
        self.map
            .get(info.offset..info.offset + info.n_bytes)
            .ok_or_else(|| LoadError::Format {
                path: self.path.clone(),
                message: format!("tensor `{}` does not belong to this file", info.name),
            })
    }

    /// `info`'s values as f32, in GGUF storage order (row-major over [`TensorInfo::shape`]).
    pub fn dequantize(&self, info: &TensorInfo) -> Result<Vec<f32>, LoadError> {
        let data = self.tensor_data(info)?;
        let values =
            dequantize(info.ggml_type, data, info.n_elements()).map_err(|e| LoadError::Format {
                path: self.path.clone(),
                message: format!("tensor `{}`: {e}", info.name),
            })?;
        self.release(info);
        Ok(values)
    }

    /// `info`'s values as grouped 8-bit quants when it is a quantized matrix (see
    /// [`crate::quantized`]); `None` for float types and tensors of other ranks.
    pub fn grouped(&self, info: &TensorInfo) -> Result<Option<GroupedQuants>, LoadError> {
        let shape = info.shape();
        let [rows, cols] = shape[..] else {
            return Ok(None);
        };
        let data = self.tensor_data(info)?;
        let grouped = dequantize_grouped(info.ggml_type, data, rows, cols).map_err(|e| {
            LoadError::Format {
                path: self.path.clone(),
                message: format!("tensor `{}`: {e}", info.name),
            }
        })?;
        self.release(info);
        Ok(grouped)
    }

    /// Drops the pages of `info`'s data from the process's resident memory, so that the
    /// quantized file and the f32 copies of the tensors read so far are not held side by side
    /// while a model loads. Best effort: the data stays readable, the kernel reads it again
    /// from the file if it is needed.
    #[cfg(unix)]
    fn release(&self, info: &TensorInfo) {
        // SAFETY: the map is a read-only mapping of a file. MADV_DONTNEED on such a mapping
        // discards only clean page-cache-backed pages; a later read faults them in again from
        // the file with the same bytes, so a slice borrowed from the map still reads what it
        // read before.
        let _ = unsafe {
            self.map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                info.offset,
                info.n_bytes,
            )
        };
    }

    #[cfg(not(unix))]
    fn release(&self, _info: &TensorInfo) {}
}

/// The error for a file without the GGUF magic.
fn not_gguf(path: &Path, start: &[u8]) -> LoadError {
    LoadError::Format {
        path: path.to_path_buf(),
        message: format!(
            "not a GGUF file: it starts with {:?} instead of \"GGUF\"; pass a .gguf model file \
             or an HF model folder",
            String::from_utf8_lossy(start)
        ),
    }
}

/// Parses everything before the tensor data of `bytes`, the contents of `path`.
fn parse(path: &Path, bytes: &[u8]) -> Result<Header, LoadError> {
    let mut cursor = Cursor::new(bytes, path);
    let magic = &bytes[..bytes.len().min(MAGIC.len())];
    if magic != MAGIC {
        return Err(not_gguf(path, magic));
    }
    cursor.take(MAGIC.len(), "the magic")?;
    let version = cursor.u32("the GGUF version")?;
    match version {
        2 | 3 => {}
        v if matches!(v.swap_bytes(), 2 | 3) => {
            return Err(cursor.error(
                "this is a big-endian GGUF file; babelbench reads little-endian GGUF only: use \
                 the little-endian release of the model"
                    .into(),
            ));
        }
        v => {
            return Err(cursor.error(format!(
                "GGUF version {v} is not supported (supported: 2 and 3); convert the model again \
                 with a current llama.cpp"
            )));
        }
    }
    let tensor_count = cursor.count(MIN_TENSOR_INFO_BYTES, "the tensor count")?;
    let kv_count = cursor.count(MIN_KV_BYTES, "the metadata entry count")?;
    let metadata = Metadata::read(&mut cursor, kv_count)?;
    let alignment = alignment(&cursor, &metadata)?;

    let mut raw = Vec::new();
    for index in 0..tensor_count {
        raw.push(read_tensor_info(&mut cursor, index)?);
    }
    let data_offset = cursor
        .position()
        .checked_next_multiple_of(alignment)
        .ok_or_else(|| cursor.error("the tensor data offset overflows".into()))?;
    let tensors = raw
        .into_iter()
        .map(|raw| locate(&cursor, raw, alignment, data_offset, bytes.len()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Header {
        version,
        metadata,
        tensors,
        alignment,
        data_offset,
    })
}

/// `general.alignment`, or 32: a power of two.
fn alignment(cursor: &Cursor<'_>, metadata: &Metadata) -> Result<usize, LoadError> {
    let Some(value) = metadata.get("general.alignment") else {
        return Ok(DEFAULT_ALIGNMENT);
    };
    match value {
        MetaValue::U32(a) if a.is_power_of_two() => Ok(*a as usize),
        other => Err(cursor.error(format!(
            "metadata key `general.alignment` is {other:?}; it must be a uint32 power of two"
        ))),
    }
}

/// A tensor info as stored, before its data is located.
struct RawTensorInfo {
    name: String,
    dims: Vec<u64>,
    type_id: u32,
    offset: u64,
}

/// Reads tensor info number `index`.
fn read_tensor_info(cursor: &mut Cursor<'_>, index: usize) -> Result<RawTensorInfo, LoadError> {
    let name = cursor.string_strict(&format!("the name of tensor {index}"))?;
    let what = format!("the info of tensor `{name}`");
    let n_dims = cursor.u32(&what)? as usize;
    if !(1..=MAX_DIMS).contains(&n_dims) {
        return Err(cursor.error(format!(
            "tensor `{name}` has {n_dims} dimensions; ggml tensors have 1 to {MAX_DIMS}: the \
             file is damaged"
        )));
    }
    let dims = (0..n_dims)
        .map(|_| cursor.u64(&what))
        .collect::<Result<Vec<_>, _>>()?;
    let type_id = cursor.u32(&what)?;
    let offset = cursor.u64(&what)?;
    Ok(RawTensorInfo {
        name,
        dims,
        type_id,
        offset,
    })
}

/// Checks a tensor's type, shape and data range against the file of `file_len` bytes.
fn locate(
    cursor: &Cursor<'_>,
    raw: RawTensorInfo,
    alignment: usize,
    data_offset: usize,
    file_len: usize,
) -> Result<TensorInfo, LoadError> {
    let RawTensorInfo {
        name,
        dims,
        type_id,
        offset,
    } = raw;
    let Some(ggml_type) = GgmlType::from_id(type_id) else {
        return Err(LoadError::UnsupportedTensorType {
            path: cursor.path().to_path_buf(),
            tensor: name,
            type_name: type_name(type_id),
            supported: supported_list(),
        });
    };
    let too_big = || {
        cursor.error(format!(
            "tensor `{name}` has dimensions {dims:?}, too large for a {file_len}-byte file; the \
             file is damaged: download it again"
        ))
    };
    let dims_usize = dims
        .iter()
        .map(|&d| usize::try_from(d).ok())
        .collect::<Option<Vec<_>>>()
        .ok_or_else(too_big)?;
    let n_elements = dims_usize
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(too_big)?;
    let block = ggml_type.block_elements();
    if !dims_usize[0].is_multiple_of(block) {
        return Err(cursor.error(format!(
            "tensor `{name}` has rows of {} values, not a whole number of {ggml_type} blocks of \
             {block}; the file is damaged",
            dims_usize[0]
        )));
    }
    let n_bytes = (n_elements / block)
        .checked_mul(ggml_type.block_bytes())
        .ok_or_else(too_big)?;
    if !offset.is_multiple_of(alignment as u64) {
        return Err(cursor.error(format!(
            "tensor `{name}` starts at data offset {offset}, which is not a multiple of the \
             alignment {alignment}; the file is damaged"
        )));
    }
    let start = usize::try_from(offset)
        .ok()
        .and_then(|o| o.checked_add(data_offset));
    let end = start.and_then(|s| s.checked_add(n_bytes));
    match (start, end) {
        (Some(start), Some(end)) if end <= file_len => Ok(TensorInfo {
            name,
            dims: dims_usize,
            ggml_type,
            offset: start,
            n_bytes,
        }),
        _ => Err(cursor.error(format!(
            "the data of tensor `{name}` ({n_bytes} bytes of {ggml_type} at data offset \
             {offset}) runs past the end of the file ({file_len} bytes); the file is truncated: \
             download it again"
        ))),
    }
}
