"""Spun copies with their source in the corpus: found, named ``spun``, aligned, and directed."""

import json
import random

import pytest
from conftest import FIXTURES, needs_shared, sibling_spins

from copytrace.document import Document
from copytrace.config import ScanConfig
from copytrace.engines.local import scan

SPUN = FIXTURES / "spun"


def _others() -> list[Document]:
    return [Document(p.stem, p.read_text(encoding="utf-8"))
            for p in sorted((FIXTURES / "sites").glob("*.txt"))]


def _hand_pair() -> list[Document]:
    # a news paragraph written for this test and a copy spun by hand the way spinners do
    # ("bridge" -> "span", "drivers" -> "motorists", "public transport" -> "populace conveyance")
    return [Document("original", (SPUN / "original.txt").read_text(encoding="utf-8")),
            Document("copy", (SPUN / "spun.txt").read_text(encoding="utf-8"))]


def test_a_spun_copy_joins_its_source_as_spun_and_never_as_the_source():
    docs = _others() + _hand_pair()[::-1]  # the copy first: order must not decide
    res = scan(docs)
    by_id = {r.id: r for r in res.results}
    assert by_id["copy"].family == by_id["original"].family
    assert by_id["original"].relation == "source"
    assert by_id["copy"].relation == "spun" and by_id["copy"].source == "original"
    pair, = [p for p in res.pairs if {p.a, p.b} == {"original", "copy"}]
    assert pair.relation == "spun"
    assert pair.direction == ("a->b" if pair.a == "original" else "b->a")
    # the passages bridge the substituted words: most of both texts is aligned
    assert min(pair.containment_ab, pair.containment_ba) >= 0.8


def test_spin_channel_off_gives_no_spun_relation():
    res = scan(_others() + _hand_pair(), ScanConfig(spun=False))
    assert all(p.relation != "spun" for p in res.pairs)


def test_shifted_words_are_not_substitutions():
    # an edited copy: words inserted here and there shift the text against the original; the
    # words next to each insertion must not be counted as swapped for each other
    words = (SPUN / "original.txt").read_text(encoding="utf-8").split(" ")
    rng = random.Random(5)
    edited = []
    for w in words:
        edited.append(w)
        if rng.random() < 0.08:
            edited.append(rng.choice(["very", "quite", "also", "then", "indeed"]))
    docs = [Document("original", " ".join(words)), Document("edited", " ".join(edited))]
    pair, = scan(docs).pairs
    assert pair.relation == "edited"


# Two spinners' copies of one short paragraph (written for this test; the original is absent,
# as with the parasite-blog copies of a glossary entry on real pages): 7 of ~20 anchored content
# words differ between them, fewer than the 8 substitutions a long text must show.
_SHORT_ONE = ("The city council voted on Tuesday to shut the old harbour span to heavy lorries "
              "after engineers found deep cracks in two of its steel supports, and the mayor said "
              "ferries will run every hour.")
_SHORT_TWO = ("The town council voted on Tuesday to close the old harbour bridge to heavy trucks "
              "after engineers found profound cracks in two of its metal supports, and the mayor "
              "said boats will run every hour.")


def test_two_spins_of_one_short_paragraph_are_spun_siblings():
    pair, = scan([Document("one", _SHORT_ONE), Document("two", _SHORT_TWO)]).pairs
    assert pair.relation == "spun"


def test_two_spins_of_an_absent_original_form_a_family_with_no_source():
    original, one, two = sibling_spins()
    res = scan([Document("one", one), Document("two", two)])
    pair, = res.pairs
    assert (pair.relation, pair.direction) == ("spun", "neither")
    assert [(r.relation, r.source) for r in res.results] == [("spun", None), ("spun", None)]
    assert res.results[0].family == res.results[1].family
    # with their original in the corpus, it is the source and neither spin is
    res = scan([Document("two", two), Document("original", original), Document("one", one)])
    by_id = {r.id: r for r in res.results}
    assert by_id["original"].relation == "source"
    assert by_id["one"].source == by_id["two"].source == "original"


def test_a_short_paragraph_with_two_words_changed_stays_edited():
    edited = _SHORT_TWO.replace("town", "city").replace("bridge", "span").replace(
        "trucks", "lorries").replace("profound", "deep").replace("metal", "steel")
    pair, = scan([Document("one", _SHORT_ONE), Document("edited", edited)]).pairs
    assert pair.relation == "edited"  # "shut"/"close" and "ferries"/"boats": 2 of ~20 differ


def test_the_substitution_test_needs_both_a_count_and_a_rate():
    from copytrace.relate import SpinEvidence, substituted_in_place

    def spun(content, subs, related=None):
        return substituted_in_place(SpinEvidence(content_aligned=content, exact=content - subs,
                                                 related=subs if related is None else related))

    assert spun(10, 4) and spun(12, 4)  # 4 at 40% / 33%: a short spin
    assert spun(10, 4, related=2) and not spun(10, 4, related=1)  # half of them synonyms
    assert not spun(20, 4)  # 4 at 20%: within what human edits of short texts do
    assert not spun(6, 3)  # 3 is too few whatever the rate
    assert spun(80, 8) and not spun(100, 7)  # long texts: 8 at 10% or more
    assert not spun(10, 9)  # 1 word in 10 the same: no shared text, two similar rhythms


def test_a_thesaurus_swap_is_related_and_a_template_filled_with_other_facts_is_not():
    from copytrace.normalize import tokenize_many
    from copytrace.spin import related_substitutions

    def related(pairs):
        a, b = zip(*pairs)
        return related_substitutions(tokenize_many([" ".join(a)])[0].hash,
                                     tokenize_many([" ".join(b)])[0].hash)

    # two spinners' substitutes for one word ("branch" / "department"), or a synonym swap
    assert related([("department", "branch"), ("synthetic", "artificial"), ("permit", "allow"),
                    ("concentrates", "focuses")]) == 4
    # one report template filled twice: other facts, not synonyms
    assert related([("copper", "lead"), ("rose", "fell"), ("february", "march"),
                    ("refineries", "refiners")]) == 0


def test_compare_names_the_spun_pair(tmp_path):
    from typer.testing import CliRunner

    from copytrace.cli import app

    res = CliRunner().invoke(app, ["compare", str(SPUN / "spun.txt"), str(SPUN / "original.txt"),
                                   "--json"])
    assert res.exit_code == 0, res.output
    pair = json.loads(res.output)
    assert pair["relation"] == "spun" and pair["direction"] == "b->a"


def test_spun_news_articles_are_found_at_30_percent_substitution():
    needs_shared("news")
    from bench import spinner
    from bench.corpus import independent_subset, load_news, unseen_by_spin_statistics

    if spinner.thesaurus_dir() is None:
        pytest.skip("Aiksaurus thesaurus not installed (apt-get install libaiksaurus-1.2-data)")
    # the spun articles: ones the spin evidence never saw (the votes that orient a spun pair
    # come from phrase statistics counted on news), then background articles
    arts = load_news()
    unseen = [a["text"] for a in arts if unseen_by_spin_statistics(a["id"])][:100]
    texts = independent_subset(unseen + [a["text"] for a in arts[:600]])[:200]
    rng = random.Random(11)
    docs = [Document(f"n{k}", t) for k, t in enumerate(texts)]
    for k in range(40):  # an independent thesaurus spins 30% of all words of 40 articles
        docs.append(Document(f"s{k}", spinner.spin(texts[k], 0.3, rng, of="words")[0]))
    res = scan(docs)
    fam = {r.id: r.family for r in res.results}
    rel = {r.id: r.relation for r in res.results}
    found = [k for k in range(40) if fam[f"s{k}"] == fam[f"n{k}"]]
    assert len(found) >= 36
    named = sum(rel[f"s{k}"] == "spun" and rel[f"n{k}"] == "source" for k in found)
    assert named >= 0.9 * len(found)
    families = {}
    for d, f in fam.items():
        families.setdefault(f, set()).add(d.lstrip("ns"))
    assert all(len(members) == 1 for members in families.values())  # nothing else merged
