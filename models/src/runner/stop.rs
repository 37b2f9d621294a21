//! Stop strings: generated text ends before the earliest occurrence of any of them.

/// Byte offset in `text` of the earliest occurrence of any non-empty string in `until`.
pub(crate) fn first_stop(text: &str, until: &[String]) -> Option<usize> {
    until
        .iter()
        .filter(|stop| !stop.is_empty())
        .filter_map(|stop| text.find(stop.as_str()))
        .min()
}

/// `text` cut before its earliest stop string (whole when none occurs).
pub(crate) fn cut_at_stop(mut text: String, until: &[String]) -> String {
    if let Some(at) = first_stop(&text, until) {
        text.truncate(at);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_stop_wins_and_empty_stops_are_ignored() {
        let until = vec!["\n\n".to_string(), "Q:".to_string(), String::new()];
        assert_eq!(first_stop("a Q: b\n\nc", &until), Some(2));
        assert_eq!(cut_at_stop("Hallo\n\nQ: x".to_string(), &until), "Hallo");
        assert_eq!(cut_at_stop("no stop".to_string(), &until), "no stop");
        assert_eq!(first_stop("", &until), None);
    }
}
