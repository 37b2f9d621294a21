#!/usr/bin/env python3
"""Fixture of sacrebleu 2.6.0's TER (the default `TER()`, as lm-evaluation-harness's `ter` metric
calls it through `sacrebleu.corpus_ter`) for babelbench's `ter` metric.

Writes tasks/tests/fixtures/sacrebleu_ter.json: a list of cases, each with
  hypotheses, references   one reference per hypothesis;
  corpus                   {score, num_edits, ref_length} of `TER().corpus_score`;
  sentences                [{score, num_edits, ref_length}] of `TER().sentence_score` per pair;
  signature                sacrebleu's signature string.

Hypotheses are seeded perturbations of FLORES-200 devtest references (lines 0..29) in six
languages: moved word blocks (what TER's shifts undo), dropped, repeated and replaced words, case
changes, extra spaces. Edge cases: empty hypothesis, empty reference, both empty, a sentence of
120 words with far moves (beyond the 50-word shift distance and the 10-word shift size), and many
repeated words (many shift candidates).

Setup and run (from the repository root, with ../shared/data beside it):
    python3 -m venv /work/venvs/sacrebleu && /work/venvs/sacrebleu/bin/pip install sacrebleu==2.6.0
    /work/venvs/sacrebleu/bin/python scripts/sacrebleu_ter_fixture.py

Deterministic: a second run rewrites an identical file.
"""

import json
import random
from pathlib import Path

import sacrebleu
from sacrebleu.metrics import TER

ROOT = Path(__file__).resolve().parent.parent
DEVTEST = ROOT.parent / "shared" / "data" / "flores200" / "devtest"
OUT = ROOT / "tasks" / "tests" / "fixtures" / "sacrebleu_ter.json"
LANGUAGES = ["eng_Latn", "deu_Latn", "fra_Latn", "rus_Cyrl", "hin_Deva", "zho_Hans"]
LINES = 30


def perturb(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    for _ in range(rng.randint(0, 6)):
        if len(words) < 2:
            break
        kind = rng.choice(["move", "move", "drop", "repeat", "replace", "case", "space"])
        i = rng.randrange(len(words))
        if kind == "move":
            length = rng.randint(1, min(4, len(words) - i))
            block = words[i : i + length]
            del words[i : i + length]
            j = rng.randint(0, len(words))
            words[j:j] = block
        elif kind == "drop":
            del words[i]
        elif kind == "repeat":
            words.insert(i, words[i])
        elif kind == "replace":
            words[i] = rng.choice(words) + "x"
        elif kind == "case":
            words[i] = words[i].upper()
        else:
            words[i] = words[i] + " "
    return " ".join(words)


def scores(hypotheses, references):
    ter = TER()
    corpus = ter.corpus_score(hypotheses, [references])
    sentences = []
    for h, r in zip(hypotheses, references):
        s = TER().sentence_score(h, [r])
        sentences.append({"score": s.score, "num_edits": s.num_edits, "ref_length": s.ref_length})
    return {
        "corpus": {
            "score": corpus.score,
            "num_edits": corpus.num_edits,
            "ref_length": corpus.ref_length,
        },
        "sentences": sentences,
        "signature": str(ter.get_signature()),
    }


def main():
    rng = random.Random(20261203)
    cases = []
    for lang in LANGUAGES:
        lines = (DEVTEST / f"{lang}.devtest").read_text(encoding="utf-8").splitlines()[:LINES]
        hypotheses = [perturb(line, rng) for line in lines]
        cases.append({"name": lang, "hypotheses": hypotheses, "references": lines})

    long_ref = " ".join(f"w{i % 37}" for i in range(120))
    words = long_ref.split()
    far = words[70:80] + words[:70] + words[80:]
    repeated_ref = "the cat and the dog and the cat and the bird and the dog"
    edge = [
        ("", "a reference"),
        ("a hypothesis", ""),
        ("", ""),
        ("Same Words HERE", "same words here"),
        ("  spaced   out  ", "spaced out"),
        (" ".join(far), long_ref),
        (" ".join(reversed(words)), long_ref),
        ("the dog and the cat and the bird and the cat and the dog", repeated_ref),
        ("a b c d e f g h i j k l m", "h i j k l m a b c d e f g"),
    ]
    cases.append(
        {"name": "edge", "hypotheses": [h for h, _ in edge], "references": [r for _, r in edge]}
    )
    for case in cases:
        case.update(scores(case["hypotheses"], case["references"]))
    payload = {"sacrebleu": sacrebleu.__version__, "metric": "TER()", "cases": cases}
    OUT.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
