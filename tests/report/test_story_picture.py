"""The story picture in report.html, on a story of eleven documents in four families."""

import re

from copytrace.document import DocResult, Pair
from copytrace.report.story_svg import COL_W, LABEL_PX, story_svg


def _doc(i, family, relation, date=None):
    return DocResult(id=i, path=None, url=None, title=f"Title of {i}", date=date, family=family,
                     story="s", relation=relation, source=family, spun_score=None,
                     boilerplate_chars=0, chars=100)


WIRE = "wire-service-original-2023-03-01"
DOCS = [_doc(WIRE, WIRE, "source", "2023-03-01"),
        _doc("mirror-a", WIRE, "verbatim", "2023-03-01"),
        _doc("portal-b-with-an-identifier-far-longer-than-its-column", WIRE, "edited", "2023-03-02"),
        _doc("spinner-c", WIRE, "spun", "2023-03-04"),
        _doc("blog-d", WIRE, "rewrite", "2023-03-03"),
        _doc("zeitung-e", WIRE, "translation"),
        _doc("oped-f", "oped-f", "independent", "2023-03-02"),
        _doc("agency-g", "agency-g", "source", "2023-03-02"),
        _doc("agency-g-copy", "agency-g", "edited", "2023-03-05"),
        _doc("agency-g-copy-2", "agency-g", "verbatim", "2023-03-05"),
        _doc("local-h", "local-h", "independent")]
PAIRS = ([Pair(WIRE, d.id, d.relation, "a->b", 0.9, 0.9, 0.9) for d in DOCS[1:6]]
         # copies of one source are pairs too: they must not be drawn
         + [Pair("mirror-a", DOCS[2].id, "edited", "unknown", 0.9, 0.9, 0.9),
            Pair("agency-g-copy", "agency-g-copy-2", "verbatim", "unknown", 1, 1, 1),
            Pair("agency-g", "agency-g-copy", "edited", "a->b", 0.9, 0.9, 0.9),
            Pair("agency-g-copy-2", "agency-g", "verbatim", "b->a", 1, 1, 1)]
         + [Pair(WIRE, "oped-f", "same-story", "unknown", 0.8, 0, 0),
            Pair("mirror-a", "oped-f", "same-story", "unknown", 0.8, 0, 0),
            Pair("oped-f", "agency-g", "same-story", "unknown", 0.8, 0, 0),
            Pair("local-h", "agency-g-copy", "same-story", "unknown", 0.8, 0, 0)])


def _labels(svg):
    """(x0, y0, x1, y1) boxes of the document labels, from their position and length."""
    out = []
    for x, y, room, text in re.findall(r"<text class='label' x='([\d.]+)' y='([\d.]+)' "
                                       r"font-size='11' data-room='(\d+)'[^>]*>([^<]*)</text>", svg):
        text = text.replace("&#x27;", "'").replace("&amp;", "&")
        out.append((float(x), float(y) - 11, float(x) + len(text) * LABEL_PX, float(y) + 2,
                    float(room), text))
    return out


def test_every_document_is_drawn_once_with_a_label_that_overlaps_no_other():
    svg = story_svg(DOCS, PAIRS)
    assert svg.count("<circle") == len(DOCS)
    boxes = _labels(svg)
    assert len(boxes) == len(DOCS)
    for k, a in enumerate(boxes):
        assert a[2] - a[0] <= a[4] + 1, a  # inside its column
        for b in boxes[k + 1:]:
            overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            assert not overlap, (a, b)
    # a long id is cut to its column, and whole on hover
    assert "portal-b-with-an-identifier-far-longer-than-its-column" in svg
    assert any(b[5].endswith("…") for b in boxes)
    assert float(re.search(r"width='(\d+)'", svg).group(1)) <= 84 + 5 * COL_W


def test_each_family_is_a_tree_from_its_source_and_copies_are_never_joined():
    svg = story_svg(DOCS, PAIRS)
    family = {d.id: d.family for d in DOCS}
    arrows = re.findall(r"<path class='copy' data-from='([^']*)' data-to='([^']*)'", svg)
    assert sorted(t for _, t in arrows) == sorted(d.id for d in DOCS
                                                  if d.relation not in ("source", "independent"))
    for src, dst in arrows:
        assert src == family[dst] and src != dst  # from the family's source, never copy to copy
    # a known direction has a head, from the source to the copy (either way round in the pair)
    heads = re.findall(r"data-to='([^']*)'[^>]*marker-end", svg)
    assert set(heads) == {d.id for d in DOCS[1:6]} | {"agency-g-copy", "agency-g-copy-2"}


def test_same_story_links_join_families_not_documents_and_rows_follow_time():
    svg = story_svg(DOCS, PAIRS)
    # columns: the wire's family, agency-g's family, then the documents without copies
    links = re.findall(r"<path class='link' data-between='(\d) (\d)'[^>]*><title>(\d+) pairs? ",
                       svg)
    assert sorted((int(a), int(b), int(n)) for a, b, n in links) == [(0, 2, 2), (1, 2, 2)]
    assert ">no copies (2)</text>" in svg and ">family of 6</text>" in svg
    y = {tip.split(" · ")[0]: float(cy) for tip, cy in re.findall(
        r"<g class='doc'><title>([^<]*)</title><circle cx='[\d.]+' cy='([\d.]+)'", svg)}
    assert y[WIRE] < y["mirror-a"] < y["blog-d"] < y["spinner-c"] < y["zeitung-e"]  # dated first
    assert y["oped-f"] == y["agency-g"]  # one date, one band across the columns
    assert y["agency-g-copy"] > y["spinner-c"]  # 03-05 after 03-04, across columns
    for date in ("2023-03-01", "2023-03-05", "undated"):
        assert f">{date}</text>" in svg
