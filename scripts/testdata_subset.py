#!/usr/bin/env python3
"""Writes testdata/data/, the small data subset committed for the tests, from a full data root.

The subset has the data root's layout (datasets.toml) for a few languages, and each file holds the
first rows of the full file, unchanged (headers kept, labels.txt whole):

  flores200/devtest/{lang}.devtest      first DEVTEST_LINES lines (the sacrebleu fixture's FLORES
                                        cases score the first 150 devtest lines)
  flores200/metadata_devtest.tsv        header + first DEVTEST_LINES rows
  flores200/dev-partial/{lang}.tsv      header + first ROWS rows (the few-shot pool)
  belebele/{lang}.jsonl                 first ROWS questions (eng_Latn and deu_Latn only)
  sib200/annotated/{lang}/{train,dev,test}.tsv  header + first ROWS rows
  sib200/annotated/{lang}/labels.txt    whole (7 labels)

Because every file is a prefix of the real one, a test on the subset sees the same first rows,
prompts and scores as on the full data. The files are shorter than datasets.toml's `records`, so
`harness::data`'s loaders and `babelbench data verify` reject them: tests of those run on the full
data root (testdata::full_data).

Run from the repository root, with the full data root at ../shared/data (or give its path):
    python3 scripts/testdata_subset.py [FULL_DATA_ROOT]
"""

import shutil
import sys
from pathlib import Path

# The languages the tests name: English (the pivot), German and French (the examples of most
# tests), Simplified Chinese and Thai (the zh and char BLEU tokenizers of the FLORES tests).
LANGUAGES = ["deu_Latn", "eng_Latn", "fra_Latn", "tha_Thai", "zho_Hans"]
BELEBELE_LANGUAGES = ["deu_Latn", "eng_Latn"]
DEVTEST_LINES = 150
ROWS = 40


def head(source: Path, target: Path, lines: int) -> None:
    """Copies the first `lines` lines of `source` (bytes unchanged) to `target`."""
    with source.open("rb") as f:
        kept = [line for _, line in zip(range(lines), f)]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"".join(kept))


def main() -> None:
    repo = Path(__file__).resolve().parent.parent
    full = Path(sys.argv[1]) if len(sys.argv) > 1 else repo.parent / "shared" / "data"
    out = repo / "testdata" / "data"
    if out.exists():
        shutil.rmtree(out)
    flores = full / "flores200"
    head(flores / "metadata_devtest.tsv", out / "flores200/metadata_devtest.tsv", 1 + DEVTEST_LINES)
    for lang in LANGUAGES:
        head(flores / f"devtest/{lang}.devtest", out / f"flores200/devtest/{lang}.devtest", DEVTEST_LINES)
        head(flores / f"dev-partial/{lang}.tsv", out / f"flores200/dev-partial/{lang}.tsv", 1 + ROWS)
        annotated = f"sib200/annotated/{lang}"
        for split in ["train", "dev", "test"]:
            head(full / annotated / f"{split}.tsv", out / annotated / f"{split}.tsv", 1 + ROWS)
        shutil.copyfile(full / annotated / "labels.txt", out / annotated / "labels.txt")
    for lang in BELEBELE_LANGUAGES:
        head(full / f"belebele/{lang}.jsonl", out / f"belebele/{lang}.jsonl", ROWS)


if __name__ == "__main__":
    main()
