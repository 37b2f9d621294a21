//! Hugging Face Hub dataset ids (`facebook/belebele`) resolved offline, from a local snapshot
//! of the dataset repository: either the Hub cache layout
//! (`DIR/datasets--facebook--belebele/snapshots/REVISION/…`, with `refs/main` naming the
//! revision) or a plain copy of the repository (`DIR/facebook/belebele/…`). The files of a
//! config's split come from the dataset card's `configs:` header (README.md), else from the
//! Hub's default file naming (`CONFIG/SPLIT-*.parquet`, `data/SPLIT-*`, `SPLIT.*`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::DataError;
use super::pattern::glob_matches;

/// Environment variable naming the Hub cache (as `huggingface_hub` reads it).
pub const HF_HUB_CACHE_ENV: &str = "HF_HUB_CACHE";

/// Where Hub snapshots are looked for, in order: `flag` (`--hf-data`), `$HF_HUB_CACHE`,
/// `$HF_HOME/hub`, `~/.cache/huggingface/hub`.
pub fn hub_search_dirs(flag: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = flag.map(Path::to_path_buf).into_iter().collect();
    if let Some(cache) = std::env::var_os(HF_HUB_CACHE_ENV) {
        dirs.push(PathBuf::from(cache));
    }
    if let Some(home) = std::env::var_os("HF_HOME") {
        dirs.push(PathBuf::from(home).join("hub"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cache/huggingface/hub"));
    }
    dirs
}

/// The local snapshot folder of dataset `repo` (`org/name`) under the first of `dirs` that
/// holds one.
pub fn find_snapshot(repo: &str, dirs: &[PathBuf]) -> Result<PathBuf, DataError> {
    for dir in dirs {
        let cached = dir.join(format!("datasets--{}", repo.replace('/', "--")));
        if cached.is_dir() {
            return cached_revision(&cached, repo);
        }
        let plain = dir.join(repo);
        if plain.is_dir() {
            return Ok(plain);
        }
    }
    Err(DataError::HubSnapshotMissing {
        repo: repo.to_string(),
        searched: dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The snapshot of a Hub cache entry: the revision `refs/main` names, else the only one.
fn cached_revision(cached: &Path, repo: &str) -> Result<PathBuf, DataError> {
    let snapshots = cached.join("snapshots");
    if let Ok(main) = std::fs::read_to_string(cached.join("refs/main")) {
        let revision = snapshots.join(main.trim());
        if revision.is_dir() {
            return Ok(revision);
        }
    }
    let mut revisions: Vec<PathBuf> = std::fs::read_dir(&snapshots)
        .map_err(|e| DataError::io(&snapshots, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir())
        .collect();
    revisions.sort();
    match revisions.len() {
        1 => Ok(revisions.remove(0)),
        found => Err(DataError::Malformed {
            path: snapshots,
            line: 1,
            message: format!(
                "{found} snapshots of {repo} and no refs/main naming one; keep one revision or \
                 write its hash to refs/main"
            ),
        }),
    }
}

/// The dataset card's front matter, as far as file resolution needs it.
#[derive(Debug, Deserialize)]
struct CardHeader {
    #[serde(default)]
    configs: Vec<CardConfig>,
}

#[derive(Debug, Deserialize)]
struct CardConfig {
    config_name: String,
    #[serde(default)]
    data_files: Option<DataFilesSpec>,
}

/// `data_files` as the Hub and `datasets` accept it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DataFilesSpec {
    /// One path or glob: the `train` split.
    One(String),
    /// Paths or globs of the `train` split, or `{split, path}` entries.
    Many(Vec<DataFilesEntry>),
    /// Split name → path(s).
    BySplit(std::collections::BTreeMap<String, OneOrMany>),
}

/// One entry of a `data_files` list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DataFilesEntry {
    /// A path or glob of the `train` split.
    Path(String),
    /// A split and its path(s).
    Split {
        /// The split name.
        split: String,
        /// Its path(s) or glob(s).
        path: OneOrMany,
    },
}

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The strings.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one.clone()],
            OneOrMany::Many(many) => many.clone(),
        }
    }
}

impl DataFilesSpec {
    /// The paths or globs of `split` (`train` for entries without a split), in order.
    pub fn patterns(&self, split: &str) -> Vec<String> {
        match self {
            DataFilesSpec::One(path) if split == "train" => vec![path.clone()],
            DataFilesSpec::One(_) => Vec::new(),
            DataFilesSpec::Many(entries) => entries
                .iter()
                .flat_map(|entry| match entry {
                    DataFilesEntry::Path(path) if split == "train" => vec![path.clone()],
                    DataFilesEntry::Path(_) => Vec::new(),
                    DataFilesEntry::Split { split: s, path } if s == split => path.to_vec(),
                    DataFilesEntry::Split { .. } => Vec::new(),
                })
                .collect(),
            DataFilesSpec::BySplit(map) => {
                map.get(split).map(OneOrMany::to_vec).unwrap_or_default()
            }
        }
    }

    /// The split names it defines.
    pub fn splits(&self) -> Vec<String> {
        match self {
            DataFilesSpec::One(_) => vec!["train".into()],
            DataFilesSpec::Many(entries) => {
                let mut names: Vec<String> = entries
                    .iter()
                    .map(|entry| match entry {
                        DataFilesEntry::Path(_) => "train".to_string(),
                        DataFilesEntry::Split { split, .. } => split.clone(),
                    })
                    .collect();
                names.dedup();
                names
            }
            DataFilesSpec::BySplit(map) => map.keys().cloned().collect(),
        }
    }
}

/// The files of `split` of config `config` (`None`: the default config) in the snapshot at
/// `snapshot`, sorted as `datasets` sorts a glob's matches.
pub fn split_files(
    snapshot: &Path,
    repo: &str,
    config: Option<&str>,
    split: &str,
) -> Result<Vec<PathBuf>, DataError> {
    let card = snapshot.join("README.md");
    if let Some(header) = card_header(&card)?
        && !header.configs.is_empty()
    {
        let wanted = config.unwrap_or("default");
        let Some(entry) = header.configs.iter().find(|c| c.config_name == wanted) else {
            let known: Vec<&str> = header
                .configs
                .iter()
                .map(|c| c.config_name.as_str())
                .collect();
            return Err(DataError::Malformed {
                path: card,
                line: 1,
                message: format!(
                    "dataset {repo} has no config `{wanted}`; its configs: {}",
                    known.join(", ")
                ),
            });
        };
        let spec = entry
            .data_files
            .clone()
            .unwrap_or(DataFilesSpec::One("**".into()));
        let files = matching(snapshot, &spec.patterns(split));
        if files.is_empty() {
            return Err(DataError::Malformed {
                path: card,
                line: 1,
                message: format!(
                    "config `{wanted}` of {repo} has no files for split `{split}`; its splits: {}",
                    spec.splits().join(", ")
                ),
            });
        }
        return Ok(files);
    }
    let prefix = config.map(|c| format!("{c}/")).unwrap_or_default();
    let candidates = [
        format!("{prefix}{split}-*"),
        format!("{prefix}{split}.*"),
        format!("{prefix}{split}/*"),
        format!("{prefix}data/{split}-*"),
        format!("{prefix}data/{split}.*"),
    ];
    for candidate in candidates {
        let files = matching(snapshot, std::slice::from_ref(&candidate));
        if !files.is_empty() {
            return Ok(files);
        }
    }
    Err(DataError::Malformed {
        path: snapshot.to_path_buf(),
        line: 1,
        message: format!(
            "no file of split `{split}`{} in this snapshot of {repo} (looked for \
             {prefix}{split}-*, {prefix}data/{split}-* and {prefix}{split}.*); add a README.md \
             with a `configs:` header or name the files with `dataset_kwargs.data_files`",
            config
                .map(|c| format!(" of config `{c}`"))
                .unwrap_or_default()
        ),
    })
}

/// The YAML front matter of a dataset card, if the card exists and has one.
fn card_header(card: &Path) -> Result<Option<CardHeader>, DataError> {
    let Ok(text) = std::fs::read_to_string(card) else {
        return Ok(None);
    };
    let Some(rest) = text.strip_prefix("---\n") else {
        return Ok(None);
    };
    let Some(end) = rest.find("\n---") else {
        return Ok(None);
    };
    serde_yaml_ng::from_str::<CardHeader>(&rest[..end])
        .map(Some)
        .map_err(|e| DataError::Malformed {
            path: card.to_path_buf(),
            line: e.location().map_or(1, |l| l.line() + 1),
            message: format!("dataset card header: {e}"),
        })
}

/// The files under `root` matching any of `patterns` (relative, `/`-separated, `*` and `?`
/// within a name, `**` for any number of folders), each pattern's matches sorted.
pub fn matching(root: &Path, patterns: &[String]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for pattern in patterns {
        let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
        let mut matches = Vec::new();
        walk(root, &parts, &mut matches);
        matches.sort();
        for path in matches {
            if !found.contains(&path) {
                found.push(path);
            }
        }
    }
    found
}

fn walk(dir: &Path, parts: &[&str], out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    if *first == "**" {
        walk(dir, rest, out);
        for entry in entries.iter().filter(|e| e.is_dir()) {
            walk(entry, parts, out);
        }
        if rest.is_empty() {
            out.extend(entries.into_iter().filter(|e| e.is_file()));
        }
        return;
    }
    for entry in entries {
        let Some(name) = entry.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') || !glob_matches(first, name) {
            continue;
        }
        if rest.is_empty() {
            if entry.is_file() {
                out.push(entry);
            }
        } else if entry.is_dir() {
            walk(&entry, rest, out);
        }
    }
}

/// Whether the relative path `path` (`/`-separated) matches `pattern` (`*` and `?` within a
/// name, `**` for any number of folders).
pub fn glob_path_matches(pattern: &str, path: &str) -> bool {
    fn parts(text: &str) -> Vec<&str> {
        text.split('/').filter(|p| !p.is_empty()).collect()
    }
    fn go(pattern: &[&str], path: &[&str]) -> bool {
        match pattern.split_first() {
            None => path.is_empty(),
            Some((&"**", rest)) => (0..=path.len()).any(|skip| go(rest, &path[skip..])),
            Some((first, rest)) => {
                path.first().is_some_and(|name| glob_matches(first, name)) && go(rest, &path[1..])
            }
        }
    }
    go(&parts(pattern), &parts(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "{}\n").unwrap();
    }

    #[test]
    fn card_configs_choose_the_files_of_a_split() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = dir
            .path()
            .join("datasets--facebook--belebele/snapshots/abc123");
        touch(&snapshot.join("data/eng_Latn.jsonl"));
        touch(&snapshot.join("data/deu_Latn.jsonl"));
        std::fs::write(
            snapshot.join("README.md"),
            "---\nconfigs:\n- config_name: eng_Latn\n  data_files:\n  - split: test\n    path: data/eng_Latn.jsonl\n- config_name: deu_Latn\n  data_files:\n  - split: test\n    path: data/deu_*.jsonl\n---\n# Belebele\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("datasets--facebook--belebele/refs")).unwrap();
        std::fs::write(
            dir.path().join("datasets--facebook--belebele/refs/main"),
            "abc123\n",
        )
        .unwrap();
        let found = find_snapshot("facebook/belebele", &[dir.path().to_path_buf()]).unwrap();
        assert_eq!(found, snapshot);
        let files = split_files(&found, "facebook/belebele", Some("deu_Latn"), "test").unwrap();
        assert_eq!(files, [snapshot.join("data/deu_Latn.jsonl")]);
        let err = split_files(&found, "facebook/belebele", Some("fra_Latn"), "test").unwrap_err();
        assert!(err.to_string().contains("eng_Latn, deu_Latn"), "{err}");
        let err = split_files(&found, "facebook/belebele", Some("eng_Latn"), "train").unwrap_err();
        assert!(err.to_string().contains("its splits: test"), "{err}");
    }

    #[test]
    fn default_naming_finds_splits_without_a_card() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = dir.path().join("facebook/xnli");
        touch(&snapshot.join("de/test-00000-of-00001.parquet"));
        touch(&snapshot.join("de/validation-00000-of-00001.parquet"));
        let found = find_snapshot("facebook/xnli", &[dir.path().to_path_buf()]).unwrap();
        let files = split_files(&found, "facebook/xnli", Some("de"), "validation").unwrap();
        assert_eq!(
            files,
            [snapshot.join("de/validation-00000-of-00001.parquet")]
        );
        let err = find_snapshot("facebook/none", &[dir.path().to_path_buf()]).unwrap_err();
        assert!(err.to_string().contains("facebook/none"), "{err}");
    }

    #[test]
    fn globs_match_names_and_folders() {
        assert!(glob_matches("test-*", "test-00000-of-00001.parquet"));
        assert!(glob_matches("*_Latn.jsonl", "deu_Latn.jsonl"));
        assert!(!glob_matches("test-*", "train-0.parquet"));
        assert!(glob_matches("?a*", "xab"));
        assert!(glob_path_matches(
            "data/*_Latn.jsonl",
            "data/deu_Latn.jsonl"
        ));
        assert!(glob_path_matches("**/*.parquet", "de/test-0.parquet"));
        assert!(!glob_path_matches("data/*.jsonl", "README.md"));
    }
}
