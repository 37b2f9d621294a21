#!/usr/bin/env python3
"""The FLORES-200 languages ranked by the Language Ranker and by MEXA in one run, side by side.

Reads a run folder's results.json (a `babelbench run --tasks mexa ...`), ranks the languages by
`ranker_last_mean` and by a MEXA summary (default `mexa_weighted_mean_mean`, MEXA's headline;
`--mexa mexa_last_mean` compares the same pooling), and prints both rankings and Spearman's rho
between the two scores (average ranks for ties). Needs numpy.

  python3 scripts/alignment_rankings.py RUN_DIR [--mexa METRIC] [--markdown]
"""

import argparse
import json
from pathlib import Path

import numpy as np


def ranks(values):
    """1-based ranks, highest first, ties sharing their average rank."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(-values, kind="stable")
    result = np.empty(len(values))
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[order[j + 1]] == values[order[i]]:
            j += 1
        result[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--mexa", default="mexa_weighted_mean_mean")
    parser.add_argument("--markdown", action="store_true", help="print the side-by-side table")
    args = parser.parse_args()
    results = json.loads((args.run / "results.json").read_text(encoding="utf-8"))["results"]
    rows = []
    for task, metrics in results.items():
        if task.startswith("mexa_") and "ranker_last_mean,none" in metrics:
            rows.append((task.removeprefix("mexa_"), metrics["ranker_last_mean,none"],
                         metrics[f"{args.mexa},none"]))
    rows.sort()
    languages = [r[0] for r in rows]
    ranker = np.array([r[1] for r in rows])
    mexa = np.array([r[2] for r in rows])
    ranker_rank, mexa_rank = ranks(ranker), ranks(mexa)
    rho = np.corrcoef(ranker_rank, mexa_rank)[0, 1]
    print(f"{len(rows)} languages; Spearman rho(ranker_last_mean, {args.mexa}) = {rho:.4f}; "
          f"Pearson r = {np.corrcoef(ranker, mexa)[0, 1]:.4f}")
    if args.markdown:
        by_ranker = np.argsort(ranker_rank, kind="stable")
        by_mexa = np.argsort(mexa_rank, kind="stable")
        print(f"\n| # | Language Ranker | ranker_last_mean | MEXA | {args.mexa} |")
        print("| ---: | --- | ---: | --- | ---: |")
        for position, (a, b) in enumerate(zip(by_ranker, by_mexa), start=1):
            print(f"| {position} | {languages[a]} | {ranker[a]:.4f} | {languages[b]} | "
                  f"{100 * mexa[b]:.1f} |")


if __name__ == "__main__":
    main()
