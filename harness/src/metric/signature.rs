//! Reproducibility signatures such as `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0`.

use std::fmt;

/// An ordered list of `key:value` fields, printed joined by `|` as sacrebleu prints them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signature {
    fields: Vec<(String, String)>,
}

impl Signature {
    /// An empty signature.
    pub fn new() -> Self {
        Self::default()
    }

    /// The signature with `key:value` appended.
    pub fn with(mut self, key: impl Into<String>, value: impl fmt::Display) -> Self {
        self.fields.push((key.into(), value.to_string()));
        self
    }

    /// Inserts `key:value` right after the field named `after`, or at the front when there is no
    /// such field.
    pub fn insert_after(&mut self, after: &str, key: impl Into<String>, value: impl fmt::Display) {
        let index = self
            .fields
            .iter()
            .position(|(k, _)| k == after)
            .map_or(0, |i| i + 1);
        self.fields.insert(index, (key.into(), value.to_string()));
    }

    /// The fields in order.
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The value of the field named `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (key, value)) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str("|")?;
            }
            write!(f, "{key}:{value}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_fields_in_order_joined_by_bars() {
        let mut sig = Signature::new()
            .with("nrefs", 1)
            .with("case", "mixed")
            .with("version", "2.6.0");
        sig.insert_after("nrefs", "bs", 1000);
        sig.insert_after("bs", "seed", 12345);
        assert_eq!(
            sig.to_string(),
            "nrefs:1|bs:1000|seed:12345|case:mixed|version:2.6.0"
        );
        assert_eq!(sig.get("seed"), Some("12345"));
        assert_eq!(sig.get("tok"), None);
    }

    #[test]
    fn inserts_at_the_front_without_the_anchor() {
        let mut sig = Signature::new().with("version", "2.6.0");
        sig.insert_after("nrefs", "bs", 10);
        assert_eq!(sig.to_string(), "bs:10|version:2.6.0");
        assert_eq!(Signature::new().to_string(), "");
    }
}
