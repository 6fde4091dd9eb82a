"""Which characters of two aligned passages agree: token-level diff for highlighting."""

from __future__ import annotations

from difflib import SequenceMatcher

from copytrace.normalize import tokenize_many

Segment = tuple[int, int, bool]  # (start, end, shared) character offsets into the document


def _segments(start: int, end: int, tok_start, tok_end, matched: list[bool]) -> list[Segment]:
    out: list[Segment] = []
    pos = start
    for s, e, m in zip(tok_start.tolist(), tok_end.tolist(), matched):
        s, e = s + start, e + start
        if s > pos:  # text between tokens takes the state of the following token
            out.append((pos, s, m))
        out.append((s, e, m))
        pos = e
    if pos < end:
        out.append((pos, end, False))
    merged: list[Segment] = []
    for seg in out:
        if merged and merged[-1][2] == seg[2] and merged[-1][1] == seg[0]:
            merged[-1] = (merged[-1][0], seg[1], seg[2])
        else:
            merged.append(seg)
    return merged


def diff_passage(text_a: str, span_a: tuple[int, int], text_b: str, span_b: tuple[int, int]
                 ) -> tuple[list[Segment], list[Segment]]:
    """Segments of each passage marked shared (same normalized tokens in order) or not."""
    ta, tb = tokenize_many([text_a[span_a[0]:span_a[1]], text_b[span_b[0]:span_b[1]]])
    ha, hb = ta.hash.tolist(), tb.hash.tolist()
    ma, mb = [False] * len(ha), [False] * len(hb)
    for blk in SequenceMatcher(None, ha, hb, autojunk=False).get_matching_blocks():
        for k in range(blk.size):
            ma[blk.a + k] = True
            mb[blk.b + k] = True
    return (_segments(span_a[0], span_a[1], ta.start, ta.end, ma),
            _segments(span_b[0], span_b[1], tb.start, tb.end, mb))
