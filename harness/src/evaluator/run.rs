//! `run`: plan → shard → collate → cached batches → evaluate → write.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::Path;
use std::time::{Instant, SystemTime};

use super::cache::{CacheRecovery, ResponseCache};
use super::engine::{Corpus, RequestStats, Source, compute, gather, responses_by_doc};
use super::error::EvalError;
use super::files::write_json;
use super::finish::{Finish, evaluate_and_write, finish_manifest};
use super::folder::take_folder;
use super::output::{Evaluated, MANIFEST_FILE, TableWriter, rfc3339};
use super::plan::{PLAN_FILE, Plan, PlanFile, Shard};
use super::prepare::{load_docs, signatures, sorted_tasks, task_plans};
use super::progress::Progress;
use crate::model::LanguageModel;
use crate::results::RunManifest;
use crate::task::{Task, TaskGroup};

/// What the caller knows about a run, recorded in `manifest.json` as given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunIdentity {
    /// babelbench version.
    pub babelbench_version: String,
    /// Git revision babelbench was built from, when known.
    pub git_revision: Option<String>,
    /// Model path as given.
    pub model_path: String,
    /// Display name of the model.
    pub model_name: String,
    /// Worker threads.
    pub threads: usize,
    /// Data file → sha256 of the files the tasks read.
    pub dataset_checksums: BTreeMap<String, String>,
    /// Seed of the bootstrap resampling.
    pub seed: u64,
    /// The options of the run, from which `merge` rebuilds the tasks.
    pub run_config: BTreeMap<String, serde_json::Value>,
}

/// Everything [`run`] needs.
pub struct RunSpec<'a> {
    /// The tasks, in any order (they run and report sorted by name).
    pub tasks: &'a [&'a dyn Task],
    /// The model.
    pub model: &'a dyn LanguageModel,
    /// The model fingerprint (see [`super::model_fingerprint`]).
    pub fingerprint: &'a str,
    /// Requests per model call.
    pub batch_size: NonZeroUsize,
    /// Documents per unit of the plan (see [`super::DEFAULT_UNIT_SIZE`]); all shards of a run
    /// must use the same.
    pub unit_size: NonZeroUsize,
    /// The shard to run, `None` for the whole plan.
    pub shard: Option<Shard>,
    /// The output folder.
    pub output: &'a Path,
    /// Manifest fields the caller knows.
    pub identity: &'a RunIdentity,
    /// Writer of the columnar tables, if any.
    pub tables: Option<&'a dyn TableWriter>,
    /// The groups whose metrics `results.json` also reports combined.
    pub groups: &'a [TaskGroup],
    /// Progress receiver.
    pub progress: &'a dyn Progress,
}

/// What a run or merge did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// The manifest as written, with per-phase seconds.
    pub manifest: RunManifest,
    /// The samples and results; `None` for a shard, which only computes responses (`merge`
    /// scores them).
    pub evaluated: Option<Evaluated>,
    /// Request counts.
    pub stats: RequestStats,
    /// The torn cache tail that was cut off, if any.
    pub recovery: Option<CacheRecovery>,
}

/// Runs `spec.tasks` (or the units of `spec.shard`) on `spec.model` into `spec.output`.
///
/// Responses are cached in the folder after every batch; rerunning the same command after an
/// interruption computes only what is missing and gives the same results. Results do not depend
/// on the batch size or the order of the tasks.
pub fn run(spec: &RunSpec<'_>) -> Result<RunReport, EvalError> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let tasks = sorted_tasks(spec.tasks)?;
    let model = spec.model.info();
    let folder = take_folder(spec.output, spec.fingerprint)?;
    let id = spec.identity;
    let manifest = RunManifest {
        babelbench_version: id.babelbench_version.clone(),
        git_revision: id.git_revision.clone(),
        model_path: id.model_path.clone(),
        model_name: id.model_name.clone(),
        model_fingerprint: spec.fingerprint.to_string(),
        backend: model.backend.clone(),
        dtype: model.dtype.clone(),
        threads: id.threads,
        tasks: signatures(&tasks),
        dataset_checksums: id.dataset_checksums.clone(),
        seed: id.seed,
        shard: spec.shard.map(|s| (s.index(), s.count())),
        started_at: rfc3339(started),
        finished_at: None,
        phase_seconds: BTreeMap::new(),
        run_config: id.run_config.clone(),
    };
    write_json(&folder.dir.join(MANIFEST_FILE), &manifest)?;
    let mut timings = BTreeMap::new();
    let docs = load_docs(&tasks, spec.progress, &mut timings)?;
    let plan = Plan::new(task_plans(&tasks, &docs), spec.unit_size);
    let assigned = plan.assigned(spec.shard);
    tracing::info!(
        units = plan.units.len(),
        assigned = assigned.len(),
        shard = ?spec.shard,
        "work plan"
    );
    write_json(
        &folder.dir.join(PLAN_FILE),
        &PlanFile {
            model_fingerprint: spec.fingerprint.to_string(),
            model: model.clone(),
            batch_size: spec.batch_size.get(),
            shard: spec.shard,
            assigned: assigned.iter().map(|u| u.id()).collect(),
            plan: plan.clone(),
        },
    )?;
    let (mut cache, recovery) = ResponseCache::open(&folder.dir, spec.fingerprint)?;
    if let Some(recovery) = &recovery {
        spec.progress.warning(&recovery.to_string());
    }
    let corpus = Corpus {
        names: tasks.iter().map(|t| t.name().to_string()).collect(),
        docs: docs.iter().map(Vec::as_slice).collect(),
    };
    let gathered = gather(&corpus, assigned)?;
    let stats = compute(
        &corpus,
        &gathered,
        &mut cache,
        Source::Model(spec.model),
        spec.batch_size,
        spec.progress,
        &mut timings,
    )?;
    if spec.shard.is_some() {
        let mut manifest = manifest;
        finish_manifest(&folder.dir, &mut manifest, timings)?;
        return Ok(RunReport {
            manifest,
            evaluated: None,
            stats,
            recovery,
        });
    }
    let responses = responses_by_doc(&corpus, &gathered, cache.into_entries())?;
    let finish = Finish {
        dir: &folder.dir,
        manifest,
        model: &model,
        batch_size: spec.batch_size.get(),
        started,
        clock,
        tables: spec.tables,
        groups: spec.groups,
    };
    let (manifest, evaluated) =
        evaluate_and_write(finish, &tasks, &docs, responses, spec.progress, timings)?;
    Ok(RunReport {
        manifest,
        evaluated: Some(evaluated),
        stats,
        recovery,
    })
}
