//! Opening run folders: the manifest, the paths of the tables, and checks across runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use harness::results::RunManifest;

use crate::error::ReportError;
use harness::evaluator::{RESULTS_TABLE, SAMPLES_TABLE};

/// File name of the manifest in a run folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// An opened run folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The folder.
    pub dir: PathBuf,
    /// Its `manifest.json`.
    pub manifest: RunManifest,
    /// The name the reports show: the model name, or `model (folder)` when several runs share it.
    pub label: String,
}

impl Run {
    /// Opens the run folder `dir`: fails when it has no `manifest.json` or the manifest is invalid.
    pub fn open(dir: &Path) -> Result<Self, ReportError> {
        let path = dir.join(MANIFEST_FILE);
        if !path.is_file() {
            return Err(ReportError::NotARun {
                dir: dir.to_path_buf(),
            });
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|source| ReportError::io("cannot read", &path, source))?;
        let manifest: RunManifest =
            serde_json::from_str(&text).map_err(|source| ReportError::Manifest { path, source })?;
        Ok(Run {
            dir: dir.to_path_buf(),
            label: manifest.model_name.clone(),
            manifest,
        })
    }

    /// `results.parquet` of this run.
    pub fn results_path(&self) -> PathBuf {
        self.dir.join(RESULTS_TABLE)
    }

    /// `samples.parquet` of this run.
    pub fn samples_path(&self) -> PathBuf {
        self.dir.join(SAMPLES_TABLE)
    }
}

/// Opens every folder of `dirs`, gives runs sharing a model name distinct labels and checks that
/// no task appears at two versions. Fails on an empty list and on a folder given twice.
pub fn open_runs(dirs: &[PathBuf]) -> Result<Vec<Run>, ReportError> {
    if dirs.is_empty() {
        return Err(ReportError::NoRuns);
    }
    for (i, dir) in dirs.iter().enumerate() {
        if dirs[..i].contains(dir) {
            return Err(ReportError::DuplicateRun { dir: dir.clone() });
        }
    }
    let mut runs = dirs
        .iter()
        .map(|dir| Run::open(dir))
        .collect::<Result<Vec<_>, _>>()?;
    check_task_versions(&runs)?;
    distinguish_labels(&mut runs);
    Ok(runs)
}

/// Gives runs that share a model name the labels `model (folder name)`, or `model (folder path)`
/// where folder names repeat too.
pub fn distinguish_labels(runs: &mut [Run]) {
    let names: Vec<String> = runs
        .iter()
        .map(|run| run.manifest.model_name.clone())
        .collect();
    let folder_name = |run: &Run| {
        run.dir.file_name().map_or_else(
            || run.dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let repeats = |label: &dyn Fn(usize) -> String, i: usize| {
        (0..runs.len()).filter(|&j| label(j) == label(i)).count() > 1
    };
    let labels: Vec<String> = (0..runs.len())
        .map(|i| {
            if !repeats(&|j| names[j].clone(), i) {
                names[i].clone()
            } else if !repeats(&|j| format!("{} ({})", names[j], folder_name(&runs[j])), i) {
                format!("{} ({})", names[i], folder_name(&runs[i]))
            } else {
                format!("{} ({})", names[i], runs[i].dir.display())
            }
        })
        .collect();
    for (run, label) in runs.iter_mut().zip(labels) {
        run.label = label;
    }
}

/// Fails when two runs evaluated the same task with different task signatures.
pub fn check_task_versions(runs: &[Run]) -> Result<(), ReportError> {
    let mut seen: BTreeMap<&str, (&Run, &str)> = BTreeMap::new();
    for run in runs {
        for (task, signature) in &run.manifest.tasks {
            match seen.get(task.as_str()) {
                Some((first, first_signature)) if first_signature != signature => {
                    return Err(ReportError::TaskVersionMismatch {
                        task: task.clone(),
                        dir_a: first.dir.clone(),
                        signature_a: first_signature.to_string(),
                        dir_b: run.dir.clone(),
                        signature_b: signature.clone(),
                    });
                }
                Some(_) => {}
                None => {
                    seen.insert(task, (run, signature));
                }
            }
        }
    }
    Ok(())
}
