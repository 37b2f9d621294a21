//! Reading UTF-8 text files and splitting them into lines and tab-separated columns.

use std::path::Path;

use super::DataError;

/// Decodes `bytes` read from `path` as UTF-8; the error names the line of the first bad byte.
pub(crate) fn decode(bytes: Vec<u8>, path: &Path) -> Result<String, DataError> {
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let line = err.as_bytes()[..valid]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        DataError::InvalidUtf8 {
            path: path.to_path_buf(),
            line,
        }
    })
}

/// The lines of `text` with their 1-based line numbers. A final newline does not start another
/// line, and a `\r` before a newline is dropped.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_terminator('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .enumerate()
        .map(|(i, line)| (i + 1, line))
}

/// Splits a TSV `line` into exactly `N` columns named `names`.
pub(crate) fn columns<'a, const N: usize>(
    line: &'a str,
    names: &[&str; N],
    path: &Path,
    number: usize,
) -> Result<[&'a str; N], DataError> {
    let parts: Vec<&str> = line.split('\t').collect();
    parts
        .try_into()
        .map_err(|parts: Vec<&str>| DataError::Malformed {
            path: path.to_path_buf(),
            line: number,
            message: format!(
                "expected {N} tab-separated columns ({}), found {}",
                names.join(", "),
                parts.len()
            ),
        })
}

/// Checks that the first line of a TSV file is the header `names` and returns the other lines.
pub(crate) fn tsv_rows<'a, const N: usize>(
    text: &'a str,
    names: &[&str; N],
    path: &Path,
) -> Result<impl Iterator<Item = (usize, &'a str)>, DataError> {
    let mut all = lines(text);
    let header_ok = all
        .next()
        .is_some_and(|(_, header)| header.split('\t').eq(names.iter().copied()));
    if !header_ok {
        return Err(DataError::Malformed {
            path: path.to_path_buf(),
            line: 1,
            message: format!("expected the header `{}`", names.join("\\t")),
        });
    }
    Ok(all)
}

/// A [`DataError::Malformed`] for `path`, line `line`.
pub(crate) fn malformed(path: &Path, line: usize, message: impl Into<String>) -> DataError {
    DataError::Malformed {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}
