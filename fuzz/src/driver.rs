//! The fuzzing loop: every seed first, then mutated seeds until the time is up. Inputs that
//! reach an outcome no earlier input reached (a new parser error, once numbers are blanked)
//! join the pool that mutation draws from. An input that panics is minimized (chunks cut away
//! while the same panic persists) and saved.

use std::collections::HashSet;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::Target;
use crate::mutate::{Rng, mutate};

/// The most inputs kept in the mutation pool besides the seeds.
const MAX_POOL: usize = 512;
/// The most runs spent minimizing one crashing input.
const MAX_MINIMIZE_RUNS: usize = 4000;
/// File name, inside a target's crash folder, of the input being run (for a crash that kills
/// the process: an abort, a stack overflow, a hang).
pub const CURRENT_INPUT: &str = ".current-input";

/// How to fuzz.
#[derive(Debug, Clone)]
pub struct Options {
    /// Wall-clock budget.
    pub duration: Duration,
    /// Stop after this many runs, if given.
    pub max_runs: Option<u64>,
    /// Seed of the mutations.
    pub seed: u64,
    /// Where crashing inputs are saved (`<dir>/<target>/`); `None` keeps them in memory only.
    pub crash_dir: Option<PathBuf>,
    /// A run longer than this is a hang: the input is saved and the process exits with 3.
    pub hang_after: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            duration: Duration::from_secs(600),
            max_runs: None,
            seed: 0x5eed,
            crash_dir: None,
            hang_after: Duration::from_secs(30),
        }
    }
}

/// A panic found by fuzzing.
#[derive(Debug, Clone)]
pub struct Crash {
    /// The panic message and where it was raised.
    pub message: String,
    /// The minimized input.
    pub input: Vec<u8>,
    /// Length of the input before minimizing.
    pub original_len: usize,
    /// Where the input was saved, if it was.
    pub saved: Option<PathBuf>,
}

/// What one fuzzing session did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target.
    pub target: &'static str,
    /// Seeds it started from.
    pub seeds: usize,
    /// Inputs run, seeds, mutations and minimization included.
    pub runs: u64,
    /// Wall-clock time taken.
    pub elapsed: Duration,
    /// Distinct outcomes seen (parser errors with numbers blanked, and `ok`).
    pub outcomes: usize,
    /// Distinct panics, each minimized.
    pub crashes: Vec<Crash>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "{}: {} runs in {:.1} s ({:.0}/s) from {} seeds, {} distinct outcomes, {} crash(es)",
            self.target,
            self.runs,
            secs,
            self.runs as f64 / secs.max(1e-9),
            self.seeds,
            self.outcomes,
            self.crashes.len()
        )
    }
}

/// The message of the last panic on any thread, recorded by [`quiet_panics`]'s hook.
fn last_panic() -> &'static Mutex<Option<String>> {
    static LAST: OnceLock<Mutex<Option<String>>> = OnceLock::new();
    LAST.get_or_init(|| Mutex::new(None))
}

/// Replaces the panic hook with one that records the message and location instead of
/// printing them, so that caught panics do not flood the terminal.
fn quiet_panics() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        std::panic::set_hook(Box::new(|info| {
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string panic payload)".into());
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if let Ok(mut last) = last_panic().lock() {
                *last = Some(format!("{payload} at {location}"));
            }
        }));
    });
}

/// Runs `target` on `input`; the panic message when it panics.
pub fn run_once(target: &Target, input: &[u8]) -> Result<String, String> {
    quiet_panics();
    catch_unwind(AssertUnwindSafe(|| (target.run)(input))).map_err(|_| {
        last_panic()
            .lock()
            .ok()
            .and_then(|mut last| last.take())
            .unwrap_or_else(|| "panic".into())
    })
}

/// An outcome with its digits and scratch paths blanked, so that the same error at another
/// offset counts once.
fn outcome_class(outcome: &str) -> String {
    let mut class = String::with_capacity(outcome.len().min(160));
    let mut last_digit = false;
    for c in outcome.chars().take(160) {
        if c.is_ascii_digit() {
            if !last_digit {
                class.push('#');
            }
            last_digit = true;
        } else {
            class.push(c);
            last_digit = false;
        }
    }
    class
}

/// Where a panic was raised (the part after the last " at "), to tell panics apart.
fn panic_site(message: &str) -> &str {
    message
        .rsplit_once(" at ")
        .map_or(message, |(_, site)| site)
}

/// Cuts chunks out of `input` while it still panics at the same site; at most
/// [`MAX_MINIMIZE_RUNS`] runs. Returns the smallest input and the runs spent.
pub fn minimize(target: &Target, input: &[u8], message: &str) -> (Vec<u8>, u64) {
    let site = panic_site(message).to_string();
    let still_crashes = |candidate: &[u8]| match run_once(target, candidate) {
        Err(m) => panic_site(&m) == site,
        Ok(_) => false,
    };
    let mut best = input.to_vec();
    let mut runs = 0u64;
    let mut chunk = best.len().div_ceil(2).max(1);
    while chunk >= 1 && (runs as usize) < MAX_MINIMIZE_RUNS {
        let mut at = 0;
        let mut progress = false;
        while at < best.len() && (runs as usize) < MAX_MINIMIZE_RUNS {
            let end = (at + chunk).min(best.len());
            let mut candidate = best[..at].to_vec();
            candidate.extend_from_slice(&best[end..]);
            runs += 1;
            if still_crashes(&candidate) {
                best = candidate;
                progress = true;
            } else {
                at += chunk;
            }
        }
        if !progress {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    (best, runs)
}

/// The file name a crashing input is saved under: `crash-` and the start of its sha256.
pub fn crash_file_name(input: &[u8]) -> String {
    format!("crash-{}", &hex::encode(Sha256::digest(input))[..16])
}

/// Saves `input` (and `message` beside it) in `dir`.
fn save(dir: &Path, input: &[u8], message: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(crash_file_name(input));
    std::fs::write(&path, input)?;
    std::fs::write(path.with_extension("txt"), format!("{message}\n"))?;
    Ok(path)
}

/// Fuzzes `target` as `options` say.
pub fn run(target: &'static Target, options: &Options) -> Report {
    quiet_panics();
    let started = Instant::now();
    let crash_dir = options.crash_dir.as_ref().map(|d| d.join(target.name));
    if let Some(dir) = &crash_dir {
        let _ = std::fs::create_dir_all(dir);
    }
    let seeds = (target.seeds)();
    let mut pool: Vec<Vec<u8>> = seeds.iter().map(|s| s.bytes.clone()).collect();
    if pool.is_empty() {
        pool.push(Vec::new());
    }
    let seed_count = pool.len();
    let mut rng = Rng::new(options.seed);
    let mut outcomes: HashSet<String> = HashSet::new();
    let mut crash_sites: HashSet<String> = HashSet::new();
    let mut crashes = Vec::new();
    let mut runs = 0u64;

    // A watchdog that saves the running input when one run takes too long.
    let run_started = Arc::new(AtomicU64::new(0));
    if let Some(dir) = crash_dir.clone() {
        let run_started = Arc::clone(&run_started);
        let hang_after = options.hang_after;
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let since = run_started.load(Ordering::Relaxed);
                let now = started.elapsed().as_millis() as u64;
                if since > 0 && now.saturating_sub(since) > hang_after.as_millis() as u64 {
                    let current = dir.join(CURRENT_INPUT);
                    if let Ok(input) = std::fs::read(&current) {
                        let name = crash_file_name(&input).replacen("crash", "hang", 1);
                        let _ = std::fs::write(dir.join(&name), &input);
                        eprintln!(
                            "{}: one run took over {:?}; input saved as {}",
                            target_name(&dir),
                            hang_after,
                            dir.join(name).display()
                        );
                    }
                    let _ = std::io::stderr().flush();
                    std::process::exit(3);
                }
            }
        });
    }

    let mut index = 0usize;
    loop {
        if started.elapsed() >= options.duration || options.max_runs.is_some_and(|m| runs >= m) {
            break;
        }
        let input = if index < seed_count {
            pool[index].clone()
        } else {
            let base = rng.below(pool.len());
            let others: Vec<&[u8]> = (0..2)
                .map(|_| pool[rng.below(pool.len())].as_slice())
                .collect();
            mutate(&mut rng, &pool[base], target.dictionary, &others)
        };
        index += 1;
        if let Some(dir) = &crash_dir {
            let _ = std::fs::write(dir.join(CURRENT_INPUT), &input);
        }
        run_started.store(
            started.elapsed().as_millis().max(1) as u64,
            Ordering::Relaxed,
        );
        let result = run_once(target, &input);
        run_started.store(0, Ordering::Relaxed);
        runs += 1;
        match result {
            Ok(outcome) => {
                if outcomes.insert(outcome_class(&outcome)) && pool.len() < seed_count + MAX_POOL {
                    pool.push(input);
                }
            }
            Err(message) => {
                if !crash_sites.insert(panic_site(&message).to_string()) {
                    continue;
                }
                let (small, spent) = minimize(target, &input, &message);
                runs += spent;
                let message = run_once(target, &small).err().unwrap_or(message);
                let saved = crash_dir
                    .as_ref()
                    .and_then(|dir| save(dir, &small, &message).ok());
                eprintln!(
                    "{}: panic ({} bytes, {} after minimizing): {message}",
                    target.name,
                    input.len(),
                    small.len()
                );
                crashes.push(Crash {
                    message,
                    input: small,
                    original_len: input.len(),
                    saved,
                });
            }
        }
    }
    if let Some(dir) = &crash_dir {
        let _ = std::fs::remove_file(dir.join(CURRENT_INPUT));
    }
    Report {
        target: target.name,
        seeds: seed_count,
        runs,
        elapsed: started.elapsed(),
        outcomes: outcomes.len(),
        crashes,
    }
}

/// The target name a crash folder belongs to (its last component).
fn target_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panics_on_bang(bytes: &[u8]) -> String {
        if bytes.windows(3).any(|w| w == b"!!!") {
            panic!("three bangs");
        }
        "ok".into()
    }

    fn bang_seeds() -> Vec<crate::Seed> {
        vec![crate::Seed::new(
            "bang",
            b"hello !!! world, and more".to_vec(),
        )]
    }

    static BANG: Target = Target {
        name: "bang",
        about: "panics on three bangs",
        run: panics_on_bang,
        seeds: bang_seeds,
        dictionary: &[],
    };

    #[test]
    fn a_panicking_seed_is_found_minimized_and_saved() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            duration: Duration::from_secs(5),
            max_runs: Some(10),
            crash_dir: Some(dir.path().to_path_buf()),
            ..Options::default()
        };
        let report = run(&BANG, &options);
        assert_eq!(report.crashes.len(), 1, "{report}");
        let crash = &report.crashes[0];
        assert_eq!(crash.input, b"!!!");
        assert!(crash.message.contains("three bangs"), "{}", crash.message);
        let saved = crash.saved.as_ref().unwrap();
        assert_eq!(std::fs::read(saved).unwrap(), b"!!!");
        assert!(!dir.path().join("bang").join(CURRENT_INPUT).exists());
    }

    #[test]
    fn outcome_classes_ignore_numbers() {
        assert_eq!(
            outcome_class("error at byte 17 of 200"),
            outcome_class("error at byte 3 of 9")
        );
        assert_ne!(outcome_class("bad header"), outcome_class("bad footer"));
    }
}
