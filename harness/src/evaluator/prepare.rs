//! Steps shared by `run` and `merge` before the model is asked anything: order the tasks, load
//! their documents and plan them.

use std::collections::{BTreeMap, HashSet};

use super::error::EvalError;
use super::plan::TaskPlan;
use super::progress::{PHASE_DOCS, Phase, Progress};
use crate::task::{Doc, Task};

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
