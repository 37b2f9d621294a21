#!/usr/bin/env python3
"""Fixtures of the exact requests lm-evaluation-harness 0.4.13 builds for some of its own task YAMLs.

Writes tasks/tests/fixtures/lm_eval/:
  tasks/     task YAMLs copied unchanged from the installed lm_eval package (lm_eval/tasks/...),
             folder layout kept so that `include:` paths resolve;
  docs/      small local documents (JSONL): the first 6 real Belebele rows from
             ../shared/data/belebele, hand-made rows for the other tasks;
  requests/  one JSON file per (task, num_fewshot): every Instance lm-eval hands the model
             (doc_id, idx, request_type, arguments), the per-doc targets, and the few-shot picks;
  README.md  provenance and a table of the tasks and request counts.

lm-eval runs offline: each task is loaded through lm_eval's TaskManager (include_path = the fixture
tasks folder, built-in tasks excluded) with `dataset_path: json`, `dataset_name: null` and
`dataset_kwargs: {data_files: {split: local jsonl}}` overridden, then run through
lm_eval.simple_evaluate (default seeds, so fewshot_random_seed=1234) with a model that records the
requests it receives and answers them with dummy values.

Setup and run (from the repository root):
    python3 -m venv /work/venvs/lmeval && /work/venvs/lmeval/bin/pip install lm_eval==0.4.13
    /work/venvs/lmeval/bin/python scripts/lm_eval_requests.py

The output is deterministic: a second run rewrites identical files.
"""

import importlib.metadata
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

# Offline, and a private datasets cache so that no earlier run's cache is reused.
_CACHE = tempfile.mkdtemp(prefix="lm_eval_requests_")
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_CACHE"] = os.path.join(_CACHE, "datasets")
os.environ["HF_HOME"] = os.path.join(_CACHE, "hf")
os.environ.setdefault("LMEVAL_LOG_LEVEL", "ERROR")

import datasets  # noqa: E402
import lm_eval  # noqa: E402
from lm_eval.api import samplers  # noqa: E402
from lm_eval.api.model import LM  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402

LM_EVAL_VERSION = "0.4.13"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tasks" / "tests" / "fixtures" / "lm_eval"
TASKS_DIR = OUT / "tasks"
SHARED = ROOT.parent / "shared" / "data"
PKG_TASKS = Path(lm_eval.__file__).resolve().parent / "tasks"

# YAMLs copied unchanged (paths relative to lm_eval/tasks/).
COPY = [
    "belebele/_default_template_yaml",
    "belebele/belebele_eng_Latn.yaml",
    "belebele/belebele_deu_Latn.yaml",
    "xnli/xnli_common_yaml",
    "xnli/xnli_en.yaml",
    "xnli/xnli_de.yaml",
    "xstorycloze/default_ar.yaml",  # the base that default_en.yaml includes (itself task xstorycloze_ar)
    "xstorycloze/default_en.yaml",
    "mgsm/direct/direct_yaml",
    "mgsm/direct/mgsm_direct_en.yaml",
    "mgsm/direct/mgsm_direct_de.yaml",
    "mgsm/native_cot/cot_yaml",
    "mgsm/native_cot/mgsm_native_cot_de.yaml",
    "global_piqa/parallel_cloze/_template",
    "global_piqa/parallel_cloze/eng_latn.yaml",
    "global_piqa/parallel_cloze/deu_latn.yaml",
    "global_piqa/parallel_generation/_template",
    "global_piqa/parallel_generation/eng_latn.yaml",
    "global_piqa/parallel_generation/deu_latn.yaml",
    # Refused by babelbench (`!function` into xcopa/utils.py, which is not copied); no requests.
    "xcopa/default_et.yaml",
]
REFUSED_EXAMPLE = "xcopa/default_et.yaml"
REFUSED_PATTERN = re.compile(r"!function|^\s*(process_docs|process_results|class)\s*:", re.M)

# (task, yaml, {split: docs file}, few-shot counts)
TASKS = [
    ("belebele_eng_Latn", "belebele/belebele_eng_Latn.yaml",
     {"test": "docs/belebele_eng_Latn.jsonl"}, [0, 2]),
    ("belebele_deu_Latn", "belebele/belebele_deu_Latn.yaml",
     {"test": "docs/belebele_deu_Latn.jsonl"}, [0, 2]),
    ("xnli_en", "xnli/xnli_en.yaml",
     {"train": "docs/xnli_en.train.jsonl", "validation": "docs/xnli_en.validation.jsonl"}, [0, 2]),
    ("xnli_de", "xnli/xnli_de.yaml",
     {"train": "docs/xnli_de.train.jsonl", "validation": "docs/xnli_de.validation.jsonl"}, [0, 2]),
    ("xstorycloze_en", "xstorycloze/default_en.yaml",
     {"train": "docs/xstorycloze_en.train.jsonl", "eval": "docs/xstorycloze_en.eval.jsonl"}, [0]),
    ("mgsm_direct_en", "mgsm/direct/mgsm_direct_en.yaml",
     {"train": "docs/mgsm_en.train.jsonl", "test": "docs/mgsm_en.test.jsonl"}, [0]),
    ("mgsm_direct_de", "mgsm/direct/mgsm_direct_de.yaml",
     {"train": "docs/mgsm_de.train.jsonl", "test": "docs/mgsm_de.test.jsonl"}, [0, 2]),
    ("mgsm_native_cot_de", "mgsm/native_cot/mgsm_native_cot_de.yaml",
     {"train": "docs/mgsm_de.train.jsonl", "test": "docs/mgsm_de.test.jsonl"}, [0, 2]),
    ("global_piqa_parallel_cloze_eng_latn", "global_piqa/parallel_cloze/eng_latn.yaml",
     {"test": "docs/global_piqa_parallel_eng_latn.jsonl"}, [0, 2]),
    ("global_piqa_parallel_cloze_deu_latn", "global_piqa/parallel_cloze/deu_latn.yaml",
     {"test": "docs/global_piqa_parallel_deu_latn.jsonl"}, [0]),
    ("global_piqa_parallel_generation_eng_latn", "global_piqa/parallel_generation/eng_latn.yaml",
     {"test": "docs/global_piqa_parallel_eng_latn.jsonl"}, [0]),
    ("global_piqa_parallel_generation_deu_latn", "global_piqa/parallel_generation/deu_latn.yaml",
     {"test": "docs/global_piqa_parallel_deu_latn.jsonl"}, [0]),
]

# ---------------------------------------------------------------- hand-made documents
# Columns as the Hub datasets have them (facebook/xnli: premise, hypothesis, label 0=entailment
# 1=neutral 2=contradiction; juletxara/xstory_cloze: story_id, input_sentence_1..4, sentence_quiz1/2,
# answer_right_ending 1|2; juletxara/mgsm: question, answer (null in test), answer_number,
# equation_solution (null in test); mrlbenchmarks/global-piqa-parallel: only the columns the
# YAMLs read, prompt, solution0..3, label). Some text has leading/trailing spaces, non-ASCII
# characters, quotes and a backslash, so that the Jinja-list-then-literal_eval path is exercised.

XNLI_EN_TRAIN = [
    {"premise": "The cat sat on the mat.", "hypothesis": "A cat is on a mat.", "label": 0},
    {"premise": 'He said "no" twice, then left.', "hypothesis": "He agreed at once.", "label": 2},
    {"premise": "  Café prices rose by 5% in Zürich last year. ", "hypothesis": "Coffee got dearer.", "label": 0},
    {"premise": "It's raining, and the trains are late.", "hypothesis": "The trains are late because of a strike.", "label": 1},
    {"premise": "She bought three apples and two pears.", "hypothesis": "She bought fruit.", "label": 0},
    {"premise": "The museum's new wing — opened in May — is closed on Mondays.", "hypothesis": "The new wing opens every day.", "label": 2},
]
XNLI_EN_VALIDATION = [
    {"premise": "The committee met on Tuesday to discuss the budget.", "hypothesis": "The budget was discussed.", "label": 0},
    # Identical to a train row: lm-eval drops it from this doc's own few-shot sample (value equality).
    dict(XNLI_EN_TRAIN[4]),
    {"premise": "He wrote 'hello' and \"goodbye\" on the board, and a backslash \\ too.", "hypothesis": "Only one word was written.", "label": 2},
    {"premise": " Naïve résumé writers often forget dates.  ", "hypothesis": " Some writers forget dates. ", "label": 1},
    {"premise": "The bridge was built in 1932.", "hypothesis": "The bridge is less than a century old.", "label": 2},
]
XNLI_DE_TRAIN = [
    {"premise": "Die Katze saß auf der Matte.", "hypothesis": "Eine Katze ist auf einer Matte.", "label": 0},
    {"premise": "Er sagte zweimal „nein“ und ging dann.", "hypothesis": "Er stimmte sofort zu.", "label": 2},
    {"premise": "  Der Kaffee in Zürich wurde letztes Jahr um 5 % teurer. ", "hypothesis": "Kaffee kostet mehr.", "label": 0},
    {"premise": "Es regnet, und die Züge haben Verspätung.", "hypothesis": "Die Züge sind wegen eines Streiks verspätet.", "label": 1},
    {"premise": "Sie kaufte drei Äpfel und zwei Birnen.", "hypothesis": "Sie kaufte Obst.", "label": 0},
    {"premise": "Der neue Flügel des Museums ist montags geschlossen.", "hypothesis": "Der neue Flügel ist täglich geöffnet.", "label": 2},
]
XNLI_DE_VALIDATION = [
    {"premise": "Der Ausschuss traf sich am Dienstag, um über den Haushalt zu sprechen.", "hypothesis": "Der Haushalt wurde besprochen.", "label": 0},
    {"premise": 'Auf der Tafel stand "Grüß Gott" und \'Tschüss\'.', "hypothesis": "Auf der Tafel stand nichts.", "label": 2},
    {"premise": " Die Straße ist seit Montag gesperrt.  ", "hypothesis": "Die Straße wird repariert.", "label": 1},
    {"premise": "Das Brot kostet 3,50 €.", "hypothesis": "Das Brot ist nicht kostenlos.", "label": 0},
]

XSTORYCLOZE_EN_TRAIN = [
    {"story_id": "t-0001", "input_sentence_1": "Ana wanted a dog.", "input_sentence_2": "Her parents said she had to wait.",
     "input_sentence_3": "She saved money for a year.", "input_sentence_4": "On her birthday they went to the shelter.",
     "sentence_quiz1": "Ana came home with a puppy.", "sentence_quiz2": "Ana decided she hated dogs.", "answer_right_ending": 1},
    {"story_id": "t-0002", "input_sentence_1": "Tom baked a cake.", "input_sentence_2": "He forgot the sugar.",
     "input_sentence_3": "His friends tasted it.", "input_sentence_4": "They made faces.",
     "sentence_quiz1": "Everyone asked for seconds.", "sentence_quiz2": "Tom laughed and baked another one.", "answer_right_ending": 2},
    {"story_id": "t-0003", "input_sentence_1": "Mia lost her keys.", "input_sentence_2": "She searched the whole flat.",
     "input_sentence_3": "Then she checked her coat.", "input_sentence_4": "The keys were in the pocket.",
     "sentence_quiz1": "Mia was relieved.", "sentence_quiz2": "Mia called a locksmith to break in.", "answer_right_ending": 1},
]
XSTORYCLOZE_EN_EVAL = [
    {"story_id": "e-0001", "input_sentence_1": "Rick grew up in a troubled household.", "input_sentence_2": "He never found good support in family, and turned to gangs.",
     "input_sentence_3": "It wasn't long before Rick got shot in a robbery.", "input_sentence_4": "The incident caused him to turn a new leaf.",
     "sentence_quiz1": "He is happy now.", "sentence_quiz2": "He joined a gang.", "answer_right_ending": 1},
    {"story_id": "e-0002", "input_sentence_1": "  Zoë opened the café at six. ", "input_sentence_2": "The first customer ordered a crème brûlée.",
     "input_sentence_3": "Zoë said \"we only have croissants\".", "input_sentence_4": "The customer shrugged. ",
     "sentence_quiz1": "He threw his chair at her.", "sentence_quiz2": " He bought two croissants.", "answer_right_ending": 2},
    {"story_id": "e-0003", "input_sentence_1": "Sam's phone kept dying.", "input_sentence_2": "He bought a new battery.",
     "input_sentence_3": "It didn't help.", "input_sentence_4": "He took the phone to a shop.",
     "sentence_quiz1": "The shop fixed the charging port.", "sentence_quiz2": "Sam's phone turned into a bird.", "answer_right_ending": 1},
    {"story_id": "e-0004", "input_sentence_1": "Lena practised piano every day.", "input_sentence_2": "Her recital was on Friday.",
     "input_sentence_3": "On Friday she was nervous.", "input_sentence_4": "She played the first note.",
     "sentence_quiz1": "She never touched a piano.", "sentence_quiz2": "She played beautifully.", "answer_right_ending": 2},
    {"story_id": "e-0005", "input_sentence_1": "It snowed all night.", "input_sentence_2": "The schools closed.",
     "input_sentence_3": "The kids ran outside.", "input_sentence_4": "They built a snowman with a carrot nose.",
     "sentence_quiz1": "They named it 'Mr. Frost'.", "sentence_quiz2": "They went to school.", "answer_right_ending": 1},
]

MGSM_EN_TRAIN = [
    {"question": "Question: Ben has 3 boxes with 4 pens each. How many pens does he have?",
     "answer": "Step-by-Step Answer: Ben has 3 boxes of 4 pens, so 3 * 4 = 12 pens. The answer is 12.",
     "answer_number": 12, "equation_solution": "3 * 4 = 12"},
    {"question": "Question: A train leaves at 9:00 and arrives at 11:30. How many minutes is the trip?",
     "answer": "Step-by-Step Answer: From 9:00 to 11:30 is 2.5 hours, 2.5 * 60 = 150 minutes. The answer is 150.",
     "answer_number": 150, "equation_solution": "2.5 * 60 = 150"},
    {"question": "Question: Lea had 20 stickers and gave away 20. How many are left?",
     "answer": "Step-by-Step Answer: 20 - 20 = 0. The answer is 0.",
     "answer_number": 0, "equation_solution": "20 - 20 = 0"},
]
MGSM_EN_TEST = [
    {"question": "Janet’s ducks lay 16 eggs per day. She eats three and bakes muffins with four. She sells the rest for $2 each. How many dollars does she make?",
     "answer": None, "answer_number": 18, "equation_solution": None},
    {"question": "  A café sells 1250 croissants a week. How many is that in 2 weeks? ",
     "answer": None, "answer_number": 2500, "equation_solution": None},
    {"question": "Tom says \"I have 7 apples\" and eats 2. How many does he have?",
     "answer": None, "answer_number": 5, "equation_solution": None},
    {"question": "The temperature was 3 degrees and fell by 5 degrees. What is it now?",
     "answer": None, "answer_number": -2, "equation_solution": None},
]
MGSM_DE_TRAIN = [
    {"question": "Frage: Ben hat 3 Schachteln mit je 4 Stiften. Wie viele Stifte hat er?",
     "answer": "Schritt-für-Schritt-Antwort: Ben hat 3 Schachteln mit 4 Stiften, also 3 * 4 = 12 Stifte. Die Antwort lautet 12.",
     "answer_number": 12, "equation_solution": "3 * 4 = 12"},
    {"question": "Frage: Ein Zug fährt um 9:00 ab und kommt um 11:30 an. Wie viele Minuten dauert die Fahrt?",
     "answer": "Schritt-für-Schritt-Antwort: Von 9:00 bis 11:30 sind es 2,5 Stunden, 2,5 * 60 = 150 Minuten. Die Antwort lautet 150.",
     "answer_number": 150, "equation_solution": "2.5 * 60 = 150"},
    {"question": "Frage: Lea hatte 20 Aufkleber und verschenkte 20. Wie viele sind übrig?",
     "answer": "Schritt-für-Schritt-Antwort: 20 - 20 = 0. Die Antwort lautet 0.",
     "answer_number": 0, "equation_solution": "20 - 20 = 0"},
    {"question": "Frage: Jörg kauft 5 Brötchen zu je 2 €. Wie viel Euro zahlt er?",
     "answer": "Schritt-für-Schritt-Antwort: 5 * 2 = 10 €. Die Antwort lautet 10.",
     "answer_number": 10, "equation_solution": "5 * 2 = 10"},
    {"question": "Frage: Ein Garten hat 4 Reihen mit je 6 Tulpen. Wie viele Tulpen sind es?",
     "answer": "Schritt-für-Schritt-Antwort: 4 * 6 = 24. Die Antwort lautet 24.",
     "answer_number": 24, "equation_solution": "4 * 6 = 24"},
]
MGSM_DE_TEST = [
    {"question": "Janets Enten legen 16 Eier pro Tag. Sie isst drei und backt mit vier Muffins. Den Rest verkauft sie für 2 € pro Stück. Wie viel Euro verdient sie?",
     "answer": None, "answer_number": 18, "equation_solution": None},
    {"question": "  Ein Café verkauft 1250 Croissants pro Woche. Wie viele sind das in 2 Wochen? ",
     "answer": None, "answer_number": 2500, "equation_solution": None},
    {"question": "Tom sagt: „Ich habe 7 Äpfel\" und isst 2. Wie viele hat er noch?",
     "answer": None, "answer_number": 5, "equation_solution": None},
    {"question": "Es waren 3 Grad, dann fiel die Temperatur um 5 Grad. Wie warm ist es jetzt?",
     "answer": None, "answer_number": -2, "equation_solution": None},
]

GPIQA_ENG = [
    {"prompt": "To keep bread fresh for longer,", "solution0": "store it in a paper bag in a cool, dry place.",
     "solution1": "soak it in water overnight.", "solution2": "leave it in direct sunlight.", "solution3": "put it in the dishwasher.", "label": 0},
    {"prompt": "How do I make a cup of tea? ", "solution0": "Pour cold water over the cup.", "solution1": " Boil water and pour it over a tea bag.",
     "solution2": "Grind the tea bag into flour.", "solution3": "Freeze the tea bag first.", "label": 1},
    {"prompt": "To clean a cast-iron pan,", "solution0": "run it through the dishwasher.", "solution1": "soak it in soapy water for a week.",
     "solution2": "wipe it, rinse with hot water and dry it at once.", "solution3": "paint it.", "label": 2},
    {"prompt": "When someone says \"it's raining cats and dogs\",", "solution0": "animals are falling from the sky.",
     "solution1": "they want a pet.", "solution2": "the weather is sunny.", "solution3": "it is raining heavily.", "label": 3},
    {"prompt": "To make a crêpe,", "solution0": "pour a thin batter into a hot, buttered pan.", "solution1": "bake a loaf for an hour.",
     "solution2": "boil an egg.", "solution3": "freeze milk.", "label": 0},
]
GPIQA_DEU = [
    {"prompt": "Um Brot länger frisch zu halten,", "solution0": "lagert man es in einer Papiertüte an einem kühlen, trockenen Ort.",
     "solution1": "weicht man es über Nacht in Wasser ein.", "solution2": "legt man es in die pralle Sonne.", "solution3": "steckt man es in die Spülmaschine.", "label": 0},
    {"prompt": "Wie koche ich eine Tasse Tee? ", "solution0": "Kaltes Wasser über die Tasse gießen.", "solution1": " Wasser kochen und über einen Teebeutel gießen.",
     "solution2": "Den Teebeutel zu Mehl mahlen.", "solution3": "Den Teebeutel zuerst einfrieren.", "label": 1},
    {"prompt": "Um eine gusseiserne Pfanne zu reinigen,", "solution0": "steckt man sie in die Spülmaschine.", "solution1": "weicht man sie eine Woche in Seifenwasser ein.",
     "solution2": "wischt man sie aus, spült sie heiß ab und trocknet sie sofort.", "solution3": "streicht man sie an.", "label": 2},
    {"prompt": "Wenn jemand sagt „es regnet Bindfäden\",", "solution0": "fallen Fäden vom Himmel.",
     "solution1": "möchte er nähen.", "solution2": "scheint die Sonne.", "solution3": "regnet es sehr stark.", "label": 3},
]

HAND_MADE = {
    "docs/xnli_en.train.jsonl": XNLI_EN_TRAIN,
    "docs/xnli_en.validation.jsonl": XNLI_EN_VALIDATION,
    "docs/xnli_de.train.jsonl": XNLI_DE_TRAIN,
    "docs/xnli_de.validation.jsonl": XNLI_DE_VALIDATION,
    "docs/xstorycloze_en.train.jsonl": XSTORYCLOZE_EN_TRAIN,
    "docs/xstorycloze_en.eval.jsonl": XSTORYCLOZE_EN_EVAL,
    "docs/mgsm_en.train.jsonl": MGSM_EN_TRAIN,
    "docs/mgsm_en.test.jsonl": MGSM_EN_TEST,
    "docs/mgsm_de.train.jsonl": MGSM_DE_TRAIN,
    "docs/mgsm_de.test.jsonl": MGSM_DE_TEST,
    "docs/global_piqa_parallel_eng_latn.jsonl": GPIQA_ENG,
    "docs/global_piqa_parallel_deu_latn.jsonl": GPIQA_DEU,
}
BELEBELE = {
    "docs/belebele_eng_Latn.jsonl": "belebele/eng_Latn.jsonl",
    "docs/belebele_deu_Latn.jsonl": "belebele/deu_Latn.jsonl",
}
BELEBELE_ROWS = 6


def write_docs():
    (OUT / "docs").mkdir(parents=True, exist_ok=True)
    for rel, src in BELEBELE.items():
        with open(SHARED / src, "rb") as f:
            lines = [f.readline() for _ in range(BELEBELE_ROWS)]
        assert all(line.endswith(b"\n") for line in lines), src
        (OUT / rel).write_bytes(b"".join(lines))  # the real rows, byte for byte
    for rel, rows in HAND_MADE.items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (OUT / rel).write_text(text, encoding="utf-8")


def copy_yamls():
    refused = {}
    for rel in COPY:
        dst = TASKS_DIR / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PKG_TASKS / rel, dst)
        found = sorted(set(m.group(0).strip().rstrip(":").strip() for m in REFUSED_PATTERN.finditer(dst.read_text())))
        if found:
            refused[rel] = found
    return refused


# ---------------------------------------------------------------- lm-eval run


class RecordingLM(LM):
    """Records the requests lm-eval sends, in the order it sends them; answers with dummies."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def _record(self, requests):
        self.seen.extend(requests)

    def loglikelihood(self, requests):
        self._record(requests)
        return [(0.0, False) for _ in requests]

    def loglikelihood_rolling(self, requests):
        self._record(requests)
        return [0.0 for _ in requests]

    def generate_until(self, requests):
        self._record(requests)
        return ["" for _ in requests]


FEWSHOT_LOG = []  # (pool indices, eval_doc passed) per sampler.sample call


def _record_sampler(cls):
    original = cls.sample

    def sample(self, n, eval_doc=None, df=None, **kwargs):
        res = original(self, n, eval_doc=eval_doc, df=df, **kwargs)
        if n > 0:
            index = {id(d): i for i, d in enumerate(self.df)}
            FEWSHOT_LOG.append(([index[id(d)] for d in res], eval_doc is not None))
        return res

    cls.sample = sample


_record_sampler(samplers.ContextSampler)
_record_sampler(samplers.FirstNSampler)


def jsonable(x):
    if isinstance(x, tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, list):
        return [jsonable(v) for v in x]
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    return x


def fewshot_pool_split(task):
    """The split lm-eval 0.4.13 draws few-shot docs from (ConfigurableTask.fewshot_docs)."""
    cfg = task.config
    if task.fewshot_cfg.split is not None:
        return task.fewshot_cfg.split
    if cfg.training_split is not None:
        return cfg.training_split
    if cfg.validation_split is not None:
        return cfg.validation_split
    return cfg.test_split


def run_one(tm, name, yaml_rel, splits, k):
    overrides = {
        "task": name,
        "dataset_path": "json",
        "dataset_name": None,
        "dataset_kwargs": {"data_files": {s: str(OUT / p) for s, p in splits.items()}},
    }
    # Load through the TaskManager index (the YAML found under include_path) with the overrides;
    # a group wrapper is lm-eval's public way to pass per-task overrides to a registered task.
    loaded = tm.load({"group": f"fixture_{name}", "task": [overrides]})
    task = loaded["tasks"][name]
    yaml_path = Path(task.config.metadata["config_source"]).resolve()
    assert yaml_path == (TASKS_DIR / yaml_rel).resolve(), (yaml_path, yaml_rel)

    lm = RecordingLM()
    FEWSHOT_LOG.clear()
    results = lm_eval.simple_evaluate(
        model=lm,
        tasks=[task],
        num_fewshot=k,
        task_manager=tm,
        bootstrap_iters=0,
        log_samples=True,
    )
    # simple_evaluate's defaults: random_seed=0, numpy/torch/fewshot_random_seed=1234.
    assert results["config"]["fewshot_seed"] == 1234
    assert task.config.num_fewshot == k

    requests = [
        {
            "doc_id": inst.doc_id,
            "idx": inst.idx,
            "request_type": inst.request_type,
            "arguments": jsonable(inst.arguments),
        }
        for inst in lm.seen
    ]
    order = [(r["doc_id"], r["idx"]) for r in requests]
    assert order == sorted(order) and len(set(order)) == len(order), "unexpected request order"

    samples = sorted(results["samples"][name], key=lambda s: s["doc_id"])
    # one logged sample per doc per filter; keep the first filter's
    targets = {}
    for s in samples:
        targets.setdefault(s["doc_id"], s["target"])
    n_docs = len(task.eval_docs)
    assert sorted(targets) == list(range(n_docs))

    eval_split = task.config.test_split or task.config.validation_split
    out = {
        "task": name,
        "yaml": yaml_rel,
        "num_fewshot": k,
        "docs": splits[eval_split],
        "splits": splits,
        "output_type": task.config.output_type,
        "lm_eval_version": importlib.metadata.version("lm_eval"),
        "requests": requests,
        "targets": [jsonable(targets[i]) for i in range(n_docs)],
    }
    if k > 0:
        assert len(FEWSHOT_LOG) == n_docs
        pool = fewshot_pool_split(task)
        out["fewshot"] = {
            "sampler": task.fewshot_cfg.sampler,
            "seed": 1234,
            "split": pool,
            "docs": splits[pool],
            "eval_doc_excluded": FEWSHOT_LOG[0][1],
            "picked": [ids for ids, _ in FEWSHOT_LOG],
        }
    return out, eval_split


def main():
    datasets.disable_progress_bars()
    installed = importlib.metadata.version("lm_eval")
    assert installed == LM_EVAL_VERSION, f"lm_eval {installed} installed, {LM_EVAL_VERSION} expected"
    for sub in ("tasks", "docs", "requests"):
        shutil.rmtree(OUT / sub, ignore_errors=True)
    refused = copy_yamls()
    assert REFUSED_EXAMPLE in refused, refused
    write_docs()

    tm = TaskManager(include_path=str(TASKS_DIR), include_defaults=False)
    (OUT / "requests").mkdir(parents=True, exist_ok=True)
    table = []
    for name, yaml_rel, splits, shots in TASKS:
        for k in shots:
            out, eval_split = run_one(tm, name, yaml_rel, splits, k)
            rel = f"requests/{name}_{k}shot.json"
            (OUT / rel).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            table.append((name, yaml_rel, k, out, eval_split, rel))
            print(f"{rel}: {len(out['requests'])} requests, {len(out['targets'])} docs", file=sys.stderr)
    write_readme(refused, table)


def write_readme(refused, table):
    rows = []
    for name, yaml_rel, k, out, eval_split, rel in table:
        fs = out.get("fewshot")
        fs_text = (
            f"`{fs['sampler']}` from `{fs['split']}`, eval doc excluded: {'yes' if fs['eval_doc_excluded'] else 'no'}"
            if fs else "-"
        )
        rows.append(
            f"| `{name}` | `{yaml_rel}` | {k} | `{out['output_type']}` | {eval_split} | "
            f"{len(out['targets'])} | {len(out['requests'])} | {fs_text} |"
        )
    refused_lines = "\n".join(
        f"- `tasks/{rel}`: {', '.join(f'`{f}`' for f in feats)}" for rel, feats in sorted(refused.items())
    )
    text = f"""# lm-evaluation-harness request fixtures

The exact requests lm-evaluation-harness (lm-eval) {LM_EVAL_VERSION} builds for some of its own task
YAMLs, on small local documents, so that babelbench's YAML task support can be checked
string for string. Generated by `scripts/lm_eval_requests.py`; do not edit by hand.

## Where things come from

- `tasks/`: task YAMLs from the lm_eval {LM_EVAL_VERSION} wheel on PyPI (`lm_eval/tasks/...`,
  MIT license, copyright EleutherAI), copied unchanged with their folder layout, so that
  `include:` paths resolve. `xstorycloze/default_ar.yaml` is there because `default_en.yaml`
  includes it.
- `docs/belebele_*.jsonl`: the first {BELEBELE_ROWS} rows, byte for byte, of
  `shared/data/belebele/<lang>.jsonl` (Belebele, CC-BY-SA 4.0; see `shared/data/SOURCES.md`;
  the official `ds` field is absent there).
- all other `docs/*.jsonl`: hand-made rows with the columns the Hub datasets have (only the
  columns the YAMLs read, for global_piqa), including leading/trailing spaces, non-ASCII text,
  quotes and a backslash. `docs/xnli_en.validation.jsonl` row 1 equals `xnli_en.train.jsonl`
  row 4 on purpose (lm-eval removes a few-shot candidate equal to the evaluated doc by value).
- `requests/<task>_<k>shot.json`: lm-eval's own output. Each task was loaded through lm-eval's
  `TaskManager(include_path=tasks/, include_defaults=False)` with the overrides
  `dataset_path: json`, `dataset_name: null`, `dataset_kwargs: {{data_files: <splits>}}` (the
  `splits` field of each file, paths relative to this folder), and run through
  `lm_eval.simple_evaluate(num_fewshot=k)` with its default seeds (few-shot seed 1234) and a
  model that records the requests it is sent.

## Request file schema

`task`, `yaml` (relative to `tasks/`), `num_fewshot`, `docs` (the evaluated split's file),
`splits` (the data_files override), `output_type`, `lm_eval_version`, `requests` (in lm-eval's
order, by doc_id then idx: `doc_id`, `idx`, `request_type`, `arguments`: `[context,
continuation]` for loglikelihood, `[context, generation_kwargs]` for generate_until), `targets`
(per doc, `doc_to_target` as lm-eval computes it: an int is an index into the choices).
With `num_fewshot > 0` also `fewshot`: `sampler`, `seed`, `split` and `docs` (the pool),
`eval_doc_excluded` (whether lm-eval passed the evaluated doc to the sampler for removal) and
`picked` (per doc, the few-shot docs' row indices in the pool file, in prompt order).
A generate_until request without `max_gen_toks` uses the model's default (256 in lm-eval).

## Tasks

| task | yaml | shots | output_type | eval split | docs | requests | few-shot |
| --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

## YAMLs that babelbench refuses

YAMLs using `!function`, `process_docs`, `process_results` or `class:` are refused by babelbench.
None of the YAMLs above uses them; this one is here as the refused example (its `utils.py` is
not copied, and it has no request fixture):

{refused_lines}

## Regenerate

    python3 -m venv /work/venvs/lmeval && /work/venvs/lmeval/bin/pip install lm_eval=={LM_EVAL_VERSION}
    /work/venvs/lmeval/bin/python scripts/lm_eval_requests.py

It runs offline (`HF_DATASETS_OFFLINE=1`, `HF_HUB_OFFLINE=1`, a throwaway datasets cache) and
is deterministic.
"""
    (OUT / "README.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(_CACHE, ignore_errors=True)
