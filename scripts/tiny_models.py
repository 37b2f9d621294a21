#!/usr/bin/env python3
"""Tiny random HF checkpoints and their PyTorch reference outputs, for the parity tests.

For each architecture below this builds a model with HF transformers (vocabulary 512, hidden 64,
3 layers, 4 query and 2 key/value heads of 16), draws its weights from a fixed seed, perturbs
every norm weight so that a missing or misplaced norm shows, and saves under
`testdata/fixtures/models/tiny/<arch>/`:

- `config.json`, `generation_config.json`, `model.safetensors` (float32), via `save_pretrained`;
- `reference.json`, in the format of the other tiny fixtures: three rows of 12 token ids with
  right padding (`attention_mask`), the logits at every real position and the mean of the final
  hidden state over the real tokens (rounded to 6 decimals), plus `greedy_ids`: 8 tokens
  generated greedily after each row's real tokens.

Everything runs on PyTorch CPU in float32 with eager attention (the only implementation that
applies Gemma 2's attention softcapping). The script checks that what each fixture is meant to
exercise changes the logits: Gemma 2's softcaps and sliding window, Qwen3's q/k norms and
sliding layer, Phi-3's sliding window, and the RoPE scaling of `llama_yarn` (with its mscale
and `truncate`), `llama_dynamic` and `phi3_longrope`. The references of the last two, whose
frequencies depend on the length of the pass, run each row alone.

  /work/venvs/hf/bin/python scripts/tiny_models.py            # write all
  /work/venvs/hf/bin/python scripts/tiny_models.py gemma2     # write one

Needs: python3 -m venv /work/venvs/hf && /work/venvs/hf/bin/pip install torch transformers
safetensors (made with torch 2.15.0, transformers 5.25.0, safetensors 0.8.0).
"""

import copy
import json
import sys
from pathlib import Path

import torch
import transformers

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "testdata/fixtures/models/tiny"

# The ids of the other tiny fixtures' reference.json, so every architecture sees the same rows.
INPUT_IDS = [
    [180, 496, 430, 186, 81, 236, 121, 267, 265, 265, 338, 449],
    [471, 56, 294, 193, 318, 99, 187, 302, 97, 243, 105, 240],
    [124, 286, 295, 508, 459, 58, 79, 495, 348, 462, 272, 481],
]
LENGTHS = [12, 9, 5]
GREEDY_TOKENS = 8

COMMON = dict(
    vocab_size=512,
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=3,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=128,
)


def qwen3():
    """Qwen3: per-head q/k RMSNorm, no Q/K/V bias; layer 2 slides (window 4), untied head."""
    config = transformers.Qwen3Config(
        **COMMON,
        head_dim=16,
        use_sliding_window=True,
        sliding_window=4,
        max_window_layers=2,
        tie_word_embeddings=False,
    )
    return transformers.Qwen3ForCausalLM, config, 0.02


def gemma2():
    """Gemma 2: softcaps small enough to bite, window 4 on layers 0 and 2, larger weights so
    that attention scores and logits reach the caps."""
    config = transformers.Gemma2Config(
        **COMMON,
        head_dim=16,
        query_pre_attn_scalar=16,
        sliding_window=4,
        attn_logit_softcapping=2.0,
        final_logit_softcapping=1.5,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    return transformers.Gemma2ForCausalLM, config, 0.1


def phi3():
    """Phi-3: fused qkv_proj and gate_up_proj, sliding window 5 on every layer."""
    config = transformers.Phi3Config(
        **COMMON,
        original_max_position_embeddings=128,
        sliding_window=5,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
    )
    return transformers.Phi3ForCausalLM, config, 0.02


def llama_yarn():
    """Llama with YaRN: factor 4, non-default betas over an original context of 4096 so that
    the correction range (2.87 to 5.03 of 8 frequencies) is fractional and `truncate: false`
    matters, and mscale/mscale_all_dim, so the ramp and the attention factor (applied to
    cos/sin) all show. YaRN does not depend on the length of the forward pass."""
    config = transformers.LlamaConfig(
        **{**COMMON, "max_position_embeddings": 4 * 4096},
        rope_parameters={
            "rope_type": "yarn",
            "rope_theta": 10000.0,
            "factor": 4.0,
            "original_max_position_embeddings": 4096,
            "beta_fast": 24.0,
            "beta_slow": 2.0,
            "mscale": 1.0,
            "mscale_all_dim": 0.5,
            "truncate": False,
        },
    )
    return transformers.LlamaForCausalLM, config, 0.1


def llama_dynamic():
    """Llama with dynamic NTK (factor 2) and max_position_embeddings 8: rows of 12 and 9 tokens
    run with a larger base, the row of 5 with the plain one, and greedy decoding crosses 8."""
    config = transformers.LlamaConfig(
        **{**COMMON, "max_position_embeddings": 8},
        rope_parameters={"rope_type": "dynamic", "rope_theta": 10000.0, "factor": 2.0},
    )
    return transformers.LlamaForCausalLM, config, 0.1


def phi3_longrope():
    """Phi-3 with LongRoPE: an original context of 8 (top level, as Phi-3 writes it) in 128
    positions, so rows of 12 and 9 tokens take `long_factor`, the row of 5 `short_factor` until
    greedy decoding passes 8; the attention factor is sqrt(1 + ln 16 / ln 8)."""
    half = 8
    config = transformers.Phi3Config(
        **COMMON,
        original_max_position_embeddings=8,
        rope_parameters={
            "rope_type": "longrope",
            "rope_theta": 10000.0,
            "short_factor": [1.0 + 0.25 * i for i in range(half)],
            "long_factor": [2.0 + 1.5 * i for i in range(half)],
        },
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
    )
    return transformers.Phi3ForCausalLM, config, 0.1


def gemma3_multimodal():
    """Gemma 3 with a vision tower (Gemma3ForConditionalGeneration): the text model of the
    `gemma3` fixture's shape (2 sliding layers, window 4, then a global one) in `text_config`,
    and a SigLIP tower as small as transformers allows (width 8, one layer, one 14-pixel
    patch, one image token), whose tensors babelbench must leave unread."""
    text = dict(
        **COMMON,
        head_dim=16,
        query_pre_attn_scalar=16,
        sliding_window=4,
        layer_types=["sliding_attention", "sliding_attention", "full_attention"],
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    vision = dict(
        hidden_size=8,
        intermediate_size=8,
        num_hidden_layers=1,
        num_attention_heads=1,
        image_size=14,
        patch_size=14,
    )
    config = transformers.Gemma3Config(
        text_config=text, vision_config=vision, mm_tokens_per_image=1
    )
    return transformers.Gemma3ForConditionalGeneration, config, 0.02


ARCHS = {
    "qwen3": qwen3,
    "gemma2": gemma2,
    "phi3": phi3,
    "llama_yarn": llama_yarn,
    "llama_dynamic": llama_dynamic,
    "phi3_longrope": phi3_longrope,
    "gemma3_multimodal": gemma3_multimodal,
}

# RoPE types whose frequencies depend on the length of the forward pass: their references run
# each row alone (on a fresh copy of the model, since HF keeps the last length's frequencies
# between calls), so that every row sees its own length as babelbench computes it.
LENGTH_DEPENDENT = {"llama_dynamic", "phi3_longrope"}


def build(cls, config, std, seed):
    """The model with N(0, std) weights and norm weights moved off their neutral value."""
    config._attn_implementation = "eager"
    config.dtype = torch.float32
    torch.manual_seed(seed)
    model = cls(config).eval()
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, param in model.named_parameters():
            noise = torch.randn(param.shape, generator=generator)
            if "norm" in name:
                param.add_(0.2 * noise)
            else:
                param.copy_(std * noise)
    return model


def batch():
    """The right-padded reference batch."""
    ids = torch.tensor(INPUT_IDS)
    mask = torch.tensor([[1] * n + [0] * (12 - n) for n in LENGTHS])
    return ids, mask


def forward(model, per_row=False):
    """Logits and final hidden states of the reference batch; with `per_row`, each row's real
    tokens alone on a fresh copy of the model (positions beyond a row's length are zeros)."""
    ids, mask = batch()
    if not per_row:
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        return out.logits, out.hidden_states[-1]
    logits = torch.zeros(ids.shape + (model.config.vocab_size,))
    hidden = torch.zeros(ids.shape + (model.config.hidden_size,))
    for r, n in enumerate(LENGTHS):
        with torch.no_grad():
            out = copy.deepcopy(model)(input_ids=ids[r : r + 1, :n], output_hidden_states=True)
        logits[r, :n] = out.logits[0]
        hidden[r, :n] = out.hidden_states[-1][0]
    return logits, hidden


def variant_gap(cls, config, std, seed, model, per_row=False, **changes):
    """Largest logit change at real positions when the config differs by `changes`."""
    other_config = copy.deepcopy(config)
    for key, value in changes.items():
        setattr(other_config, key, value)
    other = build(cls, other_config, std, seed)
    other.load_state_dict(model.state_dict())
    a, _ = forward(model, per_row)
    b, _ = forward(other, per_row)
    _, mask = batch()
    return ((a - b).abs() * mask[..., None]).max().item()


def greedy(model):
    """GREEDY_TOKENS greedy tokens after each row's real tokens, one row at a time, each on a
    fresh copy of the model."""
    rows = []
    for ids, n in zip(INPUT_IDS, LENGTHS):
        prompt = torch.tensor([ids[:n]])
        with torch.no_grad():
            out = copy.deepcopy(model).generate(
                prompt,
                attention_mask=torch.ones_like(prompt),
                max_new_tokens=GREEDY_TOKENS,
                min_new_tokens=GREEDY_TOKENS,
                do_sample=False,
                eos_token_id=None,
                pad_token_id=0,
            )
        rows.append(out[0, n:].tolist())
    return rows


def checks(arch, cls, config, std, seed, model):
    """Asserts that the features the fixture pins change its logits."""
    gaps = {}
    if arch == "gemma2":
        gaps["attn softcap"] = variant_gap(
            cls, config, std, seed, model, attn_logit_softcapping=None
        )
        gaps["final softcap"] = variant_gap(
            cls, config, std, seed, model, final_logit_softcapping=None
        )
        gaps["window"] = variant_gap(cls, config, std, seed, model, sliding_window=12)
    if arch == "qwen3":
        gaps["window"] = variant_gap(cls, config, std, seed, model, sliding_window=12)
    if arch == "phi3":
        gaps["window"] = variant_gap(cls, config, std, seed, model, sliding_window=12)
    if arch in ("llama_yarn", "llama_dynamic", "phi3_longrope"):
        plain = {"rope_type": "default", "rope_theta": 10000.0}
        gaps["rope scaling"] = variant_gap(
            cls, config, std, seed, model, arch in LENGTH_DEPENDENT, rope_parameters=plain
        )
    if arch == "llama_yarn":
        no_mscale = {**config.rope_parameters, "mscale": None, "mscale_all_dim": None}
        gaps["mscale_all_dim"] = variant_gap(
            cls, config, std, seed, model, rope_parameters=no_mscale
        )
        truncated = {**config.rope_parameters, "truncate": True}
        gaps["truncate: false"] = variant_gap(
            cls, config, std, seed, model, rope_parameters=truncated
        )
    for what, gap in gaps.items():
        print(f"{arch}: without {what} the logits move by {gap:.3e}")
        assert gap > 1e-2, f"{arch}: the fixture does not exercise {what}"


def write(arch, seed):
    cls, config, std = ARCHS[arch]()
    model = build(cls, config, std, seed)
    checks(arch, cls, config, std, seed, model)
    per_row = arch in LENGTH_DEPENDENT
    logits, hidden = forward(model, per_row)
    _, mask = batch()
    reference = {
        "arch": arch,
        "input_ids": INPUT_IDS,
        "attention_mask": mask.tolist(),
        "note": (
            "each row run alone (RoPE frequencies depend on the length); logits at padded "
            "positions are not defined and not compared"
            if per_row
            else "right padding; logits at padded positions are not defined and not compared"
        ),
        "logits": [
            [[round(v, 6) for v in logits[r, p].tolist()] for p in range(n)]
            for r, n in enumerate(LENGTHS)
        ],
        "last_hidden_mean": [
            [round(v, 6) for v in hidden[r, :n].mean(dim=0).tolist()]
            for r, n in enumerate(LENGTHS)
        ],
        "greedy_ids": greedy(model),
    }
    out = OUT / arch
    out.mkdir(parents=True, exist_ok=True)
    model.config._attn_implementation = None
    model.save_pretrained(out)
    (out / "reference.json").write_text(json.dumps(reference) + "\n")
    print(f"{arch}: wrote {out}")


def main():
    names = sys.argv[1:] or list(ARCHS)
    for seed, arch in enumerate(ARCHS):
        if arch in names:
            write(arch, 1000 + seed)


if __name__ == "__main__":
    main()
