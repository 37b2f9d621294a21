//! The fuzzing command `scripts/fuzz.sh` runs:
//!
//! ```text
//! fuzz list                                   the targets, one per line
//! fuzz run TARGET [--seconds N] [--crashes DIR] [--seed S] [--runs N]
//! fuzz replay TARGET FILE...                  runs the files through TARGET
//! ```
//!
//! `run` prints one summary line (target, runs, seconds, crashes) and exits with 1 when it
//! found a crash, whose minimized input it saved under `DIR/TARGET/`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use fuzz::driver::{self, Options};

/// Why the command line could not be used.
#[derive(Debug, thiserror::Error)]
enum UsageError {
    #[error("unknown target `{0}`; `fuzz list` names them")]
    UnknownTarget(String),
    #[error("`{flag}` needs a value")]
    MissingValue { flag: String },
    #[error("`{flag}` takes a number, not `{value}`")]
    BadNumber { flag: String, value: String },
    #[error("unknown argument `{0}`")]
    UnknownArgument(String),
    #[error(
        "usage: fuzz list | fuzz run TARGET [--seconds N] [--crashes DIR] [--seed S] [--runs N] | fuzz replay TARGET FILE..."
    )]
    Usage,
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, UsageError> {
    let value = value.ok_or_else(|| UsageError::MissingValue { flag: flag.into() })?;
    value.parse().map_err(|_| UsageError::BadNumber {
        flag: flag.into(),
        value,
    })
}

fn target(name: Option<String>) -> Result<&'static fuzz::Target, UsageError> {
    let name = name.ok_or(UsageError::Usage)?;
    fuzz::find(&name).ok_or(UsageError::UnknownTarget(name))
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fuzz: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, UsageError> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("list") => {
            for t in fuzz::all() {
                println!("{}\t{}", t.name, t.about);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("run") => {
            let target = target(args.next())?;
            let mut options = Options::default();
            while let Some(flag) = args.next() {
                match flag.as_str() {
                    "--seconds" => {
                        options.duration =
                            Duration::from_secs_f64(number("--seconds", args.next())?)
                    }
                    "--seed" => options.seed = number("--seed", args.next())?,
                    "--runs" => options.max_runs = Some(number("--runs", args.next())?),
                    "--crashes" => {
                        let dir = args
                            .next()
                            .ok_or_else(|| UsageError::MissingValue { flag: flag.clone() })?;
                        options.crash_dir = Some(PathBuf::from(dir));
                    }
                    other => return Err(UsageError::UnknownArgument(other.into())),
                }
            }
            let report = driver::run(target, &options);
            println!("{report}");
            for crash in &report.crashes {
                let place = crash
                    .saved
                    .as_ref()
                    .map_or_else(|| "not saved".into(), |p| p.display().to_string());
                println!(
                    "  crash ({} bytes, from {}): {} -> {place}",
                    crash.input.len(),
                    crash.original_len,
                    crash.message
                );
            }
            Ok(if report.crashes.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some("replay") => {
            let target = target(args.next())?;
            let mut failed = false;
            for file in args {
                let bytes = match std::fs::read(&file) {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        eprintln!("{file}: {e}");
                        failed = true;
                        continue;
                    }
                };
                match driver::run_once(target, &bytes) {
                    Ok(outcome) => println!("{file}: {outcome}"),
                    Err(panic) => {
                        println!("{file}: PANIC {panic}");
                        failed = true;
                    }
                }
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        _ => Err(UsageError::Usage),
    }
}
