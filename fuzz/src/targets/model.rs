//! Checkpoint and tokenizer parsers: GGUF, safetensors (one file and a shard index),
//! tokenizer.json and tokenizer_config.json.

use models::gguf::{GgufFile, MetaArray, MetaValue};
use models::safetensors_source::SafetensorsSource;
use models::tokenizer::TextTokenizer;
use models::weights::WeightSource;
use serde_json::{Value, json};

use super::{outcome, scratch, write};
use crate::mutate::Rng;
use crate::seeds::{Seed, binary_seeds, ends_with, files_under};
use crate::{Target, shared_dir};
use models::gguf::writer::RawTensor;

/// Tensors with more values than this are not dequantized (a run must stay fast).
const MAX_TENSOR_VALUES: usize = 1 << 18;

/// The GGUF reader: header, metadata, tensor infos and every tensor's block data, then the
/// checkpoint built on it (architecture, synthesized config, HF names and fixups).
pub(crate) const GGUF: Target = Target {
    name: "gguf",
    about: "models::gguf: GgufFile::open, dequantize/grouped of each tensor, gguf::open and each HF tensor",
    run: run_gguf,
    seeds: gguf_seeds,
    dictionary: &[
        b"GGUF",
        b"\x03\0\0\0",
        b"\x02\0\0\0",
        b"general.architecture",
        b"general.alignment",
        b"llama",
        b"gemma3",
        b"qwen2",
        b"blk.0.attn_q.weight",
        b"token_embd.weight",
        b"\x09\0\0\0",
        b"\x08\0\0\0",
    ],
};

fn run_gguf(bytes: &[u8]) -> String {
    let path = write(&scratch("gguf"), "model.gguf", bytes);
    let file = match GgufFile::open(&path) {
        Ok(file) => file,
        Err(e) => return e.to_string(),
    };
    for info in file.tensors() {
        if info.n_elements() <= MAX_TENSOR_VALUES {
            let values = file.dequantize(info);
            if let Ok(values) = &values {
                assert_eq!(values.len(), info.n_elements(), "{}", info.name());
            }
            let _ = file.grouped(info);
        }
    }
    drop(file);
    let checkpoint = models::gguf::open(&path);
    if let Ok(checkpoint) = &checkpoint {
        for name in checkpoint.weights.names() {
            let small = checkpoint
                .weights
                .shape(name)
                .is_some_and(|s| s.iter().product::<usize>() <= MAX_TENSOR_VALUES);
            if small {
                let _ = checkpoint.weights.tensor(name);
            }
        }
    }
    outcome(&checkpoint)
}

/// Random bytes for `n` blocks of `block_bytes`.
fn block_data(rng: &mut Rng, blocks: usize, block_bytes: usize) -> Vec<u8> {
    (0..blocks * block_bytes)
        .map(|_| rng.next_u64() as u8)
        .collect()
}

/// Small F32 values (finite, so the F32 tensors look real).
fn f32_data(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|_| ((rng.below(2001) as f32 - 1000.0) / 1000.0).to_le_bytes())
        .collect()
}

/// A llama-shaped GGUF: the metadata llama.cpp writes and one tensor of each supported
/// storage type, with random block data.
fn tiny_gguf(arch: &str, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let key = |k: &str| format!("{arch}.{k}");
    let mut metadata = vec![
        (
            "general.architecture".to_string(),
            MetaValue::String(arch.into()),
        ),
        ("general.alignment".to_string(), MetaValue::U32(32)),
        (key("context_length"), MetaValue::U32(64)),
        (key("embedding_length"), MetaValue::U32(256)),
        (key("block_count"), MetaValue::U32(1)),
        (key("feed_forward_length"), MetaValue::U32(512)),
        (key("attention.head_count"), MetaValue::U32(4)),
        (key("attention.head_count_kv"), MetaValue::U32(2)),
        (
            key("attention.layer_norm_rms_epsilon"),
            MetaValue::F32(1e-6),
        ),
        (key("rope.freq_base"), MetaValue::F32(10000.0)),
        ("tokenizer.ggml.bos_token_id".to_string(), MetaValue::U32(2)),
        (
            "tokenizer.ggml.tokens".to_string(),
            MetaValue::Array(MetaArray::String(
                (0..32).map(|i| format!("w{i}")).collect(),
            )),
        ),
        (
            "tokenizer.ggml.scores".to_string(),
            MetaValue::Array(MetaArray::F32((0..32).map(|i| -(i as f32)).collect())),
        ),
    ];
    if arch == "gemma3" {
        metadata.push((key("attention.sliding_window"), MetaValue::U32(32)));
        metadata.push((key("attention.key_length"), MetaValue::U32(64)));
        metadata.push((key("attention.value_length"), MetaValue::U32(64)));
    }
    // (GGUF name, GGUF dims innermost first, ggml type id, block elements, block bytes)
    let layout: [(&str, [u64; 2], u32, usize, usize); 11] = [
        ("token_embd.weight", [256, 32], 0, 1, 4),
        ("output_norm.weight", [256, 1], 0, 1, 4),
        ("blk.0.attn_norm.weight", [256, 1], 1, 1, 2),
        ("blk.0.attn_q.weight", [256, 256], 8, 32, 34),
        ("blk.0.attn_k.weight", [256, 128], 2, 32, 18),
        ("blk.0.attn_v.weight", [256, 128], 3, 32, 20),
        ("blk.0.attn_output.weight", [256, 256], 6, 32, 22),
        ("blk.0.ffn_gate.weight", [256, 512], 12, 256, 144),
        ("blk.0.ffn_up.weight", [256, 512], 13, 256, 176),
        ("blk.0.ffn_down.weight", [512, 256], 14, 256, 210),
        ("blk.0.ffn_norm.weight", [256, 1], 30, 1, 2),
    ];
    let tensors: Vec<RawTensor> = layout
        .iter()
        .map(|&(name, [cols, rows], type_id, block, block_bytes)| {
            let n = (cols * rows) as usize;
            let data = if type_id == 0 {
                f32_data(&mut rng, n)
            } else {
                block_data(&mut rng, n / block, block_bytes)
            };
            let dims = if rows == 1 {
                vec![cols]
            } else {
                vec![cols, rows]
            };
            RawTensor {
                name: name.to_string(),
                dims,
                type_id,
                data,
            }
        })
        .collect();
    models::gguf::writer::write(&metadata, &tensors)
}

fn gguf_seeds() -> Vec<Seed> {
    let mut seeds: Vec<Seed> = ["llama", "qwen2", "gemma3"]
        .iter()
        .enumerate()
        .map(|(i, arch)| {
            Seed::new(
                format!("synthesized {arch} GGUF"),
                tiny_gguf(arch, i as u64),
            )
        })
        .collect();
    seeds.push(Seed::new(
        "metadata-only GGUF",
        models::gguf::writer::write(
            &[(
                "general.architecture".into(),
                MetaValue::String("llama".into()),
            )],
            &[],
        ),
    ));
    let found = files_under(&shared_dir(), &|p| ends_with(p, ".gguf"));
    seeds.extend(binary_seeds(&found, 4));
    seeds
}

/// The safetensors header and tensor data of one file.
pub(crate) const SAFETENSORS: Target = Target {
    name: "safetensors",
    about: "models::safetensors_source: SafetensorsSource::open_file and each tensor",
    run: run_safetensors,
    seeds: safetensors_seeds,
    dictionary: &[
        b"\"dtype\"",
        b"\"shape\"",
        b"\"data_offsets\"",
        b"\"F32\"",
        b"\"BF16\"",
        b"\"F16\"",
        b"\"I64\"",
        b"\"__metadata__\"",
        b"[0,0]",
        b"[18446744073709551615]",
    ],
};

fn run_safetensors(bytes: &[u8]) -> String {
    let path = write(&scratch("safetensors"), "model.safetensors", bytes);
    let source = SafetensorsSource::open_file(&path);
    if let Ok(source) = &source {
        let names: Vec<String> = source.names().map(str::to_string).collect();
        for name in names {
            let _ = source.tensor(&name);
        }
    }
    outcome(&source)
}

/// A safetensors file of `tensors` (name, dtype, shape, little-endian data).
fn safetensors_file(tensors: &[(&str, &str, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut data: Vec<u8> = Vec::new();
    for (name, dtype, shape, bytes) in tensors {
        let start = data.len();
        data.extend(bytes);
        header.insert(
            name.to_string(),
            json!({"dtype": dtype, "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }
    header.insert("__metadata__".into(), json!({"format": "pt"}));
    let header = Value::Object(header).to_string();
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

/// A small checkpoint with one tensor of each float dtype and an integer one.
fn small_safetensors() -> Vec<u8> {
    let f32s: Vec<u8> = [0.5f32, -1.0, 2.0, 0.0, 1.5, -2.5]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    safetensors_file(&[
        ("a.weight", "F32", vec![2, 3], f32s),
        ("b.weight", "F16", vec![2], vec![0, 0x3c, 0, 0xc0]),
        ("c.weight", "BF16", vec![1, 2], vec![0x80, 0x3f, 0, 0x40]),
        ("d.weight", "F64", vec![1], 1.25f64.to_le_bytes().to_vec()),
        ("e.index", "I64", vec![1], 7i64.to_le_bytes().to_vec()),
    ])
}

fn safetensors_seeds() -> Vec<Seed> {
    let mut seeds = vec![Seed::new("synthesized safetensors", small_safetensors())];
    let fixtures = files_under(&shared_dir().join("fixtures"), &|p| {
        ends_with(p, ".safetensors")
    });
    seeds.extend(binary_seeds(&fixtures, 8));
    seeds
}

/// `model.safetensors.index.json` over two shards.
pub(crate) const SAFETENSORS_INDEX: Target = Target {
    name: "safetensors_index",
    about: "models::safetensors_source: SafetensorsSource::open_dir on a shard index and each tensor",
    run: run_safetensors_index,
    seeds: index_seeds,
    dictionary: &[
        b"\"weight_map\"",
        b"\"metadata\"",
        b"\"a.safetensors\"",
        b"\"b.safetensors\"",
        b"\"../\"",
        b"\"/\"",
        b"\"a.weight\"",
        b"{}",
        b"null",
    ],
};

fn run_safetensors_index(bytes: &[u8]) -> String {
    let dir = scratch("safetensors_index");
    if !dir.join("b.safetensors").is_file() {
        write(&dir, "a.safetensors", &small_safetensors());
        let f32s: Vec<u8> = [3.0f32, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        write(
            &dir,
            "b.safetensors",
            &safetensors_file(&[("z.weight", "F32", vec![2], f32s)]),
        );
    }
    write(&dir, "model.safetensors.index.json", bytes);
    let source = SafetensorsSource::open_dir(&dir);
    if let Ok(source) = &source {
        let names: Vec<String> = source.names().map(str::to_string).collect();
        for name in names {
            let _ = source.tensor(&name);
        }
    }
    outcome(&source)
}

fn index_seeds() -> Vec<Seed> {
    let index = json!({
        "metadata": {"total_size": 64},
        "weight_map": {
            "a.weight": "a.safetensors",
            "b.weight": "a.safetensors",
            "c.weight": "a.safetensors",
            "z.weight": "b.safetensors",
        }
    });
    let missing = json!({"weight_map": {"q.weight": "a.safetensors", "z.weight": "c.safetensors"}});
    vec![
        Seed::new("synthesized shard index", index.to_string().into_bytes()),
        Seed::new(
            "shard index naming a missing tensor and shard",
            missing.to_string().into_bytes(),
        ),
    ]
}

/// A word-level tokenizer.json: specials `<pad>` 0, `<eos>` 1, `<bos>` 2, then `w3`...`w31`,
/// split on whitespace, BOS prepended by a template post-processor.
pub(crate) fn word_level_tokenizer() -> Value {
    let specials = ["<pad>", "<eos>", "<bos>"];
    let mut vocab = serde_json::Map::new();
    for (id, name) in specials.iter().enumerate() {
        vocab.insert(name.to_string(), Value::from(id));
    }
    for id in specials.len()..32 {
        vocab.insert(format!("w{id}"), Value::from(id));
    }
    let added: Vec<Value> = specials
        .iter()
        .enumerate()
        .map(|(id, name)| {
            json!({"id": id, "content": name, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": null,
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}}
        },
        "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<pad>"}
    })
}

/// A byte-level BPE tokenizer.json with a few merges.
fn bpe_tokenizer() -> Value {
    let mut vocab = serde_json::Map::new();
    let tokens = ["<unk>", "a", "b", "c", "ab", "bc", "abc", "Ġ", "Ġa"];
    for (id, t) in tokens.iter().enumerate() {
        vocab.insert(t.to_string(), Value::from(id));
    }
    json!({
        "version": "1.0",
        "truncation": {"max_length": 4, "strategy": "LongestFirst", "stride": 0, "direction": "Right"},
        "padding": null,
        "added_tokens": [],
        "normalizer": {"type": "NFKC"},
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
                  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                  "vocab": vocab, "merges": ["a b", "b c", "ab c", "Ġ a"]}
    })
}

/// The default model's tokenizer.json shrunk to its first `keep` ids (model vocab, merges
/// over kept tokens, added tokens), keeping its normalizer, pre-tokenizer, post-processor and
/// decoder as they are; `None` when the model cache does not have it.
fn shrunk_real_tokenizer(keep: u64) -> Option<Value> {
    let path = harness::model_cache::model_cache()?.join(harness::model_cache::DEFAULT_TOKENIZER);
    let mut tokenizer: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let model = tokenizer.get_mut("model")?;
    let vocab = model.get_mut("vocab")?.as_object_mut()?;
    let kept_id = |id: u64| id < keep || (10_000..10_000 + keep).contains(&id);
    vocab.retain(|_, id| id.as_u64().is_some_and(kept_id));
    let kept: std::collections::HashSet<String> = vocab.keys().cloned().collect();
    if let Some(merges) = model.get_mut("merges").and_then(Value::as_array_mut) {
        merges.retain(|m| {
            let parts: Vec<String> = match m {
                Value::String(s) => s.split(' ').map(str::to_string).collect(),
                Value::Array(a) => a
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            parts.len() == 2
                && parts.iter().all(|p| kept.contains(p))
                && kept.contains(&parts.concat())
        });
    }
    if let Some(added) = tokenizer
        .get_mut("added_tokens")
        .and_then(Value::as_array_mut)
    {
        added.retain(|t| t["id"].as_u64().is_some_and(kept_id));
    }
    Some(tokenizer)
}

/// tokenizer.json loading, then encoding and decoding.
pub(crate) const TOKENIZER: Target = Target {
    name: "tokenizer",
    about: "models::tokenizer: TextTokenizer::open on tokenizer.json, encode and decode",
    run: run_tokenizer,
    seeds: tokenizer_seeds,
    dictionary: &[
        b"\"type\"",
        b"\"WordLevel\"",
        b"\"BPE\"",
        b"\"Unigram\"",
        b"\"WordPiece\"",
        b"\"TemplateProcessing\"",
        b"\"Sequence\"",
        b"\"Split\"",
        b"\"Replace\"",
        b"\"ByteFallback\"",
        b"\"Metaspace\"",
        b"\"vocab\"",
        b"\"merges\"",
        b"\"added_tokens\"",
        b"\"special_tokens\"",
        b"\"ids\"",
        b"4294967295",
        b"-1",
        b"null",
    ],
};

/// Texts every loaded tokenizer encodes.
const TEXTS: [&str; 4] = [
    "w3 w4 <bos> w31",
    "",
    "abc ab\u{0}c \u{1F600} Ünïcödé",
    "  \n\t ",
];

fn run_tokenizer(bytes: &[u8]) -> String {
    let path = write(&scratch("tokenizer"), "tokenizer.json", bytes);
    exercise(TextTokenizer::open(&path))
}

/// Encodes and decodes with `tokenizer` when it loaded.
fn exercise(tokenizer: Result<TextTokenizer, models::error::LoadError>) -> String {
    if let Ok(tokenizer) = &tokenizer {
        for text in TEXTS {
            if let Ok(ids) = tokenizer.encode(text) {
                let _ = tokenizer.decode(&ids);
            }
        }
        let _ = tokenizer.decode(&[0, 1, 2, 3, u32::MAX]);
    }
    outcome(&tokenizer)
}

fn tokenizer_seeds() -> Vec<Seed> {
    let mut seeds = vec![
        Seed::new(
            "word-level tokenizer",
            word_level_tokenizer().to_string().into_bytes(),
        ),
        Seed::new(
            "byte-level BPE tokenizer",
            bpe_tokenizer().to_string().into_bytes(),
        ),
    ];
    if let Some(real) = shrunk_real_tokenizer(600) {
        seeds.push(Seed::new(
            "gemma-3-270m tokenizer.json, first 600 ids",
            real.to_string().into_bytes(),
        ));
    }
    seeds
}

/// tokenizer_config.json beside a fixed tokenizer.json.
pub(crate) const TOKENIZER_CONFIG: Target = Target {
    name: "tokenizer_config",
    about: "models::tokenizer: TextTokenizer::open with a tokenizer_config.json beside it",
    run: run_tokenizer_config,
    seeds: tokenizer_config_seeds,
    dictionary: &[
        b"\"add_bos_token\"",
        b"\"bos_token\"",
        b"\"content\"",
        b"true",
        b"false",
        b"null",
        b"\"<bos>\"",
        b"\"<unknown>\"",
        b"{}",
    ],
};

fn run_tokenizer_config(bytes: &[u8]) -> String {
    let dir = scratch("tokenizer_config");
    let tokenizer = dir.join("tokenizer.json");
    if !tokenizer.is_file() {
        write(
            &dir,
            "tokenizer.json",
            word_level_tokenizer().to_string().as_bytes(),
        );
    }
    write(&dir, "tokenizer_config.json", bytes);
    exercise(TextTokenizer::open(&tokenizer))
}

fn tokenizer_config_seeds() -> Vec<Seed> {
    [
        json!({"add_bos_token": true, "bos_token": "<bos>"}),
        json!({"add_bos_token": false}),
        json!({"add_bos_token": true, "bos_token": {"content": "<bos>", "lstrip": false}}),
        json!({"add_bos_token": true}),
        json!({"bos_token": null, "model_max_length": 1_000_000_000_000_000_000u64}),
    ]
    .iter()
    .map(|v| {
        Seed::new(
            "synthesized tokenizer_config.json",
            v.to_string().into_bytes(),
        )
    })
    .collect()
}
