//! Writes small GGUF v3 files (or variants with broken fields) for tests.

use std::path::Path;

/// Tensor data alignment used by the writer (GGUF's default).
pub const ALIGNMENT: usize = 32;

/// GGUF value type ids.
const TYPE_U32: u32 = 4;
const TYPE_F32: u32 = 6;
const TYPE_STRING: u32 = 8;

/// One tensor: GGUF dimensions (innermost first), ggml type id and raw data.
struct Tensor {
    name: String,
    dims: Vec<u64>,
    type_id: u32,
    data: Vec<u8>,
}

/// Builds a GGUF file in memory.
pub struct GgufWriter {
    /// The version field.
    pub version: u32,
    kv_count: u64,
    kv_bytes: Vec<u8>,
    tensors: Vec<Tensor>,
}

fn string_bytes(s: &str) -> Vec<u8> {
    let mut out = (s.len() as u64).to_le_bytes().to_vec();
    out.extend(s.as_bytes());
    out
}

impl GgufWriter {
    /// An empty version-3 file.
    pub fn new() -> Self {
        Self {
            version: 3,
            kv_count: 0,
            kv_bytes: Vec::new(),
            tensors: Vec::new(),
        }
    }

    fn kv(&mut self, key: &str, type_id: u32, value: &[u8]) -> &mut Self {
        self.kv_count += 1;
        self.kv_bytes.extend(string_bytes(key));
        self.kv_bytes.extend(type_id.to_le_bytes());
        self.kv_bytes.extend(value);
        self
    }

    /// A uint32 metadata entry.
    pub fn u32(&mut self, key: &str, value: u32) -> &mut Self {
        self.kv(key, TYPE_U32, &value.to_le_bytes())
    }

    /// A float32 metadata entry.
    pub fn f32(&mut self, key: &str, value: f32) -> &mut Self {
        self.kv(key, TYPE_F32, &value.to_le_bytes())
    }

    /// A string metadata entry.
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.kv(key, TYPE_STRING, &string_bytes(value))
    }

    /// A tensor with GGUF dimensions `dims`, ggml type `type_id` and raw `data`.
    pub fn raw_tensor(
        &mut self,
        name: &str,
        dims: &[u64],
        type_id: u32,
        data: Vec<u8>,
    ) -> &mut Self {
        self.tensors.push(Tensor {
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
        let mut out = b"GGUF".to_vec();
        out.extend(self.version.to_le_bytes());
        out.extend((self.tensors.len() as u64).to_le_bytes());
        out.extend(self.kv_count.to_le_bytes());
        out.extend(&self.kv_bytes);
        let mut offset = 0usize;
        for t in &self.tensors {
            out.extend(string_bytes(&t.name));
            out.extend((t.dims.len() as u32).to_le_bytes());
            for d in &t.dims {
                out.extend(d.to_le_bytes());
            }
            out.extend(t.type_id.to_le_bytes());
            out.extend((offset as u64).to_le_bytes());
            offset = (offset + t.data.len()).next_multiple_of(ALIGNMENT);
        }
        out.resize(out.len().next_multiple_of(ALIGNMENT), 0);
        for t in &self.tensors {
            out.extend(&t.data);
            out.resize(out.len().next_multiple_of(ALIGNMENT), 0);
        }
        out
    }

    /// Writes the file to `path`.
    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.bytes()).unwrap();
    }
}
