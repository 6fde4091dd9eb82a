"""Relation and direction of a verified pair.

Relations (this stage decides the first two; later channels add spun/rewrite/translation):
- ``verbatim``: the shorter document is (almost) wholly inside the other (containment >= 0.95) and
  its passages agree token for token (density >= 0.99): same text apart from boilerplate,
  whitespace, punctuation, case and truncation.
- ``edited``: substantial reuse with edits: at least ``min_containment`` (25%) of one document lies
  in aligned passages and the passages hold at least ``min_shared_tokens`` (40) matching words
  (or 80% of the shorter document, for documents under 50 words).
- otherwise no edge: two articles that quote the same sentence or two are NOT one family.

Direction ("a->b": a is the source, b the copy):
1. both documents dated with different dates: the earlier one is the source;
2. else the copy is the document mostly contained in the other: containment >= 0.8 and at least
   0.1 above the reverse containment;
3. else ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass

from copytrace.align import Alignment


@dataclass(frozen=True)
class RelateParams:
    min_containment: float = 0.25
    min_shared_tokens: int = 40
    verbatim_containment: float = 0.95
    verbatim_density: float = 0.99
    contained: float = 0.8
    contained_margin: float = 0.1


def classify(al: Alignment, p: RelateParams = RelateParams()) -> str | None:
    """'verbatim', 'edited' or None (no reuse worth a family edge)."""
    if not al.passages:
        return None
    shorter = min(al.tokens_a, al.tokens_b)
    need = min(p.min_shared_tokens, max(5, int(0.8 * shorter)))
    if min(al.matched_a, al.matched_b) < need:
        return None
    inner = max(al.containment_ab, al.containment_ba)
    if inner < p.min_containment:
        return None
    if inner >= p.verbatim_containment and al.density >= p.verbatim_density:
        return "verbatim"
    return "edited"


def direction(al: Alignment, date_a: str | None, date_b: str | None,
              p: RelateParams = RelateParams()) -> str:
    """'a->b', 'b->a' or 'unknown' (see module docstring)."""
    if date_a and date_b and date_a != date_b:
        return "a->b" if date_a < date_b else "b->a"
    cab, cba = al.containment_ab, al.containment_ba
    if cab >= p.contained and cab - cba >= p.contained_margin:
        return "b->a"  # a lies inside b: a is the copy
    if cba >= p.contained and cba - cab >= p.contained_margin:
        return "a->b"
    return "unknown"
