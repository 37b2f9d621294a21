//! Damaged copies of the tiny llama checkpoint, built in temporary folders: each must fail to
//! load with the error that names the file and the tensor or field at fault. A sharded copy
//! must load like the original.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use models::arch::{CausalLm, TokenBatch, load_hf_folder};
use models::error::LoadError;
use safetensors::SafeTensors;
use safetensors::tensor::TensorView;
use tempfile::TempDir;

fn fixture(file: &str) -> PathBuf {
    testdata::fixtures().join("models/tiny/llama").join(file)
}

fn config() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("config.json")).unwrap()).unwrap()
}

/// A folder holding `config` and the weights written by `write_weights`.
fn folder(config: Option<&serde_json::Value>, write_weights: impl FnOnce(&Path)) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    if let Some(config) = config {
        std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    }
    write_weights(dir.path());
    dir
}

fn original_weights(dir: &Path) {
    std::fs::copy(fixture("model.safetensors"), dir.join("model.safetensors")).unwrap();
}

/// Rewrites the fixture's tensors through `edit` (name, shape) into `path`, dropping tensors
/// for which `edit` returns `None`.
fn rewrite_weights(
    path: &Path,
    names: impl Fn(&str) -> bool,
    edit: impl Fn(&str, Vec<usize>) -> Vec<usize>,
) {
    let bytes = std::fs::read(fixture("model.safetensors")).unwrap();
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    let kept: Vec<(String, TensorView<'_>)> = tensors
        .tensors()
        .into_iter()
        .filter(|(name, _)| names(name))
        .map(|(name, view)| {
            let shape = edit(&name, view.shape().to_vec());
            let view = TensorView::new(view.dtype(), shape, view.data()).unwrap();
            (name, view)
        })
        .collect();
    safetensors::serialize_to_file(kept, None, path).unwrap();
}

fn load(dir: &Path) -> Result<Box<dyn CausalLm>, LoadError> {
    load_hf_folder(dir, &Device::default())
}

fn load_error(dir: &Path) -> LoadError {
    match load(dir) {
        Ok(_) => panic!("{} loaded although it is damaged", dir.display()),
        Err(e) => e,
    }
}

#[test]
fn folder_without_config_names_the_folder() {
    let dir = folder(None, original_weights);
    let error = load_error(dir.path());
    assert!(
        matches!(&error, LoadError::MissingConfig { dir: d } if d == dir.path()),
        "{error}"
    );
    assert!(error.to_string().contains("config.json"), "{error}");
}

#[test]
fn unknown_architecture_names_model_type() {
    let mut config = config();
    config["model_type"] = "bert".into();
    config["architectures"] = serde_json::json!(["BertForMaskedLM"]);
    let dir = folder(Some(&config), original_weights);
    let error = load_error(dir.path());
    match &error {
        LoadError::UnknownArchitecture {
            path,
            model_type,
            architectures,
        } => {
            assert_eq!(path, &dir.path().join("config.json"));
            assert_eq!(model_type, "bert");
            assert_eq!(architectures, &["BertForMaskedLM".to_string()]);
        }
        other => panic!("wrong error: {other}"),
    }
    assert!(error.to_string().contains("\"bert\""), "{error}");
    // The message lists what is supported.
    for supported in [
        "llama",
        "qwen3",
        "gemma2",
        "gemma3_text",
        "gemma3 ",
        "phi3",
        "gpt2",
    ] {
        assert!(
            error.to_string().contains(supported),
            "{supported}: {error}"
        );
    }
}

#[test]
fn truncated_safetensors_names_the_file() {
    let dir = folder(Some(&config()), |dir| {
        let bytes = std::fs::read(fixture("model.safetensors")).unwrap();
        std::fs::write(dir.join("model.safetensors"), &bytes[..bytes.len() - 1000]).unwrap();
    });
    let error = load_error(dir.path());
    match &error {
        LoadError::Format { path, message } => {
            assert_eq!(path, &dir.path().join("model.safetensors"));
            assert!(message.contains("truncated"), "{message}");
        }
        other => panic!("wrong error: {other}"),
    }
}

#[test]
fn missing_tensor_is_named() {
    const DROPPED: &str = "model.layers.1.mlp.down_proj.weight";
    let dir = folder(Some(&config()), |dir| {
        rewrite_weights(&dir.join("model.safetensors"), |n| n != DROPPED, |_, s| s)
    });
    let error = load_error(dir.path());
    match &error {
        LoadError::MissingTensor { path, name } => {
            assert_eq!(path, &dir.path().join("model.safetensors"));
            assert_eq!(name, DROPPED);
        }
        other => panic!("wrong error: {other}"),
    }
    assert!(error.to_string().contains(DROPPED), "{error}");
}

#[test]
fn wrong_shape_is_named_with_both_shapes() {
    const RESHAPED: &str = "model.layers.0.self_attn.q_proj.weight";
    let dir = folder(Some(&config()), |dir| {
        rewrite_weights(
            &dir.join("model.safetensors"),
            |_| true,
            |name, shape| {
                if name == RESHAPED {
                    vec![32, 128]
                } else {
                    shape
                }
            },
        )
    });
    let error = load_error(dir.path());
    match &error {
        LoadError::ShapeMismatch {
            path,
            name,
            actual,
            expected,
        } => {
            assert_eq!(path, &dir.path().join("model.safetensors"));
            assert_eq!(name, RESHAPED);
            assert_eq!(actual, &[32, 128]);
            assert_eq!(expected, &[64, 64]);
        }
        other => panic!("wrong error: {other}"),
    }
}

#[test]
fn invalid_config_fields_are_named() {
    let cases: [(&str, serde_json::Value, &str); 4] = [
        ("hidden_size", "big".into(), "hidden_size"),
        ("num_key_value_heads", 3.into(), "num_key_value_heads"),
        ("hidden_act", "relu".into(), "hidden_act"),
        (
            "rope_parameters",
            serde_json::json!({"rope_theta": 10000.0, "rope_type": "proportional"}),
            "rope_parameters.rope_type",
        ),
    ];
    for (key, value, field_name) in cases {
        let mut config = config();
        config[key] = value;
        let dir = folder(Some(&config), original_weights);
        match load_error(dir.path()) {
            LoadError::InvalidConfig { path, field, .. } => {
                assert_eq!(path, dir.path().join("config.json"));
                assert_eq!(field, field_name);
            }
            other => panic!("{key}: wrong error: {other}"),
        }
    }
}

/// Missing, mistyped and contradictory fields, nested ones by their dotted path, in the
/// configs of every architecture; the message says what is wrong.
#[test]
fn config_errors_name_the_dotted_field_and_the_fault() {
    use serde_json::json;
    let cases: [(&str, &str, Option<serde_json::Value>, &str, &str); 17] = [
        ("llama", "vocab_size", None, "vocab_size", "missing"),
        (
            "llama",
            "num_hidden_layers",
            Some(0.into()),
            "num_hidden_layers",
            "at least 1",
        ),
        (
            "llama",
            "rope_parameters",
            Some(json!({"rope_type": "linear", "rope_theta": 10000.0})),
            "rope_parameters.factor",
            "missing",
        ),
        (
            "llama",
            "rope_parameters",
            Some(
                json!({"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0,
                        "low_freq_factor": 4.0, "high_freq_factor": 1.0,
                        "original_max_position_embeddings": 8192}),
            ),
            "rope_parameters.high_freq_factor",
            "must exceed low_freq_factor 4",
        ),
        (
            "llama",
            "rope_parameters",
            Some(json!({"rope_theta": "big"})),
            "rope_parameters.rope_theta",
            "invalid type",
        ),
        (
            "phi3",
            "rope_parameters",
            Some(json!({"rope_type": "longrope", "rope_theta": 10000.0,
                        "short_factor": [1.0], "long_factor": [1.0]})),
            "rope_parameters.short_factor",
            "1 entries; LongRoPE needs one per frequency, head_dim / 2 = 8",
        ),
        (
            "gemma2",
            "rope_parameters",
            Some(json!({"rope_type": "longrope", "rope_theta": 10000.0,
                        "short_factor": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]})),
            "rope_parameters.long_factor",
            "missing",
        ),
        (
            "llama_yarn",
            "rope_parameters",
            Some(json!({"rope_type": "yarn", "rope_theta": 10000.0,
                        "original_max_position_embeddings": 4096})),
            "rope_parameters.factor",
            "missing",
        ),
        (
            "llama_yarn",
            "rope_parameters",
            Some(
                json!({"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                        "attention_factor": -1.0}),
            ),
            "rope_parameters.attention_factor",
            "must be positive",
        ),
        (
            "qwen3",
            "rope_parameters",
            Some(json!({"rope_type": "dynamic", "rope_theta": 1000000.0})),
            "rope_parameters.factor",
            "missing",
        ),
        (
            "llama_dynamic",
            "max_position_embeddings",
            None,
            "max_position_embeddings",
            "dynamic RoPE rescales beyond it",
        ),
        (
            "llama",
            "rope_parameters",
            Some(json!({"rope_type": "proportional", "rope_theta": 10000.0})),
            "rope_parameters.rope_type",
            "expected one of `default`, `linear`, `llama3`, `dynamic`, `yarn`, `longrope`",
        ),
        (
            "phi3",
            "rope_parameters",
            Some(json!({"rope_type": "default", "rope_theta": 10000.0,
                        "partial_rotary_factor": 0.5})),
            "rope_parameters.partial_rotary_factor",
            "not supported",
        ),
        (
            "gemma2",
            "layer_types",
            Some(json!(["sliding_attention", "full_attention"])),
            "layer_types",
            "2 entries for 3 layers",
        ),
        (
            "gemma2",
            "layer_types",
            Some(json!([
                "sliding_attention",
                "chunked_attention",
                "full_attention"
            ])),
            "layer_types[1]",
            "`chunked_attention`",
        ),
        (
            "gemma2",
            "attn_logit_softcapping",
            Some((-1.0).into()),
            "attn_logit_softcapping",
            "must be positive",
        ),
        (
            "qwen3",
            "sliding_window",
            Some(serde_json::Value::Null),
            "sliding_window",
            "missing but layers use sliding attention",
        ),
    ];
    for (arch, key, value, field_name, fault) in cases {
        let source = testdata::fixtures().join("models/tiny").join(arch);
        let mut config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(source.join("config.json")).unwrap())
                .unwrap();
        match value {
            Some(value) => config[key] = value,
            None => {
                config.as_object_mut().unwrap().remove(key);
            }
        }
        let dir = folder(Some(&config), |dir| {
            std::fs::copy(
                source.join("model.safetensors"),
                dir.join("model.safetensors"),
            )
            .unwrap();
        });
        let error = load_error(dir.path());
        match &error {
            LoadError::InvalidConfig {
                path,
                field,
                message,
            } => {
                assert_eq!(path, &dir.path().join("config.json"), "{arch} {key}");
                assert_eq!(field, field_name, "{arch} {key}: {error}");
                assert!(message.contains(fault), "{arch} {key}: {error}");
            }
            other => panic!("{arch} {key}: wrong error: {other}"),
        }
    }
}

/// Splits the tensors into two shard files with an index, as transformers does for large
/// models.
fn write_shards(dir: &Path, index: &HashMap<String, String>) {
    for shard in [
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
    ] {
        rewrite_weights(&dir.join(shard), |n| index[n] == shard, |_, s| s);
    }
    let json = serde_json::json!({ "metadata": {}, "weight_map": index });
    std::fs::write(dir.join("model.safetensors.index.json"), json.to_string()).unwrap();
}

fn shard_index() -> HashMap<String, String> {
    let bytes = std::fs::read(fixture("model.safetensors")).unwrap();
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    tensors
        .names()
        .into_iter()
        .map(|name| {
            let shard = if name.contains("layers.1") || name.starts_with("lm_head") {
                "model-00002-of-00002.safetensors"
            } else {
                "model-00001-of-00002.safetensors"
            };
            (name.to_string(), shard.to_string())
        })
        .collect()
}

#[test]
fn sharded_checkpoint_loads_like_single_file() {
    let sharded = folder(Some(&config()), |dir| write_shards(dir, &shard_index()));
    let single = load(&fixture("")).unwrap();
    let split = load(sharded.path()).unwrap();
    let batch = TokenBatch::new(1, 4, vec![5, 77, 301, 9], vec![true; 4]).unwrap();
    let logits = |model: &dyn CausalLm| {
        let hidden = model
            .forward(&batch, None, false)
            .unwrap()
            .last_hidden_state;
        let rows = model.lm_head(hidden.reshape([4, 64])).unwrap();
        rows.into_data().as_slice::<f32>().unwrap().to_vec()
    };
    assert_eq!(logits(single.as_ref()), logits(split.as_ref()));
}

#[test]
fn shard_missing_from_disk_is_named() {
    let dir = folder(Some(&config()), |dir| write_shards(dir, &shard_index()));
    let missing = dir.path().join("model-00002-of-00002.safetensors");
    std::fs::remove_file(&missing).unwrap();
    match load_error(dir.path()) {
        LoadError::Io { path, .. } => assert_eq!(path, missing),
        other => panic!("wrong error: {other}"),
    }
}

/// A multimodal Gemma 3 config names its language model's fields under `text_config`.
#[test]
fn multimodal_config_errors_name_text_config() {
    let source = testdata::fixtures().join("models/tiny/gemma3_multimodal");
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(source.join("config.json")).unwrap())
            .unwrap();
    let mut bad_width = original.clone();
    bad_width["text_config"]["hidden_size"] = "big".into();
    let mut no_text = original.clone();
    no_text.as_object_mut().unwrap().remove("text_config");
    let mut bad_rope = original;
    bad_rope["text_config"]["rope_parameters"]["full_attention"] =
        serde_json::json!({"rope_type": "yarn", "rope_theta": 10000.0});
    for (config, field_name, fault) in [
        (bad_width, "text_config.hidden_size", "invalid type"),
        (no_text, "text_config", "missing"),
        (
            bad_rope,
            "text_config.rope_parameters.full_attention.factor",
            "missing",
        ),
    ] {
        let dir = folder(Some(&config), |dir| {
            std::fs::copy(
                source.join("model.safetensors"),
                dir.join("model.safetensors"),
            )
            .unwrap();
        });
        match load_error(dir.path()) {
            LoadError::InvalidConfig { field, message, .. } => {
                assert_eq!(field, field_name);
                assert!(message.contains(fault), "{field}: {message}");
            }
            other => panic!("{field_name}: wrong error: {other}"),
        }
    }
}
