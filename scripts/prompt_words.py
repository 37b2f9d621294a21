#!/usr/bin/env python3
"""The per-language prompt words of `--prompt-language native`: tasks/data/prompt_words.tsv.

For every code of harness/data/languages.tsv but English, the words babelbench's native prompts
use, each from a published translation (a `-` where the source has none):
  name      the language's name for itself          CLDR 48.2.0 (npm cldr-localenames-full),
  name_eng  the language's name for English         `languages` of the language's locale
  answer    "Answer" (Belebele)                     lm-evaluation-harness 0.4.13's MMLU-Pro  topic     "Topic" (SIB-200)                       LibreOffice 7.4.7's translations (Debian
                                                    bookworm libreoffice-l10n-*): the agenda
                                                    wizard's "Topic" (wiz.mo
                                                    RID_AGENDAWIZARDDIALOG_START_77)
                                                    prompts (lm_eval/tasks/mmlu_prox/lang_libs.py:
                                                    the word before the colon of "Answer: Let's
                                                    think step by step.")
X
  text      "Text" (SIB-200)                        the same, the style name "Text" (sd.mo
                                                    STR_POOLSHEET_TEXT)
A FLORES-200 code is matched to a CLDR locale through CLDR's language aliases (cldr-core 48.2.0:
`arb` -> `ar`, `zsm` -> `ms`, ...) and its likely subtags (a code whose script is not its
language's likely script takes the locale `<language>-<Script>`, such as `zh-Hant`); the
MMLU-ProX and LibreOffice languages are matched to the same locale identifiers, and a word is
kept only when its letters are in the script of the language's CLDR name (Japanese: kanji, kana).

Setup and run (from the repository root; the npm and Debian packages are downloaded):
    python3 -m venv /work/venvs/lmeval && /work/venvs/lmeval/bin/pip install lm_eval==0.4.13
    /work/venvs/lmeval/bin/python scripts/prompt_words.py

The output is deterministic: a second run rewrites an identical file.
"""

import ast
import gettext
import json
import subprocess
import tarfile
import tempfile
import unicodedata
from pathlib import Path

import lm_eval

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tasks" / "data" / "prompt_words.tsv"
CLDR_VERSION = "48.2.0"
LIBREOFFICE_VERSION = "4:7.4.7-1+deb12u14"
COLUMNS = ["name", "name_eng", "answer", "topic", "text"]
LIBREOFFICE_WORDS = {
    "topic": ("wiz.mo", "RID_AGENDAWIZARDDIALOG_START_77\x04Topic"),
    "text": ("sd.mo", "STR_POOLSHEET_TEXT\x04Text"),
}
# LibreOffice's locale folders as CLDR locale identifiers; folders left out are variants of a
# language another folder covers (en_GB, ca@valencia) or European Portuguese (CLDR's `pt`, like
# FLORES-200's por_Latn, is Brazilian).
LIBREOFFICE_LOCALES = {"zh_CN": "zh", "zh_TW": "zh-Hant", "pt_BR": "pt", "sr@latin": "sr-Latn",
                       "pa_IN": "pa", "kmr@latin": "ku", "gug": "gn"}
LIBREOFFICE_SKIPPED = {"en_GB", "en_ZA", "ca@valencia", "pt"}


def run(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


def npm_package(name, work):
    run("npm", "pack", f"{name}@{CLDR_VERSION}", cwd=work)
    target = work / name
    with tarfile.open(work / f"{name}-{CLDR_VERSION}.tgz") as archive:
        archive.extractall(target, filter="data")
    return target / "package"


def libreoffice_catalogs(work):
    """Locale identifier -> {file name: catalog} of every libreoffice-l10n package."""
    listing = subprocess.run(["apt-cache", "search", "--names-only", "^libreoffice-l10n-"],
                             check=True, capture_output=True, text=True).stdout
    packages = sorted(line.split()[0] for line in listing.splitlines())
    run("apt-get", "download", *[f"{p}={LIBREOFFICE_VERSION}" for p in packages], cwd=work)
    tree = work / "libreoffice"
    for deb in sorted(work.glob("libreoffice-l10n-*.deb")):
        run("dpkg-deb", "-x", str(deb), str(tree), cwd=work)
    resources = tree / "usr/lib/libreoffice/program/resource"
    catalogs = {}
    for folder in sorted(resources.iterdir()):
        if folder.name in LIBREOFFICE_SKIPPED:
            continue
        locale = LIBREOFFICE_LOCALES.get(folder.name, folder.name)
        catalogs[locale] = {
            mo.name: gettext.GNUTranslations(mo.open("rb"))._catalog
            for mo in (folder / "LC_MESSAGES").glob("*.mo")
        }
    return catalogs


def mmlu_prox_answers():
    """CLDR locale identifier -> "Answer" in MMLU-ProX's prompts."""
    source = Path(lm_eval.__file__).parent / "tasks/mmlu_prox/lang_libs.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    libs = next(ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign) and node.targets[0].id == "LANG_LIBS")
    answers = {}
    for code, strings in libs.items():
        answer = strings[2]
        cut = min(i for i in (answer.find(":"), answer.find("：")) if i >= 0)
        answers[code] = answer[:cut].strip()
    return answers


def scripts(text):
    """The Unicode scripts of the letters of `text`, as the first word of their character names,
    kana and kanji counted as one."""
    found = set()
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "?").split()[0]
            found.add("CJK" if script in ("HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA") else script)
    return found


def main():
    languages = [line.split("\t") for line in
                 (ROOT / "harness/data/languages.tsv").read_text(encoding="utf-8").splitlines()
                 if line and not line.startswith("#") and "_" in line.split("\t")[0]]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        names = npm_package("cldr-localenames-full", work) / "main"
        core = npm_package("cldr-core", work) / "supplemental"
        aliases = json.loads((core / "aliases.json").read_text())["supplemental"]["metadata"][
            "alias"]["languageAlias"]
        likely = json.loads((core / "likelySubtags.json").read_text())["supplemental"][
            "likelySubtags"]
        catalogs = libreoffice_catalogs(work)
        answers = mmlu_prox_answers()

        def locale_of(code):
            iso, script = code.split("_")
            language = iso if (names / iso).is_dir() else aliases.get(iso, {}).get("_replacement")
            if language is None:
                return None
            if likely.get(language, "").split("-")[1:2] == [script]:
                return language
            scripted = f"{language.split('-')[0]}-{script}"
            return scripted if (names / scripted).is_dir() else None

        def cldr_name(locale, of):
            path = names / locale / "languages.json"
            if not path.is_file():
                return None
            table = json.loads(path.read_text())["main"][locale]["localeDisplayNames"]["languages"]
            return table.get(of) or table.get(of.split("-")[0])

        rows = []
        for code, *_ in languages:
            if code == "eng_Latn":
                continue
            locale = locale_of(code)
            words = dict.fromkeys(COLUMNS)
            if locale is not None:
                words["name"] = cldr_name(locale, locale)
                words["name_eng"] = cldr_name(locale, "en")
                words["answer"] = answers.get(locale)
                for column, (mo, key) in LIBREOFFICE_WORDS.items():
                    words[column] = catalogs.get(locale, {}).get(mo, {}).get(key)
            own = scripts(words["name"] or "")
            for column in COLUMNS[1:]:
                if words[column] is not None and not scripts(words[column]) <= own:
                    words[column] = None
            rows.append([code] + [(words[c] or "-").strip().strip("\u200b") for c in COLUMNS])

    header = __doc__.split("\n\n")[1].splitlines()
    lines = ["# babelbench's native prompt words (scripts/prompt_words.py writes this file)."]
    lines += [f"# {line}" for line in header]
    lines.append("# Columns (tab-separated): code  " + "  ".join(COLUMNS))
    lines += ["\t".join(row) for row in rows]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    covered = {c: sum(r[i + 1] != "-" for r in rows) for i, c in enumerate(COLUMNS)}
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} languages, covered {covered}")


if __name__ == "__main__":
    main()
