//! A bounds-checked little-endian reader over the bytes of a GGUF file. Every read names
//! what it was reading, so a truncated file reports where it ends.

use std::path::Path;

use crate::error::LoadError;

/// Reads consecutive little-endian values from `bytes`.
pub(super) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`, the contents of the file at `path`.
    pub(super) fn new(bytes: &'a [u8], path: &'a Path) -> Self {
        Self {
            bytes,
            pos: 0,
            path,
        }
    }

    /// The file being read.
    pub(super) fn path(&self) -> &'a Path {
        self.path
    }

    /// Offset of the next byte to read.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left after the cursor.
    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// A format error about this file.
    pub(super) fn error(&self, message: String) -> LoadError {
        LoadError::Format {
            path: self.path.to_path_buf(),
            message,
        }
    }

    /// The next `n` bytes.
    pub(super) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], LoadError> {
        if n > self.remaining() {
            return Err(self.error(format!(
                "the file ends at byte {} while reading {what} ({n} bytes at byte {}); it is \
                 truncated or damaged: download it again",
                self.bytes.len(),
                self.pos
            )));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    /// The next `N` bytes as an array.
    pub(super) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], LoadError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// A little-endian u32.
    pub(super) fn u32(&mut self, what: &str) -> Result<u32, LoadError> {
        self.array(what).map(u32::from_le_bytes)
    }

    /// A little-endian u64.
    pub(super) fn u64(&mut self, what: &str) -> Result<u64, LoadError> {
        self.array(what).map(u64::from_le_bytes)
    }

    /// A count of items that each occupy at least `min_item_bytes` bytes, rejected when the
    /// rest of the file cannot hold that many.
    pub(super) fn count(&mut self, min_item_bytes: usize, what: &str) -> Result<usize, LoadError> {
        let at = self.pos;
        let count = self.u64(what)?;
        let fits = usize::try_from(count)
            .ok()
            .filter(|&n| n.saturating_mul(min_item_bytes) <= self.remaining());
        fits.ok_or_else(|| {
            self.error(format!(
                "{what}: a count of {count} (at byte {at}) does not fit in the {} bytes left in \
                 the file; the file is truncated or damaged: download it again",
                self.remaining()
            ))
        })
    }

    /// A GGUF string: u64 length, then UTF-8 bytes (invalid sequences are replaced).
    pub(super) fn string_lossy(&mut self, what: &str) -> Result<String, LoadError> {
        let len = self.count(1, what)?;
        Ok(String::from_utf8_lossy(self.take(len, what)?).into_owned())
    }

    /// A GGUF string that must be valid UTF-8 (keys and tensor names).
    pub(super) fn string_strict(&mut self, what: &str) -> Result<String, LoadError> {
        let at = self.pos;
        let len = self.count(1, what)?;
        let bytes = self.take(len, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            self.error(format!(
                "{what} at byte {at} is not valid UTF-8; the file is damaged: download it again"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_reports_truncation() {
        let path = Path::new("m.gguf");
        let bytes = [1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9];
        let mut c = Cursor::new(&bytes, path);
        assert_eq!(c.u32("a").unwrap(), 1);
        assert_eq!(c.u64("b").unwrap(), 2);
        assert_eq!(c.remaining(), 1);
        let err = c.u32("the tensor count").unwrap_err().to_string();
        assert!(
            err.starts_with("m.gguf: the file ends at byte 13 while reading the tensor count"),
            "{err}"
        );
    }

    #[test]
    fn counts_larger_than_the_file_are_rejected_before_allocating() {
        let path = Path::new("m.gguf");
        let mut bytes = u64::MAX.to_le_bytes().to_vec();
        bytes.extend([0; 4]);
        let err = Cursor::new(&bytes, path)
            .count(1, "string length")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("string length: a count of 18446744073709551615 (at byte 0) does not fit"),
            "{err}"
        );
        let mut ok = 3u64.to_le_bytes().to_vec();
        ok.extend(b"abc");
        assert_eq!(Cursor::new(&ok, path).string_strict("s").unwrap(), "abc");
    }
}
