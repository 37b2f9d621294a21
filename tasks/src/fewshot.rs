//! Few-shot contexts joined the way lm-evaluation-harness joins them: each example is its prompt,
//! [`TARGET_DELIMITER`] and its answer; examples and the query are separated by
//! [`FEWSHOT_DELIMITER`].

/// Between a prompt and its answer (lm-eval's `target_delimiter`).
pub const TARGET_DELIMITER: &str = " ";

/// Between examples, and between the last example and the query (lm-eval's `fewshot_delimiter`).
pub const FEWSHOT_DELIMITER: &str = "\n\n";

/// `examples` (prompt, answer) followed by `query`:
/// `p1 + " " + a1 + "\n\n" + ... + pk + " " + ak + "\n\n" + query`; just `query` for 0-shot.
pub fn fewshot_context(examples: &[(String, String)], query: &str) -> String {
    let mut context = String::new();
    for (prompt, answer) in examples {
        context.push_str(prompt);
        context.push_str(TARGET_DELIMITER);
        context.push_str(answer);
        context.push_str(FEWSHOT_DELIMITER);
    }
    context.push_str(query);
    context
}
