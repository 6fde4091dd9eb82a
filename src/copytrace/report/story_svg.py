"""A picture of one story as inline SVG: each copy family a tree from its source, families side
by side, time running down the page when documents are dated.

Why this layout. The first picture drew every pair as a line between dots packed on rings:
past three documents the copy-to-copy lines (a family of n copies has n(n-1)/2 of them) and
the same-story lines (every document to every other) covered the labels, ids were cut to 16
characters and most of the box was empty. A reader wants three things from the picture: which
documents copy which source, which families tell the same story, and who came first. So:

* **One column per family** (largest first, then by first date), the source on top and each
  member below it, joined to it by one arrow (the family's tree; a member's arrow has its
  relation's colour, and no head when the pair's direction is unknown). Copies of one source
  are never joined to each other. The story's documents that have no copies share one last
  column ("no copies"), one under another. A column draws at most ``MAX_ROWS`` documents and
  counts the rest.
* **Rows are time**: when documents are dated, every date is a band across all columns (oldest
  on top, labelled on the left), so the first publication of a story is the top-most dot and a
  copy published the same day sits level with its source. Undated documents come last, under an
  "undated" band. Each document has a row of its own in its column, and its label (the id,
  whole when it fits the column, the full id, relation, date and title on hover) is written
  right of its dot inside its column: no label can overlap another.
* **Same-story links between families**, not documents: one dashed arc between the headers of
  two columns when any of their documents were found to cover the same story (the pairs'
  count on hover).
* Columns wrap onto shelves of at most ``COLUMNS``; each shelf has its own time bands, and an
  arc joins only columns on one shelf (a header's tooltip counts the links to other shelves).

This is a layered layout in which the layers are given by the data (family, then time), so it
needs no crossing minimisation: the only lines that can cross are the arcs, drawn above the
columns where no label is. A general graph layout (graphviz, a Sugiyama library) places nodes to
shorten edges and would break the time order that the picture is for. Deterministic, no
scripts; every label and tooltip is HTML-escaped.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass

from copytrace.document import DocResult, Pair
from copytrace.relations import BY_NAME, INDEPENDENT, PAIR_RELATIONS, SOURCE

#: Line colours of the pair relations (`copytrace.relations`).
COLORS = {name: BY_NAME[name].color for name in PAIR_RELATIONS}
COLUMNS = 5  # families per shelf
COL_W = 216  # px per family column
AXIS_W = 84  # px for the date labels on the left
ROW_H = 22  # px per document row
HEAD_H = 64  # px above the first row of a shelf: the arcs and the family headers
LABEL_PX = 6.1  # px per character of an 11 px label (a wide average: ids are digits and
# lower-case letters), used to fit labels in their column
MAX_ARCS = 300  # same-story arcs drawn per story (every pair is in pairs.jsonl)
MAX_ROWS = 60  # documents drawn per column (the rest are counted under it)


def _e(s: object) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _fit(s: str, px: float) -> str:
    """``s`` cut (with an ellipsis) to what fits in ``px`` at `LABEL_PX` per character."""
    n = max(4, int(px / LABEL_PX))
    return s if len(s) <= n else s[:n - 1] + "…"


def _day(date: str | None) -> str | None:
    return date[:10] if date else None


def _when(r: DocResult) -> tuple:
    return (_day(r.date) is None, _day(r.date) or "", r.id)


@dataclass
class Column:
    """One column of the picture: a copy family (source first, then its members by date), or
    every document of the story that has no copies, one under another."""

    docs: list[DocResult]
    family: bool
    hidden: int = 0  # members past `MAX_ROWS`, not drawn

    @property
    def name(self) -> str:
        n = len(self.docs) + self.hidden
        return f"family of {n}" if self.family else f"no copies ({n})"


def layout(members: list[DocResult]):
    """The shelves (lists of `Column`), each document's (shelf, column, row), and each shelf's
    date bands (its dates, each band's first row and its height in rows; the last band holds
    the undated documents)."""
    families: dict[str, list[DocResult]] = defaultdict(list)
    for m in members:
        families[m.family].append(m)
    cols, alone = [], []
    for fam in families.values():
        if len(fam) == 1:
            alone.append(fam[0])
            continue
        src = [r for r in fam if r.relation == SOURCE] or [min(fam, key=_when)]
        rest = sorted((r for r in fam if r is not src[0]), key=_when)
        cols.append(Column([src[0]] + rest[:MAX_ROWS - 1], True, max(0, len(rest) - MAX_ROWS + 1)))
    cols.sort(key=lambda c: (-len(c.docs) - c.hidden, _when(min(c.docs, key=_when)),
                             c.docs[0].id))
    if alone:
        alone.sort(key=_when)
        cols.append(Column(alone[:MAX_ROWS], False, max(0, len(alone) - MAX_ROWS)))
    shelves = [cols[k:k + COLUMNS] for k in range(0, len(cols), COLUMNS)]
    where: dict[str, tuple[int, int, int]] = {}
    bands = []
    for s, shelf in enumerate(shelves):
        # rows: one band per date (every column's documents of that date stacked in it), in
        # time order, then the undated documents; a copy dated before its source keeps its
        # date's band: the picture shows the dates as they are
        days = sorted({_day(r.date) for col in shelf for r in col.docs if r.date})
        band_of = {d: k for k, d in enumerate(days)}
        undated = len(days)
        height = [0] * (len(days) + 1)
        stack: dict[tuple[int, int], int] = defaultdict(int)
        for c, col in enumerate(shelf):
            for r in col.docs:
                band = band_of.get(_day(r.date), undated)
                stack[c, band] += 1
                height[band] = max(height[band], stack[c, band])
        start = [0] * len(height)
        for b in range(1, len(height)):
            start[b] = start[b - 1] + height[b - 1]
        used: dict[tuple[int, int], int] = defaultdict(int)
        for c, col in enumerate(shelf):
            for r in col.docs:
                band = band_of.get(_day(r.date), undated)
                where[r.id] = (s, c, start[band] + used[c, band])
                used[c, band] += 1
        if any(col.hidden for col in shelf):
            height.append(1)  # a row for "and N more"
            start.append(start[-1] + height[-2])
        bands.append((days, start, height))
    return shelves, where, bands


def story_svg(members: list[DocResult], pairs: list[Pair], standalone: bool = False) -> str:
    """The SVG picture of one story (``members``: its documents; ``pairs``: its pairs);
    ``standalone``: with its XML namespace, as an SVG file or a parsed fragment needs (inside
    an HTML page the namespace is implied)."""
    shelves, where, bands = layout(members)
    by_id = {m.id: m for m in members}
    dated = any(m.date for m in members)
    left = AXIS_W if dated else 12
    pair_of = {(p.a, p.b): p for p in pairs}
    pair_of.update({(p.b, p.a): p for p in pairs})

    # links between columns (same story: any pair between documents of two columns), counted
    links: dict[tuple[tuple[int, int], tuple[int, int]], int] = defaultdict(int)
    for p in pairs:
        a, b = by_id.get(p.a), by_id.get(p.b)
        if a is None or b is None or a.family == b.family or p.a not in where \
                or p.b not in where:
            continue
        ca, cb = where[p.a][:2], where[p.b][:2]
        if ca != cb:
            links[min(ca, cb), max(ca, cb)] += 1

    out = []
    y0 = 0.0
    for s, shelf in enumerate(shelves):
        days, start, height = bands[s]
        body = y0 + HEAD_H
        if dated:  # the time axis: each date band labelled, bands shaded in turn
            labels = list(days) + ["undated", ""]
            for b, h in enumerate(height):
                if not h or not labels[b]:
                    continue
                top = body + start[b] * ROW_H
                if b % 2 == 0:
                    out.append(f"<rect x='0' y='{top:.0f}' width='{left + COL_W * len(shelf)}' "
                               f"height='{h * ROW_H}' fill='#f3f4f6'/>")
                out.append(f"<text x='6' y='{top + 15:.0f}' font-size='11' fill='#6b7280'>"
                           f"{_e(labels[b])}</text>")
        for c, col in enumerate(shelf):
            x = left + c * COL_W
            elsewhere = sum(n for (ca, cb), n in links.items()
                            if (s, c) in (ca, cb) and ca[0] != cb[0])
            tip = col.name + (f"; {elsewhere} same-story pairs with families in other rows"
                              if elsewhere else "")
            out.append(f"<g class='family'><title>{_e(tip)}</title>"
                       f"<rect x='{x + 4}' y='{y0 + HEAD_H - 24:.0f}' width='10' height='10' "
                       f"rx='2' fill='#374151'/><text x='{x + 19}' y='{y0 + HEAD_H - 15:.0f}' "
                       f"font-size='11' fill='#374151' font-weight='600'>"
                       f"{_e(_fit(col.name, COL_W - 24))}</text></g>")
            head = col.docs[0]
            sx, sy = x + 9, body + where[head.id][2] * ROW_H + ROW_H / 2
            if col.family:  # the tree: a spine down from the source, an arrow to each member
                last = max(body + where[r.id][2] * ROW_H + ROW_H / 2 for r in col.docs[1:])
                out.append(f"<path d='M{sx:.1f},{sy:.1f} V{last:.1f}' stroke='#9ca3af' "
                           "stroke-width='1.5'/>")
                for r in col.docs[1:]:
                    ry = body + where[r.id][2] * ROW_H + ROW_H / 2
                    p = pair_of.get((head.id, r.id))
                    known = p is not None and (p.a, p.direction) in ((head.id, "a->b"),
                                                                     (r.id, "b->a"))
                    color = BY_NAME[r.relation].color if r.relation in BY_NAME else "#6b7280"
                    marker = f" marker-end='url(#arrow-{_e(r.relation)})'" if known and \
                        r.relation in COLORS else ""
                    out.append(f"<path class='copy' data-from='{_e(head.id)}' "
                               f"data-to='{_e(r.id)}' d='M{sx:.1f},{ry:.1f} H{sx + 14:.1f}' "
                               f"fill='none' stroke='{color}' stroke-width='2'{marker}><title>"
                               f"{_e(head.id)} &rarr; {_e(r.id)}: {_e(r.relation)}</title>"
                               "</path>")
            for k, r in enumerate(col.docs):
                cy = body + where[r.id][2] * ROW_H + ROW_H / 2
                cx = x + 30 if col.family and k else x + 9
                fill = BY_NAME[r.relation].color if r.relation in BY_NAME else "#6b7280"
                tip = " · ".join(str(v) for v in (r.id, r.relation, r.date, r.title) if v)
                room = x + COL_W - (cx + 10) - 6
                out.append(f"<g class='doc'><title>{_e(tip)}</title><circle cx='{cx:.1f}' "
                           f"cy='{cy:.1f}' r='6' fill='{fill}' stroke='#fff' "
                           f"stroke-width='1.5'/><text class='label' x='{cx + 10:.1f}' "
                           f"y='{cy + 4:.1f}' font-size='11' data-room='{room:.0f}' "
                           f"fill='#1f2937'>{_e(_fit(r.id, room))}</text></g>")
            if col.hidden:
                y = body + start[-1] * ROW_H + 15
                out.append(f"<text x='{x + 30}' y='{y:.0f}' font-size='11' fill='#6b7280'>"
                           f"and {col.hidden:,} more (documents.jsonl)</text>")
        # same-story arcs between the headers of the columns on this shelf
        drawn = 0
        for (ca, cb), n in sorted(links.items()):
            if ca[0] != s or cb[0] != s or drawn >= MAX_ARCS:
                continue
            drawn += 1
            xa, xb = left + ca[1] * COL_W + 9, left + cb[1] * COL_W + 9
            top = y0 + HEAD_H - 24
            lift = min(HEAD_H - 30, 10 + 6 * abs(cb[1] - ca[1]))
            names = [shelf[ca[1]].name, shelf[cb[1]].name]
            out.append(f"<path class='link' data-between='{ca[1]} {cb[1]}' d='M{xa},{top} "
                       f"C{xa},{top - lift} {xb},{top - lift} {xb},{top}' fill='none' "
                       f"stroke='{COLORS.get('same-story', '#9ca3af')}' stroke-dasharray='5 4' "
                       f"stroke-width='1.5'><title>{n} pair{'s' if n > 1 else ''} about the "
                       f"same story between {_e(names[0])} ({_e(shelf[ca[1]].docs[0].id)}) "
                       f"and {_e(names[1])} ({_e(shelf[cb[1]].docs[0].id)})</title></path>")
        y0 = body + sum(height) * ROW_H + 16
    width = left + COL_W * max((len(s) for s in shelves), default=1)
    defs = "<defs>" + "".join(
        f"<marker id='arrow-{rel}' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='6' "
        f"markerHeight='6' orient='auto'><path d='M0,0L10,5L0,10z' fill='{color}'/></marker>"
        for rel, color in COLORS.items()) + "</defs>"
    xmlns = " xmlns='http://www.w3.org/2000/svg'" if standalone else ""
    return (f"<svg{xmlns} class='story' width='{width:.0f}' height='{y0:.0f}' "
            f"viewBox='0 0 {width:.0f} {y0:.0f}' role='img' aria-label='story of "
            f"{len(members)} documents'>" + defs + "".join(out) + "</svg>")


def legend() -> str:
    items = []
    for rel, color in COLORS.items():
        if BY_NAME[rel].dashed:
            continue
        items.append(f"<span><svg width='26' height='10'><line x1='0' y1='5' x2='26' y2='5' "
                     f"stroke='{color}' stroke-width='2'/></svg> {rel}</span>")
    return ("<p class='legend'>Each column is a copy family: its source on top, an arrow to each "
            "document made from it (" + " ".join(items) + "); "
            f"<svg width='26' height='10'><path d='M0,8 C0,0 26,0 26,8' fill='none' "
            f"stroke='{COLORS.get('same-story', '#9ca3af')}' stroke-dasharray='5 4'/></svg> "
            "families about the same story. Rows run in time, oldest on top, when documents are "
            f"dated. Dots: <b style='color:{BY_NAME[SOURCE].color}'>{SOURCE}</b>, copies in "
            f"their relation's colour, <b style='color:{BY_NAME[INDEPENDENT].color}'>"
            f"{INDEPENDENT}</b>. Hover for full names.</p>")
