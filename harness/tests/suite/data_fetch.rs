//! Installing downloaded archives and deriving the dev-partial split.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{data, full_data};
use harness::data::{
    ArchiveKind, DataError, Registry, derive_dataset, install_archive, load_belebele,
    load_flores_devtest, sha256_file,
};

/// Writes a `.tar.gz` holding `files` (path, contents) to `path`.
fn tar_gz(path: &Path, files: &[(&str, Vec<u8>)]) {
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

/// A FLORES-like archive with one language, the metadata, a README and an unrelated file, from
/// the data root `from`.
fn flores_archive(dir: &Path, from: &Path) -> PathBuf {
    let data = from.join("flores200");
    let path = dir.join("flores200_dataset.tar.gz");
    tar_gz(
        &path,
        &[
            (
                "flores200_dataset/devtest/fra_Latn.devtest",
                std::fs::read(data.join("devtest/fra_Latn.devtest")).unwrap(),
            ),
            (
                "flores200_dataset/metadata_devtest.tsv",
                std::fs::read(data.join("metadata_devtest.tsv")).unwrap(),
            ),
            ("flores200_dataset/README", b"FLORES 200 dataset\n".to_vec()),
            ("elsewhere/ignored.txt", b"not installed\n".to_vec()),
        ],
    );
    path
}

const FLORES_URL: &str = "http://127.0.0.1/flores200_dataset.tar.gz";

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn archive_kind_comes_from_the_name() {
    assert_eq!(
        ArchiveKind::from_url("https://x/a.tar.gz"),
        Some(ArchiveKind::TarGz)
    );
    assert_eq!(
        ArchiveKind::from_url("https://x/a.tgz?dl=1"),
        Some(ArchiveKind::TarGz)
    );
    assert_eq!(
        ArchiveKind::from_url("https://x/Belebele.zip"),
        Some(ArchiveKind::Zip)
    );
    assert_eq!(ArchiveKind::from_url("https://x/a.tar.xz"), None);
}

#[test]
fn tar_gz_is_installed_under_the_root() {
    let Some(full) = full_data() else { return };
    let work = tempfile::tempdir().unwrap();
    let archive = flores_archive(work.path(), &full);
    let sha = sha256_file(&archive).unwrap();
    let root = work.path().join("data");
    let registry = Registry::builtin();
    let installed = install_archive(
        &registry,
        "flores200_devtest",
        &archive,
        FLORES_URL,
        Some(&sha),
        &root,
        false,
    )
    .unwrap();
    let flores = root.join("flores200");
    assert_eq!(
        installed,
        [
            flores.join("README"),
            flores.join("devtest"),
            flores.join("metadata_devtest.tsv")
        ]
    );
    assert_eq!(entries(&root), ["flores200"], "the staging folder is gone");
    assert_eq!(
        std::fs::read(flores.join("devtest/fra_Latn.devtest")).unwrap(),
        std::fs::read(full.join("flores200/devtest/fra_Latn.devtest")).unwrap()
    );
    assert_eq!(load_flores_devtest(&root, "fra_Latn").unwrap().len(), 1012);
    assert_eq!(
        registry.languages("flores200_devtest", &root).unwrap(),
        ["fra_Latn"]
    );
}

#[test]
fn checksum_mismatch_installs_nothing() {
    let work = tempfile::tempdir().unwrap();
    let archive = flores_archive(work.path(), &data());
    let root = work.path().join("data");
    let wrong = "0".repeat(64);
    let err = install_archive(
        &Registry::builtin(),
        "flores200_devtest",
        &archive,
        FLORES_URL,
        Some(&wrong),
        &root,
        false,
    )
    .unwrap_err();
    match &err {
        DataError::ChecksumMismatch {
            what,
            expected,
            actual,
        } => {
            assert_eq!(what, FLORES_URL);
            assert_eq!(expected, &wrong);
            assert_eq!(actual, &sha256_file(&archive).unwrap());
        }
        other => panic!("expected ChecksumMismatch, got {other:?}"),
    }
    assert!(!root.exists(), "nothing is created on a mismatch");
}

#[test]
fn unknown_checksum_reports_the_download_sha256() {
    let work = tempfile::tempdir().unwrap();
    let archive = flores_archive(work.path(), &data());
    let sha = sha256_file(&archive).unwrap();
    let root = work.path().join("data");
    let err = install_archive(
        &Registry::builtin(),
        "flores200_devtest",
        &archive,
        FLORES_URL,
        None,
        &root,
        false,
    )
    .unwrap_err();
    assert!(matches!(err, DataError::ChecksumUnknown { .. }));
    assert!(
        err.to_string().contains(&format!("--sha256 {sha}")),
        "{err}"
    );
    assert!(!root.exists());
}

#[test]
fn existing_files_need_force() {
    let work = tempfile::tempdir().unwrap();
    let archive = flores_archive(work.path(), &data());
    let sha = sha256_file(&archive).unwrap();
    let root = work.path().join("data");
    let devtest = root.join("flores200/devtest");
    std::fs::create_dir_all(&devtest).unwrap();
    std::fs::write(devtest.join("old_Latn.devtest"), "old\n").unwrap();
    std::fs::create_dir_all(root.join("flores200/dev-partial")).unwrap();
    let registry = Registry::builtin();
    let err = install_archive(
        &registry,
        "flores200_devtest",
        &archive,
        FLORES_URL,
        Some(&sha),
        &root,
        false,
    )
    .unwrap_err();
    assert!(
        matches!(&err, DataError::TargetExists { path } if path == &devtest),
        "{err:?}"
    );
    assert!(err.to_string().contains("--force"));
    assert_eq!(entries(&root), ["flores200"], "the staging folder is gone");
    assert_eq!(entries(&devtest), ["old_Latn.devtest"]);

    install_archive(
        &registry,
        "flores200_devtest",
        &archive,
        FLORES_URL,
        Some(&sha),
        &root,
        true,
    )
    .unwrap();
    assert_eq!(entries(&devtest), ["fra_Latn.devtest"]);
    assert_eq!(
        entries(&root.join("flores200")),
        ["README", "dev-partial", "devtest", "metadata_devtest.tsv"],
        "entries the archive does not hold are kept"
    );
}

#[test]
fn zip_is_installed_under_the_root() {
    let Some(full) = full_data() else { return };
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("Belebele.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.add_directory("Belebele/", options).unwrap();
    zip.start_file("Belebele/eng_Latn.jsonl", options).unwrap();
    zip.write_all(&std::fs::read(full.join("belebele/eng_Latn.jsonl")).unwrap())
        .unwrap();
    zip.finish().unwrap();
    let sha = sha256_file(&archive).unwrap();
    let root = work.path().join("data");
    let url = "http://127.0.0.1/Belebele.zip";
    install_archive(
        &Registry::builtin(),
        "belebele",
        &archive,
        url,
        Some(&sha),
        &root,
        false,
    )
    .unwrap();
    assert_eq!(entries(&root.join("belebele")), ["eng_Latn.jsonl"]);
    assert_eq!(load_belebele(&root, "eng_Latn").unwrap().len(), 900);
}

#[test]
fn entry_leaving_the_archive_folder_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("evil.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    let data = b"owned\n";
    let mut header = tar::Header::new_gnu();
    let name = b"flores200_dataset/../../evil.txt";
    header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append(&header, &data[..]).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    let sha = sha256_file(&archive).unwrap();
    let root = work.path().join("data");
    let err = install_archive(
        &Registry::builtin(),
        "flores200_devtest",
        &archive,
        "http://127.0.0.1/evil.tar.gz",
        Some(&sha),
        &root,
        false,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("leaves the archive's folder"),
        "{err}"
    );
    assert!(!work.path().join("evil.txt").exists());
    assert!(entries(&root).is_empty(), "the staging folder is gone");
}

#[test]
fn archive_without_the_expected_folder_is_an_error() {
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("other.tar.gz");
    tar_gz(&archive, &[("something/else.txt", b"x\n".to_vec())]);
    let sha = sha256_file(&archive).unwrap();
    let err = install_archive(
        &Registry::builtin(),
        "flores200_devtest",
        &archive,
        "http://127.0.0.1/other.tar.gz",
        Some(&sha),
        &work.path().join("data"),
        false,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("holds no files under `flores200_dataset/`"),
        "{err}"
    );
}

#[test]
fn derived_dataset_cannot_be_installed_from_an_archive() {
    let work = tempfile::tempdir().unwrap();
    let archive = flores_archive(work.path(), &data());
    let err = install_archive(
        &Registry::builtin(),
        "flores200_dev_partial",
        &archive,
        FLORES_URL,
        None,
        &work.path().join("data"),
        false,
    )
    .unwrap_err();
    assert!(matches!(err, DataError::Fetch { .. }), "{err:?}");
}

#[test]
fn dev_partial_derived_from_sib200_equals_the_shipped_files() {
    let Some(full) = full_data() else { return };
    let work = tempfile::tempdir().unwrap();
    let root = work.path();
    std::os::unix::fs::symlink(full.join("sib200"), root.join("sib200")).unwrap();
    let registry = Registry::builtin();
    let installed = derive_dataset(&registry, "flores200_dev_partial", root, false).unwrap();
    let derived = root.join("flores200/dev-partial");
    assert_eq!(installed, std::slice::from_ref(&derived));
    let langs = registry.languages("flores200_dev_partial", root).unwrap();
    assert_eq!(langs.len(), 205);
    for lang in &langs {
        let name = format!("{lang}.tsv");
        assert_eq!(
            std::fs::read(derived.join(&name)).unwrap(),
            std::fs::read(full.join("flores200/dev-partial").join(&name)).unwrap(),
            "{name}"
        );
    }
    let err = derive_dataset(&registry, "flores200_dev_partial", root, false).unwrap_err();
    assert!(matches!(err, DataError::TargetExists { .. }), "{err:?}");
}

#[test]
fn deriving_without_sib200_says_to_fetch_it() {
    let work = tempfile::tempdir().unwrap();
    let err = derive_dataset(
        &Registry::builtin(),
        "flores200_dev_partial",
        work.path(),
        false,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("run `babelbench data fetch sib200` first"),
        "{err}"
    );
    assert!(entries(work.path()).is_empty());
}
