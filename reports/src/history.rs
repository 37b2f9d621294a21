//! History: runs of one model family on different dates (manifest `started_at`) or checkpoints in
//! a given order; the trend of every task group's macro average and every task's value, with the
//! changes that leave the previous run's 95% interval flagged.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::compare::Change;
use crate::data::{GroupMetric, PrimaryScore, ReportData};
use crate::error::ReportError;
use crate::run::{Run, open_runs};
use crate::stats::mean;
use harness::languages::LanguageTable;

/// How the runs of a history are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryOrder {
    /// By the manifests' `started_at` (RFC 3339 UTC), oldest first; ties keep the given order.
    StartedAt,
    /// In the order given (e.g. checkpoints).
    Given,
}

/// One value of a task in one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendPoint {
    /// The value on the reports' scale.
    pub value: f64,
    /// Lower end of its 95% interval.
    pub ci_low: Option<f64>,
    /// Upper end of its 95% interval.
    pub ci_high: Option<f64>,
}

/// A change between two runs that leaves the earlier run's 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendFlag {
    /// Index (in [`History::runs`]) of the earlier run.
    pub from: usize,
    /// Index of the later run.
    pub to: usize,
    /// Whether the change is for the better.
    pub change: Change,
}

/// The trend of one task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskTrend {
    /// Task name.
    pub task: String,
    /// Task group.
    pub group: String,
    /// Language code.
    pub language: String,
    /// The primary metric.
    pub metric: String,
    /// One point per run; `None` where the run lacks the task.
    pub points: Vec<Option<TrendPoint>>,
    /// Changes beyond the interval, in run order.
    pub flags: Vec<TrendFlag>,
}

/// The trend of one task group's macro average.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupTrend {
    /// The group and its metric.
    pub group: GroupMetric,
    /// The macro average over the group's tasks per run; `None` where the run lacks the group.
    pub values: Vec<Option<f64>>,
}

/// Trends over ordered runs.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The runs, in trend order.
    pub runs: Vec<Run>,
    /// One trend per task group.
    pub groups: Vec<GroupTrend>,
    /// One trend per task, sorted by group then task.
    pub tasks: Vec<TaskTrend>,
}

/// Opens the run folders, orders them and computes their history.
pub fn history(
    run_dirs: &[PathBuf],
    order: HistoryOrder,
    languages: &LanguageTable,
) -> Result<History, ReportError> {
    let mut runs = open_runs(run_dirs)?;
    if order == HistoryOrder::StartedAt {
        runs.sort_by(|a, b| a.manifest.started_at.cmp(&b.manifest.started_at));
    }
    let data = ReportData::load(runs, languages)?;
    let scores = data.primary_scores().map_err(|source| ReportError::Query {
        action: "read the primary metrics",
        dirs: run_dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        source,
    })?;
    Ok(History::from_scores(&data.runs, &data.groups, &scores))
}

impl History {
    /// The history of `runs` (already in trend order) from the primary-metric rows of
    /// [`ReportData`]; rows of other runs are ignored.
    pub fn from_scores(runs: &[Run], groups: &[GroupMetric], scores: &[PrimaryScore]) -> History {
        let index: BTreeMap<&str, usize> = runs
            .iter()
            .enumerate()
            .map(|(i, run)| (run.label.as_str(), i))
            .collect();
        let mut tasks: BTreeMap<(&str, &str), TaskTrend> = BTreeMap::new();
        for score in scores {
            let Some(&run) = index.get(score.model.as_str()) else {
                continue;
            };
            let Some(group) = groups.iter().find(|g| g.group == score.group) else {
                continue;
            };
            let trend = tasks
                .entry((score.group.as_str(), score.task.as_str()))
                .or_insert_with(|| TaskTrend {
                    task: score.task.clone(),
                    group: score.group.clone(),
                    language: score.language.clone(),
                    metric: group.metric.clone(),
                    points: vec![None; runs.len()],
                    flags: Vec::new(),
                });
            trend.points[run] = Some(TrendPoint {
                value: score.value,
                ci_low: score.ci_low,
                ci_high: score.ci_high,
            });
        }
        let mut tasks: Vec<TaskTrend> = tasks.into_values().collect();
        for trend in &mut tasks {
            let higher_is_better = groups
                .iter()
                .find(|g| g.group == trend.group)
                .is_some_and(|g| g.higher_is_better);
            trend.flags = flags(&trend.points, higher_is_better);
        }
        let groups = groups
            .iter()
            .filter(|g| tasks.iter().any(|t| t.group == g.group))
            .map(|g| GroupTrend {
                group: g.clone(),
                values: (0..runs.len())
                    .map(|run| {
                        let values: Vec<f64> = tasks
                            .iter()
                            .filter(|t| t.group == g.group)
                            .filter_map(|t| t.points[run].map(|p| p.value))
                            .collect();
                        mean(&values)
                    })
                    .collect(),
            })
            .collect();
        History {
            runs: runs.to_vec(),
            groups,
            tasks,
        }
    }

    /// Every flagged change, with its task.
    pub fn flagged(&self) -> Vec<(&TaskTrend, TrendFlag)> {
        self.tasks
            .iter()
            .flat_map(|t| t.flags.iter().map(move |f| (t, *f)))
            .collect()
    }
}

/// Changes between consecutive present points that leave the earlier point's interval.
fn flags(points: &[Option<TrendPoint>], higher_is_better: bool) -> Vec<TrendFlag> {
    let present: Vec<(usize, TrendPoint)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (i, p)))
        .collect();
    present
        .windows(2)
        .filter_map(|pair| {
            let ((from, before), (to, after)) = (pair[0], pair[1]);
            let (low, high) = (before.ci_low?, before.ci_high?);
            let rose = after.value > high;
            let fell = after.value < low;
            let change = match (rose || fell, rose == higher_is_better) {
                (false, _) => return None,
                (true, true) => Change::Improved,
                (true, false) => Change::Regressed,
            };
            Some(TrendFlag { from, to, change })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(value: f64, low: f64, high: f64) -> Option<TrendPoint> {
        Some(TrendPoint {
            value,
            ci_low: Some(low),
            ci_high: Some(high),
        })
    }

    #[test]
    fn flags_values_outside_the_previous_interval() {
        let points = [
            point(50.0, 45.0, 55.0),
            point(54.0, 49.0, 59.0), // inside [45, 55]
            None,
            point(40.0, 35.0, 45.0), // below [49, 59], skipping the missing run
            point(46.0, 41.0, 51.0), // above 45
        ];
        assert_eq!(
            flags(&points, true),
            vec![
                TrendFlag {
                    from: 1,
                    to: 3,
                    change: Change::Regressed
                },
                TrendFlag {
                    from: 3,
                    to: 4,
                    change: Change::Improved
                },
            ]
        );
        assert_eq!(flags(&points, false)[0].change, Change::Improved);
    }
}
