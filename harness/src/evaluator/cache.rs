//! The persistent response cache of a run folder: an append-only log of checksummed records.
//!
//! Layout of `responses.cache`: the line [`HEADER`], then one frame per record:
//! a little-endian `u32` payload length, the 32-byte sha256 of the payload, and the payload, a
//! CBOR map `{model, request, response}` (the model fingerprint, the hex [`RequestKey`], and the
//! [`Response`]). CBOR keeps every float bit-exact, infinities included, and stores hidden-state
//! vectors at four bytes a number.
//!
//! Records are appended and synced after every batch, so a `kill -9` loses at most the batch in
//! flight. Opening the cache checks every frame; a torn or corrupt tail is cut off and reported
//! as a [`CacheRecovery`], and the requests it held are computed again. Only records of the
//! run's model fingerprint are served.

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::EvalError;
use crate::request::{Request, Response};

/// File name of the response cache in a run folder.
pub const CACHE_FILE: &str = "responses.cache";

/// The first line of every cache file; the version changes with the frame or record layout.
pub const HEADER: &[u8] = b"babelbench response cache v1\n";

/// Bytes before each payload: length and sha256.
const FRAME_HEAD: usize = 4 + 32;

/// The sha256 of a request's canonical JSON (serde's field order, no whitespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestKey([u8; 32]);

impl RequestKey {
    /// The key of `request`.
    pub fn of(request: &Request) -> Result<RequestKey, EvalError> {
        let json = serde_json::to_vec(request).map_err(|e| EvalError::RequestEncode {
            message: e.to_string(),
        })?;
        Ok(RequestKey(Sha256::digest(&json).into()))
    }

    /// The key as 64 lowercase hex digits.
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    fn from_hex(text: &str) -> Option<RequestKey> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(RequestKey(bytes))
    }
}

/// A record as written.
#[derive(Serialize)]
struct RecordRef<'a> {
    model: &'a str,
    request: &'a str,
    response: &'a Response,
}

/// A record as read.
#[derive(Deserialize)]
struct Record {
    model: String,
    request: String,
    response: Response,
}

/// A torn or corrupt tail that was found at the end of a cache file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheRecovery {
    /// The cache file.
    pub path: PathBuf,
    /// Records before the tail, all intact.
    pub intact_records: usize,
    /// Bytes of the tail.
    pub dropped_bytes: u64,
    /// What was wrong with the first bad frame.
    pub reason: String,
}

impl fmt::Display for CacheRecovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: dropped {} byte(s) of a torn or corrupt tail ({}) after {} intact record(s); \
             the requests it held are computed again",
            self.path.display(),
            self.dropped_bytes,
            self.reason,
            self.intact_records
        )
    }
}

/// What a cache file holds for one model fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheSnapshot {
    /// Responses of the fingerprint's model, by request key (the first record of a key wins).
    pub entries: HashMap<RequestKey, Response>,
    /// Intact records of other models, ignored.
    pub other_models: usize,
    /// The tail that is not intact, if any.
    pub recovery: Option<CacheRecovery>,
    /// Bytes of the file up to the end of the last intact record (0 when the header is torn).
    pub intact_len: u64,
}

impl CacheSnapshot {
    /// Reads the cache file `path` without changing it; an absent file reads as empty.
    pub fn read(path: &Path, fingerprint: &str) -> Result<CacheSnapshot, EvalError> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(CacheSnapshot {
                    entries: HashMap::new(),
                    other_models: 0,
                    recovery: None,
                    intact_len: 0,
                });
            }
            Err(e) => return Err(EvalError::io(path, e)),
        };
        let len = file.metadata().map_err(|e| EvalError::io(path, e))?.len();
        scan(path, BufReader::new(file), len, fingerprint)
    }
}

/// Reads until `buf` is full or the input ends; the number of bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Checks the header and every frame of a cache file of `len` bytes.
fn scan(
    path: &Path,
    mut reader: impl Read,
    len: u64,
    fingerprint: &str,
) -> Result<CacheSnapshot, EvalError> {
    let io = |e| EvalError::io(path, e);
    let mut snapshot = CacheSnapshot {
        entries: HashMap::new(),
        other_models: 0,
        recovery: None,
        intact_len: 0,
    };
    let mut intact_records = 0usize;
    let torn = |snapshot: &mut CacheSnapshot, records: usize, reason: &str| {
        snapshot.recovery = Some(CacheRecovery {
            path: path.to_path_buf(),
            intact_records: records,
            dropped_bytes: len.saturating_sub(snapshot.intact_len),
            reason: reason.to_string(),
        });
    };
    let mut header = vec![0u8; HEADER.len()];
    let got = read_full(&mut reader, &mut header).map_err(io)?;
    if header[..got] != HEADER[..got] {
        return Err(EvalError::CacheHeader {
            path: path.to_path_buf(),
        });
    }
    if got < HEADER.len() {
        if got > 0 {
            torn(&mut snapshot, 0, "torn header");
        }
        return Ok(snapshot);
    }
    snapshot.intact_len = HEADER.len() as u64;
    loop {
        let mut head = [0u8; FRAME_HEAD];
        let got = read_full(&mut reader, &mut head).map_err(io)?;
        if got == 0 {
            return Ok(snapshot);
        }
        if got < FRAME_HEAD {
            torn(&mut snapshot, intact_records, "incomplete record header");
            return Ok(snapshot);
        }
        let mut length = [0u8; 4];
        length.copy_from_slice(&head[..4]);
        let length = u64::from(u32::from_le_bytes(length));
        if length > len.saturating_sub(snapshot.intact_len + FRAME_HEAD as u64) {
            torn(
                &mut snapshot,
                intact_records,
                "record runs past the end of the file",
            );
            return Ok(snapshot);
        }
        let mut payload = vec![0u8; length as usize];
        let got = read_full(&mut reader, &mut payload).map_err(io)?;
        if got < payload.len() {
            torn(&mut snapshot, intact_records, "incomplete record");
            return Ok(snapshot);
        }
        if Sha256::digest(&payload)[..] != head[4..] {
            torn(&mut snapshot, intact_records, "checksum mismatch");
            return Ok(snapshot);
        }
        let Ok(record) = ciborium::from_reader::<Record, _>(payload.as_slice()) else {
            torn(&mut snapshot, intact_records, "undecodable record");
            return Ok(snapshot);
        };
        let Some(key) = RequestKey::from_hex(&record.request) else {
            torn(&mut snapshot, intact_records, "invalid request key");
            return Ok(snapshot);
        };
        if record.model == fingerprint {
            snapshot.entries.entry(key).or_insert(record.response);
        } else {
            snapshot.other_models += 1;
        }
        intact_records += 1;
        snapshot.intact_len += FRAME_HEAD as u64 + length;
    }
}

/// An open response cache for one model fingerprint, ready for appending.
#[derive(Debug)]
pub struct ResponseCache {
    path: PathBuf,
    file: File,
    fingerprint: String,
    entries: HashMap<RequestKey, Response>,
}

impl ResponseCache {
    /// Opens (or creates) `dir/responses.cache` for the model `fingerprint`: reads its records,
    /// cuts off a torn or corrupt tail, and returns the cache with the recovery, if any.
    pub fn open(
        dir: &Path,
        fingerprint: &str,
    ) -> Result<(ResponseCache, Option<CacheRecovery>), EvalError> {
        let path = dir.join(CACHE_FILE);
        let snapshot = CacheSnapshot::read(&path, fingerprint)?;
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| EvalError::io(&path, e))?;
        let io = |e| EvalError::io(&path, e);
        if snapshot.recovery.is_some() {
            file.set_len(snapshot.intact_len).map_err(io)?;
        }
        if snapshot.intact_len == 0 {
            file.write_all(HEADER).map_err(io)?;
        }
        file.sync_data().map_err(io)?;
        let cache = ResponseCache {
            path: path.clone(),
            file,
            fingerprint: fingerprint.to_string(),
            entries: snapshot.entries,
        };
        Ok((cache, snapshot.recovery))
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Responses held for the model.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache holds no response for the model.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The cached response to the request with `key`.
    pub fn get(&self, key: &RequestKey) -> Option<&Response> {
        self.entries.get(key)
    }

    /// Appends `answers` in one write and syncs the file; keys already cached are skipped.
    pub fn append(&mut self, answers: Vec<(RequestKey, Response)>) -> Result<(), EvalError> {
        let mut buf = Vec::new();
        let mut fresh = Vec::with_capacity(answers.len());
        for (key, response) in answers {
            if self.entries.contains_key(&key) {
                continue;
            }
            let hex = key.to_hex();
            let record = RecordRef {
                model: &self.fingerprint,
                request: &hex,
                response: &response,
            };
            let mut payload = Vec::new();
            ciborium::into_writer(&record, &mut payload).map_err(|e| EvalError::CacheEncode {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
            let length = u32::try_from(payload.len()).map_err(|_| EvalError::CacheEncode {
                path: self.path.clone(),
                message: format!(
                    "a response of {} bytes exceeds the 4 GiB record limit",
                    payload.len()
                ),
            })?;
            buf.extend_from_slice(&length.to_le_bytes());
            buf.extend_from_slice(&Sha256::digest(&payload));
            buf.extend_from_slice(&payload);
            fresh.push((key, response));
        }
        if fresh.is_empty() {
            return Ok(());
        }
        let io = |e| EvalError::io(&self.path, e);
        self.file.write_all(&buf).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.entries.extend(fresh);
        Ok(())
    }

    /// The cached responses, by request key.
    pub fn into_entries(self) -> HashMap<RequestKey, Response> {
        self.entries
    }
}
