use reports::compare::Change;
use reports::history::{HistoryOrder, TrendFlag, history};

use crate::fixtures::{alpha_v1, alpha_v2, close, languages, write_run};

#[test]
fn trends_ordered_by_start_time_with_flags_beyond_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    // Given newest first; ordered by started_at.
    let dirs = vec![
        write_run(dir.path(), &alpha_v2()),
        write_run(dir.path(), &alpha_v1()),
    ];
    let history = history(&dirs, HistoryOrder::StartedAt, &languages()).unwrap();
    let labels: Vec<&str> = history.runs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["alpha (alpha_v1)", "alpha (alpha_v2)"]);

    let belebele = &history.groups[0];
    assert_eq!(belebele.group.group, "belebele");
    close(belebele.values[0].unwrap(), 170.0 / 3.0);
    close(belebele.values[1].unwrap(), 200.0 / 3.0);
    let sib = &history.groups[2];
    close(sib.values[1].unwrap(), 100.0 / 3.0);

    // Intervals are value ± 10 points; MEXA has none, so it is never flagged.
    let flagged: Vec<(&str, Change)> = history
        .flagged()
        .iter()
        .map(|(trend, flag)| (trend.task.as_str(), flag.change))
        .collect();
    assert_eq!(
        flagged,
        [
            ("belebele_amh_Ethi", Change::Improved), // 40 → 100, above 50
            ("belebele_deu_Latn", Change::Improved), // 80 → 100, above 90
            ("belebele_swh_Latn", Change::Regressed), // 50 → 0, below 40
            ("sib200_swh_Latn", Change::Regressed),  // 60 → 0, below 50
        ]
    );
}

#[test]
fn given_order_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = vec![
        write_run(dir.path(), &alpha_v2()),
        write_run(dir.path(), &alpha_v1()),
    ];
    let history = history(&dirs, HistoryOrder::Given, &languages()).unwrap();
    let german = history
        .tasks
        .iter()
        .find(|t| t.task == "belebele_deu_Latn")
        .unwrap();
    // 100 (interval [90, 110]) → 80: worse.
    assert_eq!(
        german.flags,
        vec![TrendFlag {
            from: 0,
            to: 1,
            change: Change::Regressed
        }]
    );
}
