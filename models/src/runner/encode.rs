//! Token-level preparation of requests, following lm-evaluation-harness's HF model: the
//! context/continuation split, left truncation to the context length, and rolling windows.

/// `(context, continuation)` with the context's trailing whitespace moved to the front of the
/// continuation, so that a word's leading space is scored with the word.
pub(crate) fn move_trailing_spaces(context: &str, continuation: &str) -> (String, String) {
    let trimmed = context.trim_end();
    let moved = &context[trimmed.len()..];
    (trimmed.to_string(), format!("{moved}{continuation}"))
}

/// The continuation's tokens: those of the whole text after the first `context_len` (the
/// length of the context's own encoding).
pub(crate) fn continuation_tokens(whole: &[u32], context_len: usize) -> Vec<u32> {
    whole.get(context_len..).unwrap_or_default().to_vec()
}

/// Model input that scores `continuation` after `context`: both joined, cut from the left to
/// `max_context + 1` tokens, without the last token (which is only predicted).
pub(crate) fn scoring_input(context: &[u32], continuation: &[u32], max_context: usize) -> Vec<u32> {
    let whole: Vec<u32> = context.iter().chain(continuation).copied().collect();
    let start = whole.len().saturating_sub(max_context + 1);
    whole[start..whole.len() - 1].to_vec()
}

/// lm-evaluation-harness's disjoint rolling windows over `tokens` (context length 1): the
/// first window predicts up to `max_len` tokens after `prefix`; each later window predicts
/// the next up to `max_len` tokens, conditioned on as many earlier tokens as fit. Returns
/// `(context, continuation)` pairs whose continuations partition `tokens`.
pub(crate) fn rolling_windows(
    tokens: &[u32],
    prefix: u32,
    max_len: usize,
) -> Vec<(Vec<u32>, Vec<u32>)> {
    let mut windows = Vec::new();
    if tokens.is_empty() || max_len == 0 {
        return windows;
    }
    let first = max_len.min(tokens.len());
    windows.push((vec![prefix], tokens[..first].to_vec()));
    let mut predicted = first;
    while predicted < tokens.len() {
        let count = (tokens.len() - predicted).min(max_len);
        let end = predicted + count;
        // Window input is tokens[end - max_len - 1 .. end - 1]; the part before the
        // predicted tokens is the context.
        let context = tokens[end - max_len - 1..end - count].to_vec();
        windows.push((context, tokens[end - count..end].to_vec()));
        predicted = end;
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_spaces_move_to_the_continuation() {
        assert_eq!(
            move_trailing_spaces("Answer: \n ", "B"),
            ("Answer:".to_string(), " \n B".to_string())
        );
        assert_eq!(
            move_trailing_spaces("Answer:", " B"),
            ("Answer:".to_string(), " B".to_string())
        );
        assert_eq!(
            move_trailing_spaces("", "x"),
            (String::new(), "x".to_string())
        );
    }

    #[test]
    fn continuation_is_what_follows_the_context_encoding() {
        assert_eq!(continuation_tokens(&[2, 10, 11, 12], 2), [11, 12]);
        assert!(continuation_tokens(&[2, 10], 3).is_empty());
    }

    #[test]
    fn scoring_input_truncates_from_the_left() {
        assert_eq!(scoring_input(&[1, 2, 3], &[4, 5], 10), [1, 2, 3, 4]);
        // max_context 3: keep the last 4 tokens [2, 3, 4, 5], drop the last.
        assert_eq!(scoring_input(&[1, 2, 3], &[4, 5], 3), [2, 3, 4]);
    }

    #[test]
    fn rolling_windows_partition_the_text() {
        let tokens: Vec<u32> = (10..20).collect();
        let windows = rolling_windows(&tokens, 1, 4);
        assert_eq!(
            windows,
            vec![
                (vec![1], vec![10, 11, 12, 13]),
                (vec![13], vec![14, 15, 16, 17]),
                (vec![15, 16, 17], vec![18, 19]),
            ]
        );
        // Each window's input (context + continuation minus the last token) is max_len long
        // once past the first.
        for (context, continuation) in &windows[1..] {
            assert_eq!(scoring_input(context, continuation, 4).len(), 4);
        }
        assert_eq!(rolling_windows(&[7, 8], 1, 4), vec![(vec![1], vec![7, 8])]);
        assert!(rolling_windows(&[], 1, 4).is_empty());
    }
}
