//! Data parsers: the dataset registry, row files and the response cache's record log.

use std::collections::HashMap;
use std::path::Path;

use harness::data::{CsvOptions, Registry, RowFormat, read_rows_with};
use harness::evaluator::{CACHE_FILE, CacheSnapshot, HEADER, RequestKey, ResponseCache};
use harness::request::{
    GenerateResponse, HiddenStates, LoglikelihoodResponse, Request, Response, RollingResponse,
    TokenizeRequest, TokenizeResponse,
};
use polars::prelude::{DataFrame, NamedFrom, ParquetWriter, Series};

use super::{outcome, scratch, write};
use crate::seeds::{Seed, binary_seeds, ends_with, files_under, text_head, text_seeds};
use crate::{Target, repo_dir, shared_dir};

/// `datasets.toml`: TOML, then the registry's checks, then the languages found on disk.
pub(crate) const DATASETS_TOML: Target = Target {
    name: "datasets_toml",
    about: "harness::data::Registry::parse, then dataset/file/languages of every dataset",
    run: run_datasets_toml,
    seeds: datasets_toml_seeds,
    dictionary: &[
        b"[x]\n",
        b"[[x.files]]\n",
        b"name = ",
        b"pattern = ",
        b"format = ",
        b"records = ",
        b"{lang}",
        b"\"lines\"",
        b"\"sib-tsv\"",
        b"\"belebele-jsonl\"",
        b"\"flores-metadata\"",
        b"\"line-text-tsv\"",
        b"\"labels\"",
        b"[x.source]\n",
        b"kind = \"archive\"\n",
        b"kind = \"derived\"\n",
        b"from = ",
        b"sha256 = ",
        b"strip = ",
        b"into = ",
        b"line = ",
        b"\"../\"",
        b"\"/abs\"",
        b"18446744073709551616",
        b"-1",
        b"'''",
        b"\"\"\"",
        b"{ }",
        b"inf",
        b"nan",
    ],
};

fn run_datasets_toml(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let registry = Registry::parse(&text, Path::new("datasets.toml"));
    if let Ok(registry) = &registry {
        let root = scratch("datasets_toml");
        let names: Vec<String> = registry.datasets().map(|d| d.name.clone()).collect();
        for name in names {
            if let Ok(spec) = registry.dataset(&name) {
                for file in &spec.files {
                    let _ = spec.file(&file.name);
                }
            }
            let _ = registry.languages(&name, &root);
        }
    }
    outcome(&registry)
}

fn datasets_toml_seeds() -> Vec<Seed> {
    let mut paths = vec![repo_dir().join("datasets.toml")];
    paths.extend(files_under(&repo_dir().join("harness/tests"), &|p| {
        ends_with(p, ".toml")
    }));
    let mut seeds = text_seeds(&paths, 8);
    // The whole repository registry too, not only its head.
    if let Ok(full) = std::fs::read(repo_dir().join("datasets.toml")) {
        seeds.push(Seed::new("datasets.toml (whole)", full));
    }
    seeds
}

/// Reads `bytes` as a row file named `name` in `format`, with both CSV quoting modes.
fn rows(target: &str, name: &str, format: RowFormat, bytes: &[u8]) -> String {
    let path = write(&scratch(target), name, bytes);
    let quoted = read_rows_with(&path, format, CsvOptions::default());
    if matches!(format, RowFormat::Csv | RowFormat::Tsv) {
        let _ = read_rows_with(
            &path,
            format,
            CsvOptions {
                delimiter: Some(b';'),
                quoted: false,
            },
        );
    }
    outcome(&quoted)
}

/// JSON Lines and JSON array row files.
pub(crate) const ROWS_JSON: Target = Target {
    name: "rows_json",
    about: "harness::data::read_rows_with on a .jsonl file (JSON Lines or one JSON array)",
    run: |bytes| rows("rows_json", "rows.jsonl", RowFormat::Json, bytes),
    seeds: json_seeds,
    dictionary: &[
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b":",
        b",",
        b"null",
        b"true",
        b"1e999",
        b"-0",
        b"\\u0000",
        b"\\ud800",
        b"\n",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
    ],
};

fn json_seeds() -> Vec<Seed> {
    let found = files_under(&shared_dir().join("data"), &|p| ends_with(p, ".jsonl"));
    let mut seeds = text_seeds(&found, 4);
    seeds.push(Seed::new(
        "JSON array of rows",
        br#"[{"q": "Wer?", "choices": ["a", "b"], "label": 1}, {"q": "Was?", "n": 1.5, "x": null}]"#
            .to_vec(),
    ));
    seeds
}

/// CSV row files.
pub(crate) const ROWS_CSV: Target = Target {
    name: "rows_csv",
    about: "harness::data::read_rows_with on a .csv file, quoted and unquoted",
    run: |bytes| rows("rows_csv", "rows.csv", RowFormat::Csv, bytes),
    seeds: csv_seeds,
    dictionary: &[
        b",",
        b"\"",
        b"\"\"",
        b"\n",
        b"\r\n",
        b"\r",
        b";",
        b"1",
        b"1.5",
        b"True",
        b"nan",
        b"-",
        b"\xef\xbb\xbf",
    ],
};

/// CSV made from a TSV: fields quoted where they hold a comma or a quote.
fn tsv_to_csv(tsv: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(tsv);
    let mut out = String::new();
    for line in text.lines() {
        let fields: Vec<String> = line
            .split('\t')
            .map(|f| {
                if f.contains([',', '"']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f.to_string()
                }
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

fn tsv_files() -> Vec<std::path::PathBuf> {
    let mut found = files_under(&shared_dir().join("data/sib200/eng"), &|p| {
        ends_with(p, ".tsv")
    });
    found.extend(files_under(&shared_dir().join("data/flores200"), &|p| {
        ends_with(p, "metadata_dev.tsv") || ends_with(p, "est_Latn.tsv")
    }));
    found
}

fn csv_seeds() -> Vec<Seed> {
    let mut seeds: Vec<Seed> = text_seeds(&tsv_files(), 4)
        .into_iter()
        .map(|s| Seed::new(format!("{} as CSV", s.origin), tsv_to_csv(&s.bytes)))
        .collect();
    seeds.push(Seed::new(
        "typed CSV",
        b"id,text,score,flag\n1,\"a, \"\"quoted\"\" b\",0.5,True\n2,plain,-3,False\n".to_vec(),
    ));
    seeds
}

/// TSV row files.
pub(crate) const ROWS_TSV: Target = Target {
    name: "rows_tsv",
    about: "harness::data::read_rows_with on a .tsv file, quoted and unquoted",
    run: |bytes| rows("rows_tsv", "rows.tsv", RowFormat::Csv, bytes),
    seeds: tsv_seeds,
    dictionary: &[
        b"\t",
        b"\"",
        b"\n",
        b"\r\n",
        b"1",
        b"0.25",
        b"yes",
        b"no",
        b"\xef\xbb\xbf",
    ],
};

fn tsv_seeds() -> Vec<Seed> {
    let mut seeds = text_seeds(&tsv_files(), 6);
    seeds.push(Seed::new(
        "typed TSV",
        b"index_id\tcategory\ttext\n1\tscience\t\"quoted\ttab\"\n2\t\t-0.5\n".to_vec(),
    ));
    seeds
}

/// Parquet row files.
pub(crate) const ROWS_PARQUET: Target = Target {
    name: "rows_parquet",
    about: "harness::data::read_rows_with on a .parquet file (polars)",
    run: |bytes| rows("rows_parquet", "rows.parquet", RowFormat::Parquet, bytes),
    seeds: parquet_seeds,
    dictionary: &[b"PAR1", b"\0\0\0\0", b"\xff\xff\xff\x7f"],
};

/// A Parquet file of `frame`.
fn parquet_bytes(mut frame: DataFrame) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    ParquetWriter::new(&mut out).finish(&mut frame).ok()?;
    Some(out)
}

fn parquet_seeds() -> Vec<Seed> {
    let mut seeds = Vec::new();
    let columns = || -> Option<DataFrame> {
        let question = Series::new("question".into(), ["Wer?", "Was?", ""]);
        let label = Series::new("label".into(), [Some(1i64), None, Some(-7)]);
        let score = Series::new("score".into(), [0.5f64, f64::INFINITY, -0.0]);
        let flag = Series::new("flag".into(), [true, false, true]);
        let choices = Series::new(
            "choices".into(),
            [
                Series::new("".into(), ["a", "b"]),
                Series::new("".into(), ["c"]),
                Series::new("".into(), Vec::<&str>::new()),
            ],
        );
        DataFrame::new_infer_height(vec![
            question.into(),
            label.into(),
            score.into(),
            flag.into(),
            choices.into(),
        ])
        .ok()
    };
    if let Some(bytes) = columns().and_then(parquet_bytes) {
        seeds.push(Seed::new("synthesized Parquet (all column kinds)", bytes));
    }
    // Belebele rows from shared/data as Parquet, as the Hub stores them.
    if let Ok(bytes) = std::fs::read(shared_dir().join("data/belebele/eng_Latn.jsonl")) {
        let head = text_head(&bytes, 8192);
        let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&head)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let column = |key: &str| -> Vec<String> {
            rows.iter()
                .map(|r| r[key].as_str().unwrap_or_default().to_string())
                .collect()
        };
        let frame = DataFrame::new_infer_height(vec![
            Series::new("question".into(), column("question")).into(),
            Series::new("flores_passage".into(), column("flores_passage")).into(),
            Series::new("correct_answer_num".into(), column("correct_answer_num")).into(),
        ])
        .ok();
        if let Some(bytes) = frame.and_then(parquet_bytes) {
            seeds.push(Seed::new(
                "shared/data/belebele/eng_Latn.jsonl as Parquet",
                bytes,
            ));
        }
    }
    let found = files_under(&shared_dir(), &|p| ends_with(p, ".parquet"));
    seeds.extend(binary_seeds(&found, 4));
    seeds
}

/// The model fingerprint the cache seeds are written for.
const FINGERPRINT: &str = "model-a";

/// The response cache's record log. Beyond not panicking, reading must never mis-read: the
/// intact prefix it reports reads back as exactly the same entries with no torn tail, and
/// opening the cache cuts the file to that prefix and reopens clean.
pub(crate) const RESPONSE_CACHE: Target = Target {
    name: "response_cache",
    about: "harness::evaluator: CacheSnapshot::read and ResponseCache::open on responses.cache, with the cut-tail invariants",
    run: run_response_cache,
    seeds: cache_seeds,
    dictionary: &[
        HEADER,
        b"\xa3",
        b"emodel",
        b"grequest",
        b"hresponse",
        b"\xff\xff\xff\xff",
        b"\0\0\0\0",
    ],
};

fn run_response_cache(bytes: &[u8]) -> String {
    let dir = scratch("response_cache");
    let path = write(&dir, CACHE_FILE, bytes);
    let snapshot = match CacheSnapshot::read(&path, FINGERPRINT) {
        Ok(snapshot) => snapshot,
        Err(e) => {
            // Refused files are left alone.
            assert_eq!(std::fs::read(&path).ok().as_deref(), Some(bytes));
            return e.to_string();
        }
    };
    let len = bytes.len() as u64;
    assert!(snapshot.intact_len <= len, "intact prefix past the end");
    let torn = snapshot.recovery.is_some();
    assert_eq!(
        torn,
        snapshot.intact_len < len,
        "a torn tail must be reported exactly when bytes follow the intact prefix"
    );
    if let Some(recovery) = &snapshot.recovery {
        assert_eq!(recovery.dropped_bytes, len - snapshot.intact_len);
    }
    // The intact prefix alone reads as the same records, with nothing torn.
    let prefix = &bytes[..snapshot.intact_len as usize];
    let again = CacheSnapshot::read(&write(&dir, "prefix.cache", prefix), FINGERPRINT)
        .expect("the intact prefix of a cache reads");
    assert_eq!(again.recovery, None, "the intact prefix has a torn tail");
    assert_eq!(
        entries_text(&again.entries),
        entries_text(&snapshot.entries)
    );
    assert_eq!(again.other_models, snapshot.other_models);
    // Opening cuts the tail off; the file then reopens clean with the same entries.
    let (cache, recovery) = ResponseCache::open(&dir, FINGERPRINT).expect("a readable cache opens");
    assert_eq!(recovery, snapshot.recovery);
    assert_eq!(cache.len(), snapshot.entries.len());
    drop(cache);
    let cut = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let expected = if snapshot.intact_len == 0 {
        HEADER.len() as u64
    } else {
        snapshot.intact_len
    };
    assert_eq!(
        cut, expected,
        "opening must cut the file to its intact prefix"
    );
    let (reopened, recovery) = ResponseCache::open(&dir, FINGERPRINT).expect("a cut cache opens");
    assert_eq!(recovery, None, "a cut cache reopens with a torn tail");
    assert_eq!(
        entries_text(&reopened.into_entries()),
        entries_text(&snapshot.entries)
    );
    match &snapshot.recovery {
        Some(r) => format!("torn: {}", r.reason),
        None => "ok".to_string(),
    }
}

/// Entries as sorted text, so that NaN responses compare equal to themselves.
fn entries_text(entries: &HashMap<RequestKey, Response>) -> Vec<(String, String)> {
    let mut text: Vec<(String, String)> = entries
        .iter()
        .map(|(k, v)| (k.to_hex(), format!("{v:?}")))
        .collect();
    text.sort();
    text
}

/// Requests and responses of every kind.
fn answers() -> Vec<(RequestKey, Response)> {
    let responses = [
        Response::Loglikelihood(LoglikelihoodResponse {
            logprob: f64::NEG_INFINITY,
            is_greedy: true,
            num_tokens: 3,
            num_bytes: 9,
        }),
        Response::Rolling(RollingResponse {
            logprob: -12.5,
            num_tokens: 7,
            num_bytes: 30,
        }),
        Response::Generate(GenerateResponse {
            text: "Antwort: B\u{1F600}".into(),
            token_ids: vec![1, 2, u32::MAX],
        }),
        Response::HiddenStates(HiddenStates {
            layers: vec![vec![1.0e-40, -0.0, 3.4e38], vec![]],
        }),
        Response::Tokenize(TokenizeResponse {
            token_ids: vec![0, 17],
        }),
    ];
    responses
        .into_iter()
        .enumerate()
        .filter_map(|(i, response)| {
            let request = Request::Tokenize(TokenizeRequest {
                text: format!("request {i}"),
            });
            Some((RequestKey::of(&request).ok()?, response))
        })
        .collect()
}

/// A cache file of `batches` appended by `fingerprint`s, as a run writes it.
fn cache_file(batches: &[(&str, Vec<(RequestKey, Response)>)]) -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().ok()?;
    for (fingerprint, batch) in batches {
        let (mut cache, _) = ResponseCache::open(dir.path(), fingerprint).ok()?;
        cache.append(batch.clone()).ok()?;
    }
    std::fs::read(dir.path().join(CACHE_FILE)).ok()
}

fn cache_seeds() -> Vec<Seed> {
    let all = answers();
    let (first, rest) = all.split_at(2);
    let mut seeds = Vec::new();
    if let Some(bytes) = cache_file(&[(FINGERPRINT, all.clone())]) {
        seeds.push(Seed::new("cache of every response kind", bytes));
    }
    if let Some(bytes) = cache_file(&[
        (FINGERPRINT, first.to_vec()),
        ("model-b", rest.to_vec()),
        (FINGERPRINT, rest.to_vec()),
    ]) {
        let torn = bytes[..bytes.len() - 5].to_vec();
        seeds.push(Seed::new("cache of two models in three batches", bytes));
        seeds.push(Seed::new("cache with a torn last record", torn));
    }
    seeds.push(Seed::new("header only", HEADER.to_vec()));
    seeds
}
