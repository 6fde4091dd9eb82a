"""Families, their sources, each member's relation, and stories: the one place these rules live.

Every engine and the index call these functions: the local engine over the whole corpus, the
index over the stories a batch touches, the Spark engine per family and per story inside its
tasks (it finds the connected components itself, by large-star / small-star). What each pair
relation does -- join a family, link a story, mark a copy -- is read from `copytrace.relations`.

The input is a list of `Link`\\ s: the related pairs found (any relation, ``same-story``
included), as row indices with their unrounded figures.

**Families** are the connected components of the links that join a family (`family_links`): a
copy link (verbatim, edited, spun: text evidence) that holds at least ``STRONG_DRAW`` (40%) of
one of its documents, and any other family-joining link -- a weaker copy link, or sentence
evidence (rewrite, translation) -- only when it is, for one of its two documents, the link that
document draws most from: the largest share of the document found in the other (ties: the more
similar link, then the smaller row of the other). A document joins the family of the text it
draws most from; its weaker likeness to another family is reported as a pair, never a merge of
two families.

Why sentence evidence always: on real pages the false merges left were rewrite links between
paraphrases of two different texts about one event (webreuse_dev: 8 of 9), whose figures overlap
those of true rewrites (3-6 aligned sentences, 0.42-0.6 of the shorter) so no threshold
separates them, while each paraphrase draws more from its own family. Why copy links only below
40%: applied to every copy link, the rule split true families whose copies copy each other's
copies (golden corpus: generated families ARI 0.989 -> 0.976, real pages 0.823 -> 0.777). Below
40% it costs nothing on real pages (webreuse_dev family ARI 0.874 at 0.3 and 0.4 alike; at 0.5
it fell to 0.844: true write-throughs share 40-50% with a sibling that is not their strongest
draw) and ends the chains of a corpus where documents share a passage or two by chance
(`bench/overlap.py`, 10,000 documents, 5,492 originals recombined from real sentences: a short
page holding 25-40% of itself in each of several others linked them all; family ARI 0.260 ->
0.615, pairwise precision 0.150 -> 0.446 at recall 0.996 both times, the largest family 163 ->
59 documents where the truth's largest is 14, the cluster stage 35 -> 15 s).

**A family is a source and what derives from it** (`detached_groups`). Joining components
chains: a page sharing a passage with one member of a family is joined to all of it, and the
pages that copy that page come along. So once every member of a family has been aligned with
its source (below, "A member without a direct link"), the members that show no relation to the
source -- no family-joining link to it, and nothing found when aligned with it -- are grouped
by the family-forming links among them; a member that is related to the source but draws more
of itself from a group than from the source (a text the family's source merely shares a
passage with, and whose own copies were chained in with it) joins that group; each group of two
or more leaves and forms a family of its own, with its own source, checked in the next round
the same way. A single unrelated member that no one follows stays: a write-through of a
write-through, or a late revision of an encyclopedic lead, may keep nothing of the first text
and still be its family's (webreuse_dev labels it so). A family whose original is absent
(below) never splits: its members are spins of a text not in the corpus, related to each other
only through it. Measured when it was added (2026-12-07, third session), against the rules
before it: on the partial-overlap corpus (`bench/overlap.py`, 10,000 documents; 646 of the 648
members aligned with their source there showed nothing, every one of them in another true
family) family ARI 0.615 -> 0.802, pairwise precision 0.446 -> 0.673, recall 0.996 -> 0.990;
on webreuse_dev family ARI 0.874 -> 0.889, pairwise precision 0.918 -> 0.951, recall unchanged
(an AP obituary and its paraphrase, chained into a BBC family through a rewrite link, leave it
together), source accuracy 0.426 -> 0.447; on `bench.quality`'s injected corpus ARI 0.971 ->
0.982, pairwise precision 0.943 -> 0.965, every kind of copy still with its original (two real
articles that share a passage had each brought its five copies into the other's family; the
"draws more" step is what takes the article itself along: without it ARI 0.975 and each copy
kind's recall 0.995). Letting a single unrelated member leave when another member follows it
(rather than asking for two unrelated members) took the overlap corpus from 0.785 to 0.802
and changed nothing on webreuse_dev. Every engine and the index align the unpaired members
(the index in `store.index.Index._relink`, storing what it finds), so all split alike.

**Source** of a family (`choose_source`):
0. a member that a spun pair marks as a copy (`Link.copies`: the copy side of a directed spun
   pair, both sides of one whose direction is ``neither``) is never the source;
1. if every member has a date, the earliest-dated member (ties: the longer, then the smaller id);
2. otherwise the member whose text the family reproduces most: the sum, over its family-joining
   links, of the words the two documents share (the mean of the words of each found in the
   other); ties (in a family of two, always) go to the member that contains the most of the
   others (the sum of the shares of the other documents found in it), then the earliest date,
   the longer document, the smaller id. Why words shared rather than shares contained: a page
   that holds many short snippets of the family (a glossary collecting 30-word definitions, a
   compilation) contains each of them whole, and a sum of shares made it the source over the
   text the snippets come from; words count each snippet at its size. On webreuse_dev (47
   labelled families) source accuracy 0.38 -> 0.45; on the generated golden corpus 212 -> 211 of
   647 families (its verbatim copies tie with their originals and go to the smaller id). In a
   family of two the labels are a coin toss for any containment rule: of 17 such pairs, the
   labelled source is the container in 8, the contained first take in 9.

**Original absent** (`original_absent`): when every member of a family is marked as a spun
copy, the text they were spun from is not in the corpus (parasite blogs each publishing their
own spin of one page, the page itself not collected). Every member is then ``spun``, none is
called ``source`` and the outputs give no source (`Families.reported_source`); the family keeps
the name and the row of the member rule 2 would choose (``source`` inside this module). On
webreuse_dev this names the two families of sibling spins as labelled (7 and 2 pages; before,
one page of each was called their source) and spin recall rose 0.571 -> 0.786 at precision
0.889 -> 0.917.

**A member without a direct link to its source** (`unpaired_members`) is aligned with the source
by the engine (`pipeline.source_pair`) when it can; the pair found joins the links. A
``same-story`` link between the two does not count as one: two members of one family are no
independent coverage, and the pair reported for them is what their texts show (until
2026-12-07 it did count, and an edited copy joined to its source through a sibling was
reported as a same-story pair of it when their topic vectors were mutual neighbours).

**Relation of a member** to its source (`member_relations`): ``source`` for the source; else the
relation of its direct family-joining link with the source; else that of its most similar
family-joining link (equal similarity: text evidence before sentence evidence, then the link
that comes first); a document alone is ``independent``.

**Stories** are the connected components of every link that links a story (all family-joining
links and ``same-story`` links), so a family never spans two stories. A story is named after the
source of one of its families (`name_story`): the earliest-dated source, else the source of its
largest family, else the smallest source id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from copytrace.document import NEITHER
from copytrace.relations import (EDITED, INDEPENDENT, SOURCE, SPUN, joins_family, links_story,
                                 marks_copy, text_evidence)

#: Sorts after every ISO date: the undated come last when stories are named.
_NO_DATE = "9999"
#: A copy link holding at least this share of one of its documents joins a family on its own;
#: a weaker one only as one of its documents' strongest draw (module docstring, "Families").
STRONG_DRAW = 0.4


class UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


@dataclass(frozen=True)
class Link:
    """A related pair as the family and story rules read it: row indices ``a`` < ``b``, its
    relation and direction, and its unrounded similarity and containments."""

    a: int
    b: int
    relation: str
    direction: str = "unknown"
    similarity: float = 0.0
    containment_ab: float = 0.0  # share of a found in b
    containment_ba: float = 0.0

    @classmethod
    def of(cls, a: int, b: int, pair) -> Link:
        """The link of a `copytrace.document.Pair` between rows a and b."""
        return cls(a, b, pair.relation, pair.direction, pair.similarity, pair.containment_ab,
                   pair.containment_ba)

    @property
    def copies(self) -> tuple[int, ...]:
        """The rows this link marks as copies (never a family's source): the copy side of a
        directed link whose relation marks copies, both sides when its direction is
        ``neither`` (two spins of a third text), none otherwise."""
        if not marks_copy(self.relation):
            return ()
        return {"a->b": (self.b,), "b->a": (self.a,), NEITHER: (self.a, self.b)}.get(
            self.direction, ())


def components(n: int, pairs) -> list[list[int]]:
    """Connected components of rows 0..n-1 linked by ``pairs`` ((a, b) tuples): each sorted,
    in order of their smallest member."""
    uf = UnionFind(n)
    for a, b in pairs:
        uf.union(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[uf.find(i)].append(i)
    return [groups[r] for r in sorted(groups)]


def family_links(links: Sequence[Link]) -> list[Link]:
    """The links that join families (see module docstring): every copy link holding
    ``STRONG_DRAW`` of one of its documents, and any other family-joining link only when it is
    one of its documents' strongest draw. The Spark engine computes the same rule in DataFrame
    operations (`engines.spark.stages._family_edges`)."""
    best: dict[int, tuple] = {}
    for e in links:
        if joins_family(e.relation):
            for x, y, draw in ((e.a, e.b, e.containment_ab), (e.b, e.a, e.containment_ba)):
                key = (draw, e.similarity, -y)
                if x not in best or key > best[x]:
                    best[x] = key
    return [e for e in links if joins_family(e.relation)
            and (strong_copy(e.relation, e.containment_ab, e.containment_ba)
                 or -best[e.a][2] == e.b or -best[e.b][2] == e.a)]


def strong_copy(relation: str, containment_ab: float, containment_ba: float) -> bool:
    """Does a link join a family whatever else its documents draw from: a copy link (text
    evidence) holding at least ``STRONG_DRAW`` of one of its documents?"""
    return text_evidence(relation) and max(containment_ab, containment_ba) >= STRONG_DRAW


def choose_source(members: Sequence[int], links: Sequence[Link], dates, lengths, ids) -> int:
    """The member taken as the family's source (see module docstring). ``links``: the family's
    links (others are ignored); ``dates``, ``lengths`` (matchable tokens), ``ids``: indexable
    by member."""
    copies = marked_copies(links)
    members = [m for m in members if m not in copies] or list(members)
    if all(dates[m] for m in members):
        return min(members, key=lambda m: (dates[m], -lengths[m], ids[m]))
    shared: dict[int, float] = defaultdict(float)  # words a member shares with the others
    contains: dict[int, float] = defaultdict(float)  # shares of the others found in it
    for e in links:
        if joins_family(e.relation):
            words = (e.containment_ab * lengths[e.a] + e.containment_ba * lengths[e.b]) / 2
            shared[e.a] += words
            shared[e.b] += words
            contains[e.a] += e.containment_ba
            contains[e.b] += e.containment_ab

    def key(m: int):
        return (-round(shared[m], 3), -round(contains[m], 6), dates[m] or _NO_DATE,
                -lengths[m], ids[m])

    return min(members, key=key)


def marked_copies(links: Sequence[Link]) -> set[int]:
    """The rows that ``links`` mark as copies (`Link.copies`)."""
    return {c for link in links for c in link.copies}


def original_absent(members: Sequence[int], links: Sequence[Link]) -> bool:
    """Is the family's original missing from the corpus (see module docstring): every member
    of a family of two or more marked as a copy by the family's ``links``?"""
    return len(members) > 1 and marked_copies(links).issuperset(members)


def unpaired_members(members: Sequence[int], src: int, links: Sequence[Link]
                     ) -> list[tuple[int, int]]:
    """The (lo, hi) row pairs of members and their source with no link that joins a family (a
    ``same-story`` or ``partial`` pair does not)."""
    known = {(e.a, e.b) for e in links if joins_family(e.relation)}
    out = []
    for m in members:
        key = (min(m, src), max(m, src))
        if m != src and key not in known:
            out.append(key)
    return out


def _strength(e: Link):
    """Order of a member's links when none is with its source: the most similar; equal
    similarity: text evidence before sentence evidence, then the first link."""
    return (e.similarity, text_evidence(e.relation), -e.a, -e.b)


def member_relations(members: Sequence[int], src: int, links: Sequence[Link]) -> dict[int, str]:
    """Each member's relation to its family's source (see module docstring); every member
    ``spun`` when the family's original is absent (`original_absent`)."""
    if len(members) == 1:
        return {members[0]: INDEPENDENT}
    if original_absent(members, links):
        return {m: SPUN for m in members}
    direct: dict[int, str] = {}
    strongest: dict[int, Link] = {}
    for e in links:
        if not joins_family(e.relation):
            continue
        for m, other in ((e.a, e.b), (e.b, e.a)):
            if other == src:
                direct[m] = e.relation
            if m not in strongest or _strength(e) > _strength(strongest[m]):
                strongest[m] = e
    return {m: SOURCE if m == src else direct.get(m) or
            (strongest[m].relation if m in strongest else EDITED) for m in members}


@dataclass
class Families:
    """Per row: the row of its family's source (itself when alone), and its relation to it."""

    source: list[int]
    relation: list[str]

    def reported_source(self) -> list[int | None]:
        """Per row, its family's source as the outputs report it: None for a document alone
        and for every member of a family whose original is absent (no member is ``source``:
        `original_absent`); ``source[i]`` names the family either way."""
        heads = {self.source[i] for i, r in enumerate(self.relation) if r == SOURCE}
        return [s if s in heads else None for s in self.source]


def assign_families(n: int, links: list[Link], dates, lengths, ids,
                    pairs_with_source: Callable[[list[tuple[int, int]]], list] | None = None
                    ) -> Families:
    """Families of rows 0..n-1 (see module docstring). ``pairs_with_source(wanted)``, when
    given, aligns each (lo, hi) row pair of a member and its source that no link joins
    (`unpaired_members`, every family's at once, so the engine can batch and parallelise the
    work) and returns, in the same order, a `Pair`-like object or None for each; the links
    found are appended to ``links``."""
    by_member: dict[int, list[Link]] = defaultdict(list)
    for e in links:
        by_member[e.a].append(e)
        by_member[e.b].append(e)
    source = list(range(n))
    relation = [INDEPENDENT] * n
    joining = family_links(links)
    edges = {(e.a, e.b) for e in joining}

    def family(members: list[int]):  # (members, their links, source)
        inside = set(members)
        own = [e for m in members for e in by_member[m] if e.a == m and e.b in inside]
        return members, own, choose_source(members, own, dates, lengths, ids)

    families = []
    pending = [family(m) for m in components(n, [(e.a, e.b) for e in joining]) if len(m) > 1]
    while pending and pairs_with_source is not None:
        # each round aligns the unpaired members of the families formed last
        wanted = [(f, lo, hi) for f, (members, own, src) in enumerate(pending)
                  for lo, hi in unpaired_members(members, src, own)]
        found = pairs_with_source([(lo, hi) for _, lo, hi in wanted]) if wanted else []
        for (f, lo, hi), pair in zip(wanted, found):
            if pair is not None:
                link = Link.of(lo, hi, pair)
                links.append(link)
                pending[f][1].append(link)
                by_member[lo].append(link)
                by_member[hi].append(link)
        formed = []
        for members, own, src in pending:
            groups = detached_groups(members, src, own, edges)
            if not groups:
                families.append((members, own, src))
                continue
            gone = {m for g in groups for m in g}  # the rest keeps its source and links
            families.append(([m for m in members if m not in gone],
                             [e for e in own if e.a not in gone and e.b not in gone], src))
            formed += [family(g) for g in groups]
        pending = formed
    families += pending  # no aligner given: the components as they are
    for members, own, src in families:
        for m, rel in member_relations(members, src, own).items():
            source[m], relation[m] = src, rel
    return Families(source, relation)


def detached_groups(members: Sequence[int], src: int, links: Sequence[Link],
                    edges: set[tuple[int, int]]) -> list[list[int]]:
    """The members that leave a family to form families of their own, once every member has
    been aligned with the source (see module docstring, "A family is a source and what derives
    from it"). The members with no family-joining link to ``src`` (their own text, aligned with
    the source, showed no relation to it) fall into the components that the family-forming
    ``edges`` ((a, b) rows of `family_links`) make among them; every other member (not the
    source) that draws a larger share of itself from one of those components' members than from
    the source goes with that component (the largest share; ties: the first component); each
    component of two or more members leaves. None when the family's original is absent: its
    members are spins of a text not in the corpus, related to each other only through it."""
    unrelated = [lo if hi == src else hi for lo, hi in unpaired_members(members, src, links)]
    if not unrelated or original_absent(members, links):
        return []
    pos = {m: k for k, m in enumerate(unrelated)}
    inside = [(pos[e.a], pos[e.b]) for e in links
              if e.a in pos and e.b in pos and (e.a, e.b) in edges]
    groups = [[unrelated[k] for k in g] for g in components(len(unrelated), inside)]
    group_of = {m: k for k, g in enumerate(groups) for m in g}
    draws: dict[int, dict[int, float]] = defaultdict(dict)  # member -> other -> share of it
    for e in links:
        if joins_family(e.relation):
            draws[e.a][e.b] = max(e.containment_ab, draws[e.a].get(e.b, 0.0))
            draws[e.b][e.a] = max(e.containment_ba, draws[e.b].get(e.a, 0.0))
    for m in members:  # a member related to the source goes where it draws most from
        if m == src or m in group_of:
            continue
        into = [(share, -group_of[o]) for o, share in draws[m].items() if o in group_of]
        if into and (best := max(into))[0] > draws[m].get(src, 0.0):
            groups[-best[1]].append(m)  # group_of is left as it was: no one follows a follower
    return [sorted(g) for g in groups if len(g) > 1]


def name_story(members: Sequence[int], source, dates, ids) -> int:
    """The row of the family source a story is named after (see module docstring).
    ``source``: each member's family source row; ``dates``, ``ids``: indexable by row."""
    size: dict[int, int] = defaultdict(int)
    for m in members:
        size[source[m]] += 1
    heads = [m for m in members if source[m] == m]
    if not heads:
        return source[members[0]]
    return min(heads, key=lambda h: (dates[h] or _NO_DATE, -size[h], ids[h]))


def assign_stories(n: int, links: Sequence[Link], source, dates, ids) -> list[int]:
    """Per row, the row its story is named after (see module docstring)."""
    story = list(range(n))
    for members in components(n, [(e.a, e.b) for e in links if links_story(e.relation)]):
        name = name_story(members, source, dates, ids)
        for m in members:
            story[m] = name
    return story
