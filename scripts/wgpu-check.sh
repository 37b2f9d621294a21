#!/usr/bin/env bash
# The GPU-path check on a machine without a GPU: builds the models crate with burn's `wgpu`
# backend and runs its tests on Mesa's lavapipe (a Vulkan driver that runs on the CPU), so the
# portable path (every layer in burn tensor ops, none of the CPU fast kernels) is exercised here.
#
# It installs mesa-vulkan-drivers (apt) when no Vulkan driver is found, builds the models tests
# with `--features wgpu` into their own target folder (${WGPU_TARGET_DIR:-target-wgpu}: a
# GPU build shares little with the default one), then runs on wgpu (in that build the tests'
# `Device::default()` is wgpu):
#   - the device tests (`--device wgpu` opens an adapter and computes on it);
#   - the test filters in $TESTS: by default the tiny-checkpoint parity tests (logits and hidden
#     states against HF transformers, greedy ids, batch invariance), the 16-bit checkpoints, the
#     runner tests, and the default model against its HF reference (fetched first).
# Prints each result and exits non-zero on a failure. CI does not run it (the build takes about
# half an hour on two cores).
#
#   scripts/wgpu-check.sh            # TESTS="tiny_models runner" to choose the test filters
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "wgpu-check: $*" >&2; }

if ! ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1; then
    say "installing Mesa's Vulkan drivers (lavapipe)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mesa-vulkan-drivers >/dev/null
fi
export CARGO_TARGET_DIR="${WGPU_TARGET_DIR:-$PWD/target-wgpu}"
export CARGO_INCREMENTAL=0
TESTS="${TESTS:-tiny_models half_checkpoints runner gemma3_270m}"
[[ " $TESTS " == *" gemma3_270m "* ]] && scripts/fetch-default-model.sh

say "building the models tests with --features wgpu into $CARGO_TARGET_DIR"
cargo test --quiet -p models --features wgpu --no-run

failed=()
say "device tests on wgpu"
cargo test --quiet -p models --features wgpu --lib device || failed+=(device)
for filter in $TESTS; do
    say "models tests matching '$filter' on wgpu"
    cargo test --quiet -p models --features wgpu --test suite -- "$filter" || failed+=("$filter")
done
if ((${#failed[@]})); then
    say "FAIL: ${failed[*]}"
    exit 1
fi
say "PASS"
