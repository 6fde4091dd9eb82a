"""Shared quotations are weak evidence of copying (copytrace.quotes, relate, semantic)."""

from __future__ import annotations

import numpy as np

from copytrace.config import ScanConfig
from copytrace.document import Document
from copytrace.engines.local import scan
from copytrace.fingerprint.embed import SentenceVectors
from copytrace.pipeline import compare_two
from copytrace.quotes import quoted_spans, quoted_tokens
from copytrace.relations import EDITED, REWRITE, SAME_STORY, VERBATIM
from copytrace.semantic import SemanticParams, align_sentences, classify

# A statement that a palace, a company or a ministry issues, and that every report carries.
STATEMENT = ("The Minister of Transport has this afternoon confirmed that the suspension bridge "
             "across the estuary will remain closed to all traffic until engineers have "
             "completed a full inspection of its cables, its towers and its anchorages, which "
             "is expected to take at least three weeks and possibly longer if further damage "
             "is found during the survey of the northern approach")


def report(opening: str, closing: str, quoted: bool = True) -> str:
    said = f'"{STATEMENT}," the ministry said.' if quoted else f"{STATEMENT}, the ministry said."
    return f"{opening}\n\n{said}\n\n{closing}"


A = report("Commuters faced long queues on Tuesday morning as the harbour ferries struggled to "
           "cope with hundreds of extra passengers after the overnight closure.",
           "Local businesses on both banks said trade had fallen sharply since the weekend and "
           "asked the council for help with rents and rates.")
B = report("Drivers were told to expect delays of up to an hour on the ring road, the only "
           "other crossing, where police set up a contraflow before dawn.",
           "Engineers first noticed a cracked weld during a routine check last month, according "
           "to documents seen by this newspaper.")


def test_quotations_are_found_with_missing_or_curly_marks():
    text = 'He said "we are here." Then left.\nWe are concerned," Musk said.\n“One” and „zwei“.'
    got = [text[s:e] for s, e in quoted_spans(text)]
    assert got == ['"we are here."', 'We are concerned,"', "“One”", "„zwei“"]
    starts = np.array([0, 9, 30])
    assert quoted_tokens(text, starts).tolist() == [False, True, False]


def test_two_reports_sharing_only_a_quoted_statement_are_not_copies():
    pair, _, _ = compare_two(Document("a", A), Document("b", B), ScanConfig(semantic=False))
    assert pair.passages, "the statement is aligned"
    assert pair.relation not in (EDITED, REWRITE)
    # the same texts with the statement as their own reporting are copies of one another
    a2, b2 = (report(x.split("\n\n")[0], x.split("\n\n")[-1], quoted=False) for x in (A, B))
    pair, _, _ = compare_two(Document("a", a2), Document("b", b2), ScanConfig(semantic=False))
    assert pair.relation == EDITED


def test_a_page_quoting_another_pages_reporting_text_is_still_a_copy():
    source = ("The city council voted on Monday evening to close the old market hall for "
              "good, ending two centuries of trading under its iron roof, after surveyors "
              "found that the roof trusses had rusted through in several places and could "
              "no longer carry the weight of snow in winter, and stallholders will move to a "
              "temporary site near the station.")
    blog = ("Sad news from home today. As the local paper reports: \"" + source + "\" "
            "I bought my first bicycle there.")
    res = scan([Document("paper", source), Document("blog", blog)], ScanConfig(semantic=False))
    assert [p.relation for p in res.pairs] == [VERBATIM]  # all of the paper is in the blog
    assert res.results[0].family == res.results[1].family


def _vectors(rows: list[list[float]], quoted: list[bool]) -> SentenceVectors:
    v = np.array(rows, dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    spans = np.array([[10 * k, 10 * k + 9] for k in range(len(rows))], dtype=np.int64)
    return SentenceVectors(spans, v.astype(np.float16), np.array(quoted))


def test_quoted_sentences_do_not_make_a_rewrite():
    eye = np.eye(6).tolist()
    own_a = [[1, 1, 0, 0, 0, 0]]
    own_b = [[0, 0, 0, 0, 1, 1]]
    a = _vectors(eye[:4] + own_a, [True, True, True, True, False])
    b = _vectors(eye[:4] + own_b, [True, True, True, True, False])
    al = align_sentences(a, b, SemanticParams())
    assert len(al.pairs) == 4 and al.weak_pairs == 4
    assert classify(al, "en", "en") != REWRITE
    a.quoted[:] = False  # the same sentences as the documents' own text: a rewrite
    al = align_sentences(a, b, SemanticParams())
    assert classify(al, "en", "en") == REWRITE
    assert SAME_STORY != REWRITE
