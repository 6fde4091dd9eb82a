"""The few types every stage speaks.

A `Document` is what a reader yields; a `Problem` is what a reader yields instead when an input
cannot be used (the scan reports it and goes on). `Passage` and `Pair` are what alignment produces,
in the output contract's shape: character offsets are Python ``str`` indices into the ORIGINAL
text, so ``doc.text[start:end]`` is the reused passage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The ``direction`` of a spun pair whose two sides are both spins of a third text
#: (`copytrace.relate.direction`).
NEITHER = "neither"


@dataclass
class Document:
    id: str
    text: str
    path: str | None = None
    url: str | None = None
    title: str | None = None
    date: str | None = None
    source_name: str | None = None
    #: Anything else the reader kept (extra jsonl fields, WARC headers...). Not part of the contract.
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """An input that could not be used: where it is and why, in words a user can act on."""

    path: str
    reason: str
    record: int | None = None  # 1-based record/line number inside a multi-record file

    def __str__(self) -> str:
        where = self.path if self.record is None else f"{self.path}, record {self.record}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Passage:
    """One aligned passage: ``a`` and ``b`` are (start, end) character offsets."""

    a: tuple[int, int]
    b: tuple[int, int]
    matched_tokens: int = 0  # tokens in exact agreement inside the passage (evidence strength)

    def to_json(self) -> dict[str, list[int]]:
        return {"a": [self.a[0], self.a[1]], "b": [self.b[0], self.b[1]]}


@dataclass
class Pair:
    """A verified relation between two documents (pairs.jsonl)."""

    a: str
    b: str
    relation: str  # a pair relation of `copytrace.relations`
    direction: str  # "a->b", "b->a", "neither" (spun pairs only) or "unknown"
    similarity: float
    containment_ab: float  # share of a's matchable text found in b
    containment_ba: float  # share of b's matchable text found in a
    #: share of the words inside the passages that are identical on both sides (1.0: cut and
    #: paste; lower: revised); None for pairs aligned on sentences, not words
    exact_share: float | None = None
    passages: list[Passage] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "relation": self.relation,
            "direction": self.direction,
            "similarity": round(self.similarity, 4),
            "containment_ab": round(self.containment_ab, 4),
            "containment_ba": round(self.containment_ba, 4),
            "exact_share": None if self.exact_share is None else round(self.exact_share, 4),
            "passages": [p.to_json() for p in self.passages],
        }


@dataclass
class DocResult:
    """One line of documents.jsonl."""

    id: str
    path: str | None
    url: str | None
    title: str | None
    date: str | None
    family: str
    story: str
    relation: str
    source: str | None
    spun_score: float | None
    boilerplate_chars: int
    chars: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "url": self.url,
            "title": self.title,
            "date": self.date,
            "family": self.family,
            "story": self.story,
            "relation": self.relation,
            "source": self.source,
            "spun_score": self.spun_score,
            "boilerplate_chars": self.boilerplate_chars,
            "chars": self.chars,
        }
