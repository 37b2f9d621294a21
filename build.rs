//! Records the git revision babelbench is built from, for run manifests.

use std::process::Command;

fn main() {
    // A position-dependent executable needs no run-time relocation of its ~200,000 pointers
    // (polars, tokenizers and burn tables): start-up drops from about 5.5 to 2 ms, which is
    // most of a `babelbench mt-score` call.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");
    let revision = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok());
    if let Some(revision) = revision {
        println!(
            "cargo:rustc-env=BABELBENCH_GIT_REVISION={}",
            revision.trim()
        );
    }
}
