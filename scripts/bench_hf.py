#!/usr/bin/env python3
"""The HF transformers side of scripts/bench_models.sh: the same workloads as babelbench's
`model loglikelihood` and `model generate`, on PyTorch CPU in float32 or bfloat16 (--dtype),
with the same GGUF weights (transformers dequantizes them via the `gguf` package, then casts
them to the dtype).

score:    one forward pass per multiple-choice context (lm-evaluation-harness groups the
          single-token choices " A".." D" the same way), right padding, in the input's order.
          --logits all computes log_softmax over every position as lm-evaluation-harness's HF
          model does; --logits last applies the LM head at the last real token only.
generate: greedy, left padding, KV cache, --max-new-tokens per prompt.

Prints one JSON line: tokens processed, seconds, tokens/s, and the per-question results.
"""

import argparse
import json
import os
import time

import torch
import transformers


def load(gguf_path, tokenizer_path, dtype):
    folder, name = os.path.split(os.path.abspath(gguf_path))
    model = transformers.AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=name, dtype=getattr(torch, dtype)
    )
    model.eval()
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=tokenizer_path)
    tokenizer.pad_token = "<pad>"
    tokenizer.eos_token = "<eos>"
    return model, tokenizer


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(model, tokenizer, rows, batch_size, logits_mode):
    """rows: {"context", "choices"}; returns tokens, seconds, per-row choice log-probs."""
    choice_ids = [
        [tokenizer(row["context"] + c)["input_ids"][-1] for c in row["choices"]] for row in rows
    ]
    encoded = [tokenizer(row["context"])["input_ids"] for row in rows]
    tokens = sum(len(ids) for ids in encoded)
    results = []
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(rows), batch_size):
            batch = encoded[start : start + batch_size]
            width = max(len(ids) for ids in batch)
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for i, seq in enumerate(batch):
                ids[i, : len(seq)] = torch.tensor(seq)
                mask[i, : len(seq)] = 1
            last = torch.tensor([len(seq) - 1 for seq in batch])
            rows_index = torch.arange(len(batch))
            if logits_mode == "all":
                logits = model(input_ids=ids, attention_mask=mask).logits.float()
                logprobs = torch.log_softmax(logits, dim=-1)[rows_index, last]
            else:
                hidden = model.model(input_ids=ids, attention_mask=mask).last_hidden_state
                logits = model.lm_head(hidden[rows_index, last]).float()
                cap = getattr(model.config, "final_logit_softcapping", None)
                if cap:
                    logits = torch.tanh(logits / cap) * cap
                logprobs = torch.log_softmax(logits, dim=-1)
            for i in range(len(batch)):
                wanted = choice_ids[start + i]
                results.append([float(logprobs[i, t]) for t in wanted])
    return tokens, time.perf_counter() - started, results


def generate(model, tokenizer, rows, batch_size, max_new_tokens):
    tokenizer.padding_side = "left"
    generated = 0
    outputs = []
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(rows), batch_size):
            texts = [row["text"] for row in rows[start : start + batch_size]]
            enc = tokenizer(texts, return_tensors="pt", padding=True)
            out = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
            for row in out[:, enc["input_ids"].shape[1] :].tolist():
                ids = []
                for t in row:
                    ids.append(t)
                    if t == tokenizer.eos_token_id:
                        break
                generated += len(ids)
                outputs.append(ids)
    return generated, time.perf_counter() - started, outputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["score", "generate"])
    parser.add_argument("--gguf", required=True)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--logits", choices=["all", "last"], default="all")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load_started = time.perf_counter()
    model, tokenizer = load(args.gguf, args.tokenizer, args.dtype)
    load_seconds = time.perf_counter() - load_started
    rows = read_jsonl(args.input)
    if args.mode == "score":
        tokens, seconds, results = score(model, tokenizer, rows, args.batch_size, args.logits)
    else:
        tokens, seconds, results = generate(
            model, tokenizer, rows, args.batch_size, args.max_new_tokens
        )
    print(
        json.dumps(
            {
                "mode": args.mode,
                "logits": args.logits,
                "dtype": args.dtype,
                "torch": torch.__version__,
                "transformers": transformers.__version__,
                "threads": torch.get_num_threads(),
                "load_seconds": load_seconds,
                "tokens": tokens,
                "seconds": seconds,
                "tokens_per_second": tokens / seconds,
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
