"""Every relation copytrace reports, in one table: what it means, what it does to families and
stories, how it is drawn. Nothing else in copytrace spells a relation's name.

A relation names either a *pair* of documents (``pairs.jsonl``: how b relates to a) or a
*document* (``documents.jsonl``: how it relates to its family's source). What a pair relation
does to the groups copytrace forms is a property of the relation, read from this table by the
one place that forms them (`copytrace.cluster`):

- ``joins_family``: the two documents are copies of one text (verbatim, edited, spun) or renderings
  of one text (rewrite, translation): they belong to one family, a source and what derives from
  it.
- ``links_story``: the two documents belong to one story (every family-joining relation links a
  story too; ``same-story`` links a story and nothing else: independent coverage of one event).
- ``marks_copy``: a pair of this relation whose direction is known marks its copy side, which is
  then never chosen as its family's source (a machine-spun text is never the original).
- ``settles``: a pair of this relation is not judged again on its sentences. ``partial`` does
  not settle a pair: the sentence stage judges it as it judges an unrelated one, and a relation
  it finds (rewrite, translation, same-story) replaces it.
- ``evidence``: what the pair's passages are made of: aligned ``words``, aligned ``skeletons``
  (function words, names and numbers, content words masked: `copytrace.fingerprint.skeleton`), or
  aligned ``sentences`` (sentence vectors: `copytrace.semantic`). When a family member has no
  direct pair with its source, its relation is that of its most similar family-joining pair, and
  among equally similar ones, text evidence (words, skeletons) goes before sentence evidence.

Which code DECIDES a relation is elsewhere, one place each: ``verbatim``, ``edited`` and
``partial`` in `copytrace.relate.classify`, ``spun`` in `copytrace.relate.is_spun` (called by
`copytrace.verify.Verifier`), ``rewrite``, ``translation`` and ``same-story`` in
`copytrace.semantic.classify` / `copytrace.semantic.judge`, ``source`` and ``independent`` in
`copytrace.cluster`, ``copy`` in the streaming engine (`copytrace.engines.stream`).

Adding a relation: a row here (its meaning for families and stories, its colours and words),
plus the code that decides it. The report, the web page's styles, the README's lists and the
family and story rules follow from the row.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "source"
VERBATIM = "verbatim"
EDITED = "edited"
SPUN = "spun"
REWRITE = "rewrite"
TRANSLATION = "translation"
SAME_STORY = "same-story"
PARTIAL = "partial"
INDEPENDENT = "independent"
COPY = "copy"
NONE = "none"

#: Where a relation can appear.
IN_DOCUMENTS = "documents.jsonl"  # a document's relation to its family's source
IN_PAIRS = "pairs.jsonl"  # a pair's relation
IN_FAMILIES_FILE = "dedup --fast --families"  # the streaming engine's coarser relation
IN_COMPARE = "compare"  # `copytrace compare` on two unrelated documents


@dataclass(frozen=True)
class Relation:
    name: str
    used_in: tuple[str, ...]
    description: str
    joins_family: bool = False
    links_story: bool = False
    marks_copy: bool = False
    settles: bool = True
    evidence: str = ""  # "words", "skeletons", "sentences" or "" (not a pair relation)
    color: str = "#6b7280"  # dots and lines in the story picture
    badge: tuple[str, str] = ("#e5e7eb", "#374151")  # badge background and text colour
    dashed: bool = False  # drawn as a dashed line (a link, not a copy)


#: The table, from the closest copy to the loosest link.
TABLE: tuple[Relation, ...] = (
    Relation(SOURCE, (IN_DOCUMENTS, IN_FAMILIES_FILE),
             "the family's source: the member the others derive from (earliest when all are "
             "dated, else the one that contains the most of the others); a family whose "
             "members are all spun copies of a text not in the corpus has none",
             color="#1d4ed8", badge=("#1d4ed8", "#fff")),
    Relation(VERBATIM, (IN_DOCUMENTS, IN_PAIRS),
             "the same text apart from boilerplate, whitespace, punctuation, case and "
             "truncation", joins_family=True, links_story=True, evidence="words",
             color="#dc2626", badge=("#dc2626", "#fff")),
    Relation(EDITED, (IN_DOCUMENTS, IN_PAIRS),
             "copied text with edits: sentences added, dropped or changed",
             joins_family=True, links_story=True, evidence="words",
             color="#f59e0b", badge=("#f59e0b", "#111")),
    Relation(SPUN, (IN_DOCUMENTS, IN_PAIRS),
             "copied text with words swapped for synonyms by a machine (\"The White Home\"); "
             "a spun copy is never its family's source; when every member of a family is a "
             "spun copy, its original is not in the corpus and each member is `spun` with no "
             "source", joins_family=True, links_story=True,
             marks_copy=True, evidence="skeletons", color="#7c3aed", badge=("#7c3aed", "#fff")),
    Relation(REWRITE, (IN_DOCUMENTS, IN_PAIRS),
             "the same content in other words, in the same language",
             joins_family=True, links_story=True, evidence="sentences",
             color="#0d9488", badge=("#0d9488", "#fff")),
    Relation(TRANSLATION, (IN_DOCUMENTS, IN_PAIRS),
             "the same content in another language",
             joins_family=True, links_story=True, evidence="sentences",
             color="#0891b2", badge=("#0891b2", "#fff")),
    Relation(SAME_STORY, (IN_PAIRS,),
             "about the same event, with no copy: links stories, never families; when the "
             "two also share a solid passage too small for a copy, its passages, containments "
             "and exact share are those of that word alignment, as for `partial`",
             links_story=True, evidence="sentences", color="#9ca3af", dashed=True),
    Relation(PARTIAL, (IN_PAIRS,),
             "shares at least one solid passage (40 or more words matched closely: a borrowed "
             "paragraph, a long quotation) but too little of either document to be a copy; "
             "never joins a family or links a story, and `dedup` keeps both documents",
             settles=False, evidence="words", color="#a16207", badge=("#fef3c7", "#713f12"),
             dashed=True),
    Relation(INDEPENDENT, (IN_DOCUMENTS, IN_FAMILIES_FILE),
             "no copy in the corpus: a family of one"),
    Relation(COPY, (IN_FAMILIES_FILE,),
             "a copy of the family's source (dedup --fast gives no finer relation)",
             color="#f59e0b", badge=("#f59e0b", "#111")),
    Relation(NONE, (IN_COMPARE,),
             "no reuse found (unrelated, or only short shared quotes)"),
)

BY_NAME: dict[str, Relation] = {r.name: r for r in TABLE}

#: Relations a document can have to its family's source (documents.jsonl ``relation``).
DOCUMENT_RELATIONS = tuple(r.name for r in TABLE if IN_DOCUMENTS in r.used_in)
#: Relations a pair can have (pairs.jsonl ``relation``).
PAIR_RELATIONS = tuple(r.name for r in TABLE if IN_PAIRS in r.used_in)
#: Relations whose pairs make a family.
FAMILY_RELATIONS = tuple(r.name for r in TABLE if r.joins_family)
#: Relations that settle a pair (the sentence stage does not judge it again).
SETTLING_RELATIONS = tuple(r.name for r in TABLE if r.settles and IN_PAIRS in r.used_in)
#: Relations whose pairs make a story.
STORY_RELATIONS = tuple(r.name for r in TABLE if r.links_story)


def joins_family(name: str) -> bool:
    return BY_NAME[name].joins_family


def links_story(name: str) -> bool:
    return BY_NAME[name].links_story


def marks_copy(name: str) -> bool:
    return BY_NAME[name].marks_copy


def settles(name: str) -> bool:
    return BY_NAME[name].settles


def text_evidence(name: str) -> bool:
    """Are the pair's passages aligned text (words or skeletons), rather than sentences?"""
    return BY_NAME[name].evidence in ("words", "skeletons")


def badge_css(prefix: str = ".rel-") -> str:
    """CSS rules colouring a relation badge (``class="rel rel-<name>"``), one per relation."""
    return "".join(f"{prefix}{r.name}{{background:{r.badge[0]};color:{r.badge[1]}}}"
                   for r in TABLE)


def markdown_list(context: str, indent: str = "") -> str:
    """The relations used in ``context`` (one of the ``IN_*`` names) as a markdown list, for
    the README's output contract."""
    return "\n".join(f"{indent}- `{r.name}`: {r.description}." for r in TABLE
                     if context in r.used_in)
