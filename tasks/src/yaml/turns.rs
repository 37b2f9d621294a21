//! A prompt as lm-evaluation-harness 0.4.13 assembles it: a list of messages (an optional
//! system message, a user turn and an assistant answer per few-shot example, the evaluated
//! document's user turn and its `gen_prefix`), each with the delimiter that follows it in plain
//! text. Without a chat template the messages are concatenated; with one, they are rendered as
//! a conversation (few-shot turns kept apart with `--fewshot-as-multiturn`, otherwise folded into
//! one user message).

use crate::chat::ChatMessage;
use crate::config::PromptFormat;

/// One message of a prompt.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Message {
    role: &'static str,
    content: String,
    /// What follows the content in plain text (a target or few-shot delimiter).
    delimiter: String,
}

impl Message {
    pub(crate) fn system(content: String) -> Self {
        Message {
            role: "system",
            content,
            delimiter: String::new(),
        }
    }

    fn text(&self) -> String {
        format!("{}{}", self.content, self.delimiter)
    }

    fn chat(&self) -> ChatMessage {
        ChatMessage::new(self.role, self.content.clone())
    }
}

/// lm-eval's `build_qa_turn`: the user turn `q`, then the assistant's `answer` (after
/// `gen_prefix`, if any) followed by `fewshot_delimiter`, or else the bare `gen_prefix`.
pub(crate) fn qa_turn(
    q: &str,
    answer: Option<String>,
    gen_prefix: Option<&str>,
    target_delimiter: &str,
    fewshot_delimiter: &str,
) -> Vec<Message> {
    let answer = answer.filter(|a| !a.is_empty());
    let prefix = gen_prefix.filter(|p| !p.is_empty());
    let delimited = match prefix {
        None => answer.is_some(),
        Some(prefix) => requires_delimiter(q, prefix),
    };
    let mut turn = vec![Message {
        role: "user",
        content: q.to_string(),
        delimiter: if delimited { target_delimiter } else { "" }.to_string(),
    }];
    match (answer, prefix) {
        (Some(answer), _) => turn.push(Message {
            role: "assistant",
            content: maybe_delimit(prefix, &answer, " "),
            delimiter: fewshot_delimiter.to_string(),
        }),
        (None, Some(prefix)) => turn.push(Message {
            role: "assistant",
            content: prefix.to_string(),
            delimiter: String::new(),
        }),
        (None, None) => {}
    }
    turn
}

/// The prompt text of `messages`: concatenated, or rendered through the chat template of
/// `format` (with a generation prompt unless the document has a `gen_prefix`).
pub(crate) fn render(
    messages: &[Message],
    format: &PromptFormat,
    has_gen_prefix: bool,
) -> Result<String, String> {
    let Some(template) = &format.chat_template else {
        return Ok(messages.iter().map(Message::text).collect());
    };
    let conversation = if format.fewshot_as_multiturn {
        messages.iter().map(Message::chat).collect()
    } else {
        single_turn(messages)
    };
    template
        .apply(&conversation, !has_gen_prefix)
        .map_err(|e| e.to_string())
}

/// lm-eval's `multiturn_to_singleturn`: everything but the system message and a final assistant
/// message (the `gen_prefix`) folded into one user message, as plain text without its last
/// delimiter.
fn single_turn(messages: &[Message]) -> Vec<ChatMessage> {
    let (system, rest) = match messages.split_first() {
        Some((first, rest)) if first.role == "system" => (Some(first), rest),
        _ => (None, messages),
    };
    let (user, last) = match rest.split_last() {
        Some((last, user)) if last.role == "assistant" => (user, Some(last)),
        _ => (rest, None),
    };
    let mut folded: String = user.iter().map(Message::text).collect();
    if let Some(final_user) = user.last() {
        folded.truncate(folded.len() - final_user.delimiter.len());
    }
    system
        .map(Message::chat)
        .into_iter()
        .chain([ChatMessage::new("user", folded)])
        .chain(last.map(Message::chat))
        .collect()
}

/// lm-eval's `requires_delimiter`: neither side has whitespace at the join.
pub(crate) fn requires_delimiter(prefix: &str, suffix: &str) -> bool {
    !prefix.is_empty()
        && !prefix.chars().last().is_some_and(char::is_whitespace)
        && !suffix.chars().next().is_some_and(char::is_whitespace)
}

/// lm-eval's `maybe_delimit(prefix, suffix, delimiter)`: the two joined by `delimiter` when
/// neither has whitespace at the join; either alone when the other is empty.
pub(crate) fn maybe_delimit(prefix: Option<&str>, suffix: &str, delimiter: &str) -> String {
    match prefix {
        None | Some("") => suffix.to_string(),
        Some(prefix) if suffix.is_empty() => prefix.to_string(),
        Some(prefix) if requires_delimiter(prefix, suffix) => {
            format!("{prefix}{delimiter}{suffix}")
        }
        Some(prefix) => format!("{prefix}{suffix}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles_and_texts(messages: &[ChatMessage]) -> Vec<(&str, &str)> {
        messages
            .iter()
            .map(|m| (m.role.as_str(), m.content.as_str()))
            .collect()
    }

    #[test]
    fn few_shot_turns_fold_into_one_user_message_without_the_last_delimiter() {
        let mut messages = vec![Message::system("Be brief.".into())];
        messages.extend(qa_turn("Q1", Some("A1".into()), None, " ", "\n\n"));
        messages.extend(qa_turn("Q2", None, Some("Answer:"), " ", ""));
        assert_eq!(
            messages.iter().map(Message::text).collect::<String>(),
            "Be brief.Q1 A1\n\nQ2 Answer:"
        );
        assert_eq!(
            roles_and_texts(&single_turn(&messages)),
            [
                ("system", "Be brief."),
                ("user", "Q1 A1\n\nQ2"),
                ("assistant", "Answer:")
            ]
        );
        let no_prefix = qa_turn("Q2", None, None, " ", "");
        assert_eq!(roles_and_texts(&single_turn(&no_prefix)), [("user", "Q2")]);
    }

    #[test]
    fn delimiters_follow_lm_eval() {
        assert_eq!(maybe_delimit(Some("a"), "b", "\n\n"), "a\n\nb");
        assert_eq!(maybe_delimit(Some("a "), "b", "\n\n"), "a b");
        assert_eq!(maybe_delimit(None, "b", " "), "b");
        assert_eq!(maybe_delimit(Some("a"), "", " "), "a");
        // A gen_prefix that ends in a space needs no target delimiter after the question.
        let turn = qa_turn("Q", None, Some("A: "), " ", "");
        assert_eq!(turn[0].delimiter, " ");
        let turn = qa_turn("Q\n", None, Some("A:"), " ", "");
        assert_eq!(turn[0].delimiter, "");
    }
}
