#!/usr/bin/env bash
# Fuzzes every parser that reads outside bytes: runs each target of the `fuzz` crate for
# SECONDS (default 600) from its seeds and saves crashing inputs, minimized, under
# fuzz/crashes/<target>/ (crash-*: a panic; abort-*: the process died, e.g. an allocation
# failure or a stack overflow; hang-*: one input ran for over 30 s).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 60 gguf task_yaml
#
# A summary line per target (runs, seconds, outcomes, crashes) is printed and appended to
# fuzz/crashes/summary.txt. Exits 1 when anything crashed. FUZZ_SEED fixes the mutation seed;
# FUZZ_MEMORY_MB caps each target's address space (default 8192) so that a runaway allocation
# fails in the target instead of the machine. See docs/fuzzing.md.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
shift $(($# > 0 ? 1 : 0))
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/babelbench/target}"

# Built with the whole workspace selected, so that features unify as in `cargo test --workspace`
# and the dependencies CI and the tests built are reused.
cargo build --workspace --bin fuzz --quiet || exit 2
bin="$CARGO_TARGET_DIR/debug/fuzz"
crashes=fuzz/crashes
mkdir -p "$crashes"
summary="$crashes/summary.txt"

if (($# > 0)); then
    targets=("$@")
else
    mapfile -t targets < <("$bin" list | cut -f1)
fi

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) scripts/fuzz.sh $seconds ${targets[*]}" >>"$summary"
status=0
for target in "${targets[@]}"; do
    seed="${FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}"
    (
        ulimit -v $((${FUZZ_MEMORY_MB:-8192} * 1024))
        exec "$bin" run "$target" --seconds "$seconds" --crashes "$crashes" --seed "$seed"
    ) | tee -a "$summary"
    rc=${PIPESTATUS[0]}
    current="$crashes/$target/.current-input"
    case "$rc" in
        0) ;;
        1) status=1 ;;
        3)
            rm -f "$current"
            status=1
            ;;
        *)
            if [[ -f "$current" ]]; then
                saved="$crashes/$target/abort-$(sha256sum "$current" | cut -c1-16)"
                mv "$current" "$saved"
                echo "$target: the process died (exit $rc, seed $seed); its input is $saved" |
                    tee -a "$summary"
            else
                echo "$target: the fuzzer failed (exit $rc)" | tee -a "$summary"
            fi
            status=1
            ;;
    esac
done
exit "$status"
