//! Chat templates render exactly as HF transformers renders them: the templates of Gemma 3,
//! Qwen3, Llama 3, Llama 3.1 and SmolLM2 on the conversations of
//! `tasks/tests/fixtures/chat/renders.json` (`scripts/chat_template_fixtures.py`), with a
//! generation prompt or continuing the final message, as lm-evaluation-harness asks.

use serde_json::Value;
use tasks::chat::ChatMessage;

use crate::lm_eval_requests::{chat_fixtures, fixture_template};

#[test]
fn every_fixture_conversation_renders_as_transformers_renders_it() {
    let text = std::fs::read_to_string(chat_fixtures().join("renders.json")).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let mut compared = 0;
    for entry in fixture["renders"].as_array().unwrap() {
        let name = entry["template"].as_str().unwrap();
        let case = format!("{name}: {}", entry["case"].as_str().unwrap());
        let messages: Vec<ChatMessage> = entry["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| ChatMessage::new(m["role"].as_str().unwrap(), m["content"].as_str().unwrap()))
            .collect();
        let add_generation_prompt = entry["add_generation_prompt"].as_bool().unwrap();
        let rendered = fixture_template(name).apply(&messages, add_generation_prompt);
        match entry["text"].as_str() {
            Some(want) => assert_eq!(rendered.as_deref(), Ok(want), "{case}"),
            None => assert!(
                rendered.is_err(),
                "{case}: transformers failed, we gave {rendered:?}"
            ),
        }
        compared += 1;
    }
    assert_eq!(compared, 25);
}
