"""Normalization: text -> tokens with original character offsets.

Why a compiled tokenizer: every later stage (fingerprints, alignment) works on token hashes, and
documents come by the hundred thousand. Texts are batched into ONE UTF-8 buffer and a numba kernel
decodes it, folds each character and hashes each word, with no Python work per token.

Folding (one table lookup per code point, built once from ``unicodedata``):
- letters and digits are lower-cased and stripped of accents (NFKD base character), so "Café" and
  "cafe" are the same token;
- look-alike letters from other scripts (Cyrillic "о", Greek "ι", Latin "ɑ"...) fold to the Latin
  letter they imitate (a small subset of Unicode UTS #39 confusables), a common disguise of copies;
- format characters (zero-width space/joiner, soft hyphen, BOM) and combining marks are ignored
  *inside* a word, so "co\u200bpy" is still "copy";
- everything else separates words. CJK ideographs and kana are one token each.
Offsets are Python ``str`` indices (code point counts), so ``text[start:end]`` is the token.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numba as nb
import numpy as np

from copytrace.coldstart import python_twin

SEP = -1  # separates words
IGNORE = -2  # skipped inside words (format characters, combining marks)

# Letters from other scripts that are used to disguise Latin text (subset of UTS #39 confusables).
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ӏ": "l", "ь": "b", "ӽ": "x", "һ": "h",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "η": "n", "μ": "u",
    # Latin look-alikes
    "ɑ": "a", "ɡ": "g", "ı": "i", "ȷ": "j", "ℓ": "l", "ɩ": "i", "ǀ": "l", "ⅰ": "i",
}


# Scripts written without spaces: each character is its own token (inclusive ranges).
_SOLO_RANGES = [
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3400, 0x4DBF),  # CJK ext A
    (0x4E00, 0x9FFF),  # CJK unified
    (0xF900, 0xFAFF),  # CJK compatibility
    (0x0E00, 0x0E7F),  # Thai
]


# Character classes in the kernel's table.
SEPARATOR, WORD, IGNORED, SOLO = 0, 1, 2, 3


@lru_cache(maxsize=1)
def fold_table() -> np.ndarray:
    """fold[cp] over the Basic Multilingual Plane: the folded code point, SEP or IGNORE.

    Code points above U+FFFF (emoji, rare scripts) separate words.
    """
    fold = np.full(0x10000, SEP, dtype=np.int32)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Mn", "Me", "Mc"):
            fold[cp] = IGNORE
            continue
        if not ch.isalnum():
            continue
        low = ch.lower()
        low = _CONFUSABLES.get(low, low)
        base = [c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c)]
        if len(base) == 1 and base[0].isalnum():
            low = base[0].lower()
        fold[cp] = ord(low[0]) if len(low) == 1 else ord(ch)
    return fold


@lru_cache(maxsize=1)
def tables() -> tuple[np.ndarray, np.ndarray]:
    """(cls, value): the kernel's two lookup tables, indexed by code point (0x10000 = "beyond
    the BMP", a separator).

    cls[cp] is SEPARATOR, WORD, IGNORED or SOLO (a one-character token: CJK, kana, Thai);
    value[cp] is a random 64-bit value of the FOLDED character, so folding costs nothing at run
    time: "É", "é" and "e" share one value.
    """
    fold = fold_table()
    cls = np.zeros(0x10001, dtype=np.uint8)
    cls[:0x10000][fold >= 0] = WORD
    cls[:0x10000][fold == IGNORE] = IGNORED
    for lo, hi in _SOLO_RANGES:
        span = cls[lo:hi + 1]
        span[fold[lo:hi + 1] >= 0] = SOLO
    value = np.zeros(0x10001, dtype=np.uint64)
    ok = fold >= 0
    value[:0x10000][ok] = _char_values(fold[ok].astype(np.uint64))
    return cls, value


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@nb.njit(cache=True, inline="always")
def mix64(x):
    """splitmix64 finaliser: a cheap, well-avalanching 64-bit mixer."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@nb.njit(cache=True)
def mix64_array(x):
    """mix64 over a uint64 array."""
    out = np.empty(x.shape[0], dtype=np.uint64)
    for i in range(x.shape[0]):
        out[i] = mix64(x[i])
    return out


@nb.njit(cache=True)
def _char_values(folded):
    out = np.empty(folded.shape[0], dtype=np.uint64)
    for i in range(folded.shape[0]):
        out[i] = mix64(folded[i] + np.uint64(0x9E3779B97F4A7C15))
    return out


def mix64_numpy(x: np.ndarray) -> np.ndarray:
    """`mix64` over a uint64 array in numpy (array arithmetic wraps as the kernel's does)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@python_twin(mix64_array)
def _mix64_array_numpy(x):
    return mix64_numpy(np.asarray(x, dtype=np.uint64))


@python_twin(_char_values)
def _char_values_numpy(folded):
    return mix64_numpy(np.asarray(folded, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15))


@nb.njit(cache=True, inline="always")
def _rotl1(x):
    return (x << np.uint64(1)) | (x >> np.uint64(63))


@nb.njit(cache=True, nogil=True)
def _tokenize_kernel(buf, doc_chars, cls, value, out_start, out_end, out_hash, out_line,
                     out_doc_tok, hashes_only=False):
    """Decode the UTF-8 documents laid end to end in ``buf`` and emit word tokens.

    Document d has doc_chars[d] code points. Token k gets its start/end char offsets, its hash
    and its line number (newlines seen before it), and out_doc_tok[d+1] is the running token
    count. Tokens past the outputs' capacity are counted but not written: the caller sees a
    return value above the capacity and runs again with room for all of them. With
    ``hashes_only`` only the hashes are written (the other outputs may be empty arrays).

    A word's hash is a cyclic polynomial (rotate-xor) over its characters' random values, then
    splitmix64: two 1-cycle operations per character on the critical path. For words shorter
    than 64 characters two different words collide only by chance (probability 2^-64), since
    the hash is linear over GF(2) in independent random values.
    """
    cap = out_hash.shape[0]
    n_docs = doc_chars.shape[0]
    k = 0
    i = 0
    for d in range(n_docs):
        line = 0
        in_word = False
        h = np.uint64(0)
        w_start = 0
        w_end = 0
        for char_idx in range(doc_chars[d]):
            b0 = np.int64(buf[i])
            if b0 < 0x80:
                cp = b0
                i += 1
            elif b0 < 0xE0:
                cp = ((b0 & 0x1F) << 6) | (np.int64(buf[i + 1]) & 0x3F)
                i += 2
            elif b0 < 0xF0:
                cp = ((b0 & 0x0F) << 12) | ((np.int64(buf[i + 1]) & 0x3F) << 6) | (
                    np.int64(buf[i + 2]) & 0x3F)
                i += 3
            else:  # beyond the BMP: a separator
                cp = 0x10000
                i += 4
            c = cls[cp]
            if c == WORD:
                if in_word:
                    h = _rotl1(h) ^ value[cp]
                else:
                    h = value[cp]
                    w_start = char_idx
                    in_word = True
                w_end = char_idx + 1
            elif c != IGNORED:  # ignorable: neither breaks nor extends a word
                if in_word:
                    if k < cap:
                        out_hash[k] = mix64(h)
                        if not hashes_only:
                            out_start[k] = w_start
                            out_end[k] = w_end
                            out_line[k] = line
                    k += 1
                    in_word = False
                if c == SOLO:
                    if k < cap:
                        out_hash[k] = mix64(value[cp])
                        if not hashes_only:
                            out_start[k] = char_idx
                            out_end[k] = char_idx + 1
                            out_line[k] = line
                    k += 1
                elif cp == 10:
                    line += 1
        if in_word:
            if k < cap:
                out_hash[k] = mix64(h)
                if not hashes_only:
                    out_start[k] = w_start
                    out_end[k] = w_end
                    out_line[k] = line
            k += 1
        out_doc_tok[d + 1] = k
    return k


@dataclass
class Tokens:
    """A document's tokens: parallel arrays of char start, char end (exclusive), 64-bit hash and
    line number (count of newlines before the token). The scan drops ``line`` (an empty array)
    once boilerplate is found, to save memory; ``hash`` gives the length."""

    start: np.ndarray  # int32
    end: np.ndarray  # int32
    hash: np.ndarray  # uint64
    line: np.ndarray  # int32

    def __len__(self) -> int:
        return int(self.hash.shape[0])

    def select(self, keep: np.ndarray) -> Tokens:
        line = self.line[keep] if len(self.line) else self.line
        return Tokens(self.start[keep], self.end[keep], self.hash[keep], line)


def tokenize_many(texts: list[str]) -> list[Tokens]:
    """Tokenize a batch of texts with one encode and one kernel call."""
    cls, value = tables()
    n_docs = len(texts)
    # surrogatepass: a str may hold lone surrogates (from surrogateescape); each stays one char,
    # so the kernel's code point count matches Python's str indices.
    buf = np.frombuffer("".join(texts).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    doc_chars = np.fromiter(map(len, texts), dtype=np.int64, count=n_docs)
    doc_tok = np.zeros(n_docs + 1, dtype=np.int64)
    cap = len(buf) // 4 + n_docs + 16  # prose has a token every ~6 bytes; rerun if we were wrong
    while True:
        start, end = np.empty(cap, np.int32), np.empty(cap, np.int32)
        hsh, line = np.empty(cap, np.uint64), np.empty(cap, np.int32)
        n = _tokenize_kernel(buf, doc_chars, cls, value, start, end, hsh, line, doc_tok)
        if n <= cap:
            break
        cap = n
    bounds = doc_tok.tolist()
    return [Tokens(start[lo:hi], end[lo:hi], hsh[lo:hi], line[lo:hi])
            for lo, hi in zip(bounds[:-1], bounds[1:])]


def token_hashes_many(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Only the token hashes of a batch of texts, flat, with per-document offsets: document d's
    hashes are ``hashes[doc_tok[d]:doc_tok[d + 1]]``. For fingerprints that need no offsets."""
    cls, value = tables()
    buf = np.frombuffer("".join(texts).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    doc_chars = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    doc_tok = np.zeros(len(texts) + 1, dtype=np.int64)
    cap = len(buf) // 4 + len(texts) + 16
    unused = np.empty(0, np.int32)
    while True:
        hsh = np.empty(cap, np.uint64)
        n = _tokenize_kernel(buf, doc_chars, cls, value, unused, unused, hsh, unused, doc_tok,
                             True)
        if n <= cap:
            return hsh[:n], doc_tok
        cap = n


def tokenize(text: str) -> Tokens:
    return tokenize_many([text])[0]
