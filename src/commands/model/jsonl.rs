//! JSONL input (`{"text": …}` per line) and output for the `babelbench model` commands.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, bail};
use harness::request::LoglikelihoodRequest;
use serde_json::Value;

/// The `text` of every non-blank line of the JSONL file at `path`.
pub fn read_texts(path: &Path) -> anyhow::Result<Vec<String>> {
    read_lines(path, &["text"], |mut fields| fields.remove(0))
}

/// The `context` and `continuation` of every non-blank line of the JSONL file at `path`.
pub fn read_pairs(path: &Path) -> anyhow::Result<Vec<LoglikelihoodRequest>> {
    read_lines(path, &["context", "continuation"], |mut fields| {
        let continuation = fields.remove(1);
        LoglikelihoodRequest {
            context: fields.remove(0),
            continuation,
        }
    })
}

/// Parses each non-blank line of `path` as a JSON object with the string fields `names`,
/// and builds an item from their values (in the order of `names`).
fn read_lines<T>(
    path: &Path,
    names: &[&str],
    build: impl Fn(Vec<String>) -> T,
) -> anyhow::Result<Vec<T>> {
    let file = File::open(path).with_context(|| {
        format!(
            "cannot open input {}; pass an existing JSONL file",
            path.display()
        )
    })?;
    let wanted = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(" and ");
    let mut items = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let number = index + 1;
        let line =
            line.with_context(|| format!("{}:{number}: cannot read line", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(&line)
            .with_context(|| format!("{}:{number}: not valid JSON", path.display()))?;
        let fields = names
            .iter()
            .map(|name| match value.get(name) {
                Some(Value::String(text)) => Ok(text.clone()),
                _ => Err(anyhow::anyhow!(
                    "{}:{number}: expected a JSON object with string fields {wanted}",
                    path.display()
                )),
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        items.push(build(fields));
    }
    if items.is_empty() {
        bail!(
            "{} has no input lines; write one JSON object with {wanted} per line",
            path.display()
        );
    }
    Ok(items)
}

/// Where results go: a file, or standard output.
pub struct Output {
    writer: Box<dyn Write>,
}

impl Output {
    /// Writes to `path` (created or truncated), or to standard output when `None`.
    pub fn open(path: Option<&Path>) -> anyhow::Result<Self> {
        let writer: Box<dyn Write> = match path {
            Some(path) => {
                Box::new(BufWriter::new(File::create(path).with_context(|| {
                    format!("cannot create output {}", path.display())
                })?))
            }
            None => Box::new(BufWriter::new(std::io::stdout())),
        };
        Ok(Self { writer })
    }

    /// Writes `value` as one line.
    pub fn line(&mut self, value: &serde_json::Value) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.writer, value).context("cannot write a result")?;
        self.writer
            .write_all(b"\n")
            .context("cannot write a result")?;
        Ok(())
    }

    /// Flushes buffered lines.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.writer.flush().context("cannot write the results")
    }
}
