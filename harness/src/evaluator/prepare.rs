//! Steps shared by `run` and `merge` before the model is asked anything: order the tasks, load
//! their documents, plan them, and, after computing, score and write.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::{Instant, SystemTime};

use super::error::EvalError;
use super::evaluate::evaluate_all;
use super::files::write_json;
use super::lm_eval::RunContext;
use super::output::{Evaluated, MANIFEST_FILE, TableWriter, rfc3339, unix_seconds, write_outputs};
use super::plan::TaskPlan;
use super::progress::{PHASE_DOCS, PHASE_WRITE, Phase, Progress};
use crate::model::ModelInfo;
use crate::request::Response;
use crate::results::RunManifest;
use crate::task::{Doc, Task, TaskGroup};

/// `tasks` sorted by name; fails on an empty list or a repeated name.
pub(crate) fn sorted_tasks<'t>(tasks: &[&'t dyn Task]) -> Result<Vec<&'t dyn Task>, EvalError> {
    if tasks.is_empty() {
        return Err(EvalError::NoTasks);
    }
    let mut sorted = tasks.to_vec();
    sorted.sort_by(|a, b| a.name().cmp(b.name()));
    let mut seen = HashSet::new();
    for task in &sorted {
        if !seen.insert(task.name()) {
            return Err(EvalError::DuplicateTask {
                task: task.name().to_string(),
            });
        }
    }
    Ok(sorted)
}

/// Every task's documents; fails on a task without documents.
pub(crate) fn load_docs(
    tasks: &[&dyn Task],
    progress: &dyn Progress,
    timings: &mut BTreeMap<String, f64>,
) -> Result<Vec<Vec<Doc>>, EvalError> {
    let mut phase = Phase::start(progress, PHASE_DOCS, tasks.len());
    let mut all = Vec::with_capacity(tasks.len());
    for task in tasks {
        let docs = task.docs()?;
        if docs.is_empty() {
            return Err(EvalError::NoDocs {
                task: task.name().to_string(),
            });
        }
        all.push(docs);
        phase.advance(1, None);
    }
    phase.finish(timings);
    Ok(all)
}

/// The plan's view of the tasks.
pub(crate) fn task_plans(tasks: &[&dyn Task], docs: &[Vec<Doc>]) -> Vec<TaskPlan> {
    tasks
        .iter()
        .zip(docs)
        .map(|(task, docs)| TaskPlan {
            name: task.name().to_string(),
            signature: task.signature(),
            num_docs: docs.len(),
        })
        .collect()
}

/// Task name → signature, for the manifest.
pub(crate) fn signatures(tasks: &[&dyn Task]) -> BTreeMap<String, String> {
    tasks
        .iter()
        .map(|t| (t.name().to_string(), t.signature()))
        .collect()
}

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
