//! lm-evaluation-harness's Jinja environment, in minijinja: undefined variables are errors,
//! trailing newlines are kept, nothing is escaped, the `regex_replace` filter is defined, and
//! values print as Python prints them (`True`, `None`, `['a', 'b']`). Python's string, list and
//! dict methods (`.strip()`, `.split()`, `.index()`, `", ".join(x)`, ...) come from
//! minijinja-contrib's pycompat, plus `index`.

use minijinja::value::{Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};

/// The environment every task template is rendered in.
pub(crate) struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

impl Templates {
    /// lm-eval's environment.
    pub(crate) fn new() -> Self {
        let mut env = python_environment();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.add_filter("regex_replace", regex_replace);
        Templates { env }
    }

    /// `source` rendered with the document's columns as variables.
    pub(crate) fn render(&self, source: &str, doc: &serde_json::Value) -> Result<String, Error> {
        self.env.render_str(source, doc)
    }

    /// Whether `source` parses as a template.
    pub(crate) fn check_syntax(&self, source: &str) -> Result<(), Error> {
        self.env.template_from_str(source).map(|_| ())
    }

    /// The value of a template that is one expression (`{{ [a, b] }}`), evaluated rather than
    /// printed and parsed back (lm-eval renders it and reads the text with `ast.literal_eval`,
    /// which gives the same values); `None` when `source` is not one expression.
    pub(crate) fn eval_expression(
        &self,
        source: &str,
        doc: &serde_json::Value,
    ) -> Option<Result<serde_json::Value, Error>> {
        let inner = source.trim().strip_prefix("{{")?.strip_suffix("}}")?;
        if inner.contains("}}") || inner.contains("{{") || inner.contains("{%") {
            return None;
        }
        let inner = inner.trim_start_matches('-').trim_end_matches('-');
        Some(
            self.env
                .compile_expression(inner)
                .and_then(|expr| expr.eval(doc))
                .and_then(|value| {
                    serde_json::to_value(&value).map_err(|e| {
                        Error::new(
                            ErrorKind::InvalidOperation,
                            format!("unreadable value: {e}"),
                        )
                    })
                }),
        )
    }
}

/// An environment that behaves like Python's Jinja: nothing escaped, values printed as
/// Python's `str()` prints them, and Python's string, list and dict methods.
pub(crate) fn python_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_unknown_method_callback(python_method);
    env.set_formatter(|out, _state, value| {
        out.write_str(&python_str(value))
            .map_err(|_| Error::new(ErrorKind::WriteFailure, "formatting failed"))
    });
    env
}

/// Python's `str()` of a value: `True`/`False`, `None`, lists and dicts as their `repr`.
fn python_str(value: &Value) -> String {
    match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        _ => python_repr(value),
    }
}

/// Python's `repr()` of a value.
fn python_repr(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => "None".into(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.into(),
        ValueKind::String => repr_str(value.as_str().unwrap_or_default()),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<String> = value
                .try_iter()
                .map(|iter| iter.map(|v| python_repr(&v)).collect())
                .unwrap_or_default();
            format!("[{}]", items.join(", "))
        }
        ValueKind::Map => {
            let items: Vec<String> = value
                .try_iter()
                .map(|keys| {
                    keys.map(|k| {
                        let v = value.get_item(&k).unwrap_or_default();
                        format!("{}: {}", python_repr(&k), python_repr(&v))
                    })
                    .collect()
                })
                .unwrap_or_default();
            format!("{{{}}}", items.join(", "))
        }
        _ => value.to_string(),
    }
}

/// Python's `repr()` of a string: single quotes unless the text holds a single quote and no
/// double quote.
pub(crate) fn repr_str(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// pycompat's methods, plus `str.index` and `list.index`.
fn python_method(
    state: &State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    if method == "index" {
        let [needle] = args else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "index takes one argument",
            ));
        };
        let found = match value.kind() {
            ValueKind::String => match (value.as_str(), needle.as_str()) {
                (Some(s), Some(n)) => s.find(n).map(|at| s[..at].chars().count()),
                _ => None,
            },
            ValueKind::Seq => value
                .try_iter()
                .ok()
                .and_then(|mut items| items.position(|item| &item == needle)),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        };
        return found.map(Value::from).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("{needle} is not in {value}"),
            )
        });
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

/// lm-eval's `regex_replace(string, pattern, repl, count=0)`: Python's `re.sub`, with
/// `\1`/`\g<name>` group references.
fn regex_replace(
    text: String,
    pattern: String,
    repl: String,
    count: Option<usize>,
) -> Result<String, Error> {
    let regex = regex::Regex::new(&pattern)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("regex_replace: {e}")))?;
    let replacement = python_replacement(&repl);
    Ok(regex
        .replacen(&text, count.unwrap_or(0), replacement.as_str())
        .into_owned())
}

/// A Python `re.sub` replacement string in the `regex` crate's syntax.
fn python_replacement(repl: &str) -> String {
    let mut out = String::new();
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut group = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        group.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{group}}}"));
                }
                Some('g') => {
                    chars.next();
                    let name: String = chars.by_ref().skip(1).take_while(|&c| c != '>').collect();
                    out.push_str(&format!("${{{name}}}"));
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('t') => {
                    chars.next();
                    out.push('\t');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn python_methods_filters_and_printing_match_jinja2() {
        let t = Templates::new();
        let doc = json!({"q": "  Wer? ", "items": ["a", "b"], "n": 2, "flag": true, "none": null});
        let render = |s: &str| t.render(s, &doc).unwrap();
        assert_eq!(render("{{q.strip()}}|"), "Wer?|");
        assert_eq!(render("{{ ', '.join(items) }}"), "a, b");
        assert_eq!(
            render("{{ items.index('b') }} {{ 'abc'.index('c') }}"),
            "1 2"
        );
        assert_eq!(render("{{ 'a b  c'.split() }}"), "['a', 'b', 'c']");
        assert_eq!(render("{{ flag }} {{ none }} {{ n }}"), "True None 2");
        assert_eq!(render("{{ q | regex_replace('\\\\s+', '_') }}"), "_Wer?_");
        assert_eq!(
            render("{{ 'x1y22' | regex_replace('(\\\\d+)', '<\\\\1>') }}"),
            "x<1>y<22>"
        );
        assert_eq!(render("line\n"), "line\n");
        assert!(t.render("{{ missing }}", &doc).is_err());
        let list = t
            .eval_expression("{{ [items[0] + '!', \"x\"] }}", &doc)
            .unwrap()
            .unwrap();
        assert_eq!(list, json!(["a!", "x"]));
        assert!(t.eval_expression("A {{ q }}", &doc).is_none());
    }

    #[test]
    fn strings_repr_as_python_does() {
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("a\"b'c"), "'a\"b\\'c'");
        assert_eq!(repr_str("x\ny\\"), "'x\\ny\\\\'");
    }
}
