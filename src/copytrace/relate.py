"""Relation and direction of a verified pair.

Every candidate pair is aligned twice: on its words (`copytrace.align`) and, unless that already
says ``verbatim``, on its skeletons (content words masked, `copytrace.fingerprint.skeleton`), which
lines up a spun copy with its source through the substituted words.

Relations:
- ``verbatim``: the shorter document is (almost) wholly inside the other (containment >= 0.95) and
  its passages agree token for token (density >= 0.99): same text apart from boilerplate,
  whitespace, punctuation, case and truncation.
- ``spun``: the skeleton alignment holds substantial reuse (the ``edited`` test below, on skeleton
  passages), and its *anchored* content words (`copytrace.verify.Verifier.evidence`: an exact
  match within two tokens on both sides, on the same diagonal) are the SAME word at least
  ``spun_min_exact`` (20%) of the time -- real shared text, not two articles with a similar
  rhythm of function words -- and a DIFFERENT word at least ``spun_min_substituted`` (10%) of the
  time and at least ``spun_min_substitutions`` (8) times: word-for-word substitution in place,
  which is what spinners do. Measured (`bench/calibrate.py`, BENCHMARKS.md "Calibration"): in
  1,149 real near-duplicate news pairs (repeated, corrected and updated wire items) human edits
  substitute 0 anchored content words at the median, 6 at the 99th percentile (at most 12),
  at a rate of 0.04 at the 99th percentile, and none of them reaches (8, 10%); copies of unseen
  articles spun by an independent thesaurus at 10% of their words show 35 substitutions at a
  rate of 0.175 at the median, and 99.7% of them reach (8, 10%). A 5% spin (rate 0.085) is
  named only 11% of the time: a rate floor of 5% would name 95% of them, and 3 of the 1,149
  human edits.
  A short text cannot show 8: two spins of a 50-word glossary entry (parasite-blog copies of
  one absent original) align 8-22 anchored content words, of which 3-9 differ. So 4
  substitutions also count when they are at least ``spun_short_substituted`` (30%) of the
  anchored content words, seven times the rate of human edits at their 99th percentile. On
  webreuse_dev (the 148 pairs the skeleton stage compares) that names 9 more of the 20 pairs
  of a spun page (4 were named before) and none of the other 128 (the highest rate among
  those not named before: 0.26, two paraphrases; among edited and verbatim copies 0.14).
- ``edited``: substantial reuse with edits: at least ``min_containment`` (25%) of one document lies
  in aligned passages and the passages hold at least ``min_shared_tokens`` (40) matching words,
  or ``min_shared_share`` (40%) of the shorter document's words when that is fewer (a glossary
  snippet or a bulletin of under 100 words). On the real pages of webreuse_dev (all 537 pairs
  that align at all) this gate, with shared quotations left out, keeps 194 of the 262 family
  pairs and 1 of the 275 others; asking 80% of a short document kept 161 and 0.
- ``partial``: below that gate, but the pair holds a *solid* passage (`copytrace.align`:
  ``AlignParams.solid_words`` (40) matched words, at least ``solid_density`` (0.8) of its span
  on both sides): a paragraph or a long quotation lifted into a longer text. It is reported
  with its passages and never joins a family or links a story (`copytrace.relations`). On
  PAN-13's no-obfuscation pairs 40% of the plagiarism cases sit in pairs below the gate.
- otherwise no edge: two articles that quote the same sentence or two are NOT one family.

Shared quotations are weak evidence (`copytrace.quotes`): matched words that lie inside quotation
marks in BOTH documents (a statement, a tweet, a press-release quote that independent reports
all carry) are taken out of both documents before the tests above are applied again
(`without_weak_tokens`); a pair that passes only thanks to them is no copy. Quoting another
page's own reporting text (quoted on one side only) still counts.

Text in a language neither page is written in is weak evidence too (`in_neither_language`): a
line of the shared passages clearly written in one language, when what each document does NOT
share is in another, is a multilingual site's untranslated chrome -- the English subscription
appeal, paywall notice or teaser of other articles on the French and Spanish editions of one
site -- or a quotation; its matched words are taken out like shared quotations, and a pair that is a
copy only thanks to them is none (a solid passage of it is still reported, as ``partial``).
A copy of a French article shares French lines. "Clearly" (`copytrace.language.clearly_other`):
a line of 80 characters or more (`verify.LINE_CHARS`) whose function words say so, and each
page's unshared text at least `REST_CHARS` long. The corpus-level boilerplate stage finds such
lines only when ``min_docs`` (4) pages carry them; on xling_dev three French pages of one site
and a Spanish one carried English chrome, 57% of each page, and made two families of different
articles (5 of its 7 false pairs of 21, gone). The sentence stage leaves such sentences out too
(`copytrace.semantic`).

Direction ("a->b": a is the source, b the copy):
1. ``spun`` pairs: a spun copy is never the source. At each substituted word, the side whose two
   neighbouring phrases are more common in real text reads as the original ("White House" beats
   "White Home"; `copytrace.spin.substitution_votes`); with at least 3 votes and a 2:1 majority
   that side is the source. With at least ``spin_sibling_votes`` (2) votes on EACH side and the
   larger side under ``spin_sibling_balance`` (1.5) times the smaller, ``neither``: each side
   holds substitutions the other reads as original, so both are spins of a third text (sibling
   copies of an absent original; `copytrace.cluster` then marks both as copies). Measured
   (`bench/calibrate.py`, part ``siblings``: 200 unseen news articles cut to 350, 900 and 2,000
   characters, each spun twice by the benchmark spinner): of the original-spin pairs that
   reach votes, 0 of 230 (Aiksaurus thesaurus) and 1 of 334 (WordNet-derived MyThes, closer to
   spinners in the wild) read as ``neither``; of the pairs of two spins, 176 of 366 and 220 of
   453 (48%, 49%). A balance of 2 (any split without a 2:1 majority) finds 70% of the siblings
   but calls 5 of the 334 originals spun; 3 votes a side would miss the real sibling pairs of
   webreuse_dev, which vote 2:2 to 9:9 (its two real spun copies whose source is in the set
   vote 6:17 and 6:26: directed). On the generated golden corpus 6 of 223 original-spin pairs
   read ``neither`` at a balance of 2.
   Else the side with the clearly higher spun_score (by 0.25) is the copy. Else the rules
   below.
2. both documents dated with different dates: the earlier one is the source;
3. else the copy is the document mostly contained in the other: containment >= 0.8 and at least
   0.1 above the reverse containment;
4. else, when spun_scores differ by 0.25 or more, the higher-scoring document is the copy;
5. else ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from copytrace.align import Alignment
from copytrace.document import NEITHER
from copytrace.language import UND, detect
from copytrace.relations import EDITED, PARTIAL, REWRITE, SPUN, TRANSLATION, VERBATIM


@dataclass(frozen=True)
class RelateParams:
    min_containment: float = 0.25
    min_shared_tokens: int = 40
    min_shared_share: float = 0.4  # ... or this share of the shorter document's words
    verbatim_containment: float = 0.95
    verbatim_density: float = 0.99
    contained: float = 0.8
    contained_margin: float = 0.1
    spun_min_exact: float = 0.2
    spun_min_substituted: float = 0.1
    spun_min_substitutions: int = 8
    spun_short_substitutions: int = 4  # ... or this many, when they are
    spun_short_substituted: float = 0.3  # ... at least this share (short texts)
    spin_votes: int = 3
    spin_sibling_votes: int = 2  # ... on each side, the larger side under
    spin_sibling_balance: float = 1.5  # ... this multiple of the smaller: ``neither``
    spun_score_margin: float = 0.25
    cut_exact_share: float = 0.95  # `reuse_grade`: at least this share identical is cut
    template_slack: int = 3  # `template_only`: tokens at a page's very edge a template may skip
    template_middle: float = 0.3  # ... and the least share of each page that is its own text
    template_middle_words: float = 0.5  # ... whose words (4+ letters) the other middle shares
    # less than this: an edited copy's middle shares most of its words without a passage


@dataclass(frozen=True)
class SpinEvidence:
    """What the skeleton alignment of a pair found at its content words."""

    content_aligned: int = 0  # content words of a aligned with content words of b
    exact: int = 0  # ... that are the same word
    votes_a: int = 0  # substituted words where a reads as the original
    votes_b: int = 0
    aligned_words: int = 0  # words of a aligned with a word of b (any word)
    identical_words: int = 0  # ... that are the same word
    related: int = -1  # substitutions between dictionary-related words (-1: not counted)

    @property
    def substitutions(self) -> int:
        return self.content_aligned - self.exact

    @property
    def exact_share(self) -> float:
        return self.exact / self.content_aligned if self.content_aligned else 0.0

    @property
    def identical_share(self) -> float:
        """Share of all aligned words that are identical (a pair's ``exact_share``)."""
        return self.identical_words / self.aligned_words if self.aligned_words else 0.0


def classify(al: Alignment, p: RelateParams = RelateParams()) -> str | None:
    """'verbatim', 'edited', 'partial' or None (no passage worth reporting)."""
    if not is_copy(al, p):
        return PARTIAL if al.solid else None
    if max(al.containment_ab, al.containment_ba) >= p.verbatim_containment \
            and al.density >= p.verbatim_density:
        return VERBATIM
    return EDITED


def template_only(al: Alignment, p: RelateParams = RelateParams()) -> bool:
    """Do the two documents share nothing but a page template: every passage at the head of
    both (a site's navigation) or at the tail of both (its footer, sign-off, newsletter
    appeal), around middles outside every passage (at least ``template_middle`` of each)?
    Whether those middles are different texts is `template_middles_differ`.

    The corpus-level boilerplate stage finds such lines only when ``min_docs`` (4) pages carry
    them: two or three pages of one site, which a small folder often holds, shared 70 words of
    chrome around 150-word articles and became an `edited` family. A copy shares its middle,
    or is contained whole in the other document (a truncated copy's passage reaches the far
    edge of the shorter text), or shares the head only (a lede kept, the rest rewritten): none
    of these is a template. Measured: requiring a passage at the tail of both keeps every
    webreuse_dev figure unchanged (sharing the head only, 1 edited and 1 spun real copy were
    lost: family recall 0.817 -> 0.762); on PAN-13 two real cases end both documents, and stay
    detected as `partial` (`verify.Verifier.verify`). This is the shape only: a short copy
    edited throughout its middle (generated, 25-35% of words changed) shares its head and tail
    too, and its middle shares most of its words with the source's without a passage; pages of
    one site around different articles share few (`template_middles_differ`)."""
    if not len(al.spans) or min(al.tokens_a, al.tokens_b) == 0:
        return False
    if min(1.0 - al.containment_ab, 1.0 - al.containment_ba) < p.template_middle:
        return False
    ea, eb = al.tokens_a - p.template_slack, al.tokens_b - p.template_slack
    tails = 0
    for a0, a1, b0, b1 in al.spans.tolist():
        head = a0 <= p.template_slack and b0 <= p.template_slack
        tail = a1 >= ea and b1 >= eb
        if not (head or tail):
            return False
        tails += tail
    return tails > 0


def template_middles_differ(words_a: set, words_b: set, p: RelateParams = RelateParams()
                            ) -> bool:
    """Whether the middles of a `template_only` pair (the distinct words of 4+ letters outside
    its passages, ``words_a`` and ``words_b``) are different texts: the smaller shares less
    than ``template_middle_words`` with the other. Too few words to tell: different."""
    small = min(len(words_a), len(words_b))
    if small < 10:
        return True
    return len(words_a & words_b) < p.template_middle_words * small


def is_copy(al: Alignment, p: RelateParams = RelateParams()) -> bool:
    """Does the alignment pass the family gate (substantial reuse, see module docstring)?"""
    if not al.passages:
        return False
    shorter = min(al.tokens_a, al.tokens_b)
    need = min(p.min_shared_tokens, max(5, int(p.min_shared_share * shorter)))
    if min(al.matched_a, al.matched_b) < need:
        return False
    return max(al.containment_ab, al.containment_ba) >= p.min_containment


def without_weak_tokens(al: Alignment, weak_a: int, weak_b: int) -> Alignment:
    """The alignment with ``weak_a`` / ``weak_b`` matched tokens taken out of each document
    (quoted on both sides, or on lines in a language neither document is otherwise written
    in): what the pair shares besides weak evidence."""
    return replace(al, tokens_a=al.tokens_a - weak_a, tokens_b=al.tokens_b - weak_b,
                   covered_a=max(al.covered_a - weak_a, 0), covered_b=max(al.covered_b - weak_b, 0),
                   matched_a=max(al.matched_a - weak_a, 0), matched_b=max(al.matched_b - weak_b, 0))


#: Characters of a document's own (unshared) text needed to tell its language for
#: `in_neither_language`: function words over fewer are a guess (the 35 characters a spun copy
#: and its original did not share read as another language than the rest of their text).
REST_CHARS = 300


#: Characters of the shared text read for a first look at its language (`own_languages`): when
#: it is a page's own, the pair is settled without reading the rest. A
#: page's own text is read whole: a teaser of another article in the site's language, at the
#: top of the unshared text of a French page, made its first 600 characters read as English.
#: Cost, measured on the 10,000-document overlap corpus (`bench.overlap`): 15,163 copy pairs
#: looked at, 0.7 s in all (47 us a pair; 1.7 s before the first look and the skips for pages
#: with under `REST_CHARS` of their own text), of a 30 s scan.
SAMPLE_CHARS = 300


def rest_language(text: str) -> str:
    """The language of what a document does not share with the other (`in_neither_language`),
    or `UND` when it is under `REST_CHARS` characters."""
    return detect(text) if len(text.strip()) >= REST_CHARS else UND


def own_languages(shared: str, rest_a: Callable[[], str], rest_b: Callable[[], str]
                  ) -> tuple[str, str] | None:
    """The languages of two documents' own texts (what each does not share: ``rest_a()``,
    ``rest_b()``, read only as needed) when the text they share (``shared``, its first
    `SAMPLE_CHARS` read) may be in neither; None when a first look settles that it is not --
    it reads as no language, or as one of theirs, or a page has too little text of its own
    (`rest_language`). Each piece of the shared text is then judged by `in_neither_language`."""
    first = detect(shared, SAMPLE_CHARS)
    if first == UND:
        return None
    rests = []
    for rest in (rest_a, rest_b):
        rests.append(rest_language(rest()))
        if rests[-1] in (UND, first):
            return None
    return rests[0], rests[1]


def in_neither_language(shared: str, rest_a: str, rest_b: str) -> bool:
    """Is the text a pair shares in a language (``shared``, an ISO 639-1 code or "und") that
    neither document's own text is in (``rest_a``, ``rest_b``: the languages of what each
    does not share; "und" when too little is left to tell)? See the module docstring."""
    return shared != UND and rest_a not in (UND, shared) and rest_b not in (UND, shared)


def is_spun(skel: Alignment, ev: SpinEvidence, p: RelateParams = RelateParams()) -> bool:
    """Does the skeleton alignment show a spun copy (see module docstring)?"""
    return is_copy(skel, p) and substituted_in_place(ev, p)


def substituted_in_place(ev: SpinEvidence, p: RelateParams = RelateParams()) -> bool:
    """Do the anchored content words of a skeleton alignment show a spinner's word-for-word
    substitutions (see module docstring): enough of them the same word, and enough different
    -- at least ``spun_min_substitutions`` (8) at a rate of ``spun_min_substituted`` (10%), or
    in a short text at least ``spun_short_substitutions`` (4) at ``spun_short_substituted``
    (30%), half of them or more between dictionary-related words (``ev.related``)?"""
    if ev.content_aligned == 0 or ev.exact_share < p.spun_min_exact:
        return False
    if ev.substitutions >= p.spun_min_substitutions:
        return ev.substitutions >= p.spun_min_substituted * ev.content_aligned
    return (short_spin_candidate(ev, p)
            and 2 * ev.related >= ev.substitutions)


def short_spin_candidate(ev: SpinEvidence, p: RelateParams = RelateParams()) -> bool:
    """Does ``ev`` pass the short-text count and rate (`substituted_in_place`), so that whether
    its substitutions are dictionary-related (``ev.related``) decides?"""
    return (ev.substitutions < p.spun_min_substitutions
            and ev.substitutions >= p.spun_short_substitutions
            and ev.substitutions >= p.spun_short_substituted * ev.content_aligned)


def direction(al: Alignment, date_a: str | None, date_b: str | None,
              p: RelateParams = RelateParams(), relation: str | None = None,
              spin: SpinEvidence | None = None, spun_a: float | None = None,
              spun_b: float | None = None) -> str:
    """'a->b', 'b->a', 'neither' (spun pairs only) or 'unknown' (see module docstring)."""
    by_score = "unknown"
    if spun_a is not None and spun_b is not None:
        if spun_b - spun_a >= p.spun_score_margin:
            by_score = "a->b"
        elif spun_a - spun_b >= p.spun_score_margin:
            by_score = "b->a"
    if relation == SPUN:
        if spin is not None and spin.votes_a + spin.votes_b >= p.spin_votes:
            if spin.votes_a >= 2 * spin.votes_b:
                return "a->b"
            if spin.votes_b >= 2 * spin.votes_a:
                return "b->a"
            lo, hi = sorted((spin.votes_a, spin.votes_b))
            if lo >= p.spin_sibling_votes and hi < p.spin_sibling_balance * lo:
                return NEITHER
        if by_score != "unknown":
            return by_score
    if date_a and date_b and date_a != date_b:
        return "a->b" if date_a < date_b else "b->a"
    cab, cba = al.containment_ab, al.containment_ba
    if cab >= p.contained and cab - cba >= p.contained_margin:
        return "b->a"  # a lies inside b: a is the copy
    if cba >= p.contained and cba - cab >= p.contained_margin:
        return "a->b"
    return by_score


#: `reuse_grade`'s answers, the categories of Clough & Stevenson's corpus of plagiarised answers.
GRADES = ("cut", "light", "heavy", "non")


def reuse_grade(relation: str | None, exact_share: float | None,
                p: RelateParams = RelateParams()) -> str:
    """How a pair's text was reused, as a plagiarism checker grades it: ``cut`` (cut and
    paste), ``light`` (lightly revised: words changed, structure kept), ``heavy`` (rewritten)
    or ``non`` (no reuse), as that corpus names them.

    - a pair aligned on words or skeletons (``verbatim``, ``edited``, ``spun``, ``partial``):
      ``cut`` when at least ``cut_exact_share`` (95%) of its aligned words are identical (at
      most one word in twenty changed; ``verbatim`` always is), else ``light``;
    - ``rewrite`` or ``translation`` (aligned on sentences only): ``heavy``;
    - anything else (``same-story``, or no relation): ``non``.

    On Clough & Stevenson's tasks a-c (57 answers, ``python -m bench --only quality``) this
    grades 44 of 57 as labelled; what it misses is measured there: most heavy revisions keep
    enough phrases to align on words and read as ``light``, and no threshold on the exact share
    separates them from light revisions (0.64-1.0 against 0.68-0.99)."""
    if relation == VERBATIM:
        return "cut"
    if relation in (REWRITE, TRANSLATION):
        return "heavy"
    if relation in (EDITED, SPUN, PARTIAL):
        return "cut" if (exact_share or 0.0) >= p.cut_exact_share else "light"
    return "non"
