//! `load_model`: HF folders and GGUF files, tokenizer resolution, and clear errors for paths
//! that are not models.

use crate::runner_support;
use models::dtype::Dtype;

use burn::tensor::Device;
use models::error::LoadError;
use models::loader::load_model;
use runner_support::{tiny_dir, tokenizer_json};

#[test]
fn folder_with_explicit_tokenizer_lists_its_fingerprint_files() {
    let (model, dir) = runner_support::tiny_model("qwen2", true);
    let files = model.fingerprint_files();
    let source = tiny_dir("qwen2");
    assert_eq!(
        files,
        [
            source.join("config.json"),
            source.join("generation_config.json"),
            source.join("model.safetensors"),
            dir.path().join("tokenizer.json"),
        ]
    );
    assert_eq!(model.settings().max_context, 128);
}

#[test]
fn missing_paths_and_non_models_are_named() {
    let device = Device::default();
    let err = load_model(
        std::path::Path::new("/nonexistent/model.gguf"),
        None,
        &device,
        Dtype::F32,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("/nonexistent/model.gguf") && err.contains("no such model"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("weights.bin");
    std::fs::write(&text, b"not a model").unwrap();
    let err = load_model(&text, None, &device, Dtype::F32).unwrap_err();
    assert!(
        matches!(&err, LoadError::Format { message, .. } if message.contains("neither a GGUF file nor a folder")),
        "{err}"
    );
}

#[test]
fn a_folder_without_a_tokenizer_asks_for_one() {
    let err = load_model(&tiny_dir("llama"), None, &Device::default(), Dtype::F32).unwrap_err();
    assert!(
        matches!(&err, LoadError::MissingTokenizer { expected, .. } if expected.ends_with("llama/tokenizer.json")),
        "{err}"
    );
    assert!(err.to_string().contains("--tokenizer"));
}

#[test]
fn a_tokenizer_larger_than_the_vocabulary_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&tokenizer_json(false)).unwrap();
    json["model"]["vocab"]["w9999"] = serde_json::Value::from(9999);
    let path = dir.path().join("tokenizer.json");
    std::fs::write(&path, json.to_string()).unwrap();
    let err = load_model(
        &tiny_dir("gpt2"),
        Some(&path),
        &Device::default(),
        Dtype::F32,
    )
    .unwrap_err();
    assert!(
        matches!(
            &err,
            LoadError::TokenizerMismatch {
                id: 9999,
                rows: 512,
                ..
            }
        ),
        "{err}"
    );
}
