//! Python's `ast.literal_eval` for what task templates print: strings (single, double or
//! triple quoted, with escapes, adjacent literals joined), integers, floats, `True`, `False`,
//! `None`, and lists, tuples and dicts of them. lm-evaluation-harness reads a rendered
//! `doc_to_choice` (and a `doc_to_target` that looks like a list) this way.

use serde_json::{Map, Value};

/// The value of the Python literal `text`, or what is wrong with it.
pub(crate) fn literal_eval(text: &str) -> Result<Value, String> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
    };
    let value = parser.value()?;
    parser.space();
    if parser.at < parser.chars.len() {
        return Err(format!(
            "unexpected text after the literal at character {}",
            parser.at
        ));
    }
    Ok(value)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.space();
        match self.peek() {
            Some('[') => self.sequence(']'),
            Some('(') => self.sequence(')'),
            Some('{') => self.dict(),
            Some('\'' | '"') => self.strings(),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => self.number(),
            Some(c) if c.is_alphabetic() => {
                let start = self.at;
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    self.at += 1;
                }
                let word: String = self.chars[start..self.at].iter().collect();
                match word.as_str() {
                    "True" => Ok(Value::Bool(true)),
                    "False" => Ok(Value::Bool(false)),
                    "None" => Ok(Value::Null),
                    "u" | "U" if matches!(self.peek(), Some('\'' | '"')) => self.strings(),
                    _ => Err(format!(
                        "`{word}` is not a literal (a name or call needs Python)"
                    )),
                }
            }
            Some(c) => Err(format!("unexpected `{c}` at character {}", self.at)),
            None => Err("empty literal".into()),
        }
    }

    fn sequence(&mut self, close: char) -> Result<Value, String> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.space();
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok(Value::Array(items));
            }
            items.push(self.value()?);
            self.space();
            match self.peek() {
                Some(',') => self.at += 1,
                Some(c) if c == close => {}
                _ => {
                    return Err(format!(
                        "expected `,` or `{close}` at character {}",
                        self.at
                    ));
                }
            }
        }
    }

    fn dict(&mut self) -> Result<Value, String> {
        self.at += 1;
        let mut map = Map::new();
        loop {
            self.space();
            if self.peek() == Some('}') {
                self.at += 1;
                return Ok(Value::Object(map));
            }
            let key = match self.value()? {
                Value::String(s) => s,
                other => other.to_string(),
            };
            self.space();
            if self.peek() != Some(':') {
                return Err(format!("expected `:` at character {}", self.at));
            }
            self.at += 1;
            let value = self.value()?;
            map.insert(key, value);
            self.space();
            match self.peek() {
                Some(',') => self.at += 1,
                Some('}') => {}
                _ => return Err(format!("expected `,` or `}}` at character {}", self.at)),
            }
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'))
        {
            self.at += 1;
        }
        let text: String = self.chars[start..self.at]
            .iter()
            .filter(|&&c| c != '_')
            .collect();
        if let Ok(int) = text.parse::<i64>() {
            return Ok(Value::from(int));
        }
        text.parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
            .ok_or_else(|| format!("`{text}` is not a number"))
    }

    /// One or more adjacent string literals, joined.
    fn strings(&mut self) -> Result<Value, String> {
        let mut out = String::new();
        loop {
            self.space();
            if matches!(self.peek(), Some('u' | 'U'))
                && matches!(self.chars.get(self.at + 1), Some('\'' | '"'))
            {
                self.at += 1;
            }
            match self.peek() {
                Some(q @ ('\'' | '"')) => out.push_str(&self.string(q)?),
                _ => return Ok(Value::String(out)),
            }
        }
    }

    fn string(&mut self, quote: char) -> Result<String, String> {
        let triple = self.chars.get(self.at..self.at + 3) == Some(&[quote; 3][..]);
        self.at += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err("unterminated string".into());
            };
            self.at += 1;
            match c {
                c if c == quote && !triple => return Ok(out),
                c if c == quote
                    && self.chars.get(self.at..self.at + 2) == Some(&[quote; 2][..]) =>
                {
                    self.at += 2;
                    return Ok(out);
                }
                '\\' => self.escape(&mut out)?,
                '\n' if !triple => return Err("newline inside a string".into()),
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), String> {
        let Some(c) = self.peek() else {
            return Err("unterminated escape".into());
        };
        self.at += 1;
        let mut hex = |digits: usize| -> Result<char, String> {
            let text: String = self
                .chars
                .get(self.at..self.at + digits)
                .unwrap_or(&[])
                .iter()
                .collect();
            self.at += digits;
            u32::from_str_radix(&text, 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("invalid escape `{text}`"))
        };
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'x' => out.push(hex(2)?),
            'u' => out.push(hex(4)?),
            'U' => out.push(hex(8)?),
            '\n' => {}
            '\\' | '\'' | '"' => out.push(c),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_what_python_prints() {
        assert_eq!(
            literal_eval("['a', \"it's\", 'x\\ny']").unwrap(),
            json!(["a", "it's", "x\ny"])
        );
        assert_eq!(
            literal_eval("(1, -2.5, True, None)").unwrap(),
            json!([1, -2.5, true, null])
        );
        assert_eq!(literal_eval("{'a': [1]}").unwrap(), json!({"a": [1]}));
        assert_eq!(literal_eval("'ab' 'cd'").unwrap(), json!("abcd"));
        assert_eq!(literal_eval("'\\u00e9\\x41'").unwrap(), json!("éA"));
        assert!(literal_eval("[a]").unwrap_err().contains("not a literal"));
        assert!(literal_eval("['a'").is_err());
        assert!(literal_eval("[1] x").is_err());
    }
}
