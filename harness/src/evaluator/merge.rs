//! `merge`: check that shard folders belong to one run and cover its plan exactly once, gather
//! their cached responses into a new folder, and score and write it as an unsharded run would.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use super::cache::{CACHE_FILE, CacheSnapshot, ResponseCache};
use super::engine::{Corpus, Gathered, Source, compute, gather, responses_by_doc};
use super::error::EvalError;
use super::files::{read_json, write_json};
use super::finish::{Finish, evaluate_and_write};
use super::folder::take_folder;
use super::output::{MANIFEST_FILE, TableWriter};
use super::plan::{PLAN_FILE, PlanFile};
use super::prepare::{load_docs, sorted_tasks};
use super::progress::{PHASE_IMPORT, Phase, Progress};
use super::run::RunReport;
use crate::results::RunManifest;
use crate::task::{Task, TaskGroup};

/// How many ids an error lists before `and N more`.
const LISTED: usize = 10;

/// A finished run folder, read for merging.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardFolder {
    /// The folder.
    pub dir: PathBuf,
    /// Its `manifest.json` (its `run_config` rebuilds the tasks).
    pub manifest: RunManifest,
    /// Its `plan.json`.
    pub plan: PlanFile,
}

impl ShardFolder {
    /// Reads the manifest and plan of `dir`; fails unless its run finished.
    pub fn open(dir: &Path) -> Result<ShardFolder, EvalError> {
        let missing = |file| EvalError::NotARunFolder {
            dir: dir.to_path_buf(),
            file,
        };
        let manifest: RunManifest =
            read_json(&dir.join(MANIFEST_FILE))?.ok_or_else(|| missing(MANIFEST_FILE))?;
        let plan: PlanFile = read_json(&dir.join(PLAN_FILE))?.ok_or_else(|| missing(PLAN_FILE))?;
        if manifest.finished_at.is_none() {
            return Err(EvalError::UnfinishedShard {
                dir: dir.to_path_buf(),
                count: plan.assigned.len(),
                units: listing(&plan.assigned),
            });
        }
        Ok(ShardFolder {
            dir: dir.to_path_buf(),
            manifest,
            plan,
        })
    }
}

/// `ids` as a list for an error: the first few, then how many more.
fn listing(ids: &[String]) -> String {
    let mut text = ids
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > LISTED {
        text.push_str(&format!(" and {} more", ids.len() - LISTED));
    }
    text
}

/// Fails unless `shards` share one model and plan and assign every unit of it exactly once.
pub fn check_shards(shards: &[ShardFolder]) -> Result<(), EvalError> {
    let Some(first) = shards.first() else {
        return Err(EvalError::NoShards);
    };
    for other in &shards[1..] {
        let what = if other.plan.model_fingerprint != first.plan.model_fingerprint {
            Some("the model fingerprint")
        } else if other.plan.plan.unit_size != first.plan.plan.unit_size {
            Some("the unit size")
        } else if other.plan.plan.tasks != first.plan.plan.tasks {
            Some("the task list, a task signature or a document count")
        } else if other.plan.plan.units != first.plan.plan.units {
            Some("the unit list")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(EvalError::ShardsDiffer {
                first: first.dir.clone(),
                other: other.dir.clone(),
                what: what.to_string(),
            });
        }
    }
    let mut holders: BTreeMap<String, Vec<&Path>> = first
        .plan
        .plan
        .units
        .iter()
        .map(|u| (u.id(), Vec::new()))
        .collect();
    for shard in shards {
        for unit in &shard.plan.assigned {
            match holders.get_mut(unit) {
                Some(dirs) => dirs.push(&shard.dir),
                None => {
                    return Err(EvalError::UnknownUnit {
                        dir: shard.dir.clone(),
                        unit: unit.clone(),
                    });
                }
            }
        }
    }
    let plan_order: Vec<String> = first.plan.plan.units.iter().map(|u| u.id()).collect();
    let duplicated: Vec<String> = plan_order
        .iter()
        .filter_map(|id| {
            let dirs = &holders[id];
            (dirs.len() > 1).then(|| {
                let dirs: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
                format!("{id} (in {})", dirs.join(", "))
            })
        })
        .collect();
    if !duplicated.is_empty() {
        return Err(EvalError::DuplicateUnits {
            count: duplicated.len(),
            units: listing(&duplicated),
        });
    }
    let missing: Vec<String> = plan_order
        .into_iter()
        .filter(|id| holders[id].is_empty())
        .collect();
    if !missing.is_empty() {
        return Err(EvalError::MissingUnits {
            count: missing.len(),
            units: listing(&missing),
        });
    }
    Ok(())
}

/// Everything [`merge`] needs.
pub struct MergeSpec<'a> {
    /// The shard folders, opened with [`ShardFolder::open`].
    pub shards: &'a [ShardFolder],
    /// The tasks, rebuilt from the shards' `run_config` (same names, signatures and documents).
    pub tasks: &'a [&'a dyn Task],
    /// The merged run folder (fresh, or a previous merge of the same model).
    pub output: &'a Path,
    /// Writer of the columnar tables, if any.
    pub tables: Option<&'a dyn TableWriter>,
    /// The groups whose metrics `results.json` also reports combined.
    pub groups: &'a [TaskGroup],
    /// Progress receiver.
    pub progress: &'a dyn Progress,
}

/// Merges shard folders into `spec.output`, which then holds what an unsharded run writes.
pub fn merge(spec: &MergeSpec<'_>) -> Result<RunReport, EvalError> {
    let started = SystemTime::now();
    let clock = Instant::now();
    check_shards(spec.shards)?;
    let first = &spec.shards[0];
    refuse_shard_output(spec.output, spec.shards)?;
    let tasks = sorted_tasks(spec.tasks)?;
    let planned = &first.plan.plan.tasks;
    if tasks.len() != planned.len() || tasks.iter().zip(planned).any(|(t, p)| t.name() != p.name) {
        let given: HashSet<&str> = tasks.iter().map(|t| t.name()).collect();
        let task = planned
            .iter()
            .map(|p| p.name.as_str())
            .find(|name| !given.contains(name))
            .or_else(|| {
                let planned: HashSet<&str> = planned.iter().map(|p| p.name.as_str()).collect();
                tasks
                    .iter()
                    .map(|t| t.name())
                    .find(|name| !planned.contains(name))
            })
            .unwrap_or_default();
        return Err(EvalError::TaskMismatch {
            task: task.to_string(),
            message: "the shards planned a different task list".to_string(),
        });
    }
    for (task, plan) in tasks.iter().zip(planned) {
        if task.signature() != plan.signature {
            return Err(EvalError::TaskMismatch {
                task: plan.name.clone(),
                message: format!(
                    "signature `{}` differs from the shards' `{}`",
                    task.signature(),
                    plan.signature
                ),
            });
        }
    }
    let fingerprint = first.plan.model_fingerprint.as_str();
    let folder = take_folder(spec.output, fingerprint)?;
    let mut manifest = first.manifest.clone();
    manifest.shard = None;
    manifest.finished_at = None;
    manifest.started_at = spec
        .shards
        .iter()
        .map(|s| s.manifest.started_at.clone())
        .min()
        .unwrap_or_default();
    manifest.phase_seconds = BTreeMap::new();
    for shard in spec.shards {
        for (phase, seconds) in &shard.manifest.phase_seconds {
            *manifest.phase_seconds.entry(phase.clone()).or_insert(0.0) += seconds;
        }
    }
    write_json(&folder.dir.join(MANIFEST_FILE), &manifest)?;
    let mut timings = BTreeMap::new();
    let docs = load_docs(&tasks, spec.progress, &mut timings)?;
    for (docs, plan) in docs.iter().zip(planned) {
        if docs.len() != plan.num_docs {
            return Err(EvalError::TaskMismatch {
                task: plan.name.clone(),
                message: format!(
                    "{} documents, but the shards planned {}",
                    docs.len(),
                    plan.num_docs
                ),
            });
        }
    }
    let plan = first.plan.plan.clone();
    write_json(
        &folder.dir.join(PLAN_FILE),
        &PlanFile {
            model_fingerprint: fingerprint.to_string(),
            model: first.plan.model.clone(),
            batch_size: first.plan.batch_size,
            shard: None,
            assigned: plan.units.iter().map(|u| u.id()).collect(),
            plan: plan.clone(),
        },
    )?;
    let (mut cache, recovery) = ResponseCache::open(&folder.dir, fingerprint)?;
    if let Some(recovery) = &recovery {
        spec.progress.warning(&recovery.to_string());
    }
    let corpus = Corpus {
        names: tasks.iter().map(|t| t.name().to_string()).collect(),
        docs: docs.iter().map(Vec::as_slice).collect(),
    };
    let gathered = gather(&corpus, plan.units.iter().collect())?;
    import(spec, &gathered, &mut cache, fingerprint, &mut timings)?;
    let stats = compute(
        &corpus,
        &gathered,
        &mut cache,
        Source::CacheOnly,
        std::num::NonZeroUsize::MIN,
        spec.progress,
        &mut timings,
    )?;
    let responses = responses_by_doc(&corpus, &gathered, cache.into_entries())?;
    let finish = Finish {
        dir: &folder.dir,
        manifest,
        model: &first.plan.model,
        batch_size: first.plan.batch_size,
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

/// Fails when `output` is one of the shard folders.
fn refuse_shard_output(output: &Path, shards: &[ShardFolder]) -> Result<(), EvalError> {
    let Ok(output) = output.canonicalize() else {
        return Ok(());
    };
    for shard in shards {
        if shard.dir.canonicalize().is_ok_and(|dir| dir == output) {
            return Err(EvalError::MergeIntoShard {
                dir: shard.dir.clone(),
            });
        }
    }
    Ok(())
}

/// Copies the responses that `gathered` needs and `cache` lacks from the shards' caches.
fn import(
    spec: &MergeSpec<'_>,
    gathered: &Gathered<'_>,
    cache: &mut ResponseCache,
    fingerprint: &str,
    timings: &mut BTreeMap<String, f64>,
) -> Result<(), EvalError> {
    let mut needed: HashSet<_> = gathered
        .keys()
        .iter()
        .filter(|k| cache.get(k).is_none())
        .copied()
        .collect();
    let mut phase = Phase::start(spec.progress, PHASE_IMPORT, needed.len());
    for shard in spec.shards {
        let snapshot = CacheSnapshot::read(&shard.dir.join(CACHE_FILE), fingerprint)?;
        if let Some(recovery) = &snapshot.recovery {
            spec.progress.warning(&recovery.to_string());
        }
        let found: HashMap<_, _> = snapshot
            .entries
            .into_iter()
            .filter(|(key, _)| needed.remove(key))
            .collect();
        let count = found.len();
        cache.append(found.into_iter().collect())?;
        phase.advance(count, None);
    }
    phase.finish(timings);
    Ok(())
}
