//! GGUF loading: the default model (google/gemma-3-270m, Q4_K_M) end to end, the tiny HF
//! fixtures converted to GGUF as llama.cpp does, and malformed files.

use crate::gguf_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use models::error::LoadError;
use models::gguf::{self, GgmlType, GgufArchitecture, GgufCheckpoint, MetaValue};
use models::tokenizer::TextTokenizer;
use models::weights::WeightSource;
use serde_json::{Value, json};

use gguf_support::convert::{read_safetensors, to_gguf};
use gguf_support::writer::GgufWriter;

const MODEL_FILE: &str = "gemma-3-270m-q4_k_m.gguf";

/// The default model, fetched by scripts/fetch-default-model.sh into the model cache; `None`
/// when it is absent (the test then returns after printing why, or fails with `CI=true`).
fn default_model_path() -> Option<PathBuf> {
    testdata::default_model()
}

/// The default model at `path`, opened once.
fn default_model(path: &Path) -> &'static GgufCheckpoint {
    static MODEL: OnceLock<GgufCheckpoint> = OnceLock::new();
    MODEL.get_or_init(|| gguf::open(path).unwrap())
}

/// The default model's tokenizer (beside `path`), loaded once.
fn default_tokenizer(path: &Path) -> &'static TextTokenizer {
    static TOKENIZER: OnceLock<TextTokenizer> = OnceLock::new();
    TOKENIZER.get_or_init(|| TextTokenizer::for_model(None, path).unwrap())
}

fn reference() -> Value {
    let path = testdata::fixtures().join("models/gemma3-270m/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ids(value: &Value) -> Vec<u32> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect()
}

#[test]
fn default_model_metadata_and_config_match_gemma_3_270m() {
    let Some(model_path) = default_model_path() else {
        return;
    };
    let model = default_model(&model_path);
    let file = model.weights.file();
    assert_eq!(model.architecture, GgufArchitecture::Gemma3);
    assert_eq!(file.version(), 3);
    assert_eq!(file.tensors().len(), 236);
    assert_eq!(file.metadata().len(), 33);
    assert_eq!(file.alignment(), 32);
    assert_eq!(file.data_offset(), 6_525_120);
    let meta = |key: &str| file.metadata().get(key).unwrap();
    assert_eq!(meta("general.name").as_str(), Some("Gemma 3 270m"));
    assert_eq!(meta("tokenizer.ggml.add_bos_token"), &MetaValue::Bool(true));
    assert_eq!(
        meta("tokenizer.ggml.tokens").as_array().unwrap().len(),
        262_144
    );
    assert_eq!(
        meta("tokenizer.ggml.tokens").as_array().unwrap().get(2),
        Some(MetaValue::String("<bos>".into()))
    );

    let count = |ty| {
        file.tensors()
            .iter()
            .filter(|t| t.ggml_type() == ty)
            .count()
    };
    assert_eq!(
        [
            GgmlType::F32,
            GgmlType::Q8_0,
            GgmlType::Q5_0,
            GgmlType::Q4_K,
            GgmlType::Q6_K
        ]
        .map(count),
        [109, 10, 81, 27, 9]
    );

    let c = &model.config;
    let full = [5, 11, 17];
    let layer_types: Vec<&str> = (0..18)
        .map(|i| {
            if full.contains(&i) {
                "full_attention"
            } else {
                "sliding_attention"
            }
        })
        .collect();
    let expected = json!({
        "architectures": ["Gemma3ForCausalLM"],
        "model_type": "gemma3_text",
        "hidden_size": 640,
        "intermediate_size": 2048,
        "num_hidden_layers": 18,
        "num_attention_heads": 4,
        "num_key_value_heads": 1,
        "head_dim": 256,
        "rms_norm_eps": 1e-6,
        "max_position_embeddings": 32768,
        "vocab_size": 262144,
        "sliding_window": 512,
        "layer_types": layer_types,
        "rope_parameters": {
            "full_attention": { "rope_theta": 1_000_000.0, "rope_type": "default" },
            "sliding_attention": { "rope_theta": 10_000.0, "rope_type": "default" },
        },
        "query_pre_attn_scalar": 256,
        "hidden_activation": "gelu_pytorch_tanh",
        "attention_bias": false,
        "attn_logit_softcapping": null,
        "final_logit_softcapping": null,
        "use_bidirectional_attention": false,
        "tie_word_embeddings": true,
        "bos_token_id": 2,
        "eos_token_id": 1,
        "pad_token_id": 0,
    });
    assert_eq!(c, &expected);
}

/// Values computed with llama.cpp's gguf-py (`gguf.quants.dequantize`) from the same file;
/// norms are the stored value minus 1.
#[test]
fn default_model_tensors_dequantize_to_reference_values() {
    let Some(model_path) = default_model_path() else {
        return;
    };
    let weights = &default_model(&model_path).weights;
    let check = |name: &str, row: usize, start: usize, expected: &[f32]| {
        let t = weights.tensor(name).unwrap();
        let cols = t.shape.last().copied().unwrap();
        let got = &t.data[row * cols + start..row * cols + start + expected.len()];
        for (g, e) in got.iter().zip(expected) {
            assert!(
                (g - e).abs() <= 1e-7 + 1e-6 * e.abs(),
                "{name}: {got:?} vs {expected:?}"
            );
        }
        t
    };
    let emb = check(
        "model.embed_tokens.weight", // Q8_0
        2,
        0,
        &[-0.014242411, 0.01056695, 0.013323545, 0.01240468],
    );
    assert_eq!(emb.shape, [262_144, 640]);
    check(
        "model.embed_tokens.weight",
        262_143,
        636,
        &[0.011088371, 0.012672424, 0.0, -0.017424583],
    );
    check(
        "model.layers.0.self_attn.q_proj.weight",
        0,
        0,
        &[-0.0037841797, 0.0075683594, -0.015136719, -0.0056762695],
    ); // Q5_0
    check(
        "model.layers.0.self_attn.v_proj.weight",
        255,
        0,
        &[0.07305908, -0.06849289, -0.005327225, 0.013698578],
    ); // Q8_0
    check(
        "model.layers.0.self_attn.o_proj.weight",
        1,
        0,
        &[0.029732823, -0.1021986, -0.006248474, -0.01824224],
    ); // Q4_K
    check(
        "model.layers.0.mlp.down_proj.weight",
        639,
        2044,
        &[0.011506021, 0.01673603, 0.010460019, -0.009414017],
    ); // Q6_K
    check(
        "model.layers.5.mlp.up_proj.weight",
        100,
        0,
        &[-0.030761719, -0.053833008, 0.046142578, 0.023071289],
    );
    let norm = check("model.norm.weight", 0, 0, &[6.125, 8.5625, 46.0, 144.0]);
    assert_eq!(norm.shape, [640]);
    check(
        "model.layers.17.self_attn.k_norm.weight",
        0,
        0,
        &[2.84375, -1.0, 0.47265625, -1.0],
    );
    let o = weights
        .tensor("model.layers.0.self_attn.o_proj.weight")
        .unwrap();
    assert_eq!(o.shape, [640, 1024]);
    let abs_sum: f64 = o.data.iter().map(|v| f64::from(v.abs())).sum();
    assert!((abs_sum - 18_307.241_332).abs() < 1e-2, "{abs_sum}");
}

#[test]
fn default_model_every_tensor_dequantizes() {
    let Some(model_path) = default_model_path() else {
        return;
    };
    let weights = &default_model(&model_path).weights;
    let names = weights.names();
    assert_eq!(names.len(), 236);
    assert!(!weights.contains("lm_head.weight"));
    for name in names {
        let t = weights.tensor(name).unwrap();
        assert_eq!(t.shape, weights.shape(name).unwrap(), "{name}");
        assert_eq!(t.data.len(), t.shape.iter().product::<usize>(), "{name}");
        assert!(t.data.iter().all(|v| v.is_finite()), "{name}");
    }
    for layer in 0..18 {
        for (name, shape) in [
            ("self_attn.q_proj.weight", vec![1024, 640]),
            ("self_attn.k_proj.weight", vec![256, 640]),
            ("self_attn.v_proj.weight", vec![256, 640]),
            ("self_attn.o_proj.weight", vec![640, 1024]),
            ("self_attn.q_norm.weight", vec![256]),
            ("self_attn.k_norm.weight", vec![256]),
            ("mlp.gate_proj.weight", vec![2048, 640]),
            ("mlp.up_proj.weight", vec![2048, 640]),
            ("mlp.down_proj.weight", vec![640, 2048]),
            ("input_layernorm.weight", vec![640]),
            ("post_attention_layernorm.weight", vec![640]),
            ("pre_feedforward_layernorm.weight", vec![640]),
            ("post_feedforward_layernorm.weight", vec![640]),
        ] {
            let full = format!("model.layers.{layer}.{name}");
            assert_eq!(weights.shape(&full), Some(shape), "{full}");
        }
    }
}

#[test]
fn default_tokenizer_fits_and_reproduces_reference_ids() {
    let Some(model_path) = default_model_path() else {
        return;
    };
    let tokenizer = default_tokenizer(&model_path);
    assert_eq!(
        tokenizer.path(),
        model_path.with_file_name("tokenizer.json")
    );
    assert_eq!(tokenizer.bos_id(), Some(2));
    let rows = default_model(&model_path)
        .weights
        .shape("model.embed_tokens.weight")
        .unwrap()[0];
    tokenizer.check_fits(rows, &model_path).unwrap();

    assert_eq!(
        tokenizer.encode("The capital of France is").unwrap(),
        [2, 818, 5279, 529, 7001, 563]
    );
    let reference = reference();
    for prompt in reference["greedy"].as_array().unwrap() {
        let text = prompt["prompt"].as_str().unwrap();
        assert_eq!(
            tokenizer.encode(text).unwrap(),
            ids(&prompt["prompt_ids"]),
            "{text}"
        );
    }
    let sentences = reference["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 8);
    for sentence in sentences {
        let text = sentence["text"].as_str().unwrap();
        assert_eq!(
            tokenizer.encode(text).unwrap(),
            ids(&sentence["input_ids"]),
            "{text}"
        );
    }
}

#[test]
fn a_tokenizer_larger_than_the_embedding_table_is_rejected() {
    let Some(model_path) = default_model_path() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tiny = testdata::fixtures().join("models/tiny/gemma3");
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(tiny.join("config.json")).unwrap()).unwrap();
    let path = dir.path().join("tiny.gguf");
    to_gguf(&config, &read_safetensors(&tiny.join("model.safetensors"))).write(&path);
    let checkpoint = gguf::open(&path).unwrap();
    let rows = checkpoint
        .weights
        .shape("model.embed_tokens.weight")
        .unwrap()[0];
    assert_eq!(rows, 512);
    let err = default_tokenizer(&model_path)
        .check_fits(rows, &path)
        .unwrap_err();
    let LoadError::TokenizerMismatch { id, rows: 512, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(*id, 262_143);
    let message = err.to_string();
    assert!(
        message.contains("tiny.gguf") && message.contains("tokenizer.json"),
        "{message}"
    );
    assert!(message.contains("has only 512 rows"), "{message}");
}

#[test]
fn truncated_copies_of_the_default_model_fail_clearly() {
    let Some(model_path) = default_model_path() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&model_path).unwrap();
    let cut = |len: usize| {
        let path = dir.path().join(format!("cut{len}.gguf"));
        std::fs::write(&path, &bytes[..len]).unwrap();
        gguf::open(&path).unwrap_err().to_string()
    };
    let err = cut(4096);
    assert!(
        err.ends_with(
            "cut4096.gguf: the tensor count: a count of 236 (at byte 8) does not fit in the 4080 \
             bytes left in the file; the file is truncated or damaged: download it again"
        ),
        "{err}"
    );
    let err = cut(6_520_000);
    assert!(
        err.ends_with(
            "the name of tensor 150: a count of 25 (at byte 6519977) does not fit in the 15 \
             bytes left in the file; the file is truncated or damaged: download it again"
        ),
        "{err}"
    );
    let err = cut(6_520_012);
    assert!(
        err.contains("the file ends at byte 6520012 while reading the info of tensor `blk."),
        "{err}"
    );
    let err = cut(7_000_000);
    assert!(
        err.contains("runs past the end of the file (7000000 bytes)"),
        "{err}"
    );
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn tiny_fixtures_round_trip_through_gguf() {
    let dir = tempfile::tempdir().unwrap();
    for (fixture, arch) in [
        ("llama", GgufArchitecture::Llama),
        ("qwen2", GgufArchitecture::Qwen2),
        ("gemma3", GgufArchitecture::Gemma3),
    ] {
        let tiny = testdata::fixtures().join("models/tiny").join(fixture);
        let config: Value =
            serde_json::from_str(&std::fs::read_to_string(tiny.join("config.json")).unwrap())
                .unwrap();
        let tensors = read_safetensors(&tiny.join("model.safetensors"));
        let path = dir.path().join(format!("{fixture}.gguf"));
        to_gguf(&config, &tensors).write(&path);
        let checkpoint = gguf::open(&path).unwrap();
        assert_eq!(checkpoint.architecture, arch);

        // Every HF tensor comes back with HF's name, shape and values.
        let names: Vec<&str> = tensors.keys().map(String::as_str).collect();
        assert_eq!(checkpoint.weights.names(), names, "{fixture}");
        // Gemma norms went through `1 + w` and back in f32, which may round the last bit.
        for (name, (shape, values)) in &tensors {
            let t = checkpoint.weights.tensor(name).unwrap();
            assert_eq!(&t.shape, shape, "{fixture} {name}");
            if fixture == "gemma3" && name.ends_with("norm.weight") {
                for (got, want) in t.data.iter().zip(values) {
                    assert!((got - want).abs() <= 1.2e-7, "{name}: {got} vs {want}");
                }
                assert_ne!(t.data.iter().sum::<f32>(), 0.0, "{name}");
            } else {
                assert_eq!(&t.data, values, "{fixture} {name}");
            }
        }

        // Every key both configs have agrees, except what GGUF cannot carry: the tiny Gemma's
        // custom layer pattern (llama.cpp fixes every 6th layer as global) and Qwen2's unused
        // max_window_layers.
        let synthesized = checkpoint.config.as_object().unwrap();
        let mut compared = 0;
        for (key, value) in config.as_object().unwrap() {
            if key == "max_window_layers" || (fixture == "gemma3" && key == "layer_types") {
                continue;
            }
            if let Some(ours) = synthesized.get(key) {
                assert_eq!(ours, value, "{fixture}: {key}");
                compared += 1;
            }
        }
        assert!(compared >= 15, "{fixture}: only {compared} keys compared");
    }
}

#[test]
fn missing_tensors_are_named() {
    let Some(model_path) = default_model_path() else {
        return;
    };
    let checkpoint = default_model(&model_path);
    let err = checkpoint
        .weights
        .tensor("model.layers.18.self_attn.q_proj.weight")
        .unwrap_err();
    assert!(
        matches!(&err, LoadError::MissingTensor { name, .. } if name == "model.layers.18.self_attn.q_proj.weight"),
        "{err}"
    );
    assert!(err.to_string().contains(MODEL_FILE), "{err}");
}

/// A minimal valid Gemma 3 GGUF of `layers` layers (hidden 32, 2 heads, 4 tokens).
fn minimal_gemma(layers: u32) -> GgufWriter {
    let mut w = GgufWriter::new();
    w.string("general.architecture", "gemma3")
        .u32("gemma3.context_length", 64)
        .u32("gemma3.embedding_length", 32)
        .u32("gemma3.block_count", layers)
        .u32("gemma3.feed_forward_length", 64)
        .u32("gemma3.attention.head_count", 2)
        .u32("gemma3.attention.sliding_window", 8)
        .f32_tensor("token_embd.weight", &[4, 32], &[0.5; 128]);
    w
}

/// [`minimal_gemma`] with one layer and one more tensor.
fn gemma_with_tensor(name: &str, dims: &[u64], type_id: u32, data: Vec<u8>) -> GgufWriter {
    let mut w = minimal_gemma(1);
    w.raw_tensor(name, dims, type_id, data);
    w
}

fn open_bytes(dir: &Path, name: &str, bytes: &[u8]) -> Result<GgufCheckpoint, LoadError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    gguf::open(&path)
}

#[test]
fn bad_magic_and_unsupported_versions_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let err = open_bytes(dir.path(), "a.gguf", b"GGML\x03\x00\x00\x00rest").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("a.gguf: not a GGUF file"), "{message}");
    assert!(message.contains("\"GGML\""), "{message}");
    let err = open_bytes(dir.path(), "empty.gguf", b"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a GGUF file"), "{err}");

    let mut w = minimal_gemma(1);
    w.version = 1;
    let err = open_bytes(dir.path(), "v1.gguf", &w.bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("GGUF version 1 is not supported (supported: 2 and 3)"),
        "{err}"
    );
    w.version = 3u32.swap_bytes();
    let err = open_bytes(dir.path(), "be.gguf", &w.bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("big-endian"), "{err}");
    w.version = 2;
    let v2 = open_bytes(dir.path(), "v2.gguf", &w.bytes()).unwrap();
    assert_eq!(v2.weights.file().version(), 2);
    assert_eq!(v2.config["vocab_size"], 4);
    assert_eq!(v2.config["head_dim"], 16);
    let emb = v2.weights.tensor("model.embed_tokens.weight").unwrap();
    assert_eq!((emb.shape, emb.data), (vec![4, 32], vec![0.5; 128]));
}

#[test]
fn unsupported_quantization_type_names_the_type_and_tensor() {
    let dir = tempfile::tempdir().unwrap();
    // One 256-value IQ2_XXS block is 66 bytes.
    let w = gemma_with_tensor("blk.0.attn_q.weight", &[256, 1], 16, vec![0; 66]);
    let err = open_bytes(dir.path(), "iq2.gguf", &w.bytes()).unwrap_err();
    let LoadError::UnsupportedTensorType {
        tensor, type_name, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(
        (tensor.as_str(), type_name.as_str()),
        ("blk.0.attn_q.weight", "IQ2_XXS")
    );
    let message = err.to_string();
    assert!(
        message.contains("iq2.gguf: tensor `blk.0.attn_q.weight` is stored as IQ2_XXS"),
        "{message}"
    );
    assert!(
        message.contains("Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16"),
        "{message}"
    );
}

#[test]
fn absurd_counts_dimensions_and_offsets_error_without_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let good = minimal_gemma(1).bytes();

    // Tensor count (bytes 8..16) of 2^63.
    let mut bytes = good.clone();
    bytes[8..16].copy_from_slice(&(1u64 << 63).to_le_bytes());
    let err = open_bytes(dir.path(), "count.gguf", &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the tensor count: a count of 9223372036854775808"),
        "{err}"
    );

    // A tensor whose dimensions multiply past any file size.
    let w = gemma_with_tensor("blk.0.attn_q.weight", &[1 << 40, 1 << 40], 0, vec![]);
    let err = open_bytes(dir.path(), "dims.gguf", &w.bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tensor `blk.0.attn_q.weight` has dimensions [1099511627776, 1099511627776]"),
        "{err}"
    );

    // A tensor whose data would end past the end of the file.
    let w = gemma_with_tensor("blk.0.attn_q.weight", &[32, 1000], 0, vec![0; 128]);
    let err = open_bytes(dir.path(), "past.gguf", &w.bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the data of tensor `blk.0.attn_q.weight` (128000 bytes of F32"),
        "{err}"
    );

    // A Q4_K row of 100 values cannot hold whole 256-value blocks.
    let w = gemma_with_tensor("blk.0.attn_q.weight", &[100], 12, vec![0; 144]);
    let err = open_bytes(dir.path(), "rows.gguf", &w.bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rows of 100 values, not a whole number of Q4_K blocks of 256"),
        "{err}"
    );

    // A missing hyperparameter is named.
    let mut w = GgufWriter::new();
    w.string("general.architecture", "gemma3");
    let err = open_bytes(dir.path(), "meta.gguf", &w.bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("field `gemma3.embedding_length`: missing from the GGUF metadata"),
        "{err}"
    );

    // An architecture llama.cpp has but babelbench does not.
    let mut w = GgufWriter::new();
    w.string("general.architecture", "phi2");
    let err = open_bytes(dir.path(), "phi.gguf", &w.bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "GGUF architecture `phi2` is not supported; supported: llama, qwen2, qwen3, gemma2, \
             gemma3, phi3"
        ),
        "{err}"
    );
}

#[test]
fn config_follows_llama_cpp_for_gemma_27b_rope_scaling_and_llama_3_rope() {
    let dir = tempfile::tempdir().unwrap();
    // 62 layers is how llama.cpp recognises Gemma 3 27B, whose queries are scaled by
    // hidden / heads (here 32 / 2) rather than head_dim (here 8).
    let mut w = minimal_gemma(62);
    w.u32("gemma3.attention.key_length", 8)
        .string("gemma3.rope.scaling.type", "linear")
        .f32("gemma3.rope.scaling.factor", 8.0);
    let config = open_bytes(dir.path(), "27b.gguf", &w.bytes())
        .unwrap()
        .config;
    assert_eq!(config["query_pre_attn_scalar"], 16);
    assert_eq!(config["head_dim"], 8);
    assert_eq!(config["layer_types"][5], "full_attention");
    assert_eq!(config["layer_types"][60], "sliding_attention");
    assert_eq!(config["layer_types"][59], "full_attention");
    assert_eq!(
        config["rope_parameters"]["full_attention"],
        json!({ "rope_theta": 10_000.0, "rope_type": "linear", "factor": 8.0 })
    );
    assert_eq!(
        config["rope_parameters"]["sliding_attention"],
        json!({ "rope_theta": 10_000.0, "rope_type": "default" })
    );

    let mut w = minimal_gemma(2);
    w.string("gemma3.rope.scaling.type", "yarn");
    let err = open_bytes(dir.path(), "yarn.gguf", &w.bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("field `gemma3.rope.scaling.type`: RoPE scaling `yarn` is not supported"),
        "{err}"
    );

    let mut w = GgufWriter::new();
    w.string("general.architecture", "llama")
        .u32("llama.context_length", 64)
        .u32("llama.embedding_length", 32)
        .u32("llama.block_count", 1)
        .u32("llama.feed_forward_length", 64)
        .u32("llama.attention.head_count", 2)
        .f32("llama.attention.layer_norm_rms_epsilon", 1e-5)
        .f32_tensor("token_embd.weight", &[4, 32], &[0.5; 128])
        .f32_tensor("rope_freqs.weight", &[8], &[1.0; 8]);
    let err = open_bytes(dir.path(), "llama3.gguf", &w.bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tensor `rope_freqs.weight` holds Llama 3.1-style RoPE"),
        "{err}"
    );
}
