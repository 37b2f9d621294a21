//! Builds small GGUF files (or variants with broken fields) for tests, over the library's
//! writer.

use std::path::Path;

use models::gguf::MetaValue;
use models::gguf::writer::{RawTensor, write_version};

/// A GGUF file being built in memory.
pub struct GgufWriter {
    /// The version field.
    pub version: u32,
    metadata: Vec<(String, MetaValue)>,
    tensors: Vec<RawTensor>,
}

impl GgufWriter {
    /// An empty version-3 file.
    pub fn new() -> Self {
        Self {
            version: 3,
            metadata: Vec::new(),
            tensors: Vec::new(),
        }
    }

    fn kv(&mut self, key: &str, value: MetaValue) -> &mut Self {
        self.metadata.push((key.to_string(), value));
        self
    }

    /// A uint32 metadata entry.
    pub fn u32(&mut self, key: &str, value: u32) -> &mut Self {
        self.kv(key, MetaValue::U32(value))
    }

    /// A float32 metadata entry.
    pub fn f32(&mut self, key: &str, value: f32) -> &mut Self {
        self.kv(key, MetaValue::F32(value))
    }

    /// A string metadata entry.
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.kv(key, MetaValue::String(value.to_string()))
    }

    /// A tensor with GGUF dimensions `dims`, ggml type `type_id` and raw `data`.
    pub fn raw_tensor(
        &mut self,
        name: &str,
        dims: &[u64],
        type_id: u32,
        data: Vec<u8>,
    ) -> &mut Self {
        self.tensors.push(RawTensor {
            name: name.to_string(),
            dims: dims.to_vec(),
            type_id,
            data,
        });
        self
    }

    /// An F32 tensor of PyTorch shape `shape`.
    pub fn f32_tensor(&mut self, name: &str, shape: &[usize], values: &[f32]) -> &mut Self {
        let dims: Vec<u64> = shape.iter().rev().map(|&d| d as u64).collect();
        let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.raw_tensor(name, &dims, 0, data)
    }

    /// The file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        write_version(self.version, &self.metadata, &self.tensors)
    }

    /// Writes the file to `path`.
    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.bytes()).unwrap();
    }
}
