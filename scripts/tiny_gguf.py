#!/usr/bin/env python3
"""F32 GGUF files of the tiny HF fixtures, written by llama.cpp's own convert_hf_to_gguf.py.

The tiny fixtures (scripts/tiny_models.py) have no tokenizer, so the converter's `set_vocab`
is replaced by a no-op: the files hold the model's hyperparameters and tensors exactly as the
converter writes them, and no `tokenizer.ggml.*` keys. Everything else is the converter's
code, unchanged. Writes `testdata/fixtures/models/tiny/<arch>/model-f32.gguf` for each
architecture below.

  pip download --no-binary llama-cpp-python --no-deps llama-cpp-python   # the sdist vendors llama.cpp
  tar xzf llama_cpp_python-0.3.36.tar.gz
  /work/venvs/hf/bin/python scripts/tiny_gguf.py llama_cpp_python-0.3.36/vendor/llama.cpp

Needs torch, numpy, pyyaml and sentencepiece beside the converter (made with llama-cpp-python
0.3.36's vendored llama.cpp, torch 2.15.0).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "testdata/fixtures/models/tiny"
# Fixture folder -> the converter module and class that handle it.
FIXTURES = {
    "qwen3": ("qwen", "Qwen3Model"),
    "gemma2": ("gemma", "Gemma2Model"),
    "phi3": ("phi", "Phi3MiniModel"),
}


def main():
    llama_cpp = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(llama_cpp))
    sys.path.insert(1, str(llama_cpp / "gguf-py"))
    import convert_hf_to_gguf
    import importlib

    for module, name in FIXTURES.values():
        cls = getattr(importlib.import_module(f"conversion.{module}"), name)
        cls.set_vocab = lambda self: None
    for fixture in sys.argv[2:] or FIXTURES:
        folder = TINY / fixture
        out = folder / "model-f32.gguf"
        sys.argv = ["convert_hf_to_gguf.py", str(folder), "--outtype", "f32", "--outfile", str(out)]
        convert_hf_to_gguf.main()
        print(f"{fixture}: wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
