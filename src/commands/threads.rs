//! The thread count a user asked for.

/// `$RAYON_NUM_THREADS` when it is a positive number: rayon's own setting, which the commands
/// that size a thread pool themselves follow too.
pub fn from_env() -> Option<usize> {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
}
