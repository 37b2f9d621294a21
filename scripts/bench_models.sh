#!/usr/bin/env bash
# Model runtime benchmark: babelbench (burn, CPU) against HF transformers on PyTorch CPU,
# both float32, same gemma-3-270m Q4_K_M weights, same inputs, same thread count, in one run.
#
#   scripts/bench_models.sh            # QUESTIONS=32 GEN_PROMPTS=8 MAX_NEW=32 THREADS=2
#
# Workloads:
#   score    - Belebele multiple choice (real eng_Latn items): the prompt with " A".." D" as
#              four single-token continuations; throughput = prompt tokens per second.
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
bin="$root/target/debug/babelbench"

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

echo "bench_models: babelbench score" >&2
RAYON_NUM_THREADS="$THREADS" timed ours_score "$bin" model loglikelihood --model "$gguf" \
    --input "$work/ll.jsonl" --batch-size $((BATCH * 4))
echo "bench_models: babelbench generate" >&2
RAYON_NUM_THREADS="$THREADS" timed ours_gen "$bin" model generate --model "$gguf" \
    --input "$work/gen.jsonl" --batch-size "$BATCH" --max-new-tokens "$MAX_NEW"
for logits in all last; do
    echo "bench_models: transformers score (--logits $logits)" >&2
    timed "hf_score_$logits" "$venv/bin/python" scripts/bench_hf.py score --gguf "$gguf" \
        --tokenizer "$tokenizer" --input "$work/mc.jsonl" --batch-size "$BATCH" \
        --threads "$THREADS" --logits "$logits"
done
echo "bench_models: transformers generate" >&2
timed hf_gen "$venv/bin/python" scripts/bench_hf.py generate --gguf "$gguf" \
    --tokenizer "$tokenizer" --input "$work/gen.jsonl" --batch-size "$BATCH" \
    --threads "$THREADS" --max-new-tokens "$MAX_NEW"

"$venv/bin/python" - "$work" "$tokenizer" "$gguf" <<'PY'
import json, os, re, sys
import tokenizers
work, tokenizer_path, gguf = sys.argv[1], sys.argv[2], sys.argv[3]
tok = tokenizers.Tokenizer.from_file(tokenizer_path)

def peak_mib(name):
    text = open(f"{work}/{name}.err", encoding="utf-8").read()
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024

def ours_seconds(name):
    text = open(f"{work}/{name}.err", encoding="utf-8").read()
    return float(re.search(r" in ([0-9.]+)s:", text).group(1))

rows = [json.loads(l) for l in open(f"{work}/mc.jsonl", encoding="utf-8")]
prompt_tokens = sum(len(tok.encode(r["context"]).ids) for r in rows)
ours_ll = [json.loads(l) for l in open(f"{work}/ours_score.out", encoding="utf-8")]
ours_gen = [json.loads(l) for l in open(f"{work}/ours_gen.out", encoding="utf-8")]
generated = sum(len(r["token_ids"]) for r in ours_gen)
hf = {n: json.loads(open(f"{work}/{n}.out", encoding="utf-8").read().splitlines()[-1])
      for n in ["hf_score_all", "hf_score_last", "hf_gen"]}

# Agreement: chosen answer per question and the largest log-prob difference.
ours_choice = [[r["logprob"] for r in ours_ll[4 * i : 4 * i + 4]] for i in range(len(rows))]
theirs = hf["hf_score_all"]["results"]
agree = sum(max(range(4), key=a.__getitem__) == max(range(4), key=b.__getitem__)
            for a, b in zip(ours_choice, theirs))
delta = max(abs(x - y) for a, b in zip(ours_choice, theirs) for x, y in zip(a, b))
same_gen = sum(a["token_ids"] == b for a, b in zip(ours_gen, hf["hf_gen"]["results"]))

import gguf as gguf_reader
parameters = sum(int(t.n_elements) for t in gguf_reader.GGUFReader(gguf).tensors)
f32_weights_mib = parameters * 4 / 2**20
table = [
    ("score: babelbench", prompt_tokens / ours_seconds("ours_score"), peak_mib("ours_score")),
    ("score: transformers, logits at all positions (lm-eval)",
     hf["hf_score_all"]["tokens_per_second"], peak_mib("hf_score_all")),
    ("score: transformers, LM head at last token only",
     hf["hf_score_last"]["tokens_per_second"], peak_mib("hf_score_last")),
    ("generate: babelbench", generated / ours_seconds("ours_gen"), peak_mib("ours_gen")),
    ("generate: transformers", hf["hf_gen"]["tokens_per_second"], peak_mib("hf_gen")),
]
print(f"gemma-3-270m Q4_K_M -> f32 ({parameters / 1e6:.1f}M parameters = "
      f"{f32_weights_mib:.0f} MiB), {hf['hf_gen']['threads']} threads, torch "
      f"{hf['hf_gen']['torch']}, transformers {hf['hf_gen']['transformers']}")
print(f"score: {len(rows)} Belebele questions, {prompt_tokens} prompt tokens; "
      f"generate: {len(ours_gen)} prompts x up to {os.environ.get('MAX_NEW', '32')} tokens")
print(f"{'workload':58} {'tokens/s':>9} {'peak RSS MiB':>13} {'RSS / f32 weights':>18}")
for name, speed, rss in table:
    print(f"{name:58} {speed:9.1f} {rss:13.0f} {rss / f32_weights_mib:18.2f}")
print(f"same answer on {agree}/{len(rows)} questions, max |dlogprob| {delta:.2e}; "
      f"identical greedy ids on {same_gen}/{len(ours_gen)} prompts")
PY
