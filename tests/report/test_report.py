"""The story pictures in report.html."""

import re

from copytrace.document import DocResult, Pair
from copytrace.engines.local import scan
from copytrace.report.html import render_report
from copytrace.report.story_svg import story_svg


def _doc(i: str, family: str, relation: str) -> DocResult:
    return DocResult(id=i, path=None, url=None, title=None, date=None, family=family, story="s",
                     relation=relation, source=None, spun_score=None, boilerplate_chars=0,
                     chars=10)


def test_story_svg_draws_every_document_and_escapes_names():
    evil = "<script>alert(1)</script>"
    members = [_doc("src", "src", "source"), _doc(evil, "src", "spun"),
               _doc("oped", "oped", "independent")]
    pairs = [Pair("src", evil, "spun", "a->b", 0.9, 0.9, 0.9),
             Pair("src", "oped", "same-story", "unknown", 0.8, 0.0, 0.0)]
    svg = story_svg(members, pairs)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<circle") == 3
    spun_arrow, = re.findall(r"<path class='copy'[^>]*stroke='#7c3aed'[^>]*>", svg)
    assert "marker-end='url(#arrow-spun)'" in spun_arrow
    story_link, = re.findall(r"<path class='link'[^>]*>", svg)
    assert "stroke-dasharray" in story_link and "marker-end" not in story_link


def test_story_svg_scales_to_two_hundred_documents():
    members = [_doc("s", "s", "source")] + [_doc(f"c{k}", "s", "edited") for k in range(150)]
    members += [_doc(f"i{k}", f"i{k}", "independent") for k in range(49)]
    pairs = [Pair("s", f"c{k}", "edited", "a->b", 0.9, 0.9, 0.9) for k in range(150)]
    svg = story_svg(members, pairs)
    xy = re.findall(r"<circle cx='([\d.]+)' cy='([\d.]+)'", svg)
    assert len(xy) == 60 + 49  # a column draws 60 documents and counts the rest
    assert len(set(xy)) == len(xy)  # no two dots on top of each other
    assert "and 91 more (documents.jsonl)" in svg and ">family of 151</text>" in svg
    assert ">no copies (49)</text>" in svg
    width = float(re.search(r"width='(\d+)'", svg).group(1))
    height = float(re.search(r"height='(\d+)'", svg).group(1))
    assert width <= 1100 and height < 61 * 22 + 100


def test_report_draws_one_story_for_the_seeds(seed_docs):
    res = scan(seed_docs)
    html = render_report(res.documents, res.results, res.pairs, [], res.stats)
    assert html.count("<svg class='story'") == 1
    start = html.index("<svg class='story'")
    svg = html[start:html.index("</svg>", start)]
    assert svg.count("<circle") == 5 and "stroke-dasharray" in svg
