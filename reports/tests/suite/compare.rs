use reports::compare::Change;
use reports::{compare, site::write_comparison};

use crate::fixtures::{alpha_v1, alpha_v2, close, languages, write_run};

/// `(task, B−A, CI low, CI high, change)` of every row, in row order.
type Expected = (&'static str, f64, f64, f64, Change);

#[test]
fn paired_bootstrap_per_task_and_language_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_run(dir.path(), &alpha_v1());
    let b = write_run(dir.path(), &alpha_v2());
    let comparison = compare(&a, &b).unwrap();
    assert_eq!(comparison.run_a.label, "alpha (alpha_v1)");
    assert_eq!(comparison.settings.resamples, 1000);
    // Per-document differences (points) and the resulting 95% intervals:
    // belebele amh (0,0,100,100,100): resample means k·20 with k ~ Bin(5, 0.6); P(k=0) ≈ 0.010 and
    //   P(k≤1) ≈ 0.087 put the 2.5th percentile at 20, P(k=5) ≈ 0.078 the 97.5th at 100.
    // belebele deu (0,0,0,0,100): k ~ Bin(5, 0.2): P(k=0) ≈ 0.33 → 0; P(k≤2) ≈ 0.942, P(k≤3) ≈ 0.993 → 60.
    // belebele swh (−100, 0): means −100, −50, 0 with probabilities ¼, ½, ¼ → [−100, 0].
    // MEXA and SIB-200 amh/deu: identical scores → [0, 0].
    // sib200 swh (−100,−100,−100,0,0): mirror of belebele amh → [−100, −20].
    let expected: [Expected; 9] = [
        ("belebele_amh_Ethi", 60.0, 20.0, 100.0, Change::Improved),
        ("belebele_deu_Latn", 20.0, 0.0, 60.0, Change::Unchanged),
        ("belebele_swh_Latn", -50.0, -100.0, 0.0, Change::Unchanged),
        ("mexa_amh_Ethi", 0.0, 0.0, 0.0, Change::Unchanged),
        ("mexa_deu_Latn", 0.0, 0.0, 0.0, Change::Unchanged),
        ("mexa_swh_Latn", 0.0, 0.0, 0.0, Change::Unchanged),
        ("sib200_amh_Ethi", 0.0, 0.0, 0.0, Change::Unchanged),
        ("sib200_deu_Latn", 0.0, 0.0, 0.0, Change::Unchanged),
        ("sib200_swh_Latn", -60.0, -100.0, -20.0, Change::Regressed),
    ];
    assert_eq!(comparison.rows.len(), expected.len());
    for (row, (task, difference, low, high, change)) in comparison.rows.iter().zip(expected) {
        assert_eq!(row.task, task);
        close(row.difference.difference, difference);
        close(row.difference.ci_low, low);
        close(row.difference.ci_high, high);
        assert_eq!(row.change, change, "{task}");
    }
    let german_mexa = &comparison.rows[4];
    assert_eq!(german_mexa.sample_metric, "weighted_mean_aligned_fraction");
    assert_eq!(german_mexa.pairs, 3);
    close(german_mexa.mean_a, 70.0);

    let text = comparison.to_terminal(&languages());
    assert!(
        text.contains("\nimproved: Amharic (belebele_amh_Ethi)\n"),
        "{text}"
    );
    assert!(
        text.contains("\nregressed: Swahili (sib200_swh_Latn)\n"),
        "{text}"
    );
    let amharic = text
        .lines()
        .find(|l| l.starts_with("belebele_amh_Ethi"))
        .unwrap();
    assert_eq!(
        amharic.split_whitespace().collect::<Vec<_>>(),
        [
            "belebele_amh_Ethi",
            "Amharic",
            "acc",
            "5",
            "40.00",
            "100.00",
            "60.00",
            "20.00",
            "100.00",
            "▲"
        ]
    );
}

#[test]
fn comparison_html_csv_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_run(dir.path(), &alpha_v1());
    let b = write_run(dir.path(), &alpha_v2());
    let comparison = compare(&a, &b).unwrap();
    let out = dir.path().join("cmp");
    let page = write_comparison(&comparison, &languages(), &out).unwrap();
    assert_eq!(page, out.join("compare.html"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<p class=\"improved\">Improved: Amharic (belebele_amh_Ethi)</p>"),
        "{html}"
    );
    assert!(html.contains("<p class=\"regressed\">Regressed: Swahili (sib200_swh_Latn)</p>"));
    assert!(html.contains("class=\"down\">▼</td>"));
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "task,language,metric,n,A,B,B−A,CI low,CI high,sig"
    );
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "belebele_amh_Ethi,Amharic,acc,5,40,100,60,20,100,▲"
    );
    let markdown = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(
        markdown.contains(
            "| sib200_swh_Latn | Swahili | acc | 5 | 60.00 | 0.00 | -60.00 | -100.00 | -20.00 | ▼ |"
        ),
        "{markdown}"
    );
}
