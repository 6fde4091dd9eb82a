"""A synonym spinner for benchmarks, with a thesaurus INDEPENDENT of copytrace's detector.

copytrace detects spinning with WordNet 3.0 synonyms; spinning with WordNet too would measure
nothing. This spinner uses Aiksaurus by default (derived from the Moby thesaurus; Debian package
``libaiksaurus-1.2-data``). ``source="mythes"`` uses LibreOffice's English thesaurus instead
(Debian ``mythes-en-us``), which is built largely from WordNet: closest to what spinners in the
wild do, and NOT independent of the detector -- report it beside Aiksaurus, never instead.

What it does, the way article spinners do:
- **substitution**: each eligible word or multi-word phrase (in the thesaurus, not a protected
  word) is replaced, with probability ``rate``, by a random synonym from any of its meanings,
  regardless of sense, keeping the original's capitalisation. Aiksaurus's multi-word entries
  and synonyms ("according to" -> "as stated by", "buy" -> "pay for") make length-changing
  substitutions that shift the text against its source, not only one word for one word;
- with ``moves=True`` (the default), also what spinners do besides synonyms: function words
  dropped ("the", "that") and added ("really", "also"), each at ``rate / 8`` per word, and
  sentences split at ", and" / "; " at ``rate / 2`` per joint.

The protected words come from the ``stop-words`` package (PyPI, its English list of 1,333
words), chosen because it is independent of copytrace: an earlier version of this file
protected copytrace's own function-word list minus 10 words, so it changed exactly the words
copytrace's skeleton channel masks and never shifted the alignment.

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
_PHRASE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
MAX_PHRASE = 3  # words in the longest thesaurus entry or synonym used


@lru_cache(maxsize=1)
def protected_words() -> frozenset[str]:
    """The words the spinner never replaces: the ``stop-words`` package's English list."""
    from stop_words import get_stop_words

    return frozenset(w.lower() for w in get_stop_words("en"))


#: Function words a spinner drops, and words it adds, in the ``moves`` (see module docstring).
DROPPABLE = frozenset({"the", "that"})
FILLERS = ("really", "also", "actually", "very")


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
        w = w.replace(":", " ")
        if not _PHRASE.fullmatch(w) or len(w.split()) > MAX_PHRASE:
            continue
        syn = {words[x].replace(":", " ") for m in ms if m < len(meanings)
               for x in meanings[m] if x < len(words)}
        syn = sorted(s.lower() for s in syn if _PHRASE.fullmatch(s) and s.lower() != w.lower()
                     and len(s.split()) <= MAX_PHRASE)
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


def _units(text: str, words: list, thes: dict, protected: frozenset) -> list[tuple[int, int]]:
    """(first word, number of words) of every replaceable unit, left to right: the longest
    thesaurus phrase starting at a word (its words one space apart), else the word itself when
    it is in the thesaurus and not protected."""
    units, k = [], 0
    while k < len(words):
        for n in range(min(MAX_PHRASE, len(words) - k), 1, -1):
            joined = all(text[words[x].end():words[x + 1].start()] == " "
                         for x in range(k, k + n - 1))
            if joined and " ".join(w.group().lower() for w in words[k:k + n]) in thes:
                units.append((k, n))
                k += n
                break
        else:
            w = words[k].group().lower()
            if w in thes and w not in protected:
                units.append((k, 1))
            k += 1
    return units


def spin(text: str, rate: float, rng: random.Random, of: str = "eligible",
         source: str = "aiksaurus", moves: bool = True) -> tuple[str, int]:
    """The spun text and the number of words replaced by synonyms (see module docstring).

    ``of="eligible"``: each replaceable word or phrase is replaced with probability ``rate`` --
    a spinner's usual "spin X% of words" knob. ``of="words"``: words making up ``rate`` of ALL
    running words are replaced (chosen at random among the replaceable ones; when fewer are
    replaceable, all of them are), the harsher reading used by bench/spin.py. ``moves``: also
    drop and add function words and split sentences (not counted in the number returned).
    """
    thes = mythes_thesaurus() if source == "mythes" else thesaurus()
    words = list(_WORD.finditer(text))
    units = _units(text, words, thes, protected_words())
    if of == "words":
        rng.shuffle(units)
        target, chosen, n_words = round(rate * len(words)), {}, 0
        for k, n in units:
            if n_words >= target:
                break
            chosen[k] = n
            n_words += n
    elif of == "eligible":
        chosen = {k: n for k, n in units if rng.random() < rate}
    else:
        raise ValueError(f"of must be 'eligible' or 'words', not {of!r}")
    out, last, k = [], 0, 0
    while k < len(words):
        m = words[k]
        if k in chosen:
            n = chosen[k]
            key = " ".join(w.group().lower() for w in words[k:k + n])
            out.append(text[last:m.start()])
            out.append(_case_like(rng.choice(thes[key]), m.group()))
            last = words[k + n - 1].end()
            k += n
            continue
        if moves and rng.random() < rate / 8:
            w = m.group()
            if w in DROPPABLE and text[m.end():m.end() + 1] == " ":
                out.append(text[last:m.start()])  # the word and its space dropped
                last = m.end() + 1
            elif w.islower() and text[m.start() - 1:m.start()] == " ":
                out.append(text[last:m.start()])
                out.append(rng.choice(FILLERS) + " ")
                last = m.start()
        k += 1
    out.append(text[last:])
    spun = "".join(out)
    if moves:
        spun = _JOINT.sub(lambda j: _split(j, rng, rate / 2), spun)
    return spun, sum(chosen.values())


_JOINT = re.compile(r"(, and|;) ([a-z])")


def _split(joint: re.Match, rng: random.Random, p: float) -> str:
    """A sentence split at ", and x" / "; x" (-> ". X") with probability ``p``."""
    if rng.random() >= p:
        return joint.group()
    return ". " + joint.group(2).upper()
