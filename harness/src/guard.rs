//! Third-party parsers that panic on malformed input instead of failing.

use std::panic::UnwindSafe;

/// Runs `parse`, turning a panic raised inside it into `Err` with the panic's message, so a
/// damaged file read by a library that panics on it becomes an error naming the file. The
/// default panic hook still prints its line first.
pub fn catch_library_panic<T>(parse: impl FnOnce() -> T + UnwindSafe) -> Result<T, String> {
    std::panic::catch_unwind(parse).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::catch_library_panic;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(catch_library_panic(|| 7), Ok(7));
        let formatted = catch_library_panic(|| -> u8 { panic!("bad {}", "offset") });
        assert_eq!(formatted, Err("bad offset".to_string()));
        let literal = catch_library_panic(|| -> u8 { panic!("cut off") });
        assert_eq!(literal, Err("cut off".to_string()));
    }
}
