"""Families from verified edges: union-find, then one source per family.

Source choice (documented in the README):
0. a member found to be a spun copy of another member is never the source (unless all are);
1. if every member has a date, the earliest-dated member;
2. otherwise the member that contains the most of the others: the sum, over its verified pairs, of
   the share of the other document found in it; ties go to the earliest date, then the longer
   document, then the smaller id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


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
class Edge:
    a: int
    b: int
    containment_ab: float  # share of a found in b
    containment_ba: float


def families(n: int, edges: list[Edge]) -> list[list[int]]:
    """Connected components (each sorted), in order of their smallest member."""
    uf = UnionFind(n)
    for e in edges:
        uf.union(e.a, e.b)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[uf.find(i)].append(i)
    return [groups[r] for r in sorted(groups)]


def choose_source(members: list[int], edges: list[Edge], dates: list[str | None],
                  lengths: list[int], ids: list[str], copies: set[int] = frozenset()) -> int:
    """The member taken as the family's source (see module docstring)."""
    members = [m for m in members if m not in copies] or members
    if all(dates[m] for m in members):
        return min(members, key=lambda m: (dates[m], -lengths[m], ids[m]))
    score = defaultdict(float)
    for e in edges:
        score[e.a] += e.containment_ba  # how much of b is inside a
        score[e.b] += e.containment_ab

    def key(m: int):
        return (-round(score[m], 6), dates[m] or "9999", -lengths[m], ids[m])

    return min(members, key=key)
