//! Pieces of tokenizer.json files shared by the binary's tests.

use serde_json::{Value, json};

/// The special tokens every test tokenizer starts with, at ids 0, 1 and 2.
pub const SPECIAL_TOKENS: [&str; 3] = ["<pad>", "<eos>", "<bos>"];

/// `added_tokens` entries for [`SPECIAL_TOKENS`].
pub fn added_special_tokens() -> Vec<Value> {
    SPECIAL_TOKENS
        .iter()
        .enumerate()
        .map(|(id, name)| {
            json!({"id": id, "content": name, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect()
}

/// A post-processor that puts `<bos>` (id 2) before every text.
pub fn bos_post_processor() -> Value {
    json!({"type": "TemplateProcessing",
           "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                      {"Sequence": {"id": "A", "type_id": 0}}],
           "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                    {"Sequence": {"id": "B", "type_id": 1}}],
           "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}}})
}
