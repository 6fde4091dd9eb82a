"""report.html: one self-contained page (inline CSS, no scripts, no network).

Every piece of document text goes through ``html.escape``; nothing from a document is ever
written into the page unescaped, so a document holding ``<script>`` shows as text.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from copytrace.document import NEITHER, Document, DocResult, Pair, Problem
from copytrace.report.highlight import Segment, diff_passage
from copytrace.outputs import atomic_write, counted
from copytrace.relations import SOURCE, badge_css
from copytrace.report.story_svg import legend, story_svg

CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232b;
background:#f6f7f9}
header{background:#1d232b;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c9d1dc}
main{padding:18px 28px;max-width:1400px}
section{background:#fff;border:1px solid #dfe3e8;border-radius:8px;padding:14px 18px;margin:14px 0}
h2{font-size:18px;margin:4px 0 10px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #eef0f3;
text-align:left;vertical-align:top}th{font-weight:600;color:#4b5563}
.rel{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:4px 12px;margin-bottom:10px}
.psg{white-space:pre-wrap;background:#fbfbfc;border:1px solid #eef0f3;border-radius:6px;
padding:8px 10px;font-size:14px}.story-box{overflow-x:auto}
.spin-text{max-height:420px;overflow:auto}
mark{background:#fde68a;border-radius:2px}
mark.spin{background:#ddd6fe;border-bottom:2px solid #7c3aed}
.orig{color:#5b21b6;font-size:12px}.pos{color:#6b7280;font-size:12px}
.meta{color:#4b5563;font-size:13px}.legend{font-size:12px;color:#4b5563}
.legend span{margin-right:10px;white-space:nowrap}svg.story{max-width:100%;height:auto;
background:#fbfbfc;border:1px solid #eef0f3;border-radius:6px}.problems li{color:#991b1b}
""" + badge_css()


def _e(s: object) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _badge(rel: str) -> str:
    return f'<span class="rel rel-{_e(rel)}">{_e(rel)}</span>'


def _render(text: str, segs: list[Segment]) -> str:
    return "".join(f"<mark>{_e(text[s:e])}</mark>" if shared else _e(text[s:e])
                   for s, e, shared in segs)


def _render_spin(text: str, phrases) -> str:
    out, pos = [], 0
    for p in phrases:
        if p.start < pos:
            continue  # overlapping phrases: the first one is marked
        out.append(_e(text[pos:p.start]))
        out.append(f"<mark class='spin' title='likely original: {_e(p.original)}'>"
                   f"{_e(text[p.start:p.end])}</mark><span class='orig'> [{_e(p.original)}]</span>")
        pos = p.end
    out.append(_e(text[pos:]))
    return "".join(out)


def _story_section(results: list[DocResult], pairs: list[Pair], limit: int) -> list[str]:
    """One picture per story of two or more documents, largest first."""
    by_story: dict[str, list[DocResult]] = defaultdict(list)
    for r in results:
        by_story[r.story].append(r)
    stories = sorted((m for m in by_story.values() if len(m) > 1),
                     key=lambda m: (-len(m), m[0].story))
    if not stories:
        return []
    story_of = {r.id: r.story for r in results}
    pairs_of: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        if story_of.get(p.a) is not None and story_of.get(p.a) == story_of.get(p.b):
            pairs_of[story_of[p.a]].append(p)
    out = ["<section><h2>Stories</h2><p class='meta'>Documents about the same event, whether "
           f"or not they share text. {counted(len(stories), 'story')} of two or more documents."
           "</p>", legend()]
    if len(stories) > limit:
        out.append(f"<p class='meta'>Showing the {limit} largest.</p>")
    for members in stories[:limit]:
        fams = len({m.family for m in members})
        out.append(f"<h3 id='story-{_e(members[0].story)}'>Story {_e(members[0].story)} "
                   f"<span class='meta'>({counted(len(members), 'document')}, "
                   f"{counted(fams, 'family')})</span></h3>")
        out.append("<div class='story-box'>" + story_svg(members, pairs_of[members[0].story])
                   + "</div>")
    out.append("</section>")
    return out


def _spin_section(text_of: dict[str, str], results: list[DocResult], limit: int) -> list[str]:
    """Documents that read as machine-spun, with their suspicious phrases marked."""
    from copytrace.spin import suspicious_phrases

    spun = sorted((r for r in results if (r.spun_score or 0) >= 0.5),
                  key=lambda r: (-(r.spun_score or 0), r.id))
    if not spun:
        return []
    out = ["<section><h2>Spin evidence</h2><p class='meta'>Documents whose phrases read like "
           "machine synonym substitution (spun_score &ge; 0.5), most suspicious first. Each "
           "marked phrase is rare in real text while the bracketed variant is common.</p>"]
    if len(spun) > limit:
        out.append(f"<p class='meta'>Showing {limit} of {len(spun)}.</p>")
    for r in spun[:limit]:
        text = text_of.get(r.id, "")
        phrases = suspicious_phrases(text)
        out.append(f"<h3>{_e(r.id)} {_badge(r.relation)} <span class='meta'>spun_score "
                   f"{r.spun_score:.2f} &middot; {counted(len(phrases), 'suspicious phrase')}"
                   "</span></h3>"
                   f"<div class='psg spin-text'>{_render_spin(text, phrases)}</div>")
    out.append("</section>")
    return out


def _arrow(p: Pair) -> str:
    return {"a->b": f"{_e(p.a)} &rarr; {_e(p.b)}", "b->a": f"{_e(p.b)} &rarr; {_e(p.a)}",
            NEITHER: f"{_e(p.a)} &harr; {_e(p.b)} (both spun from a third text)"}.get(
        p.direction, f"{_e(p.a)} &harr; {_e(p.b)} (direction unknown)")


def render_report(documents: list[Document], results: list[DocResult], pairs: list[Pair],
                  problems: list[Problem], stats: dict, max_pairs: int = 500,
                  max_spun: int = 50, max_stories: int = 100) -> str:
    text_of = {d.id: d.text for d in documents}
    by_family: dict[str, list[DocResult]] = defaultdict(list)
    for r in results:
        by_family[r.family].append(r)
    fams = sorted((m for m in by_family.values() if len(m) > 1),
                  key=lambda m: (-len(m), m[0].family))
    singles = sum(1 for m in by_family.values() if len(m) == 1)
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>copytrace report</title><style>{CSS}</style></head><body>",
        "<header><h1>copytrace report</h1>",
        f"<p>{counted(len(results), 'document')} &middot; {counted(len(fams), 'copy family')} "
        f"&middot; {counted(singles, 'document')} without copies &middot; "
        f"{counted(len(pairs), 'related pair')}"
        f"{' &middot; ' + counted(len(problems), 'input') + ' skipped' if problems else ''}"
        "</p></header>",
        "<main>",
    ]
    if problems:
        out.append("<section><h2>Skipped inputs</h2><ul class='problems'>")
        out += [f"<li>{_e(p)}</li>" for p in problems[:1000]]
        out.append("</ul></section>")
    out += _story_section(results, pairs, max_stories)
    out.append("<section><h2>Copy families</h2>")
    if not fams:
        out.append("<p>No document in this corpus is a copy of another.</p>")
    for members in fams:
        src = next((m for m in members if m.relation == SOURCE), members[0])
        out.append(f"<h3 id='fam-{_e(src.family)}'>Family {_e(src.family)} "
                   f"<span class='meta'>({len(members)} documents)</span></h3>")
        out.append("<table><tr><th>document</th><th>relation</th><th>date</th><th>title / path</th>"
                   "<th>chars</th><th>boilerplate</th></tr>")
        for m in sorted(members, key=lambda r: (r.relation != SOURCE, r.id)):
            out.append(f"<tr><td>{_e(m.id)}</td><td>{_badge(m.relation)}</td><td>{_e(m.date)}</td>"
                       f"<td>{_e(m.title or m.path or m.url)}</td><td>{m.chars}</td>"
                       f"<td>{m.boilerplate_chars}</td></tr>")
        out.append("</table>")
    out.append("</section>")

    out += _spin_section(text_of, results, max_spun)
    out.append("<section><h2>Aligned passages</h2><p class='meta'>Each passage is one row, "
               "the two documents side by side; <mark>marked</mark> words are the same in both."
               "</p>")
    with_text = [p for p in pairs if p.passages]
    without = [p for p in pairs if not p.passages]
    if len(with_text) > max_pairs:
        out.append(f"<p class='meta'>Showing the {max_pairs} most similar of {len(with_text)} "
                   "pairs that share passages; pairs.jsonl has them all.</p>")
    for p in sorted(with_text, key=lambda p: -p.similarity)[:max_pairs]:
        out.append(f"<h3>{_arrow(p)} {_badge(p.relation)}</h3><p class='meta'>similarity "
                   f"{p.similarity:.2f} &middot; {p.containment_ab:.0%} of {_e(p.a)} in {_e(p.b)} "
                   f"&middot; {p.containment_ba:.0%} of {_e(p.b)} in {_e(p.a)} &middot; "
                   f"{counted(len(p.passages), 'passage')}"
                   + (f" &middot; {p.exact_share:.0%} of passage words identical"
                      if p.exact_share is not None else "") + "</p><div class='grid'>")
        ta, tb = text_of.get(p.a, ""), text_of.get(p.b, "")
        for k, psg in enumerate(p.passages, 1):
            sa, sb = diff_passage(ta, psg.a, tb, psg.b)
            out.append(
                f"<div class='pos'>{_e(p.a)} [{psg.a[0]}:{psg.a[1]}] passage {k}</div>"
                f"<div class='pos'>{_e(p.b)} [{psg.b[0]}:{psg.b[1]}]</div>"
                f"<div class='psg'>{_render(ta, sa)}</div><div class='psg'>{_render(tb, sb)}</div>")
        out.append("</div>")
    if not with_text:
        out.append("<p>No aligned passages.</p>")
    out.append("</section>")
    if without:  # rewrites, translations, same story: related by meaning, no text in common
        out.append("<section><h2>Related without shared passages</h2><p class='meta'>Pairs "
                   "found by meaning (rewrites, translations, the same story): nothing was "
                   "copied word for word.</p><table><tr><th>pair</th><th>relation</th>"
                   "<th>similarity</th></tr>")
        for p in sorted(without, key=lambda p: -p.similarity)[:max_pairs]:
            out.append(f"<tr><td>{_arrow(p)}</td><td>{_badge(p.relation)}</td>"
                       f"<td>{p.similarity:.2f}</td></tr>")
        out.append("</table></section>")
    secs = stats.get("seconds", {})
    out.append(f"<p class='meta'>"
               f"{counted(int(stats.get('candidate_pairs', 0)), 'candidate pair')} verified "
               f"in {_e(secs.get('total', '?'))} s (LSH {_e(stats.get('bands'))} bands &times; "
               f"{_e(stats.get('rows'))} rows).</p></main></body></html>")
    return "\n".join(out)


def write_report(path: Path, *args, **kwargs) -> None:
    atomic_write(path, [render_report(*args, **kwargs)])
