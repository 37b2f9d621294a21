//! A GGUF writer: every metadata value type (nested arrays included) and raw tensors. It is the
//! reader's inverse, for tests and fuzz seeds: small checkpoints made on the spot, broken
//! variants of them, and the property test that writes metadata and reads it back.

use super::{MetaArray, MetaValue};

/// Tensor data alignment (GGUF's default).
pub const ALIGNMENT: usize = 32;

/// The GGUF type id of a value.
fn type_id(value: &MetaValue) -> u32 {
    match value {
        MetaValue::U8(_) => 0,
        MetaValue::I8(_) => 1,
        MetaValue::U16(_) => 2,
        MetaValue::I16(_) => 3,
        MetaValue::U32(_) => 4,
        MetaValue::I32(_) => 5,
        MetaValue::F32(_) => 6,
        MetaValue::Bool(_) => 7,
        MetaValue::String(_) => 8,
        MetaValue::Array(_) => 9,
        MetaValue::U64(_) => 10,
        MetaValue::I64(_) => 11,
        MetaValue::F64(_) => 12,
    }
}

/// The GGUF type id of an array's elements.
fn element_type_id(array: &MetaArray) -> u32 {
    match array {
        MetaArray::U8(_) => 0,
        MetaArray::I8(_) => 1,
        MetaArray::U16(_) => 2,
        MetaArray::I16(_) => 3,
        MetaArray::U32(_) => 4,
        MetaArray::I32(_) => 5,
        MetaArray::F32(_) => 6,
        MetaArray::Bool(_) => 7,
        MetaArray::String(_) => 8,
        MetaArray::Array(_) => 9,
        MetaArray::U64(_) => 10,
        MetaArray::I64(_) => 11,
        MetaArray::F64(_) => 12,
    }
}

/// A GGUF string: u64 length, bytes.
fn put_string(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as u64).to_le_bytes());
    out.extend(s.as_bytes());
}

/// The encoding of `value` without its type id.
fn put_value(out: &mut Vec<u8>, value: &MetaValue) {
    match value {
        MetaValue::U8(v) => out.push(*v),
        MetaValue::I8(v) => out.extend(v.to_le_bytes()),
        MetaValue::U16(v) => out.extend(v.to_le_bytes()),
        MetaValue::I16(v) => out.extend(v.to_le_bytes()),
        MetaValue::U32(v) => out.extend(v.to_le_bytes()),
        MetaValue::I32(v) => out.extend(v.to_le_bytes()),
        MetaValue::U64(v) => out.extend(v.to_le_bytes()),
        MetaValue::I64(v) => out.extend(v.to_le_bytes()),
        MetaValue::F32(v) => out.extend(v.to_le_bytes()),
        MetaValue::F64(v) => out.extend(v.to_le_bytes()),
        MetaValue::Bool(v) => out.push(u8::from(*v)),
        MetaValue::String(s) => put_string(out, s),
        MetaValue::Array(a) => put_array(out, a),
    }
}

/// An array: element type id, u64 count, elements.
fn put_array(out: &mut Vec<u8>, array: &MetaArray) {
    out.extend(element_type_id(array).to_le_bytes());
    out.extend((array.len() as u64).to_le_bytes());
    match array {
        MetaArray::U8(v) => out.extend(v),
        MetaArray::I8(v) => v.iter().for_each(|x| out.extend(x.to_le_bytes())),
        MetaArray::U16(v) => v.iter().for_each(|x| out.extend(x.to_le_bytes())),
        MetaArray::I16(v) => v.iter().for_each(|x| out.extend(x.to_le_bytes())),
        MetaArray::U32(v) => v.iter().for_each(|x| out.extend(x.to_le_bytes())),
        MetaArray::I32(v) => v.iter().for_each(|x| out.extend(x.to_le_bytes())),
        MetaArray::U64(v) => v.iter().for_each(|x| out.extend(x.to_le_bytes())),
        MetaArray::I64(v) => v.iter().for_each(|x| out.extend(x.to_le_bytes())),
        MetaArray::F32(v) => v.iter().for_each(|x| out.extend(x.to_le_bytes())),
        MetaArray::F64(v) => v.iter().for_each(|x| out.extend(x.to_le_bytes())),
        MetaArray::Bool(v) => v.iter().for_each(|x| out.push(u8::from(*x))),
        MetaArray::String(v) => v.iter().for_each(|s| put_string(out, s)),
        MetaArray::Array(v) => v.iter().for_each(|a| put_array(out, a)),
    }
}

/// One tensor to write: GGUF dimensions (innermost first), ggml type id, raw data.
#[derive(Debug, Clone)]
pub struct RawTensor {
    /// GGUF name, e.g. `token_embd.weight`.
    pub name: String,
    /// Dimensions, innermost first.
    pub dims: Vec<u64>,
    /// ggml type id (0 F32, 1 F16, 8 Q8_0, 12 Q4_K, ...).
    pub type_id: u32,
    /// The encoded values.
    pub data: Vec<u8>,
}

/// The bytes of a GGUF v3 file with `metadata` (in order) and `tensors`.
pub fn write(metadata: &[(String, MetaValue)], tensors: &[RawTensor]) -> Vec<u8> {
    write_version(3, metadata, tensors)
}

/// [`write`] with another value in the header's version field, to make files the reader refuses.
pub fn write_version(
    version: u32,
    metadata: &[(String, MetaValue)],
    tensors: &[RawTensor],
) -> Vec<u8> {
    let mut out = b"GGUF".to_vec();
    out.extend(version.to_le_bytes());
    out.extend((tensors.len() as u64).to_le_bytes());
    out.extend((metadata.len() as u64).to_le_bytes());
    for (key, value) in metadata {
        put_string(&mut out, key);
        out.extend(type_id(value).to_le_bytes());
        put_value(&mut out, value);
    }
    let mut offset = 0usize;
    for t in tensors {
        put_string(&mut out, &t.name);
        out.extend((t.dims.len() as u32).to_le_bytes());
        for d in &t.dims {
            out.extend(d.to_le_bytes());
        }
        out.extend(t.type_id.to_le_bytes());
        out.extend((offset as u64).to_le_bytes());
        offset = (offset + t.data.len()).next_multiple_of(ALIGNMENT);
    }
    out.resize(out.len().next_multiple_of(ALIGNMENT), 0);
    for t in tensors {
        out.extend(&t.data);
        out.resize(out.len().next_multiple_of(ALIGNMENT), 0);
    }
    out
}
