//! Opens the generated site in headless Chromium: every page loads without console messages,
//! clicking a header sorts, typing in a filter box filters, the sample browser's off-target
//! switch shows only off-target outputs, and a screenshot is saved.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::site::{build_fixture_site, build_translation_site};

/// The Chromium executable on `PATH`; fails with installation instructions when absent.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser"] {
        for folder in std::env::split_paths(&path) {
            let candidate = folder.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "chromium not found on PATH; the browser test needs it: install it with \
         `apt-get update && apt-get install -y chromium` (Debian's chromium package)"
    );
}

/// Runs headless Chromium on `page` with `extra` arguments; returns (stdout, console lines).
fn run_chromium(profile: &Path, page: &Path, extra: &[String]) -> (String, Vec<String>) {
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium could not be started");
    assert!(
        output.status.success(),
        "chromium failed on {}: {:?}",
        page.display(),
        output
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let console = stderr
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    )
}

/// The model names of the rows of the table `id` in `dom`, in order, with whether each is hidden.
fn rows_of(dom: &str, id: &str) -> Vec<(String, bool)> {
    let start = dom
        .find(&format!("<table class=\"sortable\" id=\"{id}\""))
        .expect("table present");
    let body = &dom[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            let hidden = row.starts_with(" hidden");
            let link = &row[row.find("<a href=").unwrap()..];
            let name = &link[link.find('>').unwrap() + 1..link.find("</a>").unwrap()];
            (name.to_string(), hidden)
        })
        .collect()
}

#[test]
fn site_works_in_headless_chromium() {
    let (dir, site) = build_fixture_site();
    let profile = dir.path().join("chromium-profile");

    for page in &site.pages {
        let path = site.root.join(page);
        let (dom, console) = run_chromium(&profile, &path, &["--dump-dom".to_string()]);
        assert!(
            console.is_empty(),
            "console messages on {}: {console:#?}",
            page.display()
        );
        assert!(
            dom.contains("<h1>") && dom.contains("</html>"),
            "{} did not load",
            page.display()
        );
    }

    // Click the Belebele header of the overall leaderboard (numbers sort descending first), then
    // filter by "beta" — in a copy of the page, so the page's own script does the work.
    let index = std::fs::read_to_string(site.root.join("index.html")).unwrap();
    let interaction = "<script>\
        document.querySelector('#leaderboard-overall thead th:nth-child(2)').click();\
        var box = document.querySelector('input[data-filter=\"leaderboard-class-2\"]');\
        box.value = 'beta';\
        box.dispatchEvent(new Event('input'));\
        </script></body>";
    let check = site.root.join("interaction-check.html");
    std::fs::write(&check, index.replace("</body>", interaction)).unwrap();
    let (dom, console) = run_chromium(&profile, &check, &["--dump-dom".to_string()]);
    assert!(console.is_empty(), "console messages: {console:#?}");
    // Belebele overall: alpha v1 56.7, alpha v2 66.7, beta 60.
    let names = |rows: Vec<(String, bool)>| rows.into_iter().map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(
        names(rows_of(&dom, "leaderboard-overall")),
        ["alpha (alpha_v2)", "beta", "alpha (alpha_v1)"]
    );
    assert!(dom.contains("aria-sort=\"descending\""));
    assert_eq!(
        rows_of(&dom, "leaderboard-class-2"),
        [
            ("alpha (alpha_v1)".to_string(), true),
            ("alpha (alpha_v2)".to_string(), true),
            ("beta".to_string(), false)
        ]
    );

    let screenshot = dir.path().join("index.png");
    let (_, console) = run_chromium(
        &profile,
        &site.root.join("index.html"),
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,900".to_string(),
        ],
    );
    assert!(console.is_empty(), "console messages: {console:#?}");
    let png = std::fs::read(&screenshot).expect("screenshot written");
    assert!(png.len() > 1000 && png.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn sample_browser_shows_only_off_target_outputs_when_asked() {
    let (dir, site) = build_translation_site();
    let profile = dir.path().join("chromium-profile");
    let page = site.root.join("samples/flores_deu_Latn--deu_Latn.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let interaction = "<script>\
        var box = document.querySelector('input.only-flagged');\
        box.checked = true;\
        box.dispatchEvent(new Event('change'));\
        </script></body>";
    let check = page.with_file_name("off-target-check.html");
    std::fs::write(&check, html.replace("</body>", interaction)).unwrap();
    let (dom, console) = run_chromium(&profile, &check, &["--dump-dom".to_string()]);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let body = &dom[dom.find("<tbody>").unwrap()..dom.find("</tbody>").unwrap()];
    let hidden: Vec<bool> = body
        .split("<tr")
        .skip(1)
        .map(|row| row.starts_with(" hidden"))
        .collect();
    // d1 (English) and d3 (Amharic) are off target.
    assert_eq!(hidden, [true, false, true, false]);
    assert!(!dom.contains("<label class=\"only-flagged\" hidden"));
}
