#!/usr/bin/env bash
# Times `babelbench mt-score` against sacrebleu's command line on FLORES-200-sized corpora:
# per language, all 1012 devtest lines as references and seeded perturbations of them as
# hypotheses (words dropped, replaced and swapped; characters for scripts without spaces).
# Two timings per row, each the median of $RUNS runs: the wall time of the whole process,
# start-up included (in $RUNS rounds over all rows, the two tools' runs of a row side by side),
# and the time of the scoring alone inside the process (files already read: sacrebleu's metric object built and
# `corpus_score` called, timed in Python; babelbench's `scored ... milliseconds=` log line at
# RUST_LOG=info). The script checks that both print the same score (4 decimals).
#
# Needs: python3 with sacrebleu 2.6.0 (`pip install sacrebleu==2.6.0`) and a built binary,
# `cargo build --bin babelbench` (dev profile) or `cargo build --release --bin babelbench`.
#
# Environment: BABELBENCH (binary, default target/debug/babelbench), FLORES_DIR (default
# ../shared/data/flores200/devtest), LANGS (space-separated), RUNS (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BABELBENCH:-target/debug/babelbench}
FLORES_DIR=${FLORES_DIR:-../shared/data/flores200/devtest}
LANGS=${LANGS:-"eng_Latn deu_Latn fra_Latn rus_Cyrl hin_Deva arb_Arab swh_Latn zho_Hans tha_Thai"}
RUNS=${RUNS:-5}

[[ -x "$BIN" ]] || { echo "no binary at $BIN: run cargo build --bin babelbench, or set BABELBENCH" >&2; exit 2; }
command -v sacrebleu >/dev/null || { echo "sacrebleu not found: pip install sacrebleu==2.6.0" >&2; exit 2; }
[[ -d "$FLORES_DIR" ]] || { echo "no FLORES devtest folder at $FLORES_DIR: set FLORES_DIR" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1

# Seeded perturbation of every reference line into a hypothesis line.
perturb() {
    python3 - "$1" "$2" <<'PY'
import random, sys
src, dst = sys.argv[1], sys.argv[2]
rng = random.Random(12345)
out = []
for line in open(src, encoding="utf-8"):
    line = line.rstrip("\n")
    units = line.split(" ")
    spaced = len(units) > 4
    if not spaced:
        units = list(line)
    for _ in range(max(1, len(units) // 8)):
        if len(units) < 3:
            break
        op = rng.randrange(3)
        i = rng.randrange(len(units) - 1)
        if op == 0:
            del units[i]
        elif op == 1:
            units[i] = "xyz" if spaced else units[rng.randrange(len(units))]
        else:
            units[i], units[i + 1] = units[i + 1], units[i]
    out.append((" " if spaced else "").join(units))
open(dst, "w", encoding="utf-8").write("\n".join(out) + "\n")
PY
}

# Wall seconds of one run of "$@".
wall_seconds() {
    local start end
    start=$EPOCHREALTIME
    "$@" >/dev/null
    end=$EPOCHREALTIME
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }'
}

# The median of the numbers given as arguments.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# Median milliseconds of sacrebleu's in-process scoring: METRIC TOK REF HYP.
sacrebleu_compute_ms() {
    python3 - "$RUNS" "$@" <<'PY'
import statistics, sys, time
from sacrebleu.metrics import BLEU, CHRF
runs, metric, tok, ref, hyp = int(sys.argv[1]), *sys.argv[2:]
refs = [line.rstrip() for line in open(ref, encoding="utf-8").read().split("\n")[:-1]]
hyps = [line.rstrip() for line in open(hyp, encoding="utf-8").read().split("\n")[:-1]]
times = []
for _ in range(runs):
    start = time.perf_counter()
    scorer = {"bleu": lambda: BLEU(tokenize=tok), "chrf": lambda: CHRF(),
              "chrf++": lambda: CHRF(word_order=2)}[metric]()
    scorer.corpus_score(hyps, [refs])
    times.append(time.perf_counter() - start)
print("%.3f" % (statistics.median(times) * 1e3))
PY
}

# Median milliseconds of babelbench's in-process scoring, from its log: ARGS...
babelbench_compute_ms() {
    local times=()
    for ((r = 0; r < RUNS; r++)); do
        times+=("$(RUST_LOG=info "$BIN" "$@" 2>&1 >/dev/null |
            sed -n 's/.*milliseconds=\([0-9.]*\).*/\1/p')")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f\n", a[int((NR + 1) / 2)] }'
}

json_score() {
    python3 -c 'import json, sys; print("%.4f" % json.load(sys.stdin)["score"])'
}

# The arguments of a row's two commands: sets sb_args and bb_args for LANG METRIC TOK.
row_args() {
    local lang=$1 metric=$2 tok=$3
    case $metric in
        bleu) sb_args=(-m bleu -tok "$tok") ;;
        chrf) sb_args=(-m chrf) ;;
        chrf++) sb_args=(-m chrf --chrf-word-order 2) ;;
    esac
    sb_args=("$FLORES_DIR/$lang.devtest" -i "$work/$lang.hyp" "${sb_args[@]}")
    bb_args=(mt-score --hyp "$work/$lang.hyp" --ref "$FLORES_DIR/$lang.devtest" -m "$metric"
        --tokenize "$tok" -w 4)
}

# First pass, per row: the hypotheses, the check that both tools print the same score, and
# the in-process scoring times.
rows=()
declare -A score sb_ms bb_ms sb_runs bb_runs
for lang in $LANGS; do
    perturb "$FLORES_DIR/$lang.devtest" "$work/$lang.hyp"
    case $lang in
        zho_*) tok=zh ;;
        tha_* | jpn_* | lao_* | khm_* | mya_*) tok=char ;;
        *) tok=13a ;;
    esac
    for metric in bleu chrf chrf++; do
        row="$lang $metric $tok"
        rows+=("$row")
        row_args $row
        sb_score=$(sacrebleu "${sb_args[@]}" -w 4 -q -f json | json_score)
        bb_score=$("$BIN" "${bb_args[@]}" --json | json_score)
        if [[ "$sb_score" != "$bb_score" ]]; then
            echo "score mismatch for $lang $metric: sacrebleu $sb_score, babelbench $bb_score" >&2
            exit 1
        fi
        score[$row]=$bb_score
        sb_ms[$row]=$(sacrebleu_compute_ms "$metric" "$tok" "$FLORES_DIR/$lang.devtest" \
            "$work/$lang.hyp")
        bb_ms[$row]=$(babelbench_compute_ms "${bb_args[@]}")
    done
done

# Whole-process times in $RUNS rounds over all rows, each row's sacrebleu and babelbench runs
# side by side: a row's runs lie minutes apart, so a burst of load on this shared machine
# slows one run of a row rather than all of them, and both tools sample the same minutes.
for ((r = 0; r < RUNS; r++)); do
    for row in "${rows[@]}"; do
        row_args $row
        sb_runs[$row]+=" $(wall_seconds sacrebleu "${sb_args[@]}" -q)"
        bb_runs[$row]+=" $(wall_seconds "$BIN" "${bb_args[@]}")"
    done
done

printf '%-9s %-7s %-5s %12s %12s %8s %13s %13s %8s  %s\n' lang metric tok sacrebleu_s \
    babelbench_s speedup sacrebleu_ms babelbench_ms speedup score
total_sb=0
total_bb=0
total_sb_ms=0
total_bb_ms=0
for row in "${rows[@]}"; do
    read -r lang metric tok <<<"$row"
    # shellcheck disable=SC2086 # the runs are space-separated numbers
    sb=$(median ${sb_runs[$row]})
    # shellcheck disable=SC2086
    bb=$(median ${bb_runs[$row]})
    total_sb=$(awk -v a="$total_sb" -v b="$sb" 'BEGIN { print a + b }')
    total_bb=$(awk -v a="$total_bb" -v b="$bb" 'BEGIN { print a + b }')
    total_sb_ms=$(awk -v a="$total_sb_ms" -v b="${sb_ms[$row]}" 'BEGIN { print a + b }')
    total_bb_ms=$(awk -v a="$total_bb_ms" -v b="${bb_ms[$row]}" 'BEGIN { print a + b }')
    printf '%-9s %-7s %-5s %12.4f %12.4f %7.1fx %13.2f %13.2f %7.1fx  %s\n' "$lang" "$metric" \
        "$tok" "$sb" "$bb" "$(awk -v a="$sb" -v b="$bb" 'BEGIN { print a / b }')" \
        "${sb_ms[$row]}" "${bb_ms[$row]}" \
        "$(awk -v a="${sb_ms[$row]}" -v b="${bb_ms[$row]}" 'BEGIN { print a / b }')" "${score[$row]}"
done
printf '%-9s %-7s %-5s %12.4f %12.4f %7.1fx %13.2f %13.2f %7.1fx\n' all all - "$total_sb" \
    "$total_bb" "$(awk -v a="$total_sb" -v b="$total_bb" 'BEGIN { print a / b }')" \
    "$total_sb_ms" "$total_bb_ms" "$(awk -v a="$total_sb_ms" -v b="$total_bb_ms" 'BEGIN { print a / b }')"
