#!/usr/bin/env bash
# The default evaluation: fetches google/gemma-3-270m (Q4_K_M GGUF), runs the default suite
# (Belebele eng/deu, FLORES xx<->eng for ten languages, SIB-200, MEXA, bits-per-byte and
# tokenizer premium on every language) on the data root, and writes the HTML report.
#
#   scripts/run-default.sh                 # LIMIT=5 DATA=../shared/data OUT=runs/default
#   LIMIT= scripts/run-default.sh          # no limit: every document (hours on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${DATA:-${BABELBENCH_DATA:-../shared/data}}"
OUT="${OUT:-runs/default}"
LIMIT="${LIMIT-5}"

scripts/fetch-default-model.sh >/dev/null
limit_flag=()
[ -n "$LIMIT" ] && limit_flag=(--limit "$LIMIT")
cargo run --quiet -- run --data-dir "$DATA" --output "$OUT" "${limit_flag[@]}"
cargo run --quiet -- report "$OUT" --out "$OUT/site"
echo "report: $OUT/site/index.html"
