//! The compute loop shared by `run` and `merge`: gather the requests of the units, merge
//! duplicates, answer what the cache lacks batch by batch (appending each batch to the cache),
//! and hand every document its responses.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;

use super::cache::{RequestKey, ResponseCache};
use super::collate::{RequestKind, dedup, make_batches, restore};
use super::dispatch::{answer, tokens_of};
use super::error::EvalError;
use super::plan::WorkUnit;
use super::progress::{Phase, Progress};
use crate::model::LanguageModel;
use crate::request::{Request, Response};
use crate::task::Doc;

/// Where answers missing from the cache come from.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    /// The model computes them.
    Model(&'a dyn LanguageModel),
    /// Nothing may be missing (merge): the first missing answer is an error.
    CacheOnly,
}

/// Request counts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestStats {
    /// Requests of the documents run.
    pub requests: usize,
    /// Distinct requests among them.
    pub unique: usize,
    /// Distinct requests answered from the cache.
    pub cached: usize,
    /// Distinct requests computed by the model in this run.
    pub computed: usize,
}

/// The tasks' documents, by task name (the names the plan's units use).
pub(crate) struct Corpus<'d> {
    /// Task names, in plan order.
    pub names: Vec<String>,
    /// `docs[t]` are the documents of task `names[t]`.
    pub docs: Vec<&'d [Doc]>,
}

/// Who sent a request: task, document and unit indices.
#[derive(Debug, Clone, Copy)]
struct Owner {
    task: usize,
    doc: usize,
    unit: usize,
}

/// The requests of some units, merged, with their cache keys.
pub(crate) struct Gathered<'d> {
    units: Vec<&'d WorkUnit>,
    owners: Vec<Owner>,
    unique: Vec<&'d Request>,
    origin: Vec<usize>,
    first: Vec<usize>,
    keys: Vec<RequestKey>,
}

/// Collects the requests of `units` of `corpus`, in unit, document and request order.
pub(crate) fn gather<'d>(
    corpus: &Corpus<'d>,
    units: Vec<&'d WorkUnit>,
) -> Result<Gathered<'d>, EvalError> {
    let index: HashMap<&str, usize> = corpus
        .names
        .iter()
        .enumerate()
        .map(|(t, name)| (name.as_str(), t))
        .collect();
    let mut owners = Vec::new();
    let mut requests = Vec::new();
    for (u, unit) in units.iter().enumerate() {
        let docs = index.get(unit.task.as_str()).and_then(|&t| {
            corpus.docs[t]
                .get(unit.start..unit.end)
                .map(|docs| (t, docs))
        });
        let Some((task, docs)) = docs else {
            return Err(EvalError::TaskMismatch {
                task: unit.task.clone(),
                message: format!(
                    "the plan's unit {} is not among the task's documents",
                    unit.id()
                ),
            });
        };
        for (d, doc) in docs.iter().enumerate() {
            for request in &doc.requests {
                owners.push(Owner {
                    task,
                    doc: unit.start + d,
                    unit: u,
                });
                requests.push(request);
            }
        }
    }
    let deduped = dedup(requests);
    let keys = deduped
        .unique
        .iter()
        .map(|r| RequestKey::of(r))
        .collect::<Result<_, _>>()?;
    Ok(Gathered {
        units,
        owners,
        unique: deduped.unique,
        origin: deduped.origin,
        first: deduped.first,
        keys,
    })
}

impl Gathered<'_> {
    /// Task name, document id and unit id of the first requester of distinct request `u`.
    fn describe(&self, corpus: &Corpus<'_>, u: usize) -> (String, String, String) {
        let owner = self.owners[self.first[u]];
        (
            corpus.names[owner.task].clone(),
            corpus.docs[owner.task][owner.doc].id.clone(),
            self.units[owner.unit].id(),
        )
    }

    /// The cache keys of the distinct requests, for importing shard caches.
    pub(crate) fn keys(&self) -> &[RequestKey] {
        &self.keys
    }
}

/// Answers every distinct request of `gathered` that `cache` lacks, from `source`, in batches of
/// `batch_size`; each batch is appended to the cache before the next starts.
pub(crate) fn compute(
    corpus: &Corpus<'_>,
    gathered: &Gathered<'_>,
    cache: &mut ResponseCache,
    source: Source<'_>,
    batch_size: NonZeroUsize,
    progress: &dyn Progress,
    timings: &mut BTreeMap<String, f64>,
) -> Result<RequestStats, EvalError> {
    let pending: Vec<bool> = gathered
        .keys
        .iter()
        .map(|k| cache.get(k).is_none())
        .collect();
    let missing = pending.iter().filter(|&&p| p).count();
    let stats = RequestStats {
        requests: gathered.origin.len(),
        unique: gathered.unique.len(),
        cached: gathered.unique.len() - missing,
        computed: missing,
    };
    tracing::info!(
        requests = stats.requests,
        distinct = stats.unique,
        cached = stats.cached,
        to_compute = stats.computed,
        "requests gathered"
    );
    let model = match source {
        Source::Model(model) => model,
        Source::CacheOnly => {
            return match pending.iter().position(|&p| p) {
                None => Ok(stats),
                Some(u) => {
                    let (task, doc_id, unit) = gathered.describe(corpus, u);
                    Err(EvalError::MissingResponse {
                        kind: RequestKind::of(gathered.unique[u]).name(),
                        task,
                        doc_id,
                        unit,
                        more: missing - 1,
                    })
                }
            };
        }
    };
    let mut per_kind: BTreeMap<RequestKind, usize> = BTreeMap::new();
    for (u, _) in pending.iter().enumerate().filter(|&(_, &p)| p) {
        *per_kind
            .entry(RequestKind::of(gathered.unique[u]))
            .or_default() += 1;
    }
    let batches = make_batches(&gathered.unique, batch_size, |u| pending[u]);
    let mut phase: Option<(RequestKind, Phase<'_>)> = None;
    for batch in batches {
        let kind = batch.group.kind();
        if phase.as_ref().is_none_or(|(k, _)| *k != kind) {
            if let Some((_, done)) = phase.take() {
                done.finish(timings);
            }
            let total = per_kind.get(&kind).copied().unwrap_or(0);
            phase = Some((kind, Phase::start(progress, kind.name(), total)));
        }
        let requests: Vec<&Request> = batch.members.iter().map(|&u| gathered.unique[u]).collect();
        let batch_clock = std::time::Instant::now();
        let forwarded_before = model.forwarded_tokens();
        let answers = answer(model, batch.group, &requests).map_err(|source| {
            let (task, doc_id, _) = gathered.describe(corpus, batch.members[0]);
            EvalError::Model {
                kind: kind.name(),
                size: requests.len(),
                task,
                doc_id,
                source,
            }
        })?;
        if answers.len() != requests.len() {
            return Err(EvalError::AnswerCount {
                kind: kind.name(),
                expected: requests.len(),
                got: answers.len(),
            });
        }
        // Throughput counts the tokens the model ran through its forward pass when it says,
        // else the tokens the answers hold.
        let tokens = match (forwarded_before, model.forwarded_tokens()) {
            (Some(before), Some(after)) => Some((after - before) as usize),
            _ => answers.iter().map(tokens_of).sum::<Option<usize>>(),
        };
        tracing::debug!(
            kind = kind.name(),
            requests = requests.len(),
            tokens,
            seconds = batch_clock.elapsed().as_secs_f64(),
            "batch answered"
        );
        let keyed = batch
            .members
            .iter()
            .map(|&u| gathered.keys[u])
            .zip(answers)
            .collect();
        cache.append(keyed)?;
        if let Some((_, running)) = phase.as_mut() {
            running.advance(requests.len(), tokens);
        }
    }
    if let Some((_, done)) = phase {
        done.finish(timings);
    }
    Ok(stats)
}

/// Every document's responses, in request order, from the cache's `entries`: `result[t][d]`
/// answers document `d` of task `t`. `gathered` must hold every unit of every task, in plan
/// order.
pub(crate) fn responses_by_doc(
    corpus: &Corpus<'_>,
    gathered: &Gathered<'_>,
    mut entries: HashMap<RequestKey, Response>,
) -> Result<Vec<Vec<Vec<Response>>>, EvalError> {
    let mut answers = Vec::with_capacity(gathered.keys.len());
    for (u, key) in gathered.keys.iter().enumerate() {
        match entries.remove(key) {
            Some(response) => answers.push(response),
            None => {
                let (task, doc_id, unit) = gathered.describe(corpus, u);
                return Err(EvalError::MissingResponse {
                    kind: RequestKind::of(gathered.unique[u]).name(),
                    task,
                    doc_id,
                    unit,
                    more: 0,
                });
            }
        }
    }
    // `origin` comes from `dedup` and points into `answers`, so `restore` always succeeds.
    let mut flat = restore(&gathered.origin, answers)
        .unwrap_or_default()
        .into_iter();
    let mut result: Vec<Vec<Vec<Response>>> = corpus
        .docs
        .iter()
        .map(|docs| {
            docs.iter()
                .map(|doc| Vec::with_capacity(doc.requests.len()))
                .collect()
        })
        .collect();
    for owner in &gathered.owners {
        if let Some(response) = flat.next() {
            result[owner.task][owner.doc].push(response);
        }
    }
    Ok(result)
}
