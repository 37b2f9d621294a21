//! Why a run or a merge failed; each error names the folder, file, flag or task at fault and says
//! what to do.

use std::path::PathBuf;

use crate::model::ModelError;
use crate::task::TaskError;

/// A run, a merge, or one of their files failed.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `--shard` is not of the form `I/N` with `0 <= I < N`.
    #[error("invalid --shard `{given}`: {reason}; expected I/N with 0 <= I < N, e.g. --shard 0/4")]
    InvalidShard {
        /// The value as given.
        given: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Another live process holds the output folder.
    #[error(
        "output folder {} is in use by another babelbench process{holder}; wait for it to \
         finish or pass another --output folder",
        dir.display()
    )]
    Locked {
        /// The folder.
        dir: PathBuf,
        /// ` (pid N)` when the holder recorded its pid, else empty.
        holder: String,
    },
    /// The output folder holds a run of another model.
    #[error(
        "output folder {} holds a run of another model (fingerprint {found}; this model is \
         {expected}); pass a fresh --output folder",
        dir.display()
    )]
    FingerprintMismatch {
        /// The folder.
        dir: PathBuf,
        /// Fingerprint recorded in the folder.
        found: String,
        /// Fingerprint of the model of this run.
        expected: String,
    },
    /// The output folder holds files that no babelbench run wrote.
    #[error(
        "output folder {} is not a babelbench run folder (it holds `{entry}`); pass an empty or \
         new --output folder",
        dir.display()
    )]
    ForeignFolder {
        /// The folder.
        dir: PathBuf,
        /// One entry that babelbench did not write.
        entry: String,
    },
    /// A run-folder file (manifest, plan) cannot be parsed.
    #[error("{}: {message}; delete the folder's files or pass a fresh --output folder", path.display())]
    InvalidFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The response cache file does not start with the cache header.
    #[error(
        "{}: not a babelbench response cache (unknown header); move the file away or pass a \
         fresh --output folder",
        path.display()
    )]
    CacheHeader {
        /// The cache file.
        path: PathBuf,
    },
    /// A response could not be encoded for the cache.
    #[error("{}: cannot encode a response: {message}", path.display())]
    CacheEncode {
        /// The cache file.
        path: PathBuf,
        /// The encoder's message.
        message: String,
    },
    /// A request could not be serialized to compute its cache key.
    #[error("cannot serialize a request for its cache key: {message}")]
    RequestEncode {
        /// The serializer's message.
        message: String,
    },
    /// The model fingerprint was asked of no files.
    #[error(
        "a model fingerprint needs at least one file (weights, tokenizer); pass the model's files"
    )]
    NoFingerprintFiles,
    /// No task was given.
    #[error("no tasks to run; pass --tasks with at least one task or group")]
    NoTasks,
    /// Two tasks share a name.
    #[error("two tasks are named `{task}`; list each task once in --tasks")]
    DuplicateTask {
        /// The name.
        task: String,
    },
    /// A task has no documents.
    #[error("task {task} has no documents; check its data or raise --limit")]
    NoDocs {
        /// The task.
        task: String,
    },
    /// A task failed to build its documents or to score the responses.
    #[error(transparent)]
    Task(#[from] TaskError),
    /// The model failed on a batch.
    #[error(
        "model failed on a {kind} batch of {size} requests (first from task {task}, document \
         {doc_id}; finished batches are cached, rerun the same command to resume)"
    )]
    Model {
        /// Request kind of the batch.
        kind: &'static str,
        /// Requests in the batch.
        size: usize,
        /// Task of the batch's first request.
        task: String,
        /// Document of the batch's first request.
        doc_id: String,
        /// The model's error.
        source: ModelError,
    },
    /// The model answered a different number of requests than it was asked.
    #[error(
        "model answered {got} of {expected} {kind} requests of a batch; the backend must answer \
         every request, in order"
    )]
    AnswerCount {
        /// Request kind of the batch.
        kind: &'static str,
        /// Requests in the batch.
        expected: usize,
        /// Answers received.
        got: usize,
    },
    /// A table writer failed.
    #[error("cannot write {}: {source}", path.display())]
    Table {
        /// The table file.
        path: PathBuf,
        /// The writer's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// `merge` was given no folder.
    #[error("merge needs at least one shard folder; pass the folders the shards wrote")]
    NoShards,
    /// A shard folder lacks its manifest or plan.
    #[error(
        "{} is not a babelbench run folder (no {file}); pass the folders written by \
         `babelbench run --shard I/N`",
        dir.display()
    )]
    NotARunFolder {
        /// The folder.
        dir: PathBuf,
        /// The missing file.
        file: &'static str,
    },
    /// A shard's run has not finished.
    #[error(
        "shard folder {} is unfinished (its manifest has no finished_at), so its {count} unit(s) \
         are missing from the merge: {units}; rerun its `babelbench run --shard` command to \
         complete it",
        dir.display()
    )]
    UnfinishedShard {
        /// The folder.
        dir: PathBuf,
        /// How many units the shard was assigned.
        count: usize,
        /// The first of them.
        units: String,
    },
    /// Two shard folders belong to different runs.
    #[error(
        "shard folders {} and {} belong to different runs ({what} differs); merge the shards of \
         one run only",
        first.display(),
        other.display()
    )]
    ShardsDiffer {
        /// The first folder.
        first: PathBuf,
        /// The folder that differs from it.
        other: PathBuf,
        /// What differs.
        what: String,
    },
    /// A shard folder assigns a unit that the plan does not hold.
    #[error(
        "shard folder {} lists unit {unit}, which its plan does not hold; rerun that shard",
        dir.display()
    )]
    UnknownUnit {
        /// The folder.
        dir: PathBuf,
        /// The unit id.
        unit: String,
    },
    /// Some units of the plan are in no shard folder.
    #[error(
        "the shard folders do not cover {count} unit(s) of the plan: {units}; run the missing \
         shards and pass their folders too"
    )]
    MissingUnits {
        /// How many units are missing.
        count: usize,
        /// The first missing unit ids.
        units: String,
    },
    /// Some units are in two or more shard folders.
    #[error(
        "{count} unit(s) are in more than one shard folder: {units}; pass each shard's folder \
         once, all from the same --shard I/N split"
    )]
    DuplicateUnits {
        /// How many units are duplicated.
        count: usize,
        /// The first duplicated units with their folders.
        units: String,
    },
    /// The merge output folder is one of the shard folders.
    #[error("merge output {} is one of the shard folders; pass a fresh --out folder", dir.display())]
    MergeIntoShard {
        /// The folder.
        dir: PathBuf,
    },
    /// The tasks given to `merge` are not the ones the shards planned.
    #[error(
        "task {task}: {message}; rebuild the tasks with the options recorded in the shards' manifest"
    )]
    TaskMismatch {
        /// The task.
        task: String,
        /// What differs.
        message: String,
    },
    /// No shard cached the response to a request of the plan.
    #[error(
        "no shard folder holds the {kind} response for task {task}, document {doc_id} (unit \
         {unit}), nor for {more} other request(s); rerun the shard that holds that unit"
    )]
    MissingResponse {
        /// Request kind.
        kind: &'static str,
        /// Task of the first missing request.
        task: String,
        /// Its document.
        doc_id: String,
        /// Its unit.
        unit: String,
        /// How many more requests are missing.
        more: usize,
    },
}

impl EvalError {
    /// An [`EvalError::Io`] about `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EvalError::Io {
            path: path.into(),
            source,
        }
    }
}
