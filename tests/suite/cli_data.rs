//! `babelbench data` end to end: the real data (whole files from the full data root, skipped
//! without it; real rows from the committed subset), bad inputs (exit code 2), and `fetch` from a
//! loopback HTTP server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread::JoinHandle;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in the repository root with `args`, without proxy or data variables.
fn babelbench(args: &[&str]) -> Output {
    babelbench_in(&repo_root(), args, &[])
}

fn babelbench_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_babelbench"));
    cmd.args(args).current_dir(dir);
    for var in [
        "BABELBENCH_DATA",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts exit code 2 without a panic and returns stderr.
fn fails(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn verify_real_data_reports_languages_and_matches_the_lock() {
    let Some(full) = testdata::full_data() else {
        return;
    };
    let data = full;
    let out = babelbench(&["data", "verify", "--data-dir", data.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "stdout: {text}\nstderr: {}",
        stderr(&out)
    );
    assert!(
        text.contains(
            "flores200_devtest: 204 languages, 205 files, records per language: \
             devtest 1012, metadata 1012: ok"
        ),
        "{text}"
    );
    assert!(
        text.contains("flores200_dev_partial: 205 languages"),
        "{text}"
    );
    assert!(
        text.contains("belebele: 2 languages, 2 files, records per language: questions 900: ok"),
        "{text}"
    );
    assert!(text.contains("sib200: 205 languages, 820 files"), "{text}");
    assert!(
        text.contains("checksums: 1232 files match datasets.lock"),
        "{text}"
    );
}

#[test]
fn list_real_data_shows_language_counts() {
    let Some(full) = testdata::full_data() else {
        return;
    };
    let data = full;
    let out = babelbench(&["data", "list", "--data-dir", data.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let cells = |name: &str| -> Vec<String> {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap();
        row.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        cells("flores200_devtest"),
        [
            "flores200_devtest",
            "204",
            "devtest 1012, metadata 1012",
            "CC-BY-SA-4.0"
        ]
    );
    assert_eq!(
        cells("belebele"),
        ["belebele", "2", "questions 900", "CC-BY-SA-4.0"]
    );
    assert_eq!(cells("sib200")[1], "205");
}

#[test]
fn data_root_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let data = testdata::data();
    let out = babelbench_in(
        dir.path(),
        &["data", "list", "--languages"],
        &[("BABELBENCH_DATA", data.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("belebele: deu_Latn eng_Latn\n"),
        "{}",
        stdout(&out)
    );

    let err = fails(&babelbench_in(dir.path(), &["data", "list"], &[]));
    assert!(
        err.starts_with("error: data root data does not exist"),
        "{err}"
    );
}

#[test]
fn missing_data_root_exits_2() {
    let err = fails(&babelbench(&[
        "data",
        "verify",
        "--data-dir",
        "/nonexistent/babelbench",
    ]));
    assert!(
        err.contains("/nonexistent/babelbench does not exist: pass --data-dir DIR"),
        "{err}"
    );
}

#[test]
fn unknown_dataset_exits_2() {
    let data = testdata::data();
    let err = fails(&babelbench(&[
        "data",
        "verify",
        "flores",
        "--data-dir",
        data.to_str().unwrap(),
    ]));
    assert!(
        err.contains("unknown dataset `flores`; known datasets: belebele,"),
        "{err}"
    );
    let err = fails(&babelbench(&["data", "fetch", "flores"]));
    assert!(err.contains("unknown dataset `flores`"), "{err}");
}

#[test]
fn malformed_registry_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("datasets.toml");
    let text = std::fs::read_to_string(repo_root().join("datasets.toml")).unwrap();
    std::fs::write(
        &registry,
        text.replacen("records = 1012", "records = \"many\"", 1),
    )
    .unwrap();
    let line = text.lines().position(|l| l == "records = 1012").unwrap() + 1;
    let err = fails(&babelbench(&[
        "data",
        "list",
        "--registry",
        registry.to_str().unwrap(),
        "--data-dir",
        ".",
    ]));
    let expected = format!(
        "{}:{line}: in [[flores200_devtest.files]]: invalid type",
        registry.display()
    );
    assert!(err.contains(&expected), "{err}");
}

/// A data root `data/` with the Belebele English file of the data root `from`.
fn belebele_root(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data/belebele")).unwrap();
    std::fs::copy(
        from.join("belebele/eng_Latn.jsonl"),
        dir.path().join("data/belebele/eng_Latn.jsonl"),
    )
    .unwrap();
    dir
}

#[test]
fn update_then_verify_detects_a_changed_file() {
    let Some(full) = testdata::full_data() else {
        return;
    };
    let dir = belebele_root(&full);
    let args = [
        "data",
        "verify",
        "belebele",
        "--data-dir",
        "data",
        "--lock",
        "my.lock",
    ];
    let out = babelbench_in(dir.path(), &[&args[..], &["--update"]].concat(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("my.lock: recorded the sha256 of 1 files"),
        "{}",
        stdout(&out)
    );
    let lock = std::fs::read_to_string(dir.path().join("my.lock")).unwrap();
    assert!(
        lock.contains("[belebele]\n\"belebele/eng_Latn.jsonl\" = \""),
        "{lock}"
    );

    let out = babelbench_in(dir.path(), &args, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("checksums: 1 files match my.lock"),
        "{}",
        stdout(&out)
    );

    // Still valid, but a different passage text.
    let path = dir.path().join("data/belebele/eng_Latn.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("Make sure your hand", "Make sure your hands", 1),
    )
    .unwrap();
    let err = fails(&babelbench_in(dir.path(), &args, &[]));
    assert!(
        err.contains("eng_Latn.jsonl: sha256 mismatch: expected "),
        "{err}"
    );
    assert!(err.contains("error: 1 problems under data"), "{err}");
}

#[test]
fn verify_without_a_lock_says_how_to_write_one() {
    let Some(full) = testdata::full_data() else {
        return;
    };
    let dir = belebele_root(&full);
    let err = fails(&babelbench_in(
        dir.path(),
        &["data", "verify", "belebele", "--data-dir", "data"],
        &[],
    ));
    assert!(err.contains("lock file datasets.lock not found"), "{err}");
}

#[test]
fn malformed_jsonl_and_invalid_utf8_exit_2() {
    let Some(full) = testdata::full_data() else {
        return;
    };
    let dir = belebele_root(&full);
    let update = [
        "data",
        "verify",
        "belebele",
        "--data-dir",
        "data",
        "--update",
    ];
    let path = dir.path().join("data/belebele/eng_Latn.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[9] = "{\"link\": 3}";
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = fails(&babelbench_in(dir.path(), &update, &[]));
    assert!(
        err.contains("eng_Latn.jsonl:10: not a Belebele question: invalid type"),
        "{err}"
    );
    assert!(err.contains("datasets.lock was not updated"), "{err}");
    assert!(!dir.path().join("datasets.lock").exists());

    let mut bytes = text.into_bytes();
    bytes[5] = 0xFE;
    std::fs::write(&path, bytes).unwrap();
    let err = fails(&babelbench_in(dir.path(), &update, &[]));
    assert!(err.contains("eng_Latn.jsonl:1: invalid UTF-8"), "{err}");
}

#[test]
fn short_file_and_missing_language_file_exit_2() {
    let Some(full) = testdata::full_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let annotated = dir.path().join("data/sib200/annotated");
    for lang in ["eng_Latn", "fra_Latn"] {
        std::fs::create_dir_all(annotated.join(lang)).unwrap();
        for file in ["train.tsv", "dev.tsv", "test.tsv", "labels.txt"] {
            std::fs::copy(
                full.join("sib200/annotated").join(lang).join(file),
                annotated.join(lang).join(file),
            )
            .unwrap();
        }
    }
    let dev = annotated.join("fra_Latn/dev.tsv");
    let text = std::fs::read_to_string(&dev).unwrap();
    let kept: String = text.split_inclusive('\n').take(50).collect();
    std::fs::write(&dev, kept).unwrap();
    std::fs::remove_file(annotated.join("eng_Latn/test.tsv")).unwrap();
    let err = fails(&babelbench_in(
        dir.path(),
        &["data", "verify", "sib200", "--data-dir", "data", "--update"],
        &[],
    ));
    assert!(
        err.contains("fra_Latn/dev.tsv: 49 records, but 99 expected"),
        "{err}"
    );
    assert!(
        err.contains("eng_Latn/test.tsv: missing file of dataset sib200"),
        "{err}"
    );
    assert!(err.contains("error: 2 problems under data"), "{err}");
}

/// Serves one HTTP response on a loopback port; returns the URL for `name` and the thread.
fn serve_once(name: &str, status: &str, body: Vec<u8>) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/{name}", listener.local_addr().unwrap());
    let status = status.to_string();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\
             Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
    });
    (url, handle)
}

/// A `.tar.gz` in the official FLORES layout with the French devtest and the metadata.
/// A FLORES-like archive with French and the metadata, from the data root `from`.
fn flores_tar_gz(from: &Path) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let root = from;
    for (name, path) in [
        (
            "flores200_dataset/devtest/fra_Latn.devtest",
            "flores200/devtest/fra_Latn.devtest",
        ),
        (
            "flores200_dataset/metadata_devtest.tsv",
            "flores200/metadata_devtest.tsv",
        ),
    ] {
        let data = std::fs::read(root.join(path)).unwrap();
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// The sha256 of `bytes`, computed by `sha256sum`.
fn sha256_hex(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("sha256sum").arg(&path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

#[test]
fn fetch_downloads_checks_and_installs() {
    let Some(full) = testdata::full_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let archive = flores_tar_gz(&full);
    let sha = sha256_hex(&archive);
    let (url, server) = serve_once("flores200_dataset.tar.gz", "200 OK", archive);
    let out = babelbench_in(
        dir.path(),
        &[
            "data",
            "fetch",
            "flores200_devtest",
            "--data-dir",
            "data",
            "--url",
            &url,
            "--sha256",
            &sha,
        ],
        &[],
    );
    server.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("installed data/flores200/devtest\n"),
        "{text}"
    );
    assert!(
        text.contains("flores200_devtest: 1 languages under data"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("data/flores200/devtest/fra_Latn.devtest")).unwrap(),
        std::fs::read(full.join("flores200/devtest/fra_Latn.devtest")).unwrap()
    );
    let out = babelbench_in(
        dir.path(),
        &[
            "data",
            "verify",
            "flores200_devtest",
            "--data-dir",
            "data",
            "--update",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // A second fetch stops before downloading anything.
    let err = fails(&babelbench_in(
        dir.path(),
        &[
            "data",
            "fetch",
            "flores200_devtest",
            "--data-dir",
            "data",
            "--url",
            &url,
        ],
        &[],
    ));
    assert!(
        err.contains("flores200_devtest is already under data (1 languages); pass --force"),
        "{err}"
    );
}

#[test]
fn fetch_with_a_checksum_mismatch_exits_2_and_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (url, server) = serve_once(
        "flores200_dataset.tar.gz",
        "200 OK",
        flores_tar_gz(&testdata::data()),
    );
    let wrong = "ab".repeat(32);
    let err = fails(&babelbench_in(
        dir.path(),
        &[
            "data",
            "fetch",
            "flores200_devtest",
            "--data-dir",
            "data",
            "--url",
            &url,
            "--sha256",
            &wrong,
        ],
        &[],
    ));
    server.join().unwrap();
    assert!(
        err.contains(&format!("{url}: sha256 mismatch: expected {wrong}, found ")),
        "{err}"
    );
    assert!(!dir.path().join("data").exists());
}

#[test]
fn fetch_without_a_known_checksum_prints_the_download_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let archive = flores_tar_gz(&testdata::data());
    let sha = sha256_hex(&archive);
    let (url, server) = serve_once("flores200_dataset.tar.gz", "200 OK", archive);
    let err = fails(&babelbench_in(
        dir.path(),
        &[
            "data",
            "fetch",
            "flores200_devtest",
            "--data-dir",
            "data",
            "--url",
            &url,
        ],
        &[],
    ));
    server.join().unwrap();
    assert!(
        err.contains(&format!("the download has sha256 {sha}")),
        "{err}"
    );
    assert!(!dir.path().join("data").exists());
}

#[test]
fn fetch_of_a_missing_url_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (url, server) = serve_once("missing.zip", "404 Not Found", b"no such file".to_vec());
    let zero = "0".repeat(64);
    let err = fails(&babelbench_in(
        dir.path(),
        &[
            "data",
            "fetch",
            "belebele",
            "--data-dir",
            "data",
            "--url",
            &url,
            "--sha256",
            &zero,
        ],
        &[],
    ));
    server.join().unwrap();
    assert!(err.contains(&format!("{url}: download failed")), "{err}");
    assert!(err.contains("404"), "{err}");
}

#[test]
fn fetch_rejects_a_malformed_sha256() {
    let err = fails(&babelbench(&[
        "data",
        "fetch",
        "belebele",
        "--sha256",
        "xyz",
        "--url",
        "http://127.0.0.1:9/x.zip",
    ]));
    assert!(err.contains("--sha256: `xyz` is not a sha256"), "{err}");
}

/// A loopback server answering `requests` requests, each by its path from `files` (404 for
/// others); returns its address.
fn serve_paths(files: Vec<(String, Vec<u8>)>, requests: usize) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for _ in 0..requests {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            let line = String::from_utf8_lossy(&request)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            let (status, body) = match files.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
        }
    });
    (address, handle)
}

#[test]
fn fetch_of_a_hub_dataset_writes_the_pinned_snapshot_in_the_hub_cache_layout() {
    let listing = br#"{"sha": "c0ffee12", "siblings": [{"rfilename": "README.md"},
        {"rfilename": "data/eng_Latn.jsonl"}, {"rfilename": "data/deu_Latn.jsonl"}]}"#;
    let files = vec![
        (
            "/api/datasets/facebook/belebele/revision/v1".to_string(),
            listing.to_vec(),
        ),
        (
            "/datasets/facebook/belebele/resolve/c0ffee12/data/eng_Latn.jsonl".to_string(),
            b"{\"q\": 1}\n".to_vec(),
        ),
        (
            "/datasets/facebook/belebele/resolve/c0ffee12/data/deu_Latn.jsonl".to_string(),
            b"{\"q\": 2}\n".to_vec(),
        ),
    ];
    let (address, server) = serve_paths(files, 3);
    let cache = tempfile::tempdir().unwrap();
    let out = babelbench_in(
        &repo_root(),
        &[
            "data",
            "fetch",
            "hf:facebook/belebele@v1",
            "--files",
            "data/*.jsonl",
            "--hf-data",
            cache.path().to_str().unwrap(),
        ],
        &[("HF_ENDPOINT", &address)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    server.join().unwrap();
    let repo = cache.path().join("datasets--facebook--belebele");
    let snapshot = repo.join("snapshots/c0ffee12");
    assert_eq!(
        std::fs::read_to_string(snapshot.join("data/deu_Latn.jsonl")).unwrap(),
        "{\"q\": 2}\n"
    );
    assert!(snapshot.join("data/eng_Latn.jsonl").is_file());
    assert!(
        !snapshot.join("README.md").exists(),
        "--files must restrict the download"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("refs/main")).unwrap(),
        "c0ffee12"
    );
    assert!(stdout(&out).contains("c0ffee12"));

    // An unknown revision is a clear error, exit 2.
    let (address, server) = serve_paths(Vec::new(), 1);
    let out = babelbench_in(
        &repo_root(),
        &[
            "data",
            "fetch",
            "hf:facebook/belebele@nope",
            "--hf-data",
            cache.path().to_str().unwrap(),
        ],
        &[("HF_ENDPOINT", &address)],
    );
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("revision/nope"), "{}", stderr(&out));
    let out = babelbench(&["data", "fetch", "hf:facebook/belebele"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("hf:ORG/NAME@REVISION"),
        "{}",
        stderr(&out)
    );
}
