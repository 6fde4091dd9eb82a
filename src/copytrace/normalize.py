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


def _is_solo(cp: int) -> bool:
    """Scripts written without spaces: each character is its own token."""
    return (
        0x3040 <= cp <= 0x30FF  # hiragana, katakana
        or 0x3400 <= cp <= 0x4DBF  # CJK ext A
        or 0x4E00 <= cp <= 0x9FFF  # CJK unified
        or 0xF900 <= cp <= 0xFAFF  # CJK compatibility
        or 0x0E00 <= cp <= 0x0E7F  # Thai
    )


@lru_cache(maxsize=1)
def tables() -> tuple[np.ndarray, np.ndarray]:
    """(fold, solo) lookup tables over the Basic Multilingual Plane.

    fold[cp] is the folded code point, SEP or IGNORE; solo[cp] is 1 for one-character tokens.
    Code points above U+FFFF (emoji, rare scripts) separate words.
    """
    fold = np.full(0x10000, SEP, dtype=np.int32)
    solo = np.zeros(0x10000, dtype=np.uint8)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Cf" or cat in ("Mn", "Me"):
            fold[cp] = IGNORE
            continue
        if not (ch.isalnum() or cat == "Mc"):
            continue
        if cat == "Mc":
            fold[cp] = IGNORE
            continue
        low = ch.lower()
        low = _CONFUSABLES.get(low, low)
        base = [c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c)]
        if len(base) == 1 and base[0].isalnum():
            low = base[0].lower()
        fold[cp] = ord(low[0]) if len(low) == 1 else ord(ch)
        if _is_solo(cp):
            solo[cp] = 1
    return fold, solo


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_FNV_OFF = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@nb.njit(cache=True, inline="always")
def mix64(x):
    """splitmix64 finaliser: a cheap, well-avalanching 64-bit mixer."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@nb.njit(cache=True, nogil=True)
def _tokenize_kernel(buf, doc_bounds, fold, solo, out_start, out_end, out_hash, out_line,
                     out_doc_tok):
    """Decode UTF-8 documents in ``buf`` and emit word tokens.

    doc_bounds[d]..doc_bounds[d+1] are document d's bytes; token k gets its start/end char offsets,
    its hash and its line number (newlines seen before it), and out_doc_tok[d+1] is the running
    token count. Tokens past the outputs' capacity are counted but not written: the caller sees
    a return value above the capacity and runs again with room for all of them.
    """
    cap = out_hash.shape[0]
    n_docs = doc_bounds.shape[0] - 1
    k = 0
    for d in range(n_docs):
        i = doc_bounds[d]
        end = doc_bounds[d + 1]
        char_idx = 0
        line = 0
        in_word = False
        h = _FNV_OFF
        w_start = 0
        w_end = 0
        while i < end:
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
            else:
                cp = ((b0 & 0x07) << 18) | ((np.int64(buf[i + 1]) & 0x3F) << 12) | (
                    (np.int64(buf[i + 2]) & 0x3F) << 6) | (np.int64(buf[i + 3]) & 0x3F)
                i += 4
            f = np.int64(-1)
            is_solo = False
            if cp < 0x10000:
                f = np.int64(fold[cp])
                is_solo = solo[cp] == 1
            if f == -2:  # ignorable: neither breaks nor extends a word
                char_idx += 1
                continue
            if f >= 0 and not is_solo:
                if not in_word:
                    in_word = True
                    h = _FNV_OFF
                    w_start = char_idx
                h = (h ^ np.uint64(f)) * _FNV_PRIME
                w_end = char_idx + 1
            else:
                if in_word:
                    if k < cap:
                        out_start[k] = w_start
                        out_end[k] = w_end
                        out_hash[k] = mix64(h)
                        out_line[k] = line
                    k += 1
                    in_word = False
                if is_solo:
                    if k < cap:
                        out_start[k] = char_idx
                        out_end[k] = char_idx + 1
                        out_hash[k] = mix64((_FNV_OFF ^ np.uint64(f)) * _FNV_PRIME)
                        out_line[k] = line
                    k += 1
                elif cp == 10:
                    line += 1
            char_idx += 1
        if in_word:
            if k < cap:
                out_start[k] = w_start
                out_end[k] = w_end
                out_hash[k] = mix64(h)
                out_line[k] = line
            k += 1
        out_doc_tok[d + 1] = k
    return k


@dataclass
class Tokens:
    """A document's tokens: parallel arrays of char start, char end (exclusive), 64-bit hash and
    line number (count of newlines before the token)."""

    start: np.ndarray  # int32
    end: np.ndarray  # int32
    hash: np.ndarray  # uint64
    line: np.ndarray  # int32

    def __len__(self) -> int:
        return int(self.hash.shape[0])

    def select(self, keep: np.ndarray) -> Tokens:
        return Tokens(self.start[keep], self.end[keep], self.hash[keep], self.line[keep])


def _encode(text: str) -> bytes:
    # surrogatepass: a str may hold lone surrogates (from surrogateescape); they stay one char each.
    return text.encode("utf-8", "surrogatepass")


def tokenize_many(texts: list[str]) -> list[Tokens]:
    """Tokenize a batch of texts with one kernel call."""
    fold, solo = tables()
    n_docs = len(texts)
    bounds = np.zeros(n_docs + 1, dtype=np.int64)
    if all(t.isascii() for t in texts):  # one encode call; byte lengths are char lengths
        np.cumsum([len(t) for t in texts], out=bounds[1:])
        raw = "".join(texts).encode("ascii")
    else:
        parts = [_encode(t) for t in texts]
        np.cumsum([len(p) for p in parts], out=bounds[1:])
        raw = b"".join(parts)
    buf = np.frombuffer(raw, dtype=np.uint8)
    doc_tok = np.zeros(n_docs + 1, dtype=np.int64)
    cap = len(buf) // 4 + n_docs + 16  # prose has a token every ~6 bytes; rerun if we were wrong
    while True:
        start, end = np.empty(cap, np.int32), np.empty(cap, np.int32)
        hsh, line = np.empty(cap, np.uint64), np.empty(cap, np.int32)
        n = _tokenize_kernel(buf, bounds, fold, solo, start, end, hsh, line, doc_tok)
        if n <= cap:
            break
        cap = n
    out = []
    for d in range(n_docs):
        lo, hi = doc_tok[d], doc_tok[d + 1]
        out.append(Tokens(start[lo:hi], end[lo:hi], hsh[lo:hi], line[lo:hi]))
    return out


def tokenize(text: str) -> Tokens:
    return tokenize_many([text])[0]
