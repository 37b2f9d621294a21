//! Property tests of the GGUF reader against its inverse, `models::gguf::writer`: metadata of
//! every value type and tensor infos of every storage type, written then read, come back
//! exactly (floats bit for bit), and every strict prefix of such a file with tensors is refused
//! with an error. Inputs are generated and shrunk by bolero.

use std::collections::BTreeMap;

use bolero::{TypeGenerator, check};
use models::gguf::writer::{RawTensor, write};
use models::gguf::{GgmlType, GgufFile, MetaArray, MetaValue};

/// A scalar metadata value.
#[derive(Debug, Clone, TypeGenerator)]
enum Scalar {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    U64(u64),
    I64(i64),
    F32(f32),
    F64(f64),
    Bool(bool),
    Str(String),
}

/// An array metadata value, nested arrays included.
#[derive(Debug, Clone, TypeGenerator)]
enum Array {
    U8(Vec<u8>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
    Str(Vec<String>),
    NestedU32(Vec<Vec<u32>>),
    NestedStr(Vec<Vec<String>>),
}

/// One metadata entry.
#[derive(Debug, Clone, TypeGenerator)]
enum Entry {
    Scalar(String, Scalar),
    Array(String, Array),
}

/// One tensor: a storage type (index into [`TYPES`]) and up to four small dimensions.
#[derive(Debug, Clone, TypeGenerator)]
struct Tensor {
    name: String,
    storage: u8,
    dims: Vec<u8>,
}

/// ggml storage types: id, values per block, bytes per block.
const TYPES: [(u32, u64, usize); 11] = [
    (0, 1, 4),
    (1, 1, 2),
    (30, 1, 2),
    (8, 32, 34),
    (2, 32, 18),
    (3, 32, 20),
    (6, 32, 22),
    (7, 32, 24),
    (12, 256, 144),
    (13, 256, 176),
    (14, 256, 210),
];

fn scalar(s: &Scalar) -> MetaValue {
    match s.clone() {
        Scalar::U8(v) => MetaValue::U8(v),
        Scalar::I8(v) => MetaValue::I8(v),
        Scalar::U16(v) => MetaValue::U16(v),
        Scalar::I16(v) => MetaValue::I16(v),
        Scalar::U32(v) => MetaValue::U32(v),
        Scalar::I32(v) => MetaValue::I32(v),
        Scalar::U64(v) => MetaValue::U64(v),
        Scalar::I64(v) => MetaValue::I64(v),
        Scalar::F32(v) => MetaValue::F32(v),
        Scalar::F64(v) => MetaValue::F64(v),
        Scalar::Bool(v) => MetaValue::Bool(v),
        Scalar::Str(v) => MetaValue::String(v),
    }
}

fn array(a: &Array) -> MetaArray {
    match a.clone() {
        Array::U8(v) => MetaArray::U8(v),
        Array::I16(v) => MetaArray::I16(v),
        Array::U32(v) => MetaArray::U32(v),
        Array::I64(v) => MetaArray::I64(v),
        Array::F32(v) => MetaArray::F32(v),
        Array::F64(v) => MetaArray::F64(v),
        Array::Bool(v) => MetaArray::Bool(v),
        Array::Str(v) => MetaArray::String(v),
        Array::NestedU32(v) => MetaArray::Array(v.into_iter().map(MetaArray::U32).collect()),
        Array::NestedStr(v) => MetaArray::Array(v.into_iter().map(MetaArray::String).collect()),
    }
}

/// A value as text with floats as their bits, so that NaN equals NaN and -0 differs from 0.
fn canon(value: &MetaValue) -> String {
    match value {
        MetaValue::F32(v) => format!("f32 {:#x}", v.to_bits()),
        MetaValue::F64(v) => format!("f64 {:#x}", v.to_bits()),
        MetaValue::Array(a) => canon_array(a),
        other => format!("{other:?}"),
    }
}

fn canon_array(array: &MetaArray) -> String {
    match array {
        MetaArray::F32(v) => format!(
            "[f32 {:?}]",
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        ),
        MetaArray::F64(v) => format!(
            "[f64 {:?}]",
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        ),
        MetaArray::Array(v) => format!(
            "[{}]",
            v.iter().map(canon_array).collect::<Vec<_>>().join(", ")
        ),
        other => format!("{other:?}"),
    }
}

/// The metadata of `entries`, keys made unique by their position.
fn metadata(entries: &[Entry]) -> Vec<(String, MetaValue)> {
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| match entry {
            Entry::Scalar(key, s) => (format!("{i}.{key}"), scalar(s)),
            Entry::Array(key, a) => (format!("{i}.{key}"), MetaValue::Array(array(a))),
        })
        .collect()
}

/// The tensors of `specs`, names made unique, data zeroed to the size the type needs.
fn tensors(specs: &[Tensor]) -> Vec<(RawTensor, GgmlType)> {
    specs
        .iter()
        .take(8)
        .enumerate()
        .map(|(i, spec)| {
            let (type_id, block, block_bytes) = TYPES[spec.storage as usize % TYPES.len()];
            let mut dims: Vec<u64> = spec
                .dims
                .iter()
                .take(4)
                .map(|&d| u64::from(d % 4) + 1)
                .collect();
            if dims.is_empty() {
                dims.push(1);
            }
            dims[0] *= block;
            let n: u64 = dims.iter().product();
            let tensor = RawTensor {
                name: format!("{i}.{}", spec.name),
                dims,
                type_id,
                data: vec![0; (n / block) as usize * block_bytes],
            };
            let ty = GgmlType::from_id(type_id).expect("a supported type");
            (tensor, ty)
        })
        .collect()
}

#[test]
fn gguf_metadata_and_tensor_infos_written_then_read_come_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roundtrip.gguf");
    check!()
        .with_type::<(Vec<Entry>, Vec<Tensor>)>()
        .for_each(|(entries, specs)| {
            let written = metadata(entries);
            let tensors = tensors(specs);
            let raw: Vec<RawTensor> = tensors.iter().map(|(t, _)| t.clone()).collect();
            std::fs::write(&path, write(&written, &raw)).unwrap();
            let file = GgufFile::open(&path).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(file.version(), 3);
            let expected: BTreeMap<String, String> =
                written.iter().map(|(k, v)| (k.clone(), canon(v))).collect();
            let got: BTreeMap<String, String> = file
                .metadata()
                .iter()
                .map(|(k, v)| (k.to_string(), canon(v)))
                .collect();
            assert_eq!(got, expected);
            assert_eq!(file.tensors().len(), raw.len());
            for (info, (tensor, ty)) in file.tensors().iter().zip(&tensors) {
                assert_eq!(info.name(), tensor.name);
                let dims: Vec<u64> = info.dims().iter().map(|&d| d as u64).collect();
                assert_eq!(dims, tensor.dims);
                assert_eq!(info.ggml_type(), *ty);
                assert_eq!(info.n_bytes(), tensor.data.len());
                assert_eq!(file.tensor_data(info).unwrap(), &tensor.data[..]);
                assert_eq!(file.dequantize(info).unwrap().len(), info.n_elements());
            }
        });
}

#[test]
fn every_strict_prefix_of_a_gguf_file_with_tensors_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prefix.gguf");
    check!()
        .with_type::<(Vec<Entry>, Vec<Tensor>)>()
        .with_iterations(50)
        .for_each(|(entries, specs)| {
            let raw: Vec<RawTensor> = tensors(specs).into_iter().map(|(t, _)| t).collect();
            let bytes = write(&metadata(entries), &raw);
            // The last tensor's data ends the file, before its alignment padding; a file
            // without tensors has no end the reader can check.
            let Some(last) = raw.last() else {
                return;
            };
            let end = bytes.len() - (last.data.len().next_multiple_of(32) - last.data.len());
            for cut in (0..end).step_by((end / 64).max(1)) {
                std::fs::write(&path, &bytes[..cut]).unwrap();
                assert!(
                    GgufFile::open(&path).is_err(),
                    "a {cut}-byte prefix of {} opened",
                    bytes.len()
                );
            }
        });
}
