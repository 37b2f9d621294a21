//! The work plan of a run: every task's documents cut into fixed-size units of item indices, in a
//! deterministic order, and the `--shard I/N` rule that deals the units out to shards.

use std::fmt;
use std::num::NonZeroUsize;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::EvalError;
use crate::model::ModelInfo;

/// Documents per unit unless the caller chooses otherwise.
pub const DEFAULT_UNIT_SIZE: NonZeroUsize = NonZeroUsize::new(100).unwrap();

/// File name of the plan in a run folder.
pub const PLAN_FILE: &str = "plan.json";

/// Shard `index` of `count`: it runs the units at positions `p` with `p % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    /// Shard `index` of `count`; fails unless `index < count`.
    pub fn new(index: usize, count: usize) -> Result<Shard, EvalError> {
        let given = format!("{index}/{count}");
        Shard::checked(index, count, &given)
    }

    fn checked(index: usize, count: usize, given: &str) -> Result<Shard, EvalError> {
        let invalid = |reason: String| EvalError::InvalidShard {
            given: given.to_string(),
            reason,
        };
        if count == 0 {
            return Err(invalid("the shard count N must be at least 1".to_string()));
        }
        if index >= count {
            return Err(invalid(format!(
                "the shard index {index} is not below the shard count {count} (indices are 0-based)"
            )));
        }
        Ok(Shard { index, count })
    }

    /// The 0-based shard index.
    pub fn index(self) -> usize {
        self.index
    }

    /// The number of shards.
    pub fn count(self) -> usize {
        self.count
    }

    /// Whether the unit at `position` of the plan's unit list belongs to this shard.
    pub fn holds(self, position: usize) -> bool {
        position % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = EvalError;

    /// Parses `I/N`, e.g. `0/4`.
    fn from_str(given: &str) -> Result<Shard, EvalError> {
        let invalid = |reason: String| EvalError::InvalidShard {
            given: given.to_string(),
            reason,
        };
        let (index, count) = given
            .split_once('/')
            .ok_or_else(|| invalid("there is no `/`".to_string()))?;
        let number = |text: &str, what: &str| {
            text.trim()
                .parse::<usize>()
                .map_err(|_| invalid(format!("the {what} `{text}` is not a non-negative integer")))
        };
        Shard::checked(
            number(index, "shard index")?,
            number(count, "shard count")?,
            given,
        )
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl TryFrom<String> for Shard {
    type Error = EvalError;

    fn try_from(text: String) -> Result<Shard, EvalError> {
        text.parse()
    }
}

impl From<Shard> for String {
    fn from(shard: Shard) -> String {
        shard.to_string()
    }
}

/// Documents `start..end` of one task: the unit of sharding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkUnit {
    /// The task name.
    pub task: String,
    /// First document index.
    pub start: usize,
    /// One past the last document index.
    pub end: usize,
}

impl WorkUnit {
    /// The unit's id, `task:start-end`.
    pub fn id(&self) -> String {
        format!("{}:{}-{}", self.task, self.start, self.end)
    }
}

/// A task as the plan saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPlan {
    /// The task name.
    pub name: String,
    /// The task signature.
    pub signature: String,
    /// Its number of documents.
    pub num_docs: usize,
}

/// Every unit of a run, in order: tasks by name, each task's units by document index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Documents per unit (the last unit of a task may hold fewer).
    pub unit_size: usize,
    /// The tasks, by name.
    pub tasks: Vec<TaskPlan>,
    /// The units.
    pub units: Vec<WorkUnit>,
}

impl Plan {
    /// Plans `tasks` (sorted by name here) in units of `unit_size` documents.
    pub fn new(mut tasks: Vec<TaskPlan>, unit_size: NonZeroUsize) -> Plan {
        tasks.sort_by(|a, b| a.name.cmp(&b.name));
        let size = unit_size.get();
        let units = tasks
            .iter()
            .flat_map(|task| {
                (0..task.num_docs).step_by(size).map(|start| WorkUnit {
                    task: task.name.clone(),
                    start,
                    end: (start + size).min(task.num_docs),
                })
            })
            .collect();
        Plan {
            unit_size: size,
            tasks,
            units,
        }
    }

    /// The units `shard` runs (all of them for `None`), in plan order.
    pub fn assigned(&self, shard: Option<Shard>) -> Vec<&WorkUnit> {
        self.units
            .iter()
            .enumerate()
            .filter(|&(position, _)| shard.is_none_or(|s| s.holds(position)))
            .map(|(_, unit)| unit)
            .collect()
    }
}

/// `plan.json`: what a run folder was asked to compute, so `merge` can check that shards fit
/// together and cover the plan exactly once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
    /// The model fingerprint.
    pub model_fingerprint: String,
    /// What the model is.
    pub model: ModelInfo,
    /// Requests per model call.
    pub batch_size: usize,
    /// The shard this folder holds, `None` for a whole run.
    pub shard: Option<Shard>,
    /// The full plan, the same in every shard of a run.
    pub plan: Plan,
    /// Ids of the units this folder computed.
    pub assigned: Vec<String>,
}
