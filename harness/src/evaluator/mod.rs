//! The run engine: plans the work, runs a shard of it through the model in collated batches with
//! a persistent response cache, scores it, and writes the run folder; and merges shard folders.
//!
//! A run folder holds:
//! - `manifest.json` ([`crate::results::RunManifest`]): written when the run starts, rewritten
//!   with `finished_at` and per-phase seconds when it ends;
//! - `plan.json` ([`PlanFile`]): the full plan, the shard, and the units this folder computed;
//! - `responses.cache` ([`ResponseCache`]): every model answer, appended after each batch;
//! - `.lock`: held while a process writes the folder;
//! - for a whole run or a merge: `results.json` (lm-evaluation-harness's shape),
//!   `samples.jsonl`, `results.jsonl`, and through a [`TableWriter`] `samples.parquet` and
//!   `results.parquet`.
//!
//! Every file except the cache (append-only, checksummed) is replaced atomically.

mod cache;
mod collate;
mod dispatch;
mod engine;
mod error;
mod evaluate;
mod files;
mod fingerprint;
mod finish;
mod folder;
mod groups;
mod lm_eval;
mod lock;
mod merge;
mod output;
mod plan;
mod prepare;
mod progress;
mod run;

pub use cache::{CACHE_FILE, CacheRecovery, CacheSnapshot, HEADER, RequestKey, ResponseCache};
pub use collate::{
    Batch, BatchGroup, Deduped, RequestKind, dedup, make_batches, request_length, restore,
};
pub use engine::RequestStats;
pub use error::EvalError;
pub use fingerprint::model_fingerprint;
pub use lock::{LOCK_FILE, RunLock};
pub use merge::{MergeSpec, ShardFolder, check_shards, merge};
pub use output::{
    Evaluated, MANIFEST_FILE, RESULTS_JSON, RESULTS_JSONL, RESULTS_TABLE, SAMPLES_JSONL,
    SAMPLES_TABLE, TableError, TableWriter,
};
pub use plan::{DEFAULT_UNIT_SIZE, PLAN_FILE, Plan, PlanFile, Shard, TaskPlan, WorkUnit};
pub use progress::{
    NoProgress, PHASE_DOCS, PHASE_EVALUATE, PHASE_IMPORT, PHASE_WRITE, Progress, ProgressUpdate,
};
pub use run::{RunIdentity, RunReport, RunSpec, run};
