//! Shared helpers of the runner tests: the tiny fixture models (which ship no tokenizer) with a
//! word-level tokenizer written for them, where the word `w{i}` is token id `i`.

#![allow(dead_code)]

use models::dtype::Dtype;
use std::path::PathBuf;

use burn::tensor::Device;
use models::loader::load_model;
use models::runner::BurnModel;
use serde::Deserialize;
use serde_json::{Value, json};
use tempfile::TempDir;

/// Rows of the tiny models' embedding tables.
pub const VOCAB: u32 = 512;
/// Special tokens of the test tokenizer.
pub const PAD: u32 = 0;
/// End of sequence (Gemma's id).
pub const EOS: u32 = 1;
/// Beginning of sequence (Gemma's id).
pub const BOS: u32 = 2;

/// The folder of a tiny fixture model.
pub fn tiny_dir(arch: &str) -> PathBuf {
    testdata::fixtures().join("models/tiny").join(arch)
}

/// The reference outputs saved with a tiny model.
#[derive(Deserialize)]
pub struct TinyReference {
    /// Token ids, right padded.
    pub input_ids: Vec<Vec<u32>>,
    /// 1 for real tokens.
    pub attention_mask: Vec<Vec<u8>>,
    /// `[sequence][position][vocab]`.
    pub logits: Vec<Vec<Vec<f64>>>,
    /// Mean of the last hidden state over real tokens.
    pub last_hidden_mean: Vec<Vec<f32>>,
}

impl TinyReference {
    /// Real tokens of sequence `i`.
    pub fn tokens(&self, i: usize) -> Vec<u32> {
        let real = self.attention_mask[i].iter().filter(|&&m| m == 1).count();
        self.input_ids[i][..real].to_vec()
    }

    /// log-softmax of the reference logits at `position` of sequence `i`, for `token`.
    pub fn logprob(&self, i: usize, position: usize, token: u32) -> f64 {
        let row = &self.logits[i][position];
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log_z = max + row.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
        row[token as usize] - log_z
    }

    /// Whether `token` has the largest reference logit at `position` of sequence `i`.
    pub fn is_argmax(&self, i: usize, position: usize, token: u32) -> bool {
        let row = &self.logits[i][position];
        row.iter().all(|&x| x <= row[token as usize])
    }
}

/// Reads the reference.json of a tiny model.
pub fn tiny_reference(arch: &str) -> TinyReference {
    let path = tiny_dir(arch).join("reference.json");
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The text that the test tokenizer encodes as `ids` (without BOS).
pub fn words(ids: &[u32]) -> String {
    ids.iter()
        .map(|id| format!("w{id}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word-level tokenizer.json: `<pad>` 0, `<eos>` 1, `<bos>` 2 (special) and `w{i}` = i for
/// every other id below [`VOCAB`], split on whitespace; BOS prepended when `bos`.
pub fn tokenizer_json(bos: bool) -> String {
    let specials = ["<pad>", "<eos>", "<bos>"];
    let mut vocab = serde_json::Map::new();
    for (id, name) in specials.iter().enumerate() {
        vocab.insert(name.to_string(), Value::from(id));
    }
    for id in specials.len() as u32..VOCAB {
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
    let post_processor = if bos {
        json!({
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<bos>": {"id": "<bos>", "ids": [BOS], "tokens": ["<bos>"]}}
        })
    } else {
        Value::Null
    };
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": null,
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": post_processor,
        "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<pad>"}
    })
    .to_string()
}

/// A tiny model with the test tokenizer; the folder holding the tokenizer lives as long as
/// the returned [`TempDir`].
pub fn tiny_model(arch: &str, bos: bool) -> (BurnModel, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = dir.path().join("tokenizer.json");
    std::fs::write(&tokenizer, tokenizer_json(bos)).unwrap();
    let model = load_model(
        &tiny_dir(arch),
        Some(&tokenizer),
        &Device::default(),
        Dtype::F32,
    )
    .unwrap_or_else(|e| panic!("loading tiny {arch}: {e}"));
    (model, dir)
}
