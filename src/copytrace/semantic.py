"""Reuse without shared words: rewrites, translations, and documents about the same story.

**Candidates: shared rare names and numbers.** A rewrite or a translation of a report keeps its
people, places, organisations and figures ("Trump", "Gaza", "40", "2023") while changing the
words around them (`copytrace.fingerprint.entities`); two documents sharing at least
``min_entities`` (8) of them, each carried by at most ``max_entity_docs`` (32) documents, are
candidates -- or at least ``min_entities_short`` (4) when those are half of the smaller
document's names and numbers (a short text names fewer things); each document keeps its
``top_k`` (8) best partners. This is a blocked search: the sentence vectors are compared only
inside these blocks (the rule is `copytrace.candidates.entity_pairs`; its parameters are
here).

**Probes: cheap vectors of a document's opening.** With the stage on, every document's first
``probe_chars`` (600) characters are looked at twice, for two rules (`copytrace.candidates`;
``ScanConfig.probes=False``, ``--no-probes``, skips both):
- *translations across scripts*: names in another script hash differently, so translations
  rarely meet the rule above. The opening is embedded by the sentence encoder as one input
  (`fingerprint.embed.probe_vectors`, ~7 ms a document on one core), and two documents in
  different languages (`copytrace.language`) that are each among the other's
  ``translation_neighbours`` (3) nearest there, at probe cosine >= ``probe_min_cosine`` (0.3),
  are sentence-stage candidates too (`translation_pairs`). Only a corpus holding two languages
  or more pays for these probes (`candidates.several_languages`), and only for the documents a
  translation could pair (`candidates.translation_shortlist`; an index, for the same
  shortlist as documents come: `candidates.shortlist_added`);
- *stories*: two documents that are each among the other's ``story_neighbours`` (5) nearest
  *topic vectors* (`fingerprint.topics`: the opening's pieces as a weighted sum of piece
  vectors distilled from the same encoder, ~0.1 ms a document), at cosine >=
  ``story_min_cosine`` (0.65), and (when both are dated) at most ``story_days`` apart are a
  ``same-story`` pair (`story_pairs`; its similarity is the topic-vector cosine, it has no
  passages) unless they are related otherwise. (Until 2026-12-07 the encoder's probes served
  here too, at a floor of 0.7: webreuse_dev story ARI 0.882, now 0.878; xling_dev 0.178, now
  0.399; the default scan of 10,000 documents 57 s -> 31 s, `bench/notes.md`.)

**Verification: sentences aligned in order.** Both documents' sentences are embedded
(`copytrace.fingerprint.embed`, one multilingual vector space; in a scan, sentences made mostly
of the corpus's boilerplate are left out, `embed.content_sentences`) and the pair of sentence
sequences is aligned monotonically (dynamic programming over the cosine matrix; a sentence pair
counts when its cosine reaches ``sentence_threshold`` (0.72), or ``cross_sentence_threshold`` (0.6)
when the two documents are in different languages: a sentence and its translation meet at lower
cosines than a sentence and its paraphrase (on xling_dev's 51 translation candidates, 0.72 accepted
9 of the 15 true pairs, 0.6 accepts 12, and 2 false pairs either way; 0.55 would take a third
false one)). Consecutive aligned sentences become
passages with character offsets, as for copies.
- ``rewrite`` / ``translation``: at least ``min_aligned`` sentences and ``min_share`` of the
  shorter document's sentences are aligned, sentences quoted in both documents left out (a
  shared statement or quote is no rewrite: `copytrace.quotes`), and so are aligned sentences
  both in a language that neither document's unaligned sentences are in (a site's chrome in
  another language: `copytrace.relate.in_neither_language`). ``translation`` when the two
  documents are in different languages (`copytrace.language`), ``rewrite`` otherwise.
  Rewrites join the family of their source.
- ``same-story``: not a rewrite, but the documents' mean vectors have cosine >= ``story_threshold``
  (0.75), they share at least ``story_entities`` (8) of the rare names and numbers above, and,
  when both are dated, their dates are at most ``story_days`` (7) apart: independent coverage of
  one event. Such pairs join a story, never a family. In a corpus dense in one topic (a season of
  film awards, a long-running court case) stories follow storylines rather than single events.

**Calibration** (`python -m bench.calibrate --parts sentences`, BENCHMARKS.md "Calibration: the
sentence stage and boilerplate": each threshold swept alone on webreuse_dev and xling_dev, full
scans, 2026-12-06). ``sentence_threshold`` 0.66 / 0.69 / 0.72 / 0.75 / 0.78 gives family ARI
0.877 / 0.869 / 0.874 / 0.894 / 0.870 and pair precision 0.910 / 0.892 / 0.918 / 0.968 / 0.966;
0.75 is better on these pages (one rewrite fewer joined, 22 -> 21) but loses a heavy revision
in Clough & Stevenson (reuse F1 0.915 -> 0.897) and MRPC F1 0.80 -> 0.78, so 0.72 stays.
``min_aligned`` 2 / 3 / 4: ARI 0.864 / 0.874 / 0.869; ``min_share`` 0.3 / 0.35 / 0.4 / 0.5:
0.868 / 0.869 / 0.874 / 0.859. ``cross_sentence_threshold`` 0.5 / 0.55 / 0.6 / 0.65 joins 7 / 9 /
8 / 7 of xling_dev's 15 translations (pair precision 0.60 / 0.67 / 0.67 / 0.68): flat within
one page. The story thresholds moved story ARI within 0.861-0.880 (``story_min_cosine`` 0.75 and
``min_entities`` 12 reached 0.878 and 0.880, one story link each; not changed on that) when
the encoder's probes served the story rule; the topic vectors' floor is measured in
`copytrace.fingerprint.topics`.

Cost: the encoder needs ~1.7 ms per sentence per core, so only documents with a sentence-stage
candidate have their sentences embedded, and only their first ``max_sentences`` (20) sentences;
every document costs one topic vector (~0.1 ms) and, in a corpus of several languages, one
probe (~7 ms); ``--no-semantic`` turns the stage off for pure de-duplication.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numba as nb
import numpy as np

from copytrace.document import Passage
from copytrace.fingerprint.embed import SentenceVectors
from copytrace.language import UND, clearly_other
from copytrace.relate import in_neither_language, own_languages
from copytrace.relations import REWRITE, SAME_STORY, TRANSLATION


@dataclass(frozen=True)
class SemanticParams:
    min_entities: int = 8  # shared rare names/numbers that make a pair a candidate ...
    min_entities_short: int = 4  # ... or this many, when they are half of the smaller set
    max_entity_docs: int = 32
    top_k: int = 8  # entity candidates kept per document
    max_sentences: int = 20  # sentences embedded per document
    sentence_threshold: float = 0.72
    cross_sentence_threshold: float = 0.6  # the same, for two documents in different languages
    min_aligned: int = 3
    min_share: float = 0.4
    story_threshold: float = 0.75
    story_entities: int = 8
    story_days: int = 7  # dated documents further apart are not one story
    # probes (on with ScanConfig.probes): every document's first characters embedded
    probe_chars: int = 600
    translation_shortlist: int = 50  # main-language documents probed per other-language one
    translation_neighbours: int = 3  # mutual nearest in other languages ...
    probe_min_cosine: float = 0.3  # ... at this probe cosine or more
    story_neighbours: int = 5  # mutual nearest topic vectors (`fingerprint.topics`) ...
    story_min_cosine: float = 0.65  # ... at this topic-vector cosine or more are same-story


@dataclass
class SemanticAlignment:
    pairs: np.ndarray  # (k, 3): sentence of a, sentence of b, cosine * 1000
    sentences_a: int
    sentences_b: int
    passages: list[Passage]
    containment_ab: float  # share of a's embedded characters in aligned sentences
    containment_ba: float
    document_cosine: float
    #: aligned pairs of sentences that are weak evidence: quoted in both documents, or both
    #: clearly in a language neither document's other sentences are in
    weak_pairs: int = 0

    @property
    def similarity(self) -> float:
        return (self.containment_ab + self.containment_ba) / 2

    @property
    def share(self) -> float:
        """Aligned sentences over the shorter document's sentences."""
        shorter = min(self.sentences_a, self.sentences_b)
        return len(self.pairs) / shorter if shorter else 0.0

    @property
    def counted(self) -> int:
        """Aligned pairs of sentences, the weak ones left out."""
        return len(self.pairs) - self.weak_pairs

    @property
    def counted_share(self) -> float:
        """`counted` over the shorter document's sentences, its weak aligned ones left out."""
        shorter = min(self.sentences_a, self.sentences_b) - self.weak_pairs
        return self.counted / shorter if shorter > 0 else 0.0


@nb.njit(cache=True, nogil=True)
def monotone_matching(sim, threshold):
    """Max-weight in-order matching of rows to columns, weight sim - threshold where sim >=
    threshold. Returns matched (row, col) pairs in order."""
    m, n = sim.shape
    score = np.zeros((m + 1, n + 1))
    move = np.zeros((m + 1, n + 1), dtype=np.int8)  # 0 diag match, 1 up, 2 left
    for i in range(1, m + 1):
        for j in range(1, n + 1):
            best = score[i - 1, j]
            mv = 1
            if score[i, j - 1] > best:
                best = score[i, j - 1]
                mv = 2
            s = sim[i - 1, j - 1]
            if s >= threshold and score[i - 1, j - 1] + s - threshold > best:
                best = score[i - 1, j - 1] + s - threshold
                mv = 0
            score[i, j] = best
            move[i, j] = mv
    out = np.empty((min(m, n), 2), dtype=np.int64)
    k = 0
    i, j = m, n
    while i > 0 and j > 0:
        if move[i, j] == 0:
            out[k, 0] = i - 1
            out[k, 1] = j - 1
            k += 1
            i -= 1
            j -= 1
        elif move[i, j] == 1:
            i -= 1
        else:
            j -= 1
    return out[:k][::-1].copy()


def align_sentences(a: SentenceVectors, b: SentenceVectors,
                    p: SemanticParams = SemanticParams(),
                    texts: tuple[str, str] | None = None) -> SemanticAlignment:
    """Sentences aligned in order (``texts``: the two documents' texts, to tell aligned
    sentences in a language neither document is otherwise written in, `_in_neither_language`;
    None: not told)."""
    if len(a) == 0 or len(b) == 0:
        return SemanticAlignment(np.empty((0, 3), np.int64), len(a), len(b), [], 0.0, 0.0, 0.0)
    sim = a.vectors.astype(np.float32) @ b.vectors.astype(np.float32).T
    matched = monotone_matching(sim.astype(np.float64), p.sentence_threshold)
    cos = (sim[matched[:, 0], matched[:, 1]] * 1000).astype(np.int64)
    pairs = np.column_stack([matched, cos]) if len(matched) else np.empty((0, 3), np.int64)
    passages = []
    k = 0
    while k < len(matched):  # runs of consecutive sentences on both sides become one passage
        e = k
        while (e + 1 < len(matched) and matched[e + 1, 0] == matched[e, 0] + 1
               and matched[e + 1, 1] == matched[e, 1] + 1):
            e += 1
        ia, ib = matched[k], matched[e]
        passages.append(Passage((int(a.spans[ia[0], 0]), int(a.spans[ib[0], 1])),
                                (int(b.spans[ia[1], 0]), int(b.spans[ib[1], 1])), e - k + 1))
        k = e + 1
    len_a = (a.spans[:, 1] - a.spans[:, 0]).astype(np.float64)
    len_b = (b.spans[:, 1] - b.spans[:, 0]).astype(np.float64)
    cab = len_a[matched[:, 0]].sum() / len_a.sum() if len(matched) else 0.0
    cba = len_b[matched[:, 1]].sum() / len_b.sum() if len(matched) else 0.0
    doc = float(a.document_vector() @ b.document_vector())
    weak = 0
    if len(matched):
        weak_pairs = np.zeros(len(matched), dtype=bool)
        if texts is not None:
            weak_pairs |= _in_neither_language(a, b, matched, texts)
        if a.quoted is not None and b.quoted is not None:
            weak_pairs |= a.quoted[matched[:, 0]] & b.quoted[matched[:, 1]]
        weak = int(weak_pairs.sum())
    return SemanticAlignment(pairs, len(a), len(b), passages, float(cab), float(cba), doc,
                             weak)


def _in_neither_language(a: SentenceVectors, b: SentenceVectors, matched: np.ndarray,
                         texts: tuple[str, str]) -> np.ndarray:
    """Which aligned pairs of sentences are both clearly in one language that neither
    document's unaligned sentences are in (`relate.in_neither_language`: a site's chrome in
    another language, aligned with itself). The two sides of a translated sentence are in two
    languages: never such a pair."""
    out = np.zeros(len(matched), dtype=bool)

    def unaligned(vec: SentenceVectors, side: np.ndarray, text: str) -> str:
        off = np.ones(len(vec), dtype=bool)
        off[side] = False
        return "\n".join(text[s:e] for s, e in vec.spans[off].tolist())

    # most pairs align sentences in their own language: a first look settles them
    rests = own_languages("\n".join(texts[0][s:e] for s, e in a.spans[matched[:, 0]].tolist()),
                          lambda: unaligned(a, matched[:, 0], texts[0]),
                          lambda: unaligned(b, matched[:, 1], texts[1]))
    if rests is None:
        return out
    rest_a, rest_b = rests
    for k, (i, j) in enumerate(matched.tolist()):
        sa, sb = a.spans[i], b.spans[j]
        lang = clearly_other(texts[0][sa[0]:sa[1]], (rest_a, rest_b))
        out[k] = in_neither_language(lang, rest_a, rest_b) and \
            clearly_other(texts[1][sb[0]:sb[1]], (rest_a, rest_b)) == lang
    return out


def languages_differ(lang_a: str, lang_b: str) -> bool:
    """Both languages are known and not the same (a translation, not a rewrite)."""
    return lang_a != lang_b and UND not in (lang_a, lang_b)


def classify(al: SemanticAlignment, lang_a: str, lang_b: str,
             p: SemanticParams = SemanticParams()) -> str | None:
    """'rewrite', 'translation', 'same-story' or None (see module docstring)."""
    if al.counted >= p.min_aligned and al.counted_share >= p.min_share:
        return TRANSLATION if languages_differ(lang_a, lang_b) else REWRITE
    if al.document_cosine >= p.story_threshold:
        return SAME_STORY
    return None


class SemanticVerifier:
    """Embeds documents on demand (once each) and verifies pairs by their sentences."""

    def __init__(self, texts: list[str], params: SemanticParams | None = None,
                 matchable: list | None = None):
        """``matchable``: per text, its tokens once boilerplate is removed, or None (no
        boilerplate known): sentences mostly of boilerplate are not embedded
        (`fingerprint.embed.content_sentences`)."""
        self.texts = texts
        self.matchable = matchable
        self.p = params or SemanticParams()
        self.vectors: dict[int, SentenceVectors] = {}
        self.langs: dict[int, str] = {}

    def embed(self, docs, map_fn=map) -> None:
        """Embed the documents not embedded yet; ``map_fn`` may run chunks in parallel."""
        from copytrace.fingerprint.embed import embed_documents
        from copytrace.language import detect

        todo = sorted({int(d) for d in docs} - self.vectors.keys())
        chunks = [todo[k:k + 16] for k in range(0, len(todo), 16)]

        def run(chunk):
            return chunk, embed_documents(
                [self.texts[d] for d in chunk], self.p.max_sentences,
                None if self.matchable is None else [self.matchable[d] for d in chunk])

        for chunk, vecs in map_fn(run, chunks):
            for d, v in zip(chunk, vecs):
                self.vectors[d] = v
                self.langs[d] = detect(self.texts[d])

    def verify(self, i: int, j: int, shared: int | None = None, date_i: str | None = None,
               date_j: str | None = None) -> tuple[SemanticAlignment, str | None]:
        """Sentence alignment and relation of documents i and j. ``same-story`` also needs
        ``shared`` (rare names and numbers in common) to reach ``story_entities`` and the dates
        to be at most ``story_days`` apart: alike in topic is not one event."""
        self.embed([i, j])
        return judge(self.vectors[i], self.vectors[j], self.langs[i], self.langs[j], self.p,
                     shared, date_i, date_j, (self.texts[i], self.texts[j]))


def judge(va: SentenceVectors, vb: SentenceVectors, lang_a: str, lang_b: str,
          p: SemanticParams, shared: int | None = None, date_a: str | None = None,
          date_b: str | None = None, texts: tuple[str, str] | None = None
          ) -> tuple[SemanticAlignment, str | None]:
    """Sentence alignment and relation of two embedded documents (`SemanticVerifier.verify`;
    ``texts``: theirs, for `align_sentences`)."""
    if languages_differ(lang_a, lang_b):
        p = dataclasses.replace(p, sentence_threshold=p.cross_sentence_threshold)
    al = align_sentences(va, vb, p, texts)
    rel = classify(al, lang_a, lang_b, p)
    if rel == SAME_STORY and ((shared or 0) < p.story_entities
                                or days_apart(date_a, date_b) > p.story_days):
        rel = None
    return al, rel


def days_apart(a: str | None, b: str | None) -> float:
    """Days between two ISO dates (0 when either is missing or unreadable)."""
    from datetime import date

    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days) if a and b \
            else 0
    except ValueError:
        return 0
