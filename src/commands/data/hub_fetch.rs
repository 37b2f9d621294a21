//! `babelbench data fetch hf:ORG/NAME@REVISION`: a Hugging Face Hub dataset's files at a
//! pinned revision, downloaded over HTTP into the Hub cache layout
//! (`DIR/datasets--ORG--NAME/snapshots/REVISION/…`, with `refs/main` naming the revision) that
//! task files with `dataset_path: ORG/NAME` read offline. The endpoint is `$HF_ENDPOINT`, else
//! the Hub's.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use harness::data::glob_path_matches;

use super::download::to_temp_file;

/// The Hub's address when `$HF_ENDPOINT` is unset.
const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// `hf:ORG/NAME@REVISION`, parsed.
pub struct HubDatasetRef {
    /// `ORG/NAME`.
    pub repo: String,
    /// A commit hash, tag or branch.
    pub revision: String,
}

impl HubDatasetRef {
    /// The reference in `name`, if it starts with `hf:`.
    pub fn parse(name: &str) -> Option<Result<HubDatasetRef>> {
        let rest = name.strip_prefix("hf:")?;
        Some(match rest.split_once('@') {
            Some((repo, revision))
                if repo.split('/').count() == 2
                    && repo.split('/').all(|p| !p.is_empty())
                    && !revision.is_empty() =>
            {
                Ok(HubDatasetRef {
                    repo: repo.to_string(),
                    revision: revision.to_string(),
                })
            }
            _ => Err(anyhow::anyhow!(
                "`{name}`: a Hub dataset is fetched as hf:ORG/NAME@REVISION, with the revision \
                 pinned (a commit hash or tag), e.g. hf:facebook/belebele@main"
            )),
        })
    }
}

/// The part of the Hub's revision listing that is read.
#[derive(Deserialize)]
struct RevisionInfo {
    /// The commit the revision resolves to.
    sha: Option<String>,
    /// The repository's files.
    siblings: Vec<Sibling>,
}

#[derive(Deserialize)]
struct Sibling {
    rfilename: String,
}

/// Downloads the files of `dataset` (those matching one of `patterns`, all when empty) into
/// the Hub cache at `cache`; returns the snapshot folder.
pub fn fetch(dataset: &HubDatasetRef, cache: &Path, patterns: &[String]) -> Result<PathBuf> {
    let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| DEFAULT_ENDPOINT.to_string());
    let endpoint = endpoint.trim_end_matches('/');
    let listing_url = format!(
        "{endpoint}/api/datasets/{}/revision/{}",
        dataset.repo, dataset.revision
    );
    let listing = to_temp_file(&listing_url)?;
    let text = std::fs::read_to_string(listing.path())?;
    let info: RevisionInfo = serde_json::from_str(&text)
        .with_context(|| format!("{listing_url}: not a Hub revision listing"))?;
    let commit = info.sha.unwrap_or_else(|| dataset.revision.clone());
    if commit.is_empty() || commit.contains(['/', '\\']) || commit.starts_with('.') {
        bail!("{listing_url}: the revision resolves to `{commit}`, not a usable folder name");
    }
    let wanted: Vec<&Sibling> = info
        .siblings
        .iter()
        .filter(|s| {
            patterns.is_empty() || patterns.iter().any(|p| glob_path_matches(p, &s.rfilename))
        })
        .collect();
    if wanted.is_empty() {
        bail!(
            "{} at {} has no file matching {}",
            dataset.repo,
            dataset.revision,
            patterns.join(", ")
        );
    }
    let repo_dir = cache.join(format!("datasets--{}", dataset.repo.replace('/', "--")));
    let snapshot = repo_dir.join("snapshots").join(&commit);
    for sibling in wanted {
        let relative = Path::new(&sibling.rfilename);
        let safe = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            bail!(
                "{listing_url}: file name `{}` leaves the snapshot folder",
                sibling.rfilename
            );
        }
        let url = format!(
            "{endpoint}/datasets/{}/resolve/{commit}/{}",
            dataset.repo, sibling.rfilename
        );
        let download = to_temp_file(&url)?;
        let target = snapshot.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        // A copy, not a rename: the temporary file may lie on another file system.
        std::fs::copy(download.path(), &target)
            .with_context(|| format!("writing {}", target.display()))?;
    }
    let refs = repo_dir.join("refs");
    std::fs::create_dir_all(&refs).with_context(|| format!("creating {}", refs.display()))?;
    std::fs::write(refs.join("main"), &commit)
        .with_context(|| format!("writing {}", refs.join("main").display()))?;
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_need_a_repository_and_a_revision() {
        let ok = HubDatasetRef::parse("hf:facebook/belebele@abc123")
            .unwrap()
            .unwrap();
        assert_eq!(
            (ok.repo.as_str(), ok.revision.as_str()),
            ("facebook/belebele", "abc123")
        );
        for bad in [
            "hf:facebook/belebele",
            "hf:belebele@main",
            "hf:/x@main",
            "hf:a/b@",
        ] {
            let err = HubDatasetRef::parse(bad)
                .unwrap()
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains("hf:ORG/NAME@REVISION"), "{bad}: {err}");
        }
        assert!(HubDatasetRef::parse("flores200_devtest").is_none());
    }
}
