#!/usr/bin/env python3
"""Reference values of babelbench's alignment metrics (MEXA and the Language Ranker) in numpy.

The fixture `tasks/tests/fixtures/alignment/tiny_gemma3_deu.json` holds real hidden states: the
first 3 FLORES-200 devtest sentence pairs of German and English (stripped, as the `mexa_deu_Latn`
task strips them), embedded by `babelbench model embed` with the tiny Gemma 3 test model
(`shared/fixtures/models/tiny/gemma3`: 3 blocks, hidden size 64, so 4 hidden-state entries per
text) under both poolings MEXA requests (`weighted_mean`, `last`). That model ships without a
tokenizer, so this script writes the byte-level one the CLI tests use (`<pad>`, `<eos>`, `<bos>`,
then one token per UTF-8 byte, `<bos>` first) and a copy of the config allowing 4096 positions.
Vectors are stored as the shortest decimal that reads back as the same float32.

Beside the states the fixture stores what this script computes from them with numpy, independently
of the Rust code: per layer and pooling the MEXA score (pair i is aligned when cos(e_i, x_i) is
strictly above every other entry of row i and of column i of the cosine matrix), per layer the
Language Ranker similarity of the last-token states (the mean over pairs of cos(e_i, x_i)), their
mean, maximum and first best layer (for the Ranker over the blocks' outputs, entries 1 to L), and
the per-sample scores. `tasks/tests/suite/mexa.rs` feeds the
states to the task's scoring and compares every number.

  python3 scripts/alignment_reference.py make-fixture   # embed, compute, write the fixture
  python3 scripts/alignment_reference.py check          # recompute from the stored states
  python3 scripts/alignment_reference.py check --results RUN/results.json
      # also compare a `babelbench run --tasks mexa_deu_Latn --limit 3` of the same model

Needs numpy (python3 -m venv /work/venvs/numpy && /work/venvs/numpy/bin/pip install numpy).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tasks/tests/fixtures/alignment/tiny_gemma3_deu.json"
TASK = "mexa_deu_Latn"
LANGUAGE = "deu_Latn"
PIVOT = "eng_Latn"
PAIRS = 3
POOLINGS = ["weighted_mean", "last"]
RANKER_POOLING = "last"


def byte_symbols():
    """GPT-2's printable stand-in for every byte, as the ByteLevel pre-tokenizer maps bytes."""
    printable = lambda b: 33 <= b <= 126 or 161 <= b <= 172 or b >= 174
    symbols, spare = [], 256
    for b in range(256):
        if printable(b):
            symbols.append(chr(b))
        else:
            symbols.append(chr(spare))
            spare += 1
    return symbols


def byte_tokenizer():
    """tokenizer.json: <pad>, <eos>, <bos>, then the 256 bytes; <bos> before every text."""
    specials = ["<pad>", "<eos>", "<bos>"]
    vocab = {name: i for i, name in enumerate(specials)}
    for byte, symbol in enumerate(byte_symbols()):
        vocab[symbol] = byte + 3
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                  "use_regex": False}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": name, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}
                         for i, name in enumerate(specials)],
        "normalizer": None, "pre_tokenizer": byte_level, "decoder": byte_level,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}},
        },
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": []},
    }


def sentences(data, language):
    path = data / "flores200/devtest" / f"{language}.devtest"
    with open(path, encoding="utf-8") as f:
        return [next(f).strip() for _ in range(PAIRS)]


def embed(binary, model, texts, pooling, work):
    source = work / f"in-{pooling}.jsonl"
    target = work / f"out-{pooling}.jsonl"
    source.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts),
                      encoding="utf-8")
    subprocess.run([str(binary), "model", "embed", "--model", str(model), "--input", str(source),
                    "--output", str(target), "--pooling", pooling.replace("_", "-")], check=True)
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["text"] for line in lines] == texts
    return [line["layers"] for line in lines]


def shortest_f32(layers):
    """Each value as the shortest decimal that reads back as the same float32."""
    return [[float(np.format_float_positional(np.float32(v), unique=True, trim="-"))
             for v in layer] for layer in layers]


def reference(pivot_states, other_states):
    """Metrics and per-sample scores from states[pooling][pair][layer][dim], in float64."""
    metrics, samples = {}, [dict() for _ in range(PAIRS)]
    layer_metrics, ranker_layers = {}, {}
    num_layers = len(pivot_states[POOLINGS[0]][0])
    width = max(2, len(str(num_layers - 1)))
    for pooling in POOLINGS:
        pivot = np.asarray(pivot_states[pooling], dtype=np.float32).astype(np.float64)
        other = np.asarray(other_states[pooling], dtype=np.float32).astype(np.float64)
        scores, aligned_layers = [], np.zeros(PAIRS)
        similarities, cosines = [], np.zeros(PAIRS)
        for layer in range(num_layers):
            e = pivot[:, layer, :] / np.linalg.norm(pivot[:, layer, :], axis=1, keepdims=True)
            x = other[:, layer, :] / np.linalg.norm(other[:, layer, :], axis=1, keepdims=True)
            c = e @ x.T
            off = ~np.eye(PAIRS, dtype=bool)
            aligned = np.array([
                c[i, i] > c[i][off[i]].max() and c[i, i] > c[:, i][off[:, i]].max()
                for i in range(PAIRS)
            ])
            aligned_layers += aligned
            scores.append(aligned.mean())
            layer_metrics[f"layer_{layer:0{width}d}/{pooling}"] = float(aligned.mean())
            if pooling == RANKER_POOLING:
                # Row-wise dot products, not the matrix diagonal: a second route to the number.
                parallel = np.einsum("id,id->i", e, x)
                if layer > 0 or num_layers == 1:
                    cosines += parallel
                similarities.append(parallel.mean())
                ranker_layers[f"ranker_layer_{layer:0{width}d}/{pooling}"] = float(parallel.mean())
        # The Ranker's summaries skip the embedding output (entry 0) unless it is the only entry.
        first = 1 if num_layers > 1 else 0
        for family, values, start in [("mexa", scores, 0)] + (
                [("ranker", similarities[first:], first)] if pooling == RANKER_POOLING else []):
            values = np.asarray(values)
            metrics[f"{family}_{pooling}_mean"] = float(values.mean())
            metrics[f"{family}_{pooling}_max"] = float(values.max())
            metrics[f"{family}_{pooling}_best_layer"] = float(start + np.argmax(values))
        for i in range(PAIRS):
            samples[i][f"{pooling}_aligned_fraction"] = float(aligned_layers[i] / num_layers)
            if pooling == RANKER_POOLING:
                samples[i][f"{pooling}_parallel_cosine"] = float(cosines[i] / (num_layers - first))
    metrics.update(layer_metrics)
    metrics.update(ranker_layers)
    return metrics, samples


def make_fixture(args):
    binary = Path(args.babelbench)
    data = Path(args.data_dir)
    tiny = Path(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = work / "gemma3"
        model.mkdir()
        for name in ["model.safetensors", "generation_config.json"]:
            shutil.copy(tiny / name, model / name)
        config = json.loads((tiny / "config.json").read_text())
        config["max_position_embeddings"] = 4096
        (model / "config.json").write_text(json.dumps(config))
        (model / "tokenizer.json").write_text(json.dumps(byte_tokenizer()))
        texts = {PIVOT: sentences(data, PIVOT), LANGUAGE: sentences(data, LANGUAGE)}
        states = {side: {p: [shortest_f32(s) for s in embed(binary, model, texts[side], p, work)]
                         for p in POOLINGS}
                  for side in texts}
    metrics, samples = reference(states[PIVOT], states[LANGUAGE])
    fixture = {
        "description": "Hidden states of the tiny gemma3 test model (byte tokenizer) for the "
                       f"first {PAIRS} FLORES-200 devtest pairs {LANGUAGE}/{PIVOT}, and numpy "
                       "reference values; written by scripts/alignment_reference.py",
        "task": TASK,
        "pivot_texts": texts[PIVOT],
        "texts": texts[LANGUAGE],
        "poolings": POOLINGS,
        "pivot_states": states[PIVOT],
        "states": states[LANGUAGE],
        "reference_metrics": metrics,
        "reference_samples": samples,
    }
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(fixture, ensure_ascii=False, separators=(",", ":")) + "\n",
                       encoding="utf-8")
    print(f"wrote {FIXTURE.relative_to(ROOT)} ({FIXTURE.stat().st_size} bytes), "
          f"{len(metrics)} metrics")


def check(args):
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    metrics, samples = reference(fixture["pivot_states"], fixture["states"])
    stored = fixture["reference_metrics"]
    assert metrics.keys() == stored.keys(), sorted(set(metrics) ^ set(stored))
    worst = max(abs(metrics[k] - stored[k]) for k in metrics)
    print(f"fixture: {len(metrics)} metrics recomputed, max |difference| {worst:.3g}")
    if args.results:
        results = json.loads(Path(args.results).read_text(encoding="utf-8"))["results"][TASK]
        diffs = {}
        for name, value in metrics.items():
            key = next((k for k in results if k == name or k.startswith(name + ",")), None)
            if key is None:
                sys.exit(f"{args.results}: no metric {name} for {TASK}")
            diffs[name] = abs(results[key] - value)
        name = max(diffs, key=diffs.get)
        print(f"{args.results}: {len(diffs)} metrics, max |babelbench - numpy| {diffs[name]:.3g} "
              f"({name})")
    for name in sorted(metrics):
        if name.startswith(("mexa_", "ranker_")) and "/" not in name:
            print(f"  {name} = {metrics[name]:.12g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make-fixture")
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    make.add_argument("--babelbench", default=str(Path(target) / "debug/babelbench"))
    make.add_argument("--data-dir", default=str(ROOT / "../shared/data"))
    make.add_argument("--model", default=str(ROOT / "../shared/fixtures/models/tiny/gemma3"))
    checking = sub.add_parser("check")
    checking.add_argument("--results", help="results.json of a run of mexa_deu_Latn, --limit 3")
    args = parser.parse_args()
    make_fixture(args) if args.command == "make-fixture" else check(args)


if __name__ == "__main__":
    main()
