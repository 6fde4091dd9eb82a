"""The stage library: the units of work every engine and the index run, whatever moves the data.

The stages themselves are modules (`normalize`, `boilerplate`, `fingerprint`, `candidates`,
`align`/`verify`, `relate`, `semantic`, `cluster`); this module joins them into the steps an
engine calls on a batch of documents or pairs, so that an engine only decides where the data
lives and how it moves:

    prepare          tokens, boilerplate removed (matchable tokens), boilerplate char counts
    signatures       MinHash signatures of the matchable tokens
    spin_evidence    every document's spun_score
    find_candidates  candidate pairs of the copy channels (LSH, word anchors, skeleton anchors)
    candidate_keys   the same channels' keys per document (the index stores them; Spark
                     shuffles them)
    verify_pairs     word and skeleton alignment of pairs, as `copytrace.document.Pair`s
    source_pair      a family member and its source that no candidate paired, aligned on words
                     (and on sentences)
    probe_stage      each document's language and probe vector (its first characters, embedded)
    translation_candidates  sentence-stage candidates across languages (nearest probes)
    story_candidates mutual nearest probes; story_pair makes one a ``same-story`` `Pair`
    semantic_pair    a pair judged on its sentences, as a `Pair`
    unsettled/settle which pairs the sentence stage still judges (none yet, or ``partial``) and
                     its verdicts replacing them
    compare_two      one pair, every stage (``copytrace compare``)

The local engine (`copytrace.engines.local`) runs them in this process on a thread pool; the
Spark engine (`copytrace.engines.spark`) inside Spark tasks on Arrow batches; the index
(`copytrace.store`) on each batch it adds and each query.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import dataclasses
from dataclasses import dataclass

import numpy as np

from copytrace.boilerplate import find_boilerplate
from copytrace.candidates import (KEY_KINDS, anchor_pairs, anchor_rows, band_keys,
                                  candidate_pairs, several_languages, story_pairs, tag_keys,
                                  translation_pairs, translation_shortlist, union_pairs)
from copytrace.config import ScanConfig
from copytrace.document import Document, Pair
from copytrace.fingerprint.entities import entity_keys
from copytrace.fingerprint.minhash import MinHasher
from copytrace.fingerprint.skeleton import content_mask, skeletons
from copytrace.normalize import Tokens, tokenize_many
from copytrace.progress import NullProgress, Progress, StageTimer
from copytrace.quotes import quoted_tokens
from copytrace.relate import direction
from copytrace.relations import NONE, PARTIAL, SAME_STORY, joins_family, settles
from copytrace.semantic import SemanticAlignment, SemanticVerifier, days_apart
from copytrace.verify import Verdict, Verifier

_NO_LINES = np.empty(0, dtype=np.int32)


# ----------------------------------------------------------------------------- execution helpers

def batches(lengths: list[int], budget: int) -> list[tuple[int, int]]:
    """(start, end) spans of consecutive items whose ``lengths`` add up to about ``budget``."""
    out, lo, acc = [], 0, 0
    for i, n in enumerate(lengths):
        acc += n
        if acc >= budget:
            out.append((lo, i + 1))
            lo, acc = i + 1, 0
    if lo < len(lengths):
        out.append((lo, len(lengths)))
    return out


def pmap(pool: ThreadPoolExecutor | None, fn, items, progress: Progress, weight=None) -> list:
    """``fn`` over ``items`` on ``pool`` (inline without one), in order, advancing ``progress``
    by each item's ``weight`` (1 by default)."""
    results = []
    it = pool.map(fn, items) if pool else map(fn, items)
    for item, res in zip(items, it):
        results.append(res)
        progress.advance(weight(item) if weight else 1)
    return results


class NoPool:
    """Stands in for a pool when one worker is asked for (`pmap` then runs inline)."""

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def worker_pool(workers: int):
    """A thread pool of ``workers`` threads (the kernels release the GIL), or `NoPool`."""
    workers = max(1, workers)
    return ThreadPoolExecutor(workers) if workers > 1 else NoPool()


# ----------------------------------------------------------------------------- documents

def prepare(docs: list[Document], cfg: ScanConfig, progress: Progress = NullProgress(),
            pool: ThreadPoolExecutor | None = None
            ) -> tuple[list[Tokens], list[Tokens], list[int]]:
    """Tokens of each document, the same with boilerplate removed, and boilerplate char counts.

    Line numbers only serve boilerplate detection: the matchable tokens come without them
    (``line`` is empty), which lets the tokenizer's line arrays go once ``tokens`` is dropped."""
    spans = batches([len(d.text) for d in docs], cfg.batch_chars)
    progress.start("Tokenizing", len(docs))
    parts = pmap(pool, lambda s: tokenize_many([d.text for d in docs[s[0]:s[1]]]), spans,
                 progress, weight=lambda s: s[1] - s[0])
    tokens = [t for part in parts for t in part]
    progress.done()
    masks, bchars = find_boilerplate(tokens, cfg.boilerplate)
    return tokens, matchable_tokens(tokens, masks, bchars), bchars


def matchable_tokens(tokens: list[Tokens], masks: list[np.ndarray] | None = None,
                     bchars: list[int] | None = None) -> list[Tokens]:
    """The tokens left to match once boilerplate (``masks``, with ``bchars`` characters) is
    removed, without line numbers. No masks: every token is matchable."""
    if masks is None:
        return [Tokens(t.start, t.end, t.hash, _NO_LINES) for t in tokens]
    out = [t.select(~m) if c else t for t, m, c in zip(tokens, masks, bchars)]
    return [Tokens(t.start, t.end, t.hash, _NO_LINES) for t in out]


def boilerplate_trimmed(matchable: list[Tokens], bchars: list[int]) -> list[Tokens | None]:
    """Per document, its matchable tokens when boilerplate was removed from it (``bchars`` > 0),
    else None: what `SemanticVerifier` needs to leave sentences of chrome unembedded (a
    document without boilerplate skips that check)."""
    return [m if c else None for m, c in zip(matchable, bchars)]


def signatures(matchable: list[Tokens], cfg: ScanConfig, progress: Progress = NullProgress(),
               pool: ThreadPoolExecutor | None = None) -> np.ndarray:
    """MinHash signatures (one row per document) of the matchable tokens."""
    hasher = MinHasher(cfg.num_perm, cfg.shingle)
    spans = batches([len(t) * 6 for t in matchable], cfg.batch_chars)
    progress.start("Fingerprinting", len(matchable))
    parts = pmap(pool, lambda s: hasher.signatures([t.hash for t in matchable[s[0]:s[1]]]),
                 spans, progress, weight=lambda s: s[1] - s[0])
    progress.done()
    if not parts:
        return np.empty((0, cfg.num_perm), dtype=np.uint32)
    return np.concatenate(parts)


def spin_evidence(texts: list[str], matchable: list[Tokens], cfg: ScanConfig,
                  progress: Progress = NullProgress(), pool: ThreadPoolExecutor | None = None
                  ) -> list[float | None]:
    """Each document's spun_score, rounded as the outputs write it (None with ``cfg.spin``
    off)."""
    if not cfg.spin:
        return [None] * len(texts)
    from copytrace.spin import spun_scores

    spans = batches([1] * len(texts), 512)
    progress.start("Spin evidence", len(texts))
    parts = pmap(pool, lambda s: [round(x, 3) for x in spun_scores(
        texts[s[0]:s[1]], matchable[s[0]:s[1]])], spans, progress, weight=lambda s: s[1] - s[0])
    progress.done()
    return [x for part in parts for x in part]


# ----------------------------------------------------------------------------- candidates

@dataclass
class Candidates:
    """Candidate pairs of a corpus (i < j, sorted) and what the channels found on the way."""

    pairs: np.ndarray
    lsh_pairs: int  # pairs from the LSH channel alone
    skeleton_pairs: int  # pairs from the skeleton channel alone
    content: list[np.ndarray] | None  # content-word masks (with the skeleton channel)
    skeletons: list[Tokens] | None


def find_candidates(sigs: np.ndarray, matchable: list[Tokens], cfg: ScanConfig) -> Candidates:
    """The copy channels' candidate pairs over a corpus in memory (`copytrace.candidates`)."""
    n = len(matchable)
    bands, rows = cfg.banding()
    cands = candidate_pairs(sigs, bands, rows, cfg.max_bucket)
    n_lsh = len(cands)
    if cfg.anchor_rate:
        anchors = anchor_pairs([t.hash for t in matchable], cfg.shingle, cfg.anchor_rate,
                               cfg.min_anchors, cfg.max_bucket, cfg.dense_below, cfg.dense_rate)
        cands = union_pairs(cands, anchors, n=n)
    content = skel = None
    n_skel = 0
    if cfg.spun:
        content = content_mask(matchable)
        skel = skeletons(matchable, content)
        skel_pairs = anchor_pairs([t.hash for t in skel], cfg.skeleton_shingle,
                                  cfg.skeleton_rate, cfg.min_anchors, cfg.max_bucket,
                                  cfg.dense_below, cfg.dense_rate)
        n_skel = len(skel_pairs)
        cands = union_pairs(cands, skel_pairs, n=n)
    return Candidates(cands, n_lsh, n_skel, content, skel)


def candidate_keys(texts: list[str], matchable: list[Tokens], cfg: ScanConfig
                   ) -> tuple[list[np.ndarray], ...]:
    """For each document, the keys the candidate channels match on, as sorted distinct uint64
    arrays: its LSH band keys, its word anchors, (with ``cfg.spun``) its skeleton anchors and
    (with ``cfg.semantic``) its rare names and numbers; channels turned off are empty."""
    n = len(texts)
    empty = [np.empty(0, np.uint64)] * n

    def anchors(seqs: list[np.ndarray], k: int, rate: int) -> list[np.ndarray]:
        h, d = anchor_rows(seqs, k, rate, cfg.dense_below, cfg.dense_rate)
        bounds = np.searchsorted(d, np.arange(n + 1))  # rows come doc by doc
        return [np.unique(h[bounds[i]:bounds[i + 1]]) for i in range(n)]

    bands, rows = cfg.banding()
    sigs = MinHasher(cfg.num_perm, cfg.shingle).signatures([t.hash for t in matchable])
    keys = np.empty((bands, n), dtype=np.uint64)
    band_keys(np.ascontiguousarray(sigs), bands, rows, keys)
    bkeys = [np.unique(keys[:, d][keys[:, d] != 0]) for d in range(n)]
    word = anchors([t.hash for t in matchable], cfg.shingle, cfg.anchor_rate) \
        if cfg.anchor_rate else empty
    skel = empty
    if cfg.spun:
        sk = skeletons(matchable, content_mask(matchable))
        skel = anchors([t.hash for t in sk], cfg.skeleton_shingle, cfg.skeleton_rate)
    ents = [entity_keys(x, t) for x, t in zip(texts, matchable)] if cfg.semantic else empty
    return bkeys, word, skel, ents


def index_keys(texts: list[str], cfg: ScanConfig | None = None
               ) -> tuple[list[np.ndarray], list[int], list[int]]:
    """For each text, the keys the candidate channels match on (`candidate_keys`), tagged with
    their kind (`candidates.tag_keys`); its token count (the length `cluster.choose_source`
    weighs); and its count of names and numbers. Two documents are candidates by
    `candidates.keyed_pairs` and `candidates.entity_pairs`' rules over these keys."""
    cfg = cfg or ScanConfig()
    matchable = matchable_tokens(tokenize_many(texts))
    channels = candidate_keys(texts, matchable, cfg)
    keys = [np.unique(np.concatenate([tag_keys(kind, ch[d]) for kind, ch in
                                      zip(KEY_KINDS, channels)]))
            for d in range(len(texts))]
    return keys, [len(t) for t in matchable], [len(e) for e in channels[3]]


# ----------------------------------------------------------------------------- pairs

def make_pair(i: int, j: int, v: Verdict, docs: list[Document], cfg: ScanConfig,
              spun: list[float | None] | None = None) -> Pair:
    """The `Pair` of documents i and j from their `Verdict` (word and skeleton alignment)."""
    al = v.alignment
    sa, sb = (spun[i], spun[j]) if spun else (None, None)
    exact = v.spin.identical_share if v.spin is not None else al.exact_share
    return Pair(a=docs[i].id, b=docs[j].id, relation=v.relation or NONE,
                direction=direction(al, docs[i].date, docs[j].date, cfg.relate, v.relation,
                                    v.spin, sa, sb),
                similarity=al.similarity, containment_ab=al.containment_ab,
                containment_ba=al.containment_ba, exact_share=exact if al.passages else None,
                passages=al.passages)


def languages(texts: list[str], progress: Progress = NullProgress(),
              pool: ThreadPoolExecutor | None = None) -> list[str]:
    """Each text's language (`copytrace.language.detect`: an ISO code or "und")."""
    from copytrace.language import detect

    spans = batches([1] * len(texts), 256)
    parts = pmap(pool, lambda s: [detect(t) for t in texts[s[0]:s[1]]], spans, progress,
                 weight=lambda s: s[1] - s[0])
    return [lang for part in parts for lang in part]


def probes(texts: list[str], cfg: ScanConfig, progress: Progress = NullProgress(),
           pool: ThreadPoolExecutor | None = None) -> np.ndarray:
    """Each text's probe vector (`copytrace.fingerprint.embed.probe_vectors`), (n, DIM).

    Texts whose probe inputs are the same (verbatim copies, copies truncated after the first
    ``probe_chars`` characters, the same page fetched twice) are encoded once: each input is
    encoded alone, so the vector is the one it would have been. Probes are most of the sentence
    stage's time on a corpus with copies (`bench/overlap.py`, 10,000 documents: 45 s of 59 s
    on 2 cores, 1,861 of the 10,000 inputs repeated)."""
    from copytrace.fingerprint.embed import DIM, probe_head, probe_vectors, single_blas

    chars = cfg.semantic_params.probe_chars
    first: dict[str, int] = {}
    inverse = np.empty(len(texts), dtype=np.int64)
    for k, t in enumerate(texts):
        inverse[k] = first.setdefault(probe_head(t, chars), len(first))
    heads = list(first)  # in order of first appearance
    spans = batches([1] * len(heads), 16)
    repeated = len(texts) - len(heads)
    if repeated:
        progress.advance(repeated)
    with single_blas():
        parts = pmap(pool, lambda s: probe_vectors(heads[s[0]:s[1]], chars), spans, progress,
                     weight=lambda s: s[1] - s[0])
    if not parts:
        return np.zeros((len(texts), DIM), dtype=np.float32)
    return np.concatenate(parts)[inverse]


def topics(texts: list[str], cfg: ScanConfig, progress: Progress = NullProgress(),
           pool: ThreadPoolExecutor | None = None) -> np.ndarray:
    """Each text's topic vector (`copytrace.fingerprint.topics`), (n, DIM): the story rule's
    look at a document. Texts are tokenized, new piece vectors computed and topic vectors
    summed in parallel on ``pool`` (the result does not depend on it)."""
    from copytrace.fingerprint.embed import DIM
    from copytrace.fingerprint.topics import piece_ids, pieces, vectors_of

    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    chars = cfg.semantic_params.probe_chars
    spans = batches([1] * len(texts), 512)
    ids = [row for part in pmap(pool, lambda s: piece_ids(texts[s[0]:s[1]], chars), spans,
                                NullProgress()) for row in part]
    pieces().ensure(np.concatenate(ids),
                    lambda fn, blocks: pmap(pool, fn, blocks, NullProgress()))
    return np.concatenate(pmap(pool, lambda s: vectors_of(ids[s[0]:s[1]]), spans, progress,
                               weight=lambda s: s[1] - s[0]))


@dataclass
class Probes:
    """Every document's language, topic vector (zeros where it has none) and, where a
    translation is possible, encoder probe; or none at all."""

    langs: list[str] | np.ndarray  # ISO codes (or an object array of them)
    topics: np.ndarray  # (n, DIM) float32 unit vectors: the story rule's
    vectors: np.ndarray | None  # (n, DIM) encoder probes: the translation rule's (None: no
    #                             two languages, so no translation to find)


def probe_stage(texts: list[str], cfg: ScanConfig, progress: Progress = NullProgress(),
                pool: ThreadPoolExecutor | None = None, encoder: bool = True,
                timer: StageTimer | None = None) -> Probes | None:
    """Languages, topic vectors and encoder probes of every document (`copytrace.semantic`'s
    probes), or None when the sentence stage or its probes are off. The encoder probes (~7 ms
    a document) are computed only when the texts are in two languages or more (a translation
    is possible: `candidates.several_languages`), and then only for the documents the
    translation rule can pair (`candidates.translation_shortlist`; the others' are zeros);
    never with ``encoder=False`` (the index, which computes them for its own shortlist as
    documents come: `candidates.shortlist_added`). ``timer``: where each part's seconds go."""
    if not (cfg.semantic and cfg.probes):
        return None
    timer = timer or StageTimer()
    with timer("semantic/languages"):
        progress.start("Detecting languages", len(texts))
        langs = languages(texts, progress, pool)
        progress.done()
    with timer("semantic/topics"):
        progress.start("Topic vectors", len(texts))
        top = topics(texts, cfg, progress, pool)
        progress.done()
    vec = None
    if encoder and several_languages(langs):
        with timer("semantic/encoder probes"):
            rows = translation_shortlist(top, langs, cfg.semantic_params.translation_shortlist)
            progress.start("Embedding probes", len(rows))
            vec = np.zeros_like(top)
            vec[rows] = probes([texts[i] for i in rows.tolist()], cfg, progress, pool)
            progress.done()
    return Probes(langs, top, vec)


def translation_candidates(pr: Probes | None, cfg: ScanConfig,
                           touching: np.ndarray | None = None,
                           rows: np.ndarray | None = None) -> np.ndarray:
    """Sentence-stage candidates across languages (`candidates.translation_pairs`); with
    ``touching``, only those with a side among these rows; ``rows``: the rows that have an
    encoder probe, when the caller knows."""
    if pr is None or pr.vectors is None:
        return np.empty((0, 2), dtype=np.int64)
    p = cfg.semantic_params
    return translation_pairs(pr.vectors, pr.langs, p.translation_neighbours,
                             p.probe_min_cosine, touching=touching, rows=rows)


def story_candidates(pr: Probes | None, cfg: ScanConfig, touching: np.ndarray | None = None,
                     rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of mutual nearest topic vectors and their cosines (`candidates.story_pairs`);
    with ``touching``, only those with a side among these rows; ``rows``: those with a topic
    vector, when known."""
    if pr is None:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.float32)
    p = cfg.semantic_params
    return story_pairs(pr.topics, p.story_neighbours, p.story_min_cosine, touching=touching,
                       rows=rows)


def story_pair(i: int, j: int, cosine: float, docs: list[Document], cfg: ScanConfig
               ) -> Pair | None:
    """The ``same-story`` `Pair` of two mutual nearest probes, or None when both are dated
    further apart than ``story_days``."""
    p = cfg.semantic_params
    if days_apart(docs[i].date, docs[j].date) > p.story_days:
        return None
    al = SemanticAlignment(np.empty((0, 3), dtype=np.int64), 0, 0, [], 0.0, 0.0,
                           float(cosine))
    return semantic_pair(i, j, al, SAME_STORY, docs, cfg)


def unsettled(pairs: dict, a, b) -> bool:
    """Is the pair (a, b) of ``pairs`` (keyed by pair) still to be judged on its sentences: no
    pair yet, or one whose relation does not settle it (`relations.settles`: ``partial``)?"""
    pair = pairs.get((a, b))
    return pair is None or not settles(pair.relation)


def settled_pair(found: Pair | None, later: Pair) -> Pair:
    """The pair to record when the sentence stage (or the probe rule) judges two documents
    ``later`` and ``found`` is the pair already there: None, or one that does not settle them
    (a ``partial`` pair -- the sentence stage judges no other).

    ``later`` replaces it, except that a ``same-story`` verdict on a ``partial`` pair keeps the
    partial pair's word passages, containments and exact share under the ``same-story``
    relation: the passage the two share is the reuse a reader looks for (on webreuse_dev 11 of
    the 14 partial pairs are same-story, and lost their passages to it), and the story link is
    the sentence stage's (kept as ``partial`` instead, without the link, story ARI fell 0.867 ->
    0.860). A ``rewrite`` or ``translation`` verdict replaces it whole: its passages are the
    aligned sentences that make it one."""
    if found is None or found.relation != PARTIAL or later.relation != SAME_STORY:
        return later
    return dataclasses.replace(later, containment_ab=found.containment_ab,
                               containment_ba=found.containment_ba,
                               exact_share=found.exact_share, passages=found.passages)


def settle(found: list[tuple], later: list[tuple]) -> list[tuple]:
    """``found`` (a, b, pair) triples with ``later`` ones added; a later pair of the same (a, b)
    as a found one (which can only be one that does not settle it: the sentence stage judges
    only unsettled pairs) takes its place as `settled_pair` says."""
    old = {(a, b): p for a, b, p in found}
    new = {(a, b): settled_pair(old.get((a, b)), p) for a, b, p in later}
    return [x for x in found if (x[0], x[1]) not in new] + [(a, b, p) for (a, b), p in
                                                             new.items()]


def semantic_pair(i: int, j: int, al, rel: str, docs: list[Document], cfg: ScanConfig) -> Pair:
    """The `Pair` of documents i and j judged on their sentences (relation ``rel``)."""
    if rel == SAME_STORY:  # no copy: only the dates say who was first
        da, db = docs[i].date, docs[j].date
        way = ("a->b" if da < db else "b->a") if da and db and da != db else "unknown"
    else:
        way = direction(al, docs[i].date, docs[j].date, cfg.relate)
    return Pair(a=docs[i].id, b=docs[j].id, relation=rel, direction=way,
                similarity=al.document_cosine if rel == SAME_STORY else al.similarity,
                containment_ab=al.containment_ab, containment_ba=al.containment_ba,
                passages=al.passages)


def verifier(texts: list[str], matchable: list[Tokens], cfg: ScanConfig,
             needed: np.ndarray | None = None, content: list[np.ndarray] | None = None,
             skel: list[Tokens] | None = None) -> Verifier:
    """A `Verifier` over the documents ``needed`` (all by default), which knows their quoted
    tokens (`copytrace.quotes`)."""
    if cfg.spun and (content is None or skel is None):
        content = content_mask(matchable)
        skel = skeletons(matchable, content)
    return Verifier(matchable, cfg.verify_params(), needed, content if cfg.spun else None,
                    skel if cfg.spun else None, quoted_flags(texts, matchable, needed), texts)


def quoted_flags(texts: list[str], matchable: list[Tokens], needed: np.ndarray | None = None
                 ) -> list[np.ndarray]:
    """Per document (those ``needed``), which matchable tokens are inside quotation marks."""
    return [quoted_tokens(x, t.start) if needed is None or needed[d] else
            np.zeros(len(t), dtype=bool) for d, (x, t) in enumerate(zip(texts, matchable))]


def verify_pairs(docs: list[Document], pairs: np.ndarray, cfg: ScanConfig | None = None,
                 matchable: list[Tokens] | None = None,
                 spun: list[float | None] | None = None) -> list[tuple[int, int, Pair]]:
    """Judge ``pairs`` (row indices into ``docs``) as a scan judges its candidates -- word and
    skeleton alignment, relation, direction. ``matchable`` and ``spun``: the documents'
    matchable tokens and spun_scores when the caller has them (a scan with boilerplate removed);
    else boilerplate, corpus-level evidence, is not detected, and both are computed here.
    Returns the related pairs only, with their row indices."""
    cfg = cfg or ScanConfig()
    if len(pairs) == 0:
        return []
    if matchable is None:
        matchable = matchable_tokens(tokenize_many([d.text for d in docs]))
    if spun is None:
        spun = spin_evidence([d.text for d in docs], matchable, cfg)
    needed = np.zeros(len(docs), dtype=bool)
    needed[pairs.ravel()] = True
    verdicts = verifier([d.text for d in docs], matchable, cfg, needed).verify(pairs)
    return [(i, j, make_pair(i, j, v, docs, cfg, spun))
            for (i, j), v in zip(pairs.tolist(), verdicts) if v.relation is not None]


def needs_sentences(verdict: Verdict, cfg: ScanConfig) -> bool:
    """Does `source_pair` compare a member and its source on their sentences: their words and
    skeletons (``verdict``) make no copy of them, and the sentence stage is on? Engines embed
    the documents of those pairs, and only those, beforehand."""
    return not _copy_by_words(verdict) and cfg.semantic


def _copy_by_words(verdict: Verdict) -> bool:
    return verdict.relation is not None and joins_family(verdict.relation)


def source_pair(i: int, j: int, verdict: Verdict, docs: list[Document], cfg: ScanConfig,
                spun: list[float | None] | None, sem: SemanticVerifier | None) -> Pair | None:
    """A family member and its source that no candidate paired (`cluster.unpaired_members`):
    their copy relation from ``verdict`` (their word and skeleton alignment); else, with the
    sentence stage, a rewrite or translation found on their sentences; else None."""
    if _copy_by_words(verdict):
        return make_pair(i, j, verdict, docs, cfg, spun)
    if sem is not None and needs_sentences(verdict, cfg):
        al, rel = sem.verify(i, j)
        if rel is not None and joins_family(rel):
            return semantic_pair(i, j, al, rel, docs, cfg)
    return None


def compare_two(da: Document, db: Document, cfg: ScanConfig | None = None
                ) -> tuple[Pair, list[float], list[Tokens]]:
    """The relation of two documents, decided as a scan decides it, but without needing the
    pair to be a candidate: aligned on words and skeletons, then (when that finds no copy and
    the semantic stage is on) on sentences, then by their probes (a scan of just these two).
    Returns the pair (relation ``none`` when unrelated), both spun_scores and both token
    sequences."""
    cfg = cfg or ScanConfig()
    docs = [da, db]
    toks = tokenize_many([da.text, db.text])
    spun = spin_evidence([da.text, db.text], toks, cfg)
    verdict, = verifier([da.text, db.text], toks, cfg).verify(np.array([[0, 1]]))
    pair = make_pair(0, 1, verdict, docs, cfg, spun)
    if (verdict.relation is None or not settles(verdict.relation)) and cfg.semantic:
        shared = len(np.intersect1d(entity_keys(da.text, toks[0]), entity_keys(db.text, toks[1])))
        al, rel = SemanticVerifier([da.text, db.text], cfg.semantic_params).verify(
            0, 1, shared, da.date, db.date)
        found = None if verdict.relation is None else pair
        if rel is not None:
            pair = settled_pair(found, semantic_pair(0, 1, al, rel, docs, cfg))
        else:  # two documents are each other's nearest: the probe rule is the cosine floor
            near, cos = story_candidates(probe_stage([da.text, db.text], cfg), cfg)
            if len(near) and (story := story_pair(0, 1, float(cos[0]), docs, cfg)) is not None:
                pair = settled_pair(found, story)
    return pair, spun, toks
