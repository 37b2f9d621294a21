#!/usr/bin/env bash
# Model runtime benchmark: babelbench (burn, CPU) against HF transformers on PyTorch CPU,
# each in f32 and in bf16, same gemma-3-270m Q4_K_M weights, same inputs, same thread count,
# in one run of ROUNDS rounds that alternate the engines; medians and ranges per workload.
#
#   scripts/bench_models.sh   # QUESTIONS=32 GEN_PROMPTS=8 MAX_NEW=32 THREADS=2 ROUNDS=3
#
# Workloads:
#   score    - Belebele multiple choice (real eng_Latn items): the prompt with " A".." D" as
#              four single-token continuations; throughput = prompt tokens per second.
#              transformers applies the LM head at the last token only, as babelbench does
#              (its fastest path; lm-evaluation-harness computes logits at every position).
#   generate - greedy generation of MAX_NEW tokens from Belebele passages, batch 8;
#              throughput = generated tokens per second.
# Peak memory is each process's maximum RSS (/usr/bin/time -v). babelbench is built in the
# dev profile (where the models crate, burn-flex and gemm compile at opt-level 3).
#
# Needs: the default model (scripts/fetch-default-model.sh), python3, /usr/bin/time. Creates a
# virtual environment with torch, transformers, gguf and accelerate under .cache/bench-venv (PyPI).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
readonly QUESTIONS="${QUESTIONS:-32}"
readonly GEN_PROMPTS="${GEN_PROMPTS:-8}"
readonly MAX_NEW="${MAX_NEW:-32}"
readonly THREADS="${THREADS:-2}"
readonly ROUNDS="${ROUNDS:-3}"
readonly BATCH=8
model_dir="${BABELBENCH_MODELS:-$HOME/.cache/babelbench/models}/gemma-3-270m"
gguf="$model_dir/gemma-3-270m-q4_k_m.gguf"
tokenizer="$model_dir/tokenizer.json"
belebele="$root/../shared/data/belebele/eng_Latn.jsonl"
venv="$root/.cache/bench-venv"

die() {
    echo "bench_models: $*" >&2
    exit 1
}

[[ -f "$gguf" && -f "$tokenizer" ]] || die "$gguf or $tokenizer missing; run scripts/fetch-default-model.sh"
[[ -f "$belebele" ]] || die "$belebele missing; the shared data folder must sit beside the repository"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing; install GNU time (apt-get install time)"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import torch, transformers, gguf, accelerate" 2>/dev/null ||
    "$venv/bin/pip" install --quiet torch transformers gguf accelerate ||
    die "pip could not install torch, transformers, gguf and accelerate into $venv"

cargo build --quiet --bin babelbench
bin="${CARGO_TARGET_DIR:-$root/target}/debug/babelbench"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Inputs: multiple-choice rows sorted longest first (as lm-evaluation-harness collates them),
# the same rows as loglikelihood requests, and generation prompts.
python3 - "$belebele" "$work" "$QUESTIONS" "$GEN_PROMPTS" <<'PY'
import json, sys
source, work, questions, prompts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
items = [json.loads(line) for line in open(source, encoding="utf-8")]
rows = []
for item in items[:questions]:
    answers = "\n".join(f"{letter}: {item[f'mc_answer{i}']}" for i, letter in enumerate("ABCD", 1))
    context = f"P: {item['flores_passage']}\nQ: {item['question']}\n{answers}\nAnswer:"
    rows.append({"context": context, "choices": [" A", " B", " C", " D"]})
rows.sort(key=lambda r: -len(r["context"]))
with open(f"{work}/mc.jsonl", "w", encoding="utf-8") as f:
    for row in rows:
        f.write(json.dumps(row) + "\n")
with open(f"{work}/ll.jsonl", "w", encoding="utf-8") as f:
    for row in rows:
        for choice in row["choices"]:
            f.write(json.dumps({"context": row["context"], "continuation": choice}) + "\n")
seen, passages = set(), []
for item in items:
    if item["flores_passage"] not in seen:
        seen.add(item["flores_passage"])
        passages.append(item["flores_passage"])
with open(f"{work}/gen.jsonl", "w", encoding="utf-8") as f:
    for passage in passages[:prompts]:
        f.write(json.dumps({"text": passage}) + "\n")
PY

# Runs "$@" under /usr/bin/time -v; stdout to $1.out, stderr to $1.err.
timed() {
    local name="$1"
    shift
    /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.err" ||
        { cat "$work/$name.err" >&2; die "$name failed"; }
}

# Rounds alternate the engines, so that a slow spell of the machine hits each of them.
for round in $(seq 1 "$ROUNDS"); do
    for dtype in f32 bf16; do
        echo "bench_models: round $round, babelbench score and generate, --dtype $dtype" >&2
        RAYON_NUM_THREADS="$THREADS" timed "ours_score_${dtype}_$round" "$bin" model loglikelihood \
            --model "$gguf" --dtype "$dtype" --input "$work/ll.jsonl" --batch-size $((BATCH * 4))
        RAYON_NUM_THREADS="$THREADS" timed "ours_gen_${dtype}_$round" "$bin" model generate \
            --model "$gguf" --dtype "$dtype" --input "$work/gen.jsonl" --batch-size "$BATCH" \
            --max-new-tokens "$MAX_NEW"
    done
    for dtype in float32 bfloat16; do
        echo "bench_models: round $round, transformers score and generate, $dtype" >&2
        timed "hf_score_${dtype}_$round" "$venv/bin/python" scripts/bench_hf.py score \
            --gguf "$gguf" --tokenizer "$tokenizer" --input "$work/mc.jsonl" \
            --batch-size "$BATCH" --threads "$THREADS" --logits last --dtype "$dtype"
        timed "hf_gen_${dtype}_$round" "$venv/bin/python" scripts/bench_hf.py generate \
            --gguf "$gguf" --tokenizer "$tokenizer" --input "$work/gen.jsonl" \
            --batch-size "$BATCH" --threads "$THREADS" --max-new-tokens "$MAX_NEW" \
            --dtype "$dtype"
    done
done

"$venv/bin/python" - "$work" "$tokenizer" "$gguf" "$ROUNDS" <<'PY'
import json, re, statistics, sys
import tokenizers
work, tokenizer_path, gguf, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tok = tokenizers.Tokenizer.from_file(tokenizer_path)

def err(name):
    return open(f"{work}/{name}.err", encoding="utf-8").read()

def out(name):
    return open(f"{work}/{name}.out", encoding="utf-8").read().splitlines()

def peak_mib(name):
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err(name)).group(1)) / 1024

def ours_seconds(name):
    return float(re.search(r" in ([0-9.]+)s:", err(name)).group(1))

rows = [json.loads(l) for l in open(f"{work}/mc.jsonl", encoding="utf-8")]
prompt_tokens = sum(len(tok.encode(r["context"]).ids) for r in rows)

def ours(kind, dtype):
    names = [f"ours_{kind}_{dtype}_{r}" for r in range(1, rounds + 1)]
    if kind == "score":
        tokens = prompt_tokens
    else:
        tokens = sum(len(json.loads(l)["token_ids"]) for l in out(names[0]))
    speeds = [tokens / ours_seconds(n) for n in names]
    return speeds, max(peak_mib(n) for n in names)

def theirs(kind, dtype):
    names = [f"hf_{kind}_{dtype}_{r}" for r in range(1, rounds + 1)]
    speeds = [json.loads(out(n)[-1])["tokens_per_second"] for n in names]
    return speeds, max(peak_mib(n) for n in names)

def choices(name):
    lines = [json.loads(l) for l in out(name)]
    if "results" in lines[-1]:
        return lines[-1]["results"]
    return [[r["logprob"] for r in lines[4 * i : 4 * i + 4]] for i in range(len(rows))]

def compare(a, b):
    agree = sum(max(range(4), key=x.__getitem__) == max(range(4), key=y.__getitem__)
                for x, y in zip(a, b))
    delta = max(abs(p - q) for x, y in zip(a, b) for p, q in zip(x, y))
    return agree, delta

hf = json.loads(out("hf_score_float32_1")[-1])
print(f"gemma-3-270m Q4_K_M, {hf['threads']} threads, torch {hf['torch']}, "
      f"transformers {hf['transformers']}; {rounds} rounds, median (min-max)")
print(f"score: {len(rows)} Belebele questions, {prompt_tokens} prompt tokens; "
      f"generate: greedy, batch 8")
print(f"{'workload':40} {'tokens/s median':>16} {'range':>17} {'peak RSS MiB':>13}")
for kind in ["score", "gen"]:
    for label, (speeds, rss) in [
        ("babelbench f32", ours(kind, "f32")),
        ("babelbench bf16", ours(kind, "bf16")),
        ("transformers float32", theirs(kind, "float32")),
        ("transformers bfloat16", theirs(kind, "bfloat16")),
    ]:
        print(f"{kind + ': ' + label:40} {statistics.median(speeds):16.1f} "
              f"{min(speeds):8.1f}-{max(speeds):<8.1f} {rss:13.0f}")
for a, b in [("ours_score_f32_1", "hf_score_float32_1"), ("ours_score_bf16_1", "hf_score_bfloat16_1"),
             ("ours_score_bf16_1", "ours_score_f32_1")]:
    agree, delta = compare(choices(a), choices(b))
    print(f"{a} vs {b}: same answer on {agree}/{len(rows)}, max |dlogprob| {delta:.2e}")
for dtype, theirs_dtype in [("f32", "float32"), ("bf16", "bfloat16")]:
    ours_gen = [json.loads(l)["token_ids"] for l in out(f"ours_gen_{dtype}_1")]
    hf_gen = json.loads(out(f"hf_gen_{theirs_dtype}_1")[-1])["results"]
    same = sum(a == b for a, b in zip(ours_gen, hf_gen))
    print(f"generate {dtype}: identical greedy ids on {same}/{len(ours_gen)} prompts")
PY
