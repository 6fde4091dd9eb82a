"""The benchmark spinner (bench/spinner.py) is independent of copytrace and makes the moves real
spinners make, not only one-word swaps of the words copytrace's skeleton masks."""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import pytest

from bench import spinner

ROOT = Path(__file__).resolve().parents[2]
# written for this test: long enough for every kind of move at a high rate
TEXT = ("The city council said on Tuesday that it would buy the old harbour bridge, and engineers "
        "who inspected the structure according to the new rules found deep cracks in two of its "
        "steel supports. Repairs are expected to take most of the summer; the mayor said that "
        "ferries will run every hour while the work goes on, and that the council would account "
        "for every dollar it spends on the project. ") * 6


def _needs_thesaurus():
    if spinner.thesaurus_dir() is None:
        pytest.skip("Aiksaurus thesaurus not installed (apt-get install libaiksaurus-1.2-data)")


def test_the_spinner_imports_nothing_from_copytrace():
    tree = ast.parse((ROOT / "bench" / "spinner.py").read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert names and not any(m.startswith("copytrace") for m in names)


def test_protected_words_are_not_copytraces_function_words():
    from copytrace.lexicon import STOPWORDS

    protected = spinner.protected_words()
    assert len(protected) > 2 * len(STOPWORDS)  # another list, not copytrace's minus a few


def test_substitutions_change_lengths_and_moves_touch_function_words():
    _needs_thesaurus()
    thes = spinner.thesaurus()
    assert sum(" " in k for k in thes) > 1000  # multi-word entries are used
    words = re.findall(r"[A-Za-z]+", TEXT)
    changed_length = dropped = split = 0
    for seed in range(10):
        out, n = spinner.spin(TEXT, 0.5, random.Random(seed))
        assert n > 0
        got = re.findall(r"[A-Za-z]+", out)
        changed_length += len(got) != len(words)
        dropped += got.count("the") + got.count("that") < words.count("the") + words.count("that")
        split += out.count(". ") > TEXT.count(". ")
    assert changed_length >= 8 and dropped >= 5 and split >= 5


def test_without_moves_only_synonyms_change():
    _needs_thesaurus()
    out, n = spinner.spin(TEXT, 0.3, random.Random(1), moves=False)
    assert n > 0 and out.count(". ") == TEXT.count(". ")
    assert spinner.spin(TEXT, 0.0, random.Random(1))[0] == TEXT  # rate 0: nothing at all
