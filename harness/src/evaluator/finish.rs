//! The end of a whole run or a merge: score every task, write the result files, and stamp and
//! write the finished manifest.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Instant, SystemTime};

use super::error::EvalError;
use super::evaluate::evaluate_all;
use super::files::write_json;
use super::lm_eval::RunContext;
use super::output::{Evaluated, MANIFEST_FILE, TableWriter, rfc3339, unix_seconds, write_outputs};
use super::progress::{PHASE_WRITE, Phase, Progress};
use crate::model::ModelInfo;
use crate::request::Response;
use crate::results::RunManifest;
use crate::task::{Doc, Task, TaskGroup};

/// The end of a whole run or a merge.
pub(crate) struct Finish<'a> {
    /// The run folder.
    pub dir: &'a Path,
    /// The manifest so far; completed and written here.
    pub manifest: RunManifest,
    /// What the model is.
    pub model: &'a ModelInfo,
    /// Requests per model call.
    pub batch_size: usize,
    /// When the run started.
    pub started: SystemTime,
    /// The run's clock.
    pub clock: Instant,
    /// Where the tables go besides JSON Lines.
    pub tables: Option<&'a dyn TableWriter>,
    /// The groups whose metrics are combined in `results.json`.
    pub groups: &'a [TaskGroup],
}

/// Scores every task, writes the result files, and writes the finished manifest.
pub(crate) fn evaluate_and_write(
    finish: Finish<'_>,
    tasks: &[&dyn Task],
    docs: &[Vec<Doc>],
    responses: Vec<Vec<Vec<Response>>>,
    progress: &dyn Progress,
    mut timings: BTreeMap<String, f64>,
) -> Result<(RunManifest, Evaluated), EvalError> {
    let evaluations = evaluate_all(tasks, docs, responses, progress, &mut timings)?;
    let mut manifest = finish.manifest;
    let phase = Phase::start(progress, PHASE_WRITE, 1);
    let context = RunContext {
        manifest: &manifest,
        model: finish.model,
        batch_size: finish.batch_size,
        date: unix_seconds(finish.started),
        total_seconds: finish.clock.elapsed().as_secs_f64(),
        groups: finish.groups,
    };
    let evaluated = write_outputs(finish.dir, &context, &evaluations, finish.tables)?;
    phase.finish(&mut timings);
    finish_manifest(finish.dir, &mut manifest, timings)?;
    Ok((manifest, evaluated))
}

/// Stamps the end time and phase timings on `manifest` and writes it into `dir`.
pub(crate) fn finish_manifest(
    dir: &Path,
    manifest: &mut RunManifest,
    timings: BTreeMap<String, f64>,
) -> Result<(), EvalError> {
    for (phase, seconds) in timings {
        *manifest.phase_seconds.entry(phase).or_insert(0.0) += seconds;
    }
    manifest.finished_at = Some(rfc3339(SystemTime::now()));
    write_json(&dir.join(MANIFEST_FILE), manifest)
}
