use reports::data::ReportData;
use reports::leaderboard::{LanguageFilter, leaderboards};
use reports::metrics::Alignment;
use reports::mexa::{Measure, correlations, english_adjusted, layer_curves};
use reports::run::open_runs;
use reports::table::Cell;

use crate::fixtures::{alpha_v1, beta, close, gamma, languages, write_run};

fn data() -> (tempfile::TempDir, ReportData) {
    let dir = tempfile::tempdir().unwrap();
    let dirs = vec![
        write_run(dir.path(), &alpha_v1()),
        write_run(dir.path(), &beta()),
    ];
    let data = ReportData::load(open_runs(&dirs).unwrap(), &languages()).unwrap();
    (dir, data)
}

fn numbers(row: &[Cell]) -> Vec<f64> {
    row.iter()
        .skip(1)
        .map(|cell| match cell {
            Cell::Number(Some(value)) => *value,
            other => panic!("expected a number, got {other:?}"),
        })
        .collect()
}

fn assert_row(row: &[Cell], model: &str, expected: [f64; 4]) {
    assert_eq!(row[0], Cell::Text(model.to_string()));
    for (actual, expected) in numbers(row).into_iter().zip(expected) {
        close(actual, expected);
    }
}

#[test]
fn primary_metrics_and_views() {
    let (_dir, data) = data();
    let groups: Vec<(&str, &str)> = data
        .groups
        .iter()
        .map(|g| (g.group.as_str(), g.metric.as_str()))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("belebele", "acc"),
            ("mexa", "mexa_weighted_mean_mean"),
            ("sib200", "acc")
        ]
    );
    let views = leaderboards(&data).unwrap();
    let filters: Vec<LanguageFilter> = views.iter().map(|v| v.filter.clone()).collect();
    assert_eq!(
        filters,
        vec![
            LanguageFilter::All,
            LanguageFilter::Class(2),
            LanguageFilter::Class(5),
            LanguageFilter::Script("Ethi".into()),
            LanguageFilter::Script("Latn".into()),
        ]
    );
    assert_eq!(
        views[0].table.columns,
        vec![
            "model",
            "belebele (acc)",
            "mexa (mexa_weighted_mean_mean)",
            "sib200 (acc)",
            "average"
        ]
    );
}

#[test]
fn macro_averages_by_hand() {
    let (_dir, data) = data();
    let views = leaderboards(&data).unwrap();
    // Overall: alpha belebele (80+50+40)/3, MEXA (70+40+20)/3, SIB-200 (70+60+30)/3, average of the three.
    assert_row(
        &views[0].table.rows[0],
        "alpha",
        [170.0 / 3.0, 130.0 / 3.0, 160.0 / 3.0, 460.0 / 9.0],
    );
    // beta: (90+40+50)/3, (70+30+10)/3, (80+50+50)/3.
    assert_row(
        &views[0].table.rows[1],
        "beta",
        [60.0, 110.0 / 3.0, 60.0, 470.0 / 9.0],
    );
    // Class 2 = Swahili and Amharic.
    assert_row(&views[1].table.rows[0], "alpha", [45.0, 30.0, 45.0, 40.0]);
    assert_row(
        &views[1].table.rows[1],
        "beta",
        [45.0, 20.0, 50.0, 115.0 / 3.0],
    );
    // Script Ethi = Amharic only.
    assert_row(&views[3].table.rows[0], "alpha", [40.0, 20.0, 30.0, 30.0]);
}

#[test]
fn exports_every_view_as_csv_and_markdown() {
    let (_dir, data) = data();
    let views = leaderboards(&data).unwrap();
    assert_eq!(
        views[1].table.to_markdown(),
        "| model | belebele (acc) | mexa (mexa_weighted_mean_mean) | sib200 (acc) | average |\n\
         | --- | ---: | ---: | ---: | ---: |\n\
         | alpha | 45.0 | 30.0 | 45.0 | 40.0 |\n\
         | beta | 45.0 | 20.0 | 50.0 | 38.3 |\n"
    );
    let csv = views[3].table.to_csv();
    assert_eq!(
        csv,
        "model,belebele (acc),mexa (mexa_weighted_mean_mean),sib200 (acc),average\r\n\
         alpha,40,20,30,30\r\n\
         beta,50,10,50,36.666666666666664\r\n"
    );
}

#[test]
fn mexa_curves_and_correlations_by_hand() {
    let (_dir, data) = data();
    let curves = layer_curves(&data);
    assert_eq!(curves.len(), 2);
    assert_eq!(
        (curves[0].model.as_str(), curves[0].pooling.as_str()),
        ("alpha", "weighted_mean")
    );
    assert_eq!(curves[0].layers, vec![0, 1]);
    let german = &curves[0].curves[1];
    assert_eq!(german.0, "deu_Latn");
    close(german.1[0].unwrap(), 50.0);
    close(german.1[1].unwrap(), 90.0);

    let scores = data.primary_scores().unwrap();
    let found = correlations(&data, &scores);
    let pairs: Vec<(&str, &str)> = found
        .iter()
        .map(|c| (c.model.as_str(), c.target_group.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("alpha", "belebele"),
            ("alpha", "sib200"),
            ("beta", "belebele"),
            ("beta", "sib200")
        ]
    );
    // alpha: MEXA (20, 70, 40) and Belebele (40, 80, 50) for (amh, deu, swh); deviations ×3:
    // x (−70, 80, −10), y (−50, 70, −20): r = 9300 / √(11400 · 7800); ranks agree: ρ = 1.
    close(
        found[0].pearson.unwrap(),
        9300.0 / (11400.0f64 * 7800.0).sqrt(),
    );
    close(found[0].spearman.unwrap(), 1.0);
    // alpha vs SIB-200 (30, 70, 60): y deviations ×3 (−70, 50, 20): r = 8700 / √(11400 · 7800).
    close(
        found[1].pearson.unwrap(),
        8700.0 / (11400.0f64 * 7800.0).sqrt(),
    );
    assert_eq!(found[0].points.len(), 3);
}

#[test]
fn ranker_and_english_adjusted_mexa_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = vec![write_run(dir.path(), &gamma())];
    let data = ReportData::load(open_runs(&dirs).unwrap(), &languages()).unwrap();

    // MEXA curves in percent, then the Language Ranker's as cosines.
    let curves = layer_curves(&data);
    let kinds: Vec<(Alignment, &str)> = curves
        .iter()
        .map(|c| (c.alignment, c.pooling.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Alignment::Mexa, "weighted_mean"),
            (Alignment::Ranker, "last")
        ]
    );
    let german = &curves[1].curves[1];
    assert_eq!(german.0, "deu_Latn");
    close(german.1[0].unwrap(), 0.4);
    close(german.1[1].unwrap(), 0.8);
    close(curves[0].curves[1].1[1].unwrap(), 90.0);

    // English-adjusted: the maximum over layers times Belebele eng_Latn (75%), for amh, deu, swh.
    let scores = data.primary_scores().unwrap();
    let adjusted = english_adjusted(&data, &scores);
    let values: Vec<(&str, f64, f64)> = adjusted
        .iter()
        .map(|a| (a.language.as_str(), a.alignment, a.value))
        .collect();
    assert_eq!(values.len(), 3);
    for ((language, alignment, value), (l, m, v)) in values.iter().zip([
        ("amh_Ethi", 0.2, 15.0),
        ("deu_Latn", 0.9, 67.5),
        ("swh_Latn", 0.6, 45.0),
    ]) {
        assert_eq!(*language, l);
        close(*alignment, m);
        close(*value, v);
    }
    assert!(adjusted.iter().all(|a| a.english == 75.0));

    // Against Belebele (20, 80, 50) for (amh, deu, swh); no SIB-200 in this run.
    let found = correlations(&data, &scores);
    let measures: Vec<(Measure, &str)> = found
        .iter()
        .map(|c| (c.measure, c.target_group.as_str()))
        .collect();
    assert_eq!(
        measures,
        vec![
            (Measure::Mexa, "belebele"),
            (Measure::Ranker, "belebele"),
            (Measure::EnglishAdjustedMexa, "belebele")
        ]
    );
    // Ranker means (0.25, 0.6, 0.4), deviations ×60 (−10, 11, −1); Belebele deviations
    // (−30, 30, 0): r = 630 / √(222 · 1800).
    close(
        found[1].pearson.unwrap(),
        630.0 / (222.0f64 * 1800.0).sqrt(),
    );
    close(found[1].spearman.unwrap(), 1.0);
    close(found[1].points[1].1, 0.6);
    // Adjusted (15, 67.5, 45), deviations (−27.5, 25, 2.5): r = 1575 / √(1387.5 · 1800), the
    // same as the unscaled maxima (0.2, 0.9, 0.6) give.
    close(
        found[2].pearson.unwrap(),
        1575.0 / (1387.5f64 * 1800.0).sqrt(),
    );
    close(found[2].points[1].1, 67.5);
    // MEXA, the group's primary metric: means (15, 70, 45).
    close(found[0].points[1].1, 70.0);
}
