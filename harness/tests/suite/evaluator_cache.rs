//! The response cache: exact round trips, model separation, torn and corrupt tails.

use std::fs::OpenOptions;
use std::io::Write;

use harness::evaluator::{CACHE_FILE, CacheSnapshot, EvalError, HEADER, RequestKey, ResponseCache};
use harness::request::{
    HiddenStates, LoglikelihoodRequest, LoglikelihoodResponse, Request, Response, TokenizeRequest,
    TokenizeResponse,
};

fn request(i: usize) -> Request {
    Request::Loglikelihood(LoglikelihoodRequest {
        context: format!("context {i}"),
        continuation: " answer".to_string(),
    })
}

fn response(i: usize) -> Response {
    Response::Loglikelihood(LoglikelihoodResponse {
        logprob: -(i as f64 + 0.1).sqrt() / 3.0,
        is_greedy: i.is_multiple_of(2),
        num_tokens: i,
        num_bytes: 7,
    })
}

fn key(i: usize) -> RequestKey {
    RequestKey::of(&request(i)).unwrap()
}

/// A cache in `dir` holding records 0..n, one append (one frame) each.
fn filled(dir: &std::path::Path, n: usize) {
    let (mut cache, recovery) = ResponseCache::open(dir, "model-a").unwrap();
    assert_eq!(recovery, None);
    for i in 0..n {
        cache.append(vec![(key(i), response(i))]).unwrap();
    }
}

#[test]
fn keys_are_sha256_of_canonical_json() {
    assert_eq!(key(1), key(1));
    assert_ne!(key(1), key(2));
    let tokenize = Request::Tokenize(TokenizeRequest {
        text: "x".to_string(),
    });
    // sha256 of {"kind":"tokenize","text":"x"}
    let expected = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(br#"{"kind":"tokenize","text":"x"}"#))
    };
    assert_eq!(RequestKey::of(&tokenize).unwrap().to_hex(), expected);
}

#[test]
fn responses_round_trip_bit_exactly_including_infinities_and_f32_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let awkward = vec![
        (
            key(0),
            Response::Loglikelihood(LoglikelihoodResponse {
                logprob: f64::NEG_INFINITY,
                is_greedy: false,
                num_tokens: 3,
                num_bytes: 9,
            }),
        ),
        (
            key(1),
            Response::Loglikelihood(LoglikelihoodResponse {
                logprob: 0.1 + 0.2,
                is_greedy: true,
                num_tokens: 1,
                num_bytes: 1,
            }),
        ),
        (
            key(2),
            Response::HiddenStates(HiddenStates {
                layers: vec![
                    vec![1.0e-40_f32, -0.0, 3.402_823_5e38, 0.1],
                    vec![f32::MIN_POSITIVE],
                ],
            }),
        ),
        (
            key(3),
            Response::Tokenize(TokenizeResponse {
                token_ids: vec![0, u32::MAX, 17],
            }),
        ),
    ];
    {
        let (mut cache, _) = ResponseCache::open(dir.path(), "model-a").unwrap();
        cache.append(awkward.clone()).unwrap();
        assert_eq!(cache.len(), 4);
    }
    let (cache, recovery) = ResponseCache::open(dir.path(), "model-a").unwrap();
    assert_eq!(recovery, None);
    for (k, expected) in &awkward {
        let got = cache.get(k).unwrap();
        assert_eq!(format!("{got:?}"), format!("{expected:?}"));
        if let (Response::Loglikelihood(a), Response::Loglikelihood(b)) = (got, expected) {
            assert_eq!(a.logprob.to_bits(), b.logprob.to_bits());
        }
        if let (Response::HiddenStates(a), Response::HiddenStates(b)) = (got, expected) {
            let bits = |h: &HiddenStates| -> Vec<u32> {
                h.layers.iter().flatten().map(|x| x.to_bits()).collect()
            };
            assert_eq!(bits(a), bits(b));
        }
    }
}

#[test]
fn records_of_another_model_are_kept_but_not_served() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), 3);
    let (mut other, _) = ResponseCache::open(dir.path(), "model-b").unwrap();
    assert!(other.is_empty());
    assert_eq!(other.get(&key(0)), None);
    other.append(vec![(key(0), response(99))]).unwrap();
    let a = CacheSnapshot::read(&dir.path().join(CACHE_FILE), "model-a").unwrap();
    assert_eq!(a.entries.len(), 3);
    assert_eq!(a.other_models, 1);
    assert_eq!(a.entries[&key(0)], response(0));
    let b = CacheSnapshot::read(&dir.path().join(CACHE_FILE), "model-b").unwrap();
    assert_eq!(b.entries[&key(0)], response(99));
    assert_eq!(b.other_models, 3);
}

#[test]
fn appending_a_cached_key_again_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), 2);
    let path = dir.path().join(CACHE_FILE);
    let before = std::fs::metadata(&path).unwrap().len();
    let (mut cache, _) = ResponseCache::open(dir.path(), "model-a").unwrap();
    cache.append(vec![(key(1), response(5))]).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), before);
    assert_eq!(cache.get(&key(1)), Some(&response(1)));
}

#[test]
fn every_torn_tail_is_cut_back_to_the_last_whole_record() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), 3);
    let path = dir.path().join(CACHE_FILE);
    let full = std::fs::read(&path).unwrap();
    let three = CacheSnapshot::read(&path, "model-a").unwrap();
    assert_eq!(
        (three.entries.len(), three.intact_len),
        (3, full.len() as u64)
    );
    // Where the third record starts: the length of a cache of two records.
    let boundary = {
        let scratch = tempfile::tempdir().unwrap();
        filled(scratch.path(), 2);
        std::fs::metadata(scratch.path().join(CACHE_FILE))
            .unwrap()
            .len() as usize
    };
    // Cut exactly at a record's end, the file reads whole, with nothing torn.
    for (cut, records) in [(boundary, 2), (full.len(), 3)] {
        std::fs::write(&path, &full[..cut]).unwrap();
        let snapshot = CacheSnapshot::read(&path, "model-a").unwrap();
        assert_eq!(snapshot.recovery, None, "cut at {cut}");
        assert_eq!(snapshot.intact_len, cut as u64);
        assert_eq!(snapshot.entries.len(), records);
    }
    for cut in boundary + 1..full.len() {
        std::fs::write(&path, &full[..cut]).unwrap();
        // Reading gives exactly the earlier records, values included, and the torn tail.
        let snapshot = CacheSnapshot::read(&path, "model-a").unwrap();
        assert_eq!(snapshot.intact_len, boundary as u64, "cut at {cut}");
        let mut held: Vec<(String, String)> = snapshot
            .entries
            .iter()
            .map(|(k, v)| (k.to_hex(), format!("{v:?}")))
            .collect();
        held.sort();
        let mut earlier: Vec<(String, String)> = (0..2)
            .map(|i| (key(i).to_hex(), format!("{:?}", response(i))))
            .collect();
        earlier.sort();
        assert_eq!(held, earlier, "cut at {cut}");
        assert!(snapshot.recovery.is_some(), "cut at {cut}");
        let (cache, recovery) = ResponseCache::open(dir.path(), "model-a").unwrap();
        let recovery = recovery.expect("a torn tail is reported");
        assert_eq!(recovery.intact_records, 2, "cut at {cut}");
        assert_eq!(
            recovery.dropped_bytes,
            (cut - boundary) as u64,
            "cut at {cut}"
        );
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&key(2)), None);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), boundary as u64);
        let message = recovery.to_string();
        assert!(
            message.contains(CACHE_FILE) && message.contains("2 intact record"),
            "{message}"
        );
    }
}

#[test]
fn a_recovered_cache_accepts_appends_and_reopens_clean() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), 2);
    let path = dir.path().join(CACHE_FILE);
    OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(&[7, 0, 0, 0, 1, 2, 3])
        .unwrap();
    let (mut cache, recovery) = ResponseCache::open(dir.path(), "model-a").unwrap();
    assert_eq!(recovery.unwrap().reason, "incomplete record header");
    cache.append(vec![(key(2), response(2))]).unwrap();
    drop(cache);
    let (cache, recovery) = ResponseCache::open(dir.path(), "model-a").unwrap();
    assert_eq!(recovery, None);
    assert_eq!(cache.len(), 3);
    assert_eq!(cache.get(&key(2)), Some(&response(2)));
}

#[test]
fn a_flipped_byte_in_the_last_record_fails_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), 3);
    let path = dir.path().join(CACHE_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let (cache, recovery) = ResponseCache::open(dir.path(), "model-a").unwrap();
    let recovery = recovery.unwrap();
    assert_eq!(recovery.reason, "checksum mismatch");
    assert_eq!(recovery.intact_records, 2);
    assert_eq!(cache.len(), 2);
}

#[test]
fn a_length_past_the_end_is_a_torn_record() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), 1);
    let path = dir.path().join(CACHE_FILE);
    let mut frame = u32::MAX.to_le_bytes().to_vec();
    frame.extend([0u8; 32]);
    frame.extend(b"short");
    OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(&frame)
        .unwrap();
    let (_, recovery) = ResponseCache::open(dir.path(), "model-a").unwrap();
    let recovery = recovery.unwrap();
    assert_eq!(recovery.reason, "record runs past the end of the file");
    assert_eq!(recovery.dropped_bytes, frame.len() as u64);
}

#[test]
fn a_torn_header_is_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CACHE_FILE);
    std::fs::write(&path, &HEADER[..10]).unwrap();
    let (mut cache, recovery) = ResponseCache::open(dir.path(), "model-a").unwrap();
    assert_eq!(recovery.unwrap().reason, "torn header");
    cache.append(vec![(key(0), response(0))]).unwrap();
    drop(cache);
    assert!(std::fs::read(&path).unwrap().starts_with(HEADER));
    let (cache, recovery) = ResponseCache::open(dir.path(), "model-a").unwrap();
    assert_eq!((cache.len(), recovery), (1, None));
}

#[test]
fn a_file_that_is_not_a_cache_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CACHE_FILE);
    std::fs::write(&path, "precious notes\n").unwrap();
    let err = ResponseCache::open(dir.path(), "model-a").unwrap_err();
    assert!(matches!(err, EvalError::CacheHeader { .. }));
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious notes\n");
}

#[test]
fn reading_a_snapshot_never_changes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), 2);
    let path = dir.path().join(CACHE_FILE);
    OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"junk")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let snapshot = CacheSnapshot::read(&path, "model-a").unwrap();
    assert_eq!(snapshot.entries.len(), 2);
    assert_eq!(snapshot.recovery.unwrap().dropped_bytes, 4);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let absent = CacheSnapshot::read(&dir.path().join("none"), "model-a").unwrap();
    assert!(absent.entries.is_empty() && absent.recovery.is_none());
}
