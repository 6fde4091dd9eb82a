"""A picture of one story as inline SVG: documents as dots, copies as arrows, same-story dashed.

Layout (deterministic, no physics, no scripts): each copy family is a cluster with its source in
the middle and its members on concentric rings around it (a ring holds as many dots as fit at
~24 px apart, so a family of 200 still reads); clusters, largest first, are packed left to right
in rows (labels under the dots, except on the rings of families over 30, where the tooltip
names each dot). An arrow runs from source to copy when the direction is known, a plain line
when it is not; colour says the relation. Every label and tooltip is HTML-escaped.
"""

from __future__ import annotations

import html
import math

from copytrace.document import DocResult, Pair
from copytrace.relations import BY_NAME, INDEPENDENT, PAIR_RELATIONS, SOURCE

#: Line colours of the pair relations (`copytrace.relations`).
COLORS = {name: BY_NAME[name].color for name in PAIR_RELATIONS}
WIDTH = 1100
RING = 46  # px between rings
SPACING = 24  # px between dots on a ring
MAX_LINKS = 600  # same-story lines drawn per story (the rest are listed in pairs.jsonl)


def _dashed(relation: str) -> bool:
    """A link drawn dashed: not a copy (same-story)."""
    return relation in BY_NAME and BY_NAME[relation].dashed


def _e(s: object) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _short(s: str, n: int = 16) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def _cluster(members: list[DocResult]) -> tuple[list[tuple[DocResult, float, float]], float]:
    """Positions relative to the cluster centre, and the cluster radius."""
    head, rest = members[0], members[1:]
    pos = [(head, 0.0, 0.0)]
    ring, k = 1, 0
    while k < len(rest):
        radius = RING * ring
        fits = max(6, int(2 * math.pi * radius / SPACING))
        chunk = rest[k:k + fits]
        for t, m in enumerate(chunk):
            angle = 2 * math.pi * t / len(chunk) - math.pi / 2 + (ring % 2) * 0.3
            pos.append((m, radius * math.cos(angle), radius * math.sin(angle)))
        k += len(chunk)
        ring += 1
    return pos, RING * (ring - 1)


def story_svg(members: list[DocResult], pairs: list[Pair]) -> str:
    """The SVG picture of one story (``members``: its documents; ``pairs``: its pairs)."""
    families: dict[str, list[DocResult]] = {}
    for m in members:
        families.setdefault(m.family, []).append(m)
    clusters = []
    for fam in families.values():
        fam.sort(key=lambda r: (r.relation != SOURCE, r.id))
        clusters.append(_cluster(fam))
    clusters.sort(key=lambda c: (-len(c[0]), c[0][0][0].id))
    # shelf packing: rows of clusters, each cluster a box of side 2 * (radius + margin)
    xy: dict[str, tuple[float, float]] = {}
    node_of: dict[str, DocResult] = {}
    x = y = 0.0
    row_h = 0.0
    margin = 44.0
    for pos, radius in clusters:
        side = max(2 * (radius + margin), 124.0)  # room for a label under a lone dot
        if x > 0 and x + side > WIDTH:
            x, y = 0.0, y + row_h
            row_h = 0.0
        cx, cy = x + side / 2, y + side / 2
        for m, dx, dy in pos:
            xy[m.id] = (cx + dx, cy + dy)
            node_of[m.id] = m
        x += side
        row_h = max(row_h, side)
    width = WIDTH if y > 0 else max(x, 240)
    height = y + row_h + 30
    out = [f"<svg class='story' width='{width:.0f}' "
           f"height='{height:.0f}' viewBox='0 0 {width:.0f} {height:.0f}' role='img' "
           f"aria-label='story graph of {len(members)} documents'>",
           "<defs>" + "".join(
               f"<marker id='arrow-{rel}' viewBox='0 0 10 10' refX='16' refY='5' markerWidth='7' "
               f"markerHeight='7' orient='auto-start-reverse'><path d='M0,0L10,5L0,10z' "
               f"fill='{color}'/></marker>" for rel, color in COLORS.items()) + "</defs>"]
    links = 0
    for p in sorted(pairs, key=lambda p: _dashed(p.relation)):
        if p.a not in xy or p.b not in xy:
            continue
        if _dashed(p.relation):
            links += 1
            if links > MAX_LINKS:
                continue
        (x1, y1), (x2, y2) = xy[p.a], xy[p.b]
        if p.direction == "b->a":
            (x1, y1), (x2, y2) = (x2, y2), (x1, y1)
        color = COLORS.get(p.relation, "#9ca3af")
        style = ("stroke-dasharray='5 4' stroke-width='1' opacity='0.7'"
                 if _dashed(p.relation) else "stroke-width='2'")
        head = (f" marker-end='url(#arrow-{p.relation})'"
                if p.direction != "unknown" and p.relation in COLORS else "")
        out.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' "
                   f"stroke='{color}' {style}{head}><title>{_e(p.a)} {_e(p.relation)} "
                   f"{_e(p.b)} ({_e(p.direction)})</title></line>")
    family_size = {f: len(ms) for f, ms in families.items()}
    for doc_id, (cx, cy) in xy.items():
        m = node_of[doc_id]
        labelled = m.relation == SOURCE or family_size[m.family] <= 30  # big rings: tooltips
        fill = BY_NAME[m.relation].color if m.relation in BY_NAME else "#6b7280"
        tip = " · ".join(str(v) for v in (m.id, m.relation, m.date, m.title) if v)
        label = (f"<text x='{cx:.1f}' y='{cy + 19:.1f}' text-anchor='middle' font-size='9' "
                 f"fill='#374151'>{_e(_short(m.id))}</text>" if labelled else "")
        out.append(f"<g><title>{_e(tip)}</title><circle cx='{cx:.1f}' cy='{cy:.1f}' r='7' "
                   f"fill='{fill}' stroke='#fff' stroke-width='1.5'/>{label}</g>")
    out.append("</svg>")
    return "".join(out)


def legend() -> str:
    items = []
    for rel, color in COLORS.items():
        dash = " stroke-dasharray='5 4'" if _dashed(rel) else ""
        items.append(f"<span><svg width='26' height='10'><line x1='0' y1='5' x2='26' y2='5' "
                     f"stroke='{color}' stroke-width='2'{dash}/></svg> {rel}</span>")
    return ("<p class='legend'>" + " ".join(items) + f" &middot; dots: <b style='color:"
            f"{BY_NAME[SOURCE].color}'>{SOURCE}</b>, copies in their relation's colour, "
            f"<b style='color:{BY_NAME[INDEPENDENT].color}'>{INDEPENDENT}</b>; arrows run from "
            "source to copy</p>")
