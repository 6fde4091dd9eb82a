"""Quoted text: what a document reports others as saying.

Independent reports of one event quote the same statement, tweet or press-release sentence;
two documents that share only quotations have not copied each other. So text inside quotation
marks in BOTH documents of a pair is weak evidence of copying: `copytrace.relate` does not count
it toward the family gate, and `copytrace.semantic` does not count quoted sentences toward a
rewrite. A page that quotes another page's own reporting text (its sentences inside quotation
marks on one side only) still counts: that is copying with attribution.

Detection works per paragraph (a line), on the marks ``" “ ” „ « »`` (single quotes are left
alone: they double as apostrophes):
- an opening mark (``“ „ «``, or ``"`` at the start of a word) opens a quotation, which the next
  closing mark (``” » “`` after ``„``, or ``"`` at the end of a word) closes;
- a quotation still open at the end of a paragraph runs to its end (multi-paragraph quotations
  re-open at each paragraph);
- a closing mark with no opening one (the opening mark lost in extraction, or a quotation that
  began in the previous paragraph) closes a quotation that began at the paragraph's start.
Measured on the hand-labelled real pages of webreuse_dev (bench/real.py): see bench/notes.md.
"""

from __future__ import annotations

import re

import numpy as np

_MARKS = re.compile('["“”„«»\n]')
_OPENING = "“„«"
_CLOSING = "”»"
_BEFORE_OPEN = set(" \t\r([{—–-:/")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the quotations in ``text``, marks included."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    opened: int | None = None
    opener = ""
    for m in _MARKS.finditer(text):
        p, ch = m.start(), m.group()
        if ch == "\n":
            if opened is not None:
                spans.append((opened, p))
                opened = None
            line_start = p + 1
            continue
        if opened is not None:
            closes = ch in _CLOSING or ch == '"' or (ch == "“" and opener == "„")
            if closes:
                spans.append((opened, p + 1))
                opened = None
            continue
        if ch == '"':
            after = text[p + 1:p + 2]
            before = text[p - 1:p] if p > 0 else " "
            opening = after != "" and not after.isspace() and (before in _BEFORE_OPEN or
                                                               p == line_start)
        else:
            opening = ch in _OPENING
        if opening:
            opened, opener = p, ch
        else:  # a closing mark with no opening one: the quotation began with the paragraph
            start = max(line_start, spans[-1][1] if spans else 0)
            while start < p and text[start].isspace():
                start += 1
            if start < p:
                spans.append((start, p + 1))
    if opened is not None:
        spans.append((opened, len(text)))
    return spans


def quoted_chars(text: str) -> np.ndarray:
    """Per character of ``text``: is it inside a quotation?"""
    mask = np.zeros(len(text), dtype=bool)
    for s, e in quoted_spans(text):
        mask[s:e] = True
    return mask


def quoted_tokens(text: str, starts: np.ndarray) -> np.ndarray:
    """Per token (its first character's offset in ``starts``): is it inside a quotation?"""
    spans = quoted_spans(text)
    if not spans or len(starts) == 0:
        return np.zeros(len(starts), dtype=bool)
    bounds = np.array(spans, dtype=np.int64).ravel()  # sorted, non-overlapping
    return (np.searchsorted(bounds, starts, side="right") % 2) == 1


def quoted_share(mask: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """For character spans (rows start, end) of a text with quotation ``mask``, the share of
    each span's characters inside quotations."""
    if len(spans) == 0:
        return np.zeros(0)
    cum = np.r_[0, np.cumsum(mask)]
    lens = np.maximum(spans[:, 1] - spans[:, 0], 1)
    return (cum[spans[:, 1]] - cum[spans[:, 0]]) / lens


def quoted_sentences(text: str, spans: np.ndarray) -> np.ndarray:
    """Per sentence (character spans, rows start, end): is it mostly (half or more) inside
    quotation marks?"""
    return quoted_share(quoted_chars(text), np.asarray(spans).reshape(-1, 2)) >= 0.5
