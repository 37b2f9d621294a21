use std::path::PathBuf;

use reports::site::build;

use crate::fixtures::{alpha_v1, alpha_v2, beta, delta, gamma, languages, write_run};

/// Builds the site of alpha v1, alpha v2 and beta into `<tmp>/site`.
pub fn build_fixture_site() -> (tempfile::TempDir, reports::site::Site) {
    let dir = tempfile::tempdir().unwrap();
    let dirs = vec![
        write_run(dir.path(), &alpha_v1()),
        write_run(dir.path(), &alpha_v2()),
        write_run(dir.path(), &beta()),
    ];
    let site = build(&dirs, &languages(), &dir.path().join("site")).unwrap();
    (dir, site)
}

/// The site of the translator run `delta` alone.
pub fn build_translation_site() -> (tempfile::TempDir, reports::site::Site) {
    let dir = tempfile::tempdir().unwrap();
    let dirs = vec![write_run(dir.path(), &delta())];
    let site = build(&dirs, &languages(), &dir.path().join("site")).unwrap();
    (dir, site)
}

fn read(site: &reports::site::Site, page: &str) -> String {
    std::fs::read_to_string(site.root.join(page)).unwrap()
}

#[test]
fn writes_every_page_and_table() {
    let (_dir, site) = build_fixture_site();
    let pages: Vec<String> = site.pages.iter().map(|p| p.display().to_string()).collect();
    let mut expected: Vec<String> = [
        "index.html",
        "models/alpha--alpha_v1.html",
        "models/alpha--alpha_v2.html",
        "models/beta.html",
        "groups/belebele.html",
        "groups/mexa.html",
        "groups/sib200.html",
        "mexa.html",
    ]
    .map(String::from)
    .to_vec();
    for group in ["belebele", "mexa", "sib200"] {
        for language in ["amh_Ethi", "deu_Latn", "swh_Latn"] {
            expected.push(format!("samples/{group}_{language}--{language}.html"));
        }
    }
    expected.push("samples/index.html".into());
    expected.push("history.html".into());
    assert_eq!(pages, expected);
    for page in &site.pages {
        assert!(site.root.join(page).is_file(), "{}", page.display());
    }
    let tables: Vec<PathBuf> = site.tables.clone();
    assert_eq!(
        tables.len(),
        2 * (5 + 3) + 1,
        "5 leaderboard views and 3 groups, CSV and Markdown each, and alignment.parquet"
    );
    assert!(tables.contains(&PathBuf::from("tables/leaderboard-class-2.md")));
}

#[test]
fn leaderboard_page_links_models_and_exports() {
    let (_dir, site) = build_fixture_site();
    let index = read(&site, "index.html");
    // minijinja escapes `/` in attributes as `&#x2f;`, which browsers read back as `/`.
    assert!(
        index.contains(
            "<td><a href=\"models&#x2f;beta.html\">beta</a></td><td data-value=\"60.0\">60.0</td>"
        ),
        "{index}"
    );
    assert!(index.contains("href=\"tables&#x2f;leaderboard-script-Ethi.csv\""));
    assert!(
        !index.contains("http://") && !index.contains("https://"),
        "no external resources"
    );
    let csv = read(&site, "tables/leaderboard-overall.csv");
    assert_eq!(
        csv.lines().next().unwrap(),
        "model,belebele (acc),mexa (mexa_weighted_mean_mean),sib200 (acc),average"
    );
    assert_eq!(
        csv.lines().nth(3).unwrap(),
        "beta,60,36.666666666666664,60,52.22222222222222"
    );
}

#[test]
fn group_pages_have_bar_charts_and_heatmaps() {
    let (_dir, site) = build_fixture_site();
    let page = read(&site, "groups/belebele.html");
    assert_eq!(page.matches("<svg").count(), 2);
    assert!(
        page.contains("<title>German (deu_Latn): beta: 90.00</title>"),
        "{page}"
    );
    assert!(page.contains("<title>Amharic (amh_Ethi), alpha (alpha_v2): 100.0</title>"));
    // Languages sorted by their mean over models, best first: German (90), Amharic (63.3), Swahili (30).
    let german = page.find("German (deu_Latn)").unwrap();
    let amharic = page.find("Amharic (amh_Ethi)").unwrap();
    let swahili = page.find("Swahili (swh_Latn)").unwrap();
    assert!(german < amharic && amharic < swahili);
}

#[test]
fn mexa_page_has_curves_scatters_and_correlations() {
    let (_dir, site) = build_fixture_site();
    let page = read(&site, "mexa.html");
    // Three curve charts (one per run) and six scatters (runs × Belebele, SIB-200).
    assert_eq!(page.matches("<svg").count(), 9);
    // alpha v1 against Belebele: 9300 / √(11400 · 7800) = 0.986.
    assert!(
        page.contains("Pearson r = 0.986, Spearman ρ = 1.000, 3 languages"),
        "{page}"
    );
}

#[test]
fn sample_pages_escape_text() {
    let (_dir, site) = build_fixture_site();
    let page = read(&site, "samples/belebele_deu_Latn--deu_Latn.html");
    assert!(page.contains("Question 0 &lt;deu_Latn&gt; &amp; more"));
    assert!(!page.contains("<deu_Latn>"));
    // The header, then 5 + 5 + 10 documents of alpha v1, alpha v2 and beta.
    assert_eq!(page.matches("<tr>").count(), 1 + 20);
}

#[test]
fn history_page_rings_changes_beyond_the_interval() {
    let (_dir, site) = build_fixture_site();
    let page = read(&site, "history.html");
    // belebele amh, deu, swh and sib200 swh.
    assert_eq!(page.matches("class=\"flag\"").count(), 4);
    assert!(page.contains("<td class=\"down\">▼ worse</td>"));
}

#[test]
fn mexa_page_has_ranker_and_english_adjusted_sections_and_alignment_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = vec![write_run(dir.path(), &gamma())];
    let site = build(&dirs, &languages(), &dir.path().join("site")).unwrap();
    let page = read(&site, "mexa.html");
    assert!(
        page.contains("<h2>Language Ranker per layer</h2>"),
        "{page}"
    );
    assert!(page.contains("<h2>English-adjusted MEXA</h2>"), "{page}");
    assert!(page.contains("<h2>Language Ranker against task accuracy</h2>"));
    assert!(page.contains("<h2>English-adjusted MEXA against task accuracy</h2>"));
    // Curves: MEXA and Ranker; scatters: MEXA, Ranker and adjusted against Belebele.
    assert_eq!(page.matches("<svg").count(), 5);
    // r = 630 / √(222 · 1800) = 0.997 for the Ranker.
    assert!(
        page.contains("Pearson r = 0.997, Spearman ρ = 1.000, 3 languages"),
        "{page}"
    );
    assert!(page.contains("67.5"), "German adjusted: 0.9 × 75");

    assert!(site.tables.contains(&PathBuf::from("alignment.parquet")));
    let frame = reports::run_files::scan_parquet(&site.root.join("alignment.parquet"))
        .unwrap()
        .collect()
        .unwrap();
    let metric: Vec<&str> = frame
        .column("metric")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(Option::unwrap)
        .collect();
    let value: Vec<f64> = frame
        .column("value")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let language: Vec<&str> = frame
        .column("language")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(Option::unwrap)
        .collect();
    let find = |m: &str, l: &str| {
        (0..frame.height())
            .find(|&i| metric[i] == m && language[i] == l)
            .map(|i| value[i])
            .unwrap_or_else(|| panic!("no {m} for {l}"))
    };
    // 3 languages × (mexa mean, mexa max, ranker mean, ranker max, adjusted).
    assert_eq!(frame.height(), 15);
    assert!((find("ranker_last_mean", "swh_Latn") - 0.4).abs() < 1e-12);
    assert!((find("mexa_weighted_mean_max", "deu_Latn") - 0.9).abs() < 1e-12);
    assert!((find("mexa_adjusted_belebele", "deu_Latn") - 0.675).abs() < 1e-12);
}

#[test]
fn flores_group_page_shows_output_language_beside_chrf() {
    let (_dir, site) = build_translation_site();
    // chrF++ 40 and 27.5 with the two off-target outputs zeroed; Swahili is not covered.
    assert_eq!(
        read(&site, "tables/group-flores-output-language.csv"),
        "task,model,chrF++,chrF++ (off-target = 0),off-target %,wrong script %\r\n\
         flores_deu_Latn,delta,40,27.5,50,25\r\n\
         flores_swh_Latn,delta,25,,,50\r\n"
    );
    let page = read(&site, "groups/flores.html");
    assert!(page.contains("<table class=\"sortable\" id=\"output-language\">"));
    assert!(page.contains("<td data-value=\"27.5\">27.5</td>"), "{page}");
}

#[test]
fn sample_pages_mark_off_target_outputs() {
    let (_dir, site) = build_translation_site();
    let page = read(&site, "samples/flores_deu_Latn--deu_Latn.html");
    assert!(
        page.contains("<td class=\"off-target\">eng_Latn</td>"),
        "{page}"
    );
    assert_eq!(page.matches("class=\"off-target\"").count(), 2);
    assert_eq!(
        page.matches("<td class=\"wrong-script\">Ethi</td>").count(),
        1
    );
    assert!(page.contains("data-flag=\"off-target\""));
    // Swahili has no off-target verdicts, only the script's.
    let page = read(&site, "samples/flores_swh_Latn--swh_Latn.html");
    assert_eq!(page.matches("class=\"off-target\"").count(), 0);
    assert_eq!(page.matches("class=\"wrong-script\"").count(), 1);
    // Other tasks have no language columns.
    let (_dir, site) = build_fixture_site();
    let page = read(&site, "samples/belebele_deu_Latn--deu_Latn.html");
    assert!(!page.contains("<label class=\"only-flagged\""));
}
