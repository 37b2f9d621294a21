#!/usr/bin/env python3
"""A bf16 HF checkpoint with the shapes of Qwen2.5-1.5B and random weights, for measuring the
peak memory of loading and scoring a model of that size (not committed; nothing is checked
against its outputs).

The config is Qwen2.5-1.5B's (hidden 1536, 28 layers, intermediate 8960, vocabulary 151936,
12 query and 2 key/value heads, tied embeddings). The tensor names and shapes come from
transformers' Qwen2 model built on the meta device; every matrix is drawn from N(0, 0.02²) with
a fixed seed, norms are ones, biases zeros, and the tensors are written as bfloat16 to
`OUT/model.safetensors` with `OUT/config.json`. A small byte-level BPE tokenizer (ids below
the vocabulary size) is written to `OUT/tokenizer.json`, so that `babelbench model score` can
run on the folder.

  /work/venvs/hf/bin/python scripts/random_checkpoint.py /tmp/qwen2.5-1.5b-shapes

Needs: /work/venvs/hf with torch, transformers and safetensors (made with torch 2.15.0,
transformers 5.25.0).
"""

import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoModelForCausalLM, Qwen2Config

CONFIG = dict(
    hidden_size=1536,
    intermediate_size=8960,
    num_hidden_layers=28,
    num_attention_heads=12,
    num_key_value_heads=2,
    vocab_size=151936,
    max_position_embeddings=32768,
    rms_norm_eps=1e-6,
    rope_theta=1000000.0,
    tie_word_embeddings=True,
    torch_dtype="bfloat16",
)

TOKENIZER_TEXT = [
    "The quick brown fox jumps over the lazy dog.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Le renard brun rapide saute par-dessus le chien paresseux.",
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    config = Qwen2Config(**CONFIG)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    generator = torch.Generator().manual_seed(0)
    tensors = {}
    for name, param in model.state_dict().items():
        if name == "lm_head.weight":
            continue  # tied to the embeddings
        if name.endswith("norm.weight"):
            value = torch.ones(param.shape)
        elif name.endswith(".bias"):
            value = torch.zeros(param.shape)
        else:
            value = torch.randn(param.shape, generator=generator) * 0.02
        tensors[name] = value.to(torch.bfloat16).contiguous()
    save_file(tensors, out / "model.safetensors", metadata={"format": "pt"})
    config.save_pretrained(out)

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(TOKENIZER_TEXT, trainer)
    tokenizer.save(str(out / "tokenizer.json"))
    size = (out / "model.safetensors").stat().st_size
    print(f"{out}: {len(tensors)} tensors, {size} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUT_DIR")
    main(Path(sys.argv[1]))
