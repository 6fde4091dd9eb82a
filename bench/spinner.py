"""A synonym spinner for benchmarks, with a thesaurus INDEPENDENT of copytrace's detector.

copytrace detects spinning with WordNet 3.0 synonyms; spinning with WordNet too would measure
nothing. This spinner uses Aiksaurus by default (derived from the Moby thesaurus; Debian package
``libaiksaurus-1.2-data``). ``source="mythes"`` uses LibreOffice's English thesaurus instead
(Debian ``mythes-en-us``), which is built largely from WordNet: closest to what spinners in the
wild do, and NOT independent of the detector -- report it beside Aiksaurus, never instead. Both
work the way article spinners do: each eligible word (in the thesaurus,
not a function word) is replaced, with probability ``rate``, by a random one-word synonym from
any of its meanings, regardless of sense, keeping the original's capitalisation.

Never imports copytrace (ground truth must not depend on the system under test).
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

AIKSAURUS_DIRS = [Path("/usr/share/aiksaurus")]
MYTHES = Path("/usr/share/mythes/th_en_US_v2.dat")
_WORD = re.compile(r"[A-Za-z]+")
FUNCTION_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just me
more most my myself no nor not now of off on once only or other our ours ourselves out over own
said same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom why
will with would you your yours yourself yourselves
""".split())


def thesaurus_dir() -> Path | None:
    for d in AIKSAURUS_DIRS:
        if (d / "words.dat").exists() and (d / "meanings.dat").exists():
            return d
    return None


def _u16_records(data: bytes) -> list[list[int]]:
    """Split a stream of big-endian 16-bit ids into records ended by 0xFFFF."""
    out, cur = [], []
    for i in range(0, len(data) - 1, 2):
        v = (data[i] << 8) | data[i + 1]
        if v == 0xFFFF:
            out.append(cur)
            cur = []
        else:
            cur.append(v)
    return out


@lru_cache(maxsize=1)
def thesaurus() -> dict[str, list[str]]:
    """word -> one-word synonyms (lower case), from Aiksaurus's words.dat / meanings.dat."""
    d = thesaurus_dir()
    if d is None:
        raise FileNotFoundError("Aiksaurus data not found: apt-get install libaiksaurus-1.2-data")
    raw = (d / "words.dat").read_bytes()
    words, word_meanings = [], []
    i = 0
    while i < len(raw):
        j = raw.index(b"\0", i)
        words.append(raw[i:j].decode("latin-1"))
        k = j + 1
        ids = []
        while True:
            v = (raw[k] << 8) | raw[k + 1]
            k += 2
            if v == 0xFFFF:
                break
            ids.append(v)
        word_meanings.append(ids)
        i = k
    meanings = _u16_records((d / "meanings.dat").read_bytes())
    out: dict[str, list[str]] = {}
    for w, ms in zip(words, word_meanings):
        if ":" in w or not w.isalpha():
            continue
        syn = {words[x] for m in ms if m < len(meanings) for x in meanings[m] if x < len(words)}
        syn = sorted(s.lower() for s in syn if s.isalpha() and s.lower() != w.lower())
        if syn:
            out[w.lower()] = syn
    return out


@lru_cache(maxsize=1)
def mythes_thesaurus() -> dict[str, list[str]]:
    """word -> one-word synonyms from mythes-en-us (entries marked "generic term", "related
    term" or "antonym" are not synonyms and are left out)."""
    if not MYTHES.exists():
        raise FileNotFoundError("mythes thesaurus not found: apt-get install mythes-en-us")
    out: dict[str, set[str]] = {}
    lines = MYTHES.read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    k = 0
    while k < len(lines):
        head, _, count = lines[k].rpartition("|")
        k += 1
        word = head.lower()
        for line in lines[k:k + int(count or 0)]:
            for syn in line.split("|")[1:]:
                if "(" in syn or not syn.isalpha() or syn.lower() == word:
                    continue
                if word.isalpha():
                    out.setdefault(word, set()).add(syn.lower())
        k += int(count or 0)
    return {w: sorted(v) for w, v in out.items()}


def _case_like(word: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[0].isupper():
        return word[0].upper() + word[1:]
    return word


def spin(text: str, rate: float, rng: random.Random, of: str = "eligible",
         source: str = "aiksaurus") -> tuple[str, int]:
    """The spun text and the number of words replaced.

    ``of="eligible"``: each word the thesaurus has (not a function word) is replaced with
    probability ``rate`` -- a spinner's usual "spin X% of words" knob. ``of="words"``: ``rate``
    of ALL running words are replaced (chosen at random among the eligible ones; when fewer are
    eligible, all of them are), the harsher reading used by bench/spin.py.
    """
    thes = mythes_thesaurus() if source == "mythes" else thesaurus()
    words = list(_WORD.finditer(text))
    eligible = [k for k, m in enumerate(words)
                if m.group().lower() in thes and m.group().lower() not in FUNCTION_WORDS]
    if of == "words":
        chosen = set(rng.sample(eligible, min(len(eligible), round(rate * len(words)))))
    elif of == "eligible":
        chosen = {k for k in eligible if rng.random() < rate}
    else:
        raise ValueError(f"of must be 'eligible' or 'words', not {of!r}")
    out, last = [], 0
    for k in sorted(chosen):
        m = words[k]
        out.append(text[last:m.start()])
        out.append(_case_like(rng.choice(thes[m.group().lower()]), m.group()))
        last = m.end()
    out.append(text[last:])
    return "".join(out), len(chosen)
