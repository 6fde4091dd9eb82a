"""Passage-level reuse: passages never overlap, shared titles and footers are not reuse, a lifted
paragraph is a ``partial`` pair, and each pair says how much of its aligned text is identical."""

import json
import random

from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from copytrace.align import align
from copytrace.cli import app
from copytrace.document import Document
from copytrace.engines.local import scan
from copytrace.normalize import tokenize_many
from copytrace.pipeline import compare_two
from copytrace.relate import GRADES, classify, reuse_grade
from copytrace.relations import (EDITED, PARTIAL, REWRITE, SAME_STORY, SPUN, TRANSLATION,
                                 VERBATIM)


def _site(name: str) -> str:
    return (FIXTURES / "sites" / f"{name}.txt").read_text(encoding="utf-8")


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if len(p.split()) > 8]


#: Two long texts on other subjects (several articles each) and a passage lifted from the second.
INKSTICK = "\n\n".join(_site(n) for n in ("inkstick_arms_control", "inkstick_peacekeeping_budget",
                                          "inkstick_sanctions_review",
                                          "inkstick_water_diplomacy"))
STRAITS = "\n\n".join(_site(n) for n in ("st_chip_plant", "st_harbour_ferry",
                                         "st_heatwave_schools", "st_library_reopens"))
LIFTED = " ".join(_paragraphs(_site("st_harbour_ferry"))[1:4])


def _overlap(x, y):
    return min(x[1], y[1]) > max(x[0], y[0])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**9), repeats=st.integers(2, 6), items=st.integers(3, 12))
def test_passages_never_overlap_even_over_lists_of_repeated_phrases(seed, repeats, items):
    # a catalogue: the same phrase over and over ("CJK Unified Ideographs Extension A, CJK
    # Unified Ideographs (...)"), copied with its entries reordered into a page with more lists
    rng = random.Random(seed)
    words = "unified ideographs extension supplement latin basic range block characters".split()
    phrase = " ".join(rng.choice(words) for _ in range(6))
    entries = [f"{phrase} {rng.choice(words)} {k}, {rng.choice(words)} {phrase}"
               for k in range(items)]
    a = " ".join(entries * repeats)
    rng.shuffle(entries)
    b = "Fonts and ranges. " + " ".join(entries * (repeats - 1)) + " " + phrase * 3
    al = align(*tokenize_many([a, b]))
    sp = al.spans.tolist()
    for k in range(len(sp)):
        for m in range(k + 1, len(sp)):
            assert not _overlap(sp[k][:2], sp[m][:2]) and not _overlap(sp[k][2:], sp[m][2:])
    assert al.matched_a <= al.covered_a <= al.tokens_a
    assert al.matched_b <= al.covered_b <= al.tokens_b
    assert 0.0 <= al.exact_share <= 1.0


def test_a_shared_title_and_footer_beside_the_real_passage_are_not_reuse():
    # the reused text opens one document and closes the other; both also carry the journal's
    # title line, at the top of one and as a citation footer of the other
    title = "Review of International Security Studies, Volume Twelve, Number Three, Spring Issue"
    copied = "\n\n".join(_paragraphs(_site("inkstick_arms_control"))[:4])
    a = f"{copied}\n\n{INKSTICK}\n\nCite as: {title}."
    b = f"{title}\n\n{STRAITS}\n\n{copied}"
    al = align(*tokenize_many([a, b]))
    assert len(al.passages) == 1
    p = al.passages[0]
    assert a[p.a[0]:p.a[1]] in copied and b[p.b[0]:p.b[1]] in copied
    assert title not in a[p.a[0]:p.a[1]]


def test_a_sentence_moved_next_to_the_copied_text_still_counts():
    # a write-through: the copy moves a sentence of the original to just before the text it
    # copies; far from it in the original, next to it in the copy
    paras = _paragraphs(INKSTICK)
    moved = paras[-1]
    src = "\n\n".join([moved] + paras[1:6] + _paragraphs(STRAITS) + paras[6:9])
    copy = "\n\n".join(_paragraphs(STRAITS)[:2] + [moved] + paras[6:9])
    al = align(*tokenize_many([src, copy]))
    found = [src[p.a[0]:p.a[1]] for p in al.passages]
    assert any(moved[:60] in f for f in found), found


def test_a_lifted_paragraph_is_a_partial_pair_that_joins_no_family():
    a = INKSTICK.replace("\n\n", f"\n\n{LIFTED}\n\n", 1)
    docs = [Document("essay", a), Document("news", STRAITS)]
    res = scan(docs)
    pair, = res.pairs
    assert pair.relation == PARTIAL
    assert max(pair.containment_ab, pair.containment_ba) < 0.25
    assert len(pair.passages) == 1
    psg = pair.passages[0]
    assert a[psg.a[0]:psg.a[1]] == LIFTED.strip(" .") or LIFTED.startswith(a[psg.a[0]:psg.a[1]])
    assert pair.exact_share == 1.0
    fam = {r.id: (r.family, r.story, r.relation) for r in res.results}
    assert fam["essay"] == ("essay", "essay", "independent")
    assert fam["news"] == ("news", "news", "independent")
    assert res.stats["partial_pairs"] == 1 and res.stats["families"] == 0


def test_min_passage_words_sets_what_counts_as_a_lifted_passage(tmp_path):
    a = INKSTICK.replace("\n\n", f"\n\n{LIFTED}\n\n", 1)
    (tmp_path / "essay.txt").write_text(a, encoding="utf-8")
    (tmp_path / "news.txt").write_text(STRAITS, encoding="utf-8")
    words = len(LIFTED.split())
    runner = CliRunner()
    for n, want in ((words - 5, PARTIAL), (words + 10, "none")):
        res = runner.invoke(app, ["compare", str(tmp_path / "essay.txt"),
                                  str(tmp_path / "news.txt"), "--json", "--no-semantic",
                                  "--min-passage-words", str(n)])
        assert res.exit_code == 0, res.output
        assert json.loads(res.output)["relation"] == want, n
    res = runner.invoke(app, ["scan", str(tmp_path), "--out", str(tmp_path / "out"), "-q",
                              "--no-semantic"])
    assert res.exit_code == 0, res.output
    pairs = [json.loads(x) for x in (tmp_path / "out" / "pairs.jsonl").read_text().splitlines()]
    assert [p["relation"] for p in pairs] == [PARTIAL]
    # dedup keeps both documents: a partial pair is no copy
    (tmp_path / "in.jsonl").write_text(
        "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in (("essay", a),
                                                                     ("news", STRAITS))),
        encoding="utf-8")
    res = runner.invoke(app, ["dedup", str(tmp_path / "in.jsonl"), "--out",
                              str(tmp_path / "deduped.jsonl"), "-q"])
    assert res.exit_code == 0, res.output
    assert len((tmp_path / "deduped.jsonl").read_text().splitlines()) == 2


def test_exact_share_tells_cut_and_paste_from_revision():
    paras = _paragraphs(INKSTICK)[:8]
    src = "\n\n".join(paras)
    # cut and paste with a sentence of one's own inserted: every aligned word is identical
    pasted = "\n\n".join(paras[:4] + ["In my view this matters more than anything else here."]
                         + paras[4:])
    pair, _, _ = compare_two(Document("src", src), Document("pasted", pasted))
    assert pair.relation == EDITED and pair.exact_share == 1.0
    assert reuse_grade(pair.relation, pair.exact_share) == "cut"
    # a light revision: one word in eight changed in place
    rng = random.Random(5)
    words = src.split(" ")
    revised = " ".join("notably" if k % 8 == 3 and rng.random() < 0.9 else w
                       for k, w in enumerate(words))
    pair, _, _ = compare_two(Document("src", src), Document("revised", revised))
    assert pair.relation in (EDITED, SPUN)
    assert 0.7 < pair.exact_share < 0.95
    assert reuse_grade(pair.relation, pair.exact_share) == "light"


def test_reuse_grade_covers_every_relation():
    assert reuse_grade(VERBATIM, 1.0) == "cut"
    assert reuse_grade(EDITED, 0.99) == "cut" and reuse_grade(EDITED, 0.8) == "light"
    assert reuse_grade(PARTIAL, 1.0) == "cut" and reuse_grade(SPUN, 0.85) == "light"
    assert reuse_grade(REWRITE, None) == "heavy" and reuse_grade(TRANSLATION, None) == "heavy"
    assert reuse_grade(SAME_STORY, None) == "non" and reuse_grade(None, None) == "non"
    assert set(GRADES) == {"cut", "light", "heavy", "non"}


def test_classify_names_partial_only_with_a_solid_passage():
    a = INKSTICK + "\n\n" + LIFTED
    al = align(*tokenize_many([a, STRAITS]))
    assert al.solid == 1 and classify(al) == PARTIAL
    short = " ".join(LIFTED.split()[:20])  # a quotation of 20 words is no passage of its own
    al = align(*tokenize_many([INKSTICK + "\n\n" + short, STRAITS]))
    assert al.solid == 0 and classify(al) is None


def test_pages_of_one_site_sharing_only_their_footer_are_no_family():
    # two or three pages of one site: too few for the corpus-level boilerplate stage (4), they
    # share only the site's closing appeal around different articles (real pages, fixtures)
    from copytrace.ingest import read_inputs

    pages = [d for d in read_inputs([FIXTURES / "sites"]) if d.id.startswith("inkstick")]
    for k in (2, 3):
        res = scan(pages[:k])
        assert all(r.relation == "independent" for r in res.results), res.results
        assert res.pairs and all(p.relation == "partial" for p in res.pairs)  # still reported
    # a copy that keeps the same closing lines is still a copy: it shares its middle too
    page = pages[0]
    copy = Document("copy", page.text.replace("\n\n", "\n\nAn added line of our own.\n\n", 1))
    res = scan([page, copy])
    assert {r.relation for r in res.results} == {"source", "edited"}
