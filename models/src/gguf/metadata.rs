//! GGUF metadata: typed key-value pairs such as `general.architecture` or
//! `gemma3.block_count`.

use std::collections::BTreeMap;

use super::cursor::Cursor;
use crate::error::LoadError;

/// Deepest nesting of arrays accepted (GGUF allows arrays of arrays; real files use one level).
const MAX_ARRAY_DEPTH: usize = 4;

/// One metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// `uint8`.
    U8(u8),
    /// `int8`.
    I8(i8),
    /// `uint16`.
    U16(u16),
    /// `int16`.
    I16(i16),
    /// `uint32`.
    U32(u32),
    /// `int32`.
    I32(i32),
    /// `uint64`.
    U64(u64),
    /// `int64`.
    I64(i64),
    /// `float32`.
    F32(f32),
    /// `float64`.
    F64(f64),
    /// `bool`.
    Bool(bool),
    /// `string` (invalid UTF-8 replaced).
    String(String),
    /// `array` of values of one type.
    Array(MetaArray),
}

/// A metadata array, stored compactly by element type.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaArray {
    /// `uint8` elements.
    U8(Vec<u8>),
    /// `int8` elements.
    I8(Vec<i8>),
    /// `uint16` elements.
    U16(Vec<u16>),
    /// `int16` elements.
    I16(Vec<i16>),
    /// `uint32` elements.
    U32(Vec<u32>),
    /// `int32` elements.
    I32(Vec<i32>),
    /// `uint64` elements.
    U64(Vec<u64>),
    /// `int64` elements.
    I64(Vec<i64>),
    /// `float32` elements.
    F32(Vec<f32>),
    /// `float64` elements.
    F64(Vec<f64>),
    /// `bool` elements.
    Bool(Vec<bool>),
    /// `string` elements.
    String(Vec<String>),
    /// `array` elements.
    Array(Vec<MetaArray>),
}

impl MetaArray {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Self::U8(v) => v.len(),
            Self::I8(v) => v.len(),
            Self::U16(v) => v.len(),
            Self::I16(v) => v.len(),
            Self::U32(v) => v.len(),
            Self::I32(v) => v.len(),
            Self::U64(v) => v.len(),
            Self::I64(v) => v.len(),
            Self::F32(v) => v.len(),
            Self::F64(v) => v.len(),
            Self::Bool(v) => v.len(),
            Self::String(v) => v.len(),
            Self::Array(v) => v.len(),
        }
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `index` as a value.
    pub fn get(&self, index: usize) -> Option<MetaValue> {
        match self {
            Self::U8(v) => v.get(index).copied().map(MetaValue::U8),
            Self::I8(v) => v.get(index).copied().map(MetaValue::I8),
            Self::U16(v) => v.get(index).copied().map(MetaValue::U16),
            Self::I16(v) => v.get(index).copied().map(MetaValue::I16),
            Self::U32(v) => v.get(index).copied().map(MetaValue::U32),
            Self::I32(v) => v.get(index).copied().map(MetaValue::I32),
            Self::U64(v) => v.get(index).copied().map(MetaValue::U64),
            Self::I64(v) => v.get(index).copied().map(MetaValue::I64),
            Self::F32(v) => v.get(index).copied().map(MetaValue::F32),
            Self::F64(v) => v.get(index).copied().map(MetaValue::F64),
            Self::Bool(v) => v.get(index).copied().map(MetaValue::Bool),
            Self::String(v) => v.get(index).cloned().map(MetaValue::String),
            Self::Array(v) => v.get(index).cloned().map(MetaValue::Array),
        }
    }
}

impl MetaValue {
    /// The value as a non-negative integer, for any integer type.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Self::U8(v) => Some(v.into()),
            Self::U16(v) => Some(v.into()),
            Self::U32(v) => Some(v.into()),
            Self::U64(v) => Some(v),
            Self::I8(v) => u64::try_from(v).ok(),
            Self::I16(v) => u64::try_from(v).ok(),
            Self::I32(v) => u64::try_from(v).ok(),
            Self::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as a float, for any numeric type.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Self::F32(v) => Some(v.into()),
            Self::F64(v) => Some(v),
            Self::I8(v) => Some(v.into()),
            Self::I16(v) => Some(v.into()),
            Self::I32(v) => Some(v.into()),
            Self::I64(v) => Some(v as f64),
            _ => self.as_u64().map(|v| v as f64),
        }
    }

    /// The value as a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Self::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The value as an array.
    pub fn as_array(&self) -> Option<&MetaArray> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }
}

/// All metadata of a GGUF file, by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    entries: BTreeMap<String, MetaValue>,
}

impl Metadata {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&MetaValue> {
        self.entries.get(key)
    }

    /// All entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &MetaValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Reads `count` key-value pairs at the cursor.
    pub(super) fn read(cursor: &mut Cursor<'_>, count: usize) -> Result<Self, LoadError> {
        let mut entries = BTreeMap::new();
        for _ in 0..count {
            let key = cursor.string_strict("a metadata key")?;
            let label = format!("metadata key `{key}`");
            let type_id = cursor.u32(&label)?;
            let value = read_value(cursor, type_id, &label)?;
            if entries.insert(key.clone(), value).is_some() {
                return Err(cursor.error(format!(
                    "metadata key `{key}` appears twice; the file is damaged: download it again"
                )));
            }
        }
        Ok(Self { entries })
    }
}

/// Smallest encoding of one value of GGUF value type `type_id`, or `None` for unknown types.
fn min_size(type_id: u32) -> Option<usize> {
    match type_id {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        8 | 10..=12 => Some(8),
        9 => Some(12),
        _ => None,
    }
}

/// A scalar or array of GGUF value type `type_id`; `label` names it in errors.
fn read_value(cursor: &mut Cursor<'_>, type_id: u32, label: &str) -> Result<MetaValue, LoadError> {
    Ok(match type_id {
        0 => MetaValue::U8(u8::from_le_bytes(cursor.array(label)?)),
        1 => MetaValue::I8(i8::from_le_bytes(cursor.array(label)?)),
        2 => MetaValue::U16(u16::from_le_bytes(cursor.array(label)?)),
        3 => MetaValue::I16(i16::from_le_bytes(cursor.array(label)?)),
        4 => MetaValue::U32(u32::from_le_bytes(cursor.array(label)?)),
        5 => MetaValue::I32(i32::from_le_bytes(cursor.array(label)?)),
        6 => MetaValue::F32(f32::from_le_bytes(cursor.array(label)?)),
        7 => MetaValue::Bool(read_bool(cursor, label)?),
        8 => MetaValue::String(cursor.string_lossy(label)?),
        9 => MetaValue::Array(read_array(cursor, label, 1)?),
        10 => MetaValue::U64(u64::from_le_bytes(cursor.array(label)?)),
        11 => MetaValue::I64(i64::from_le_bytes(cursor.array(label)?)),
        12 => MetaValue::F64(f64::from_le_bytes(cursor.array(label)?)),
        other => return Err(unknown_type(cursor, label, other)),
    })
}

/// A bool byte, which must be 0 or 1.
fn read_bool(cursor: &mut Cursor<'_>, label: &str) -> Result<bool, LoadError> {
    match cursor.array(label)? {
        [0] => Ok(false),
        [1] => Ok(true),
        [other] => Err(cursor.error(format!(
            "{label}: bool byte {other} is neither 0 nor 1; the file is damaged: download it again"
        ))),
    }
}

/// `count` fixed-size elements decoded by `decode`.
fn read_fixed<T, const N: usize>(
    cursor: &mut Cursor<'_>,
    count: usize,
    label: &str,
    decode: fn([u8; N]) -> T,
) -> Result<Vec<T>, LoadError> {
    let bytes = cursor.take(count * N, label)?;
    Ok(bytes
        .chunks_exact(N)
        .map(|chunk| {
            let mut raw = [0u8; N];
            raw.copy_from_slice(chunk);
            decode(raw)
        })
        .collect())
}

/// An array (element type, count, elements) nested `depth` levels deep. Counts are checked
/// against the bytes left before anything is allocated, and elements are stored at their own
/// width, so memory stays within a small multiple of the file size.
fn read_array(cursor: &mut Cursor<'_>, label: &str, depth: usize) -> Result<MetaArray, LoadError> {
    if depth > MAX_ARRAY_DEPTH {
        return Err(cursor.error(format!(
            "{label}: arrays nested more than {MAX_ARRAY_DEPTH} deep; the file is damaged"
        )));
    }
    let item_type = cursor.u32(label)?;
    let Some(item_size) = min_size(item_type) else {
        return Err(unknown_type(cursor, label, item_type));
    };
    let n = cursor.count(item_size, label)?;
    Ok(match item_type {
        0 => MetaArray::U8(read_fixed(cursor, n, label, u8::from_le_bytes)?),
        1 => MetaArray::I8(read_fixed(cursor, n, label, i8::from_le_bytes)?),
        2 => MetaArray::U16(read_fixed(cursor, n, label, u16::from_le_bytes)?),
        3 => MetaArray::I16(read_fixed(cursor, n, label, i16::from_le_bytes)?),
        4 => MetaArray::U32(read_fixed(cursor, n, label, u32::from_le_bytes)?),
        5 => MetaArray::I32(read_fixed(cursor, n, label, i32::from_le_bytes)?),
        6 => MetaArray::F32(read_fixed(cursor, n, label, f32::from_le_bytes)?),
        10 => MetaArray::U64(read_fixed(cursor, n, label, u64::from_le_bytes)?),
        11 => MetaArray::I64(read_fixed(cursor, n, label, i64::from_le_bytes)?),
        12 => MetaArray::F64(read_fixed(cursor, n, label, f64::from_le_bytes)?),
        7 => MetaArray::Bool(
            (0..n)
                .map(|_| read_bool(cursor, label))
                .collect::<Result<_, _>>()?,
        ),
        8 => MetaArray::String(
            (0..n)
                .map(|_| cursor.string_lossy(label))
                .collect::<Result<_, _>>()?,
        ),
        _ => MetaArray::Array(
            (0..n)
                .map(|_| read_array(cursor, label, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// The error for an unknown value type id; `label` names the value.
fn unknown_type(cursor: &Cursor<'_>, label: &str, type_id: u32) -> LoadError {
    cursor.error(format!(
        "{label} has unknown value type {type_id} (GGUF defines 0..=12); the file \
         is damaged or from a newer GGUF version"
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn kv(key: &str, type_id: u32, value: &[u8]) -> Vec<u8> {
        let mut out = (key.len() as u64).to_le_bytes().to_vec();
        out.extend(key.as_bytes());
        out.extend(type_id.to_le_bytes());
        out.extend(value);
        out
    }

    #[test]
    fn reads_every_value_type_including_nested_arrays() {
        let mut bytes = Vec::new();
        bytes.extend(kv("u8", 0, &[200]));
        bytes.extend(kv("i8", 1, &[0xFF]));
        bytes.extend(kv("u16", 2, &500u16.to_le_bytes()));
        bytes.extend(kv("i16", 3, &(-500i16).to_le_bytes()));
        bytes.extend(kv("u32", 4, &70000u32.to_le_bytes()));
        bytes.extend(kv("i32", 5, &(-70000i32).to_le_bytes()));
        bytes.extend(kv("f32", 6, &0.5f32.to_le_bytes()));
        bytes.extend(kv("bool", 7, &[1]));
        let mut s = 2u64.to_le_bytes().to_vec();
        s.extend(b"hi");
        bytes.extend(kv("str", 8, &s));
        bytes.extend(kv("u64", 10, &(1u64 << 40).to_le_bytes()));
        bytes.extend(kv("i64", 11, &(-3i64).to_le_bytes()));
        bytes.extend(kv("f64", 12, &1e-6f64.to_le_bytes()));
        // [[1, 2], []] as an array of arrays of u32.
        let mut nested = 9u32.to_le_bytes().to_vec();
        nested.extend(2u64.to_le_bytes());
        nested.extend(4u32.to_le_bytes());
        nested.extend(2u64.to_le_bytes());
        nested.extend(1u32.to_le_bytes());
        nested.extend(2u32.to_le_bytes());
        nested.extend(4u32.to_le_bytes());
        nested.extend(0u64.to_le_bytes());
        bytes.extend(kv("nested", 9, &nested));

        let path = Path::new("t.gguf");
        let mut cursor = Cursor::new(&bytes, path);
        let meta = Metadata::read(&mut cursor, 13).unwrap();
        assert_eq!(cursor.remaining(), 0);
        assert_eq!(meta.len(), 13);
        assert_eq!(meta.get("u8"), Some(&MetaValue::U8(200)));
        assert_eq!(meta.get("i8"), Some(&MetaValue::I8(-1)));
        assert_eq!(meta.get("u16").and_then(MetaValue::as_u64), Some(500));
        assert_eq!(meta.get("i16"), Some(&MetaValue::I16(-500)));
        assert_eq!(meta.get("u32").and_then(MetaValue::as_u64), Some(70000));
        assert_eq!(meta.get("i32").and_then(MetaValue::as_f64), Some(-70000.0));
        assert_eq!(meta.get("f32").and_then(MetaValue::as_f64), Some(0.5));
        assert_eq!(meta.get("bool").and_then(MetaValue::as_bool), Some(true));
        assert_eq!(meta.get("str").and_then(MetaValue::as_str), Some("hi"));
        assert_eq!(meta.get("u64").and_then(MetaValue::as_u64), Some(1 << 40));
        assert_eq!(meta.get("i64").and_then(MetaValue::as_u64), None);
        assert_eq!(meta.get("f64").and_then(MetaValue::as_f64), Some(1e-6));
        let nested = meta.get("nested").and_then(MetaValue::as_array).unwrap();
        assert_eq!(
            nested,
            &MetaArray::Array(vec![MetaArray::U32(vec![1, 2]), MetaArray::U32(vec![])])
        );
        assert_eq!(nested.len(), 2);
        assert_eq!(
            nested.get(0),
            Some(MetaValue::Array(MetaArray::U32(vec![1, 2])))
        );
        assert_eq!(nested.get(2), None);
    }

    #[test]
    fn rejects_unknown_types_bad_bools_huge_arrays_and_duplicates() {
        let path = Path::new("t.gguf");
        let read = |bytes: Vec<u8>, count| {
            Metadata::read(&mut Cursor::new(&bytes, path), count)
                .unwrap_err()
                .to_string()
        };
        let err = read(kv("k", 13, &[]), 1);
        assert!(
            err.contains("metadata key `k` has unknown value type 13"),
            "{err}"
        );
        let err = read(kv("k", 7, &[2]), 1);
        assert!(
            err.contains("metadata key `k`: bool byte 2 is neither 0 nor 1"),
            "{err}"
        );
        let mut bools = 7u32.to_le_bytes().to_vec();
        bools.extend(2u64.to_le_bytes());
        bools.extend([1, 0]);
        let meta = Metadata::read(&mut Cursor::new(&kv("b", 9, &bools), path), 1).unwrap();
        assert_eq!(
            meta.get("b").and_then(MetaValue::as_array),
            Some(&MetaArray::Bool(vec![true, false]))
        );
        let mut strings = 8u32.to_le_bytes().to_vec();
        strings.extend(1u64.to_le_bytes());
        strings.extend(3u64.to_le_bytes());
        strings.extend(b"ab");
        let err = read(kv("s", 9, &strings), 1);
        assert!(
            err.contains("metadata key `s`: a count of 3 (at byte 25) does not fit in the 2 bytes"),
            "{err}"
        );
        let mut huge = 4u32.to_le_bytes().to_vec();
        huge.extend((1u64 << 62).to_le_bytes());
        let err = read(kv("k", 9, &huge), 1);
        assert!(
            err.contains("metadata key `k`: a count of 4611686018427387904 (at byte 17)"),
            "{err}"
        );
        let mut twice = kv("k", 0, &[1]);
        twice.extend(kv("k", 0, &[2]));
        let err = read(twice, 2);
        assert!(err.contains("metadata key `k` appears twice"), "{err}");
    }
}
