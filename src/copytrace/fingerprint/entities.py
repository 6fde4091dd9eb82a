"""A document's rare names and numbers: the fingerprint that survives rewriting and translation.

A rewrite or a translation of a report keeps its people, places, organisations and figures
("Trump", "Gaza", "40", "2023") while changing the words around them. `entity_keys` takes from
each document the tokens written with a capital letter away from the start of a sentence, and
numbers of two or more characters, as distinct token hashes. The candidate rule over these keys
(how many must be shared, how rare each must be) is `copytrace.candidates.entity_pairs`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from copytrace.normalize import Tokens


@lru_cache(maxsize=1)
def _char_classes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per BMP code point: is upper-case, is a digit, ends a sentence (or a quote opens one)."""
    cps = range(0x10000)
    upper = np.array([chr(c).isupper() for c in cps], dtype=bool)
    digit = np.array([chr(c).isdigit() for c in cps], dtype=bool)
    stop = np.zeros(0x10000, dtype=bool)
    stop[[ord(c) for c in '.!?\n"“:;()[]|•·—–-*#>']] = True
    return upper, digit, stop


def entity_keys(text: str, tokens: Tokens) -> np.ndarray:
    """Distinct hashes of a document's names and numbers (see module docstring): tokens that
    start with a capital letter and do not open a sentence or a line, and numbers of two or
    more characters."""
    if len(tokens) == 0:
        return np.empty(0, dtype=np.uint64)
    upper, digit, stop = _char_classes()
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cps = np.where(cps < 0x10000, cps, 0)
    first = cps[tokens.start]
    # a token opens a sentence when the text between it and the previous token holds a stop
    stops = np.r_[0, np.cumsum(stop[cps])]
    prev_end = np.r_[0, tokens.end[:-1]]
    initial = (stops[tokens.start] - stops[prev_end]) > 0
    initial[0] = True
    keep = (upper[first] & ~initial) | (digit[first] & ((tokens.end - tokens.start) >= 2))
    return np.unique(tokens.hash[keep])
