"""The local engine: runs every stage in this process, on all cores.

The compiled kernels (tokenizer, MinHash, seeds, chaining) release the GIL, so a thread pool of
``workers`` threads keeps both cores busy without copying documents between processes.

    documents -> tokens -> boilerplate masks -> signatures + skeletons + spin evidence
              -> candidates (LSH, anchors, skeleton anchors) -> verification (alignment on words
              and skeletons) -> relations + directions -> families + sources -> ScanResult
"""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from copytrace.align import AlignParams
from copytrace.boilerplate import BoilerplateParams, find_boilerplate
from copytrace.candidates import anchor_pairs, candidate_pairs, lsh_params, union_pairs
from copytrace.cluster import Edge, choose_source, families
from copytrace.document import Document, DocResult, Pair, Problem
from copytrace.fingerprint.minhash import MinHasher
from copytrace.fingerprint.skeleton import content_mask, skeletons
from copytrace.normalize import Tokens, tokenize_many
from copytrace.relate import RelateParams, direction
from copytrace.semantic import SemanticParams, SemanticVerifier, entity_keys, entity_pairs
from copytrace.verify import SKELETON_ALIGN, Verdict, Verifier, VerifyParams


class Progress(Protocol):
    def start(self, stage: str, total: int) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def done(self) -> None: ...


class NullProgress:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


@dataclass
class ScanConfig:
    """Every knob of a scan; the defaults are the documented ones."""

    threshold: float = 0.3  # LSH target Jaccard similarity of 5-word shingles
    num_perm: int = 128
    shingle: int = 5
    bands: int | None = None  # derived from threshold when None
    rows: int | None = None
    max_bucket: int = 64
    anchor_rate: int = 8  # 1 in anchor_rate shingles is an anchor (0 disables the channel)
    min_anchors: int = 3
    spin: bool = True  # compute spun_score (spin evidence without a source; copytrace.spin)
    spun: bool = True  # find spun copies of documents in the corpus (skeleton channel)
    skeleton_shingle: int = 10  # skeleton tokens per skeleton anchor
    skeleton_rate: int = 8  # 1 in skeleton_rate skeleton shingles is an anchor
    semantic: bool = True  # rewrites, translations and stories (sentence encoder)
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    batch_chars: int = 2_000_000
    boilerplate: BoilerplateParams = field(default_factory=BoilerplateParams)
    align: AlignParams = field(default_factory=AlignParams)
    skeleton_align: AlignParams = SKELETON_ALIGN
    relate: RelateParams = field(default_factory=RelateParams)
    semantic_params: SemanticParams = field(default_factory=SemanticParams)

    def verify_params(self) -> VerifyParams:
        return VerifyParams(self.align, self.skeleton_align, self.relate, self.spun)

    def banding(self) -> tuple[int, int]:
        if self.bands and self.rows:
            if self.bands * self.rows > self.num_perm:
                raise ValueError(f"bands x rows = {self.bands * self.rows} exceeds "
                                 f"num_perm = {self.num_perm}")
            return self.bands, self.rows
        return lsh_params(self.threshold, self.num_perm)


@dataclass
class ScanResult:
    documents: list[Document]
    results: list[DocResult]
    pairs: list[Pair]
    problems: list[Problem]
    stats: dict


def _batches(lengths: list[int], budget: int) -> list[tuple[int, int]]:
    out, lo, acc = [], 0, 0
    for i, n in enumerate(lengths):
        acc += n
        if acc >= budget:
            out.append((lo, i + 1))
            lo, acc = i + 1, 0
    if lo < len(lengths):
        out.append((lo, len(lengths)))
    return out


def _map(pool: ThreadPoolExecutor | None, fn, items, progress: Progress, weight=None):
    results = []
    it = pool.map(fn, items) if pool else map(fn, items)
    for item, res in zip(items, it):
        results.append(res)
        progress.advance(weight(item) if weight else 1)
    return results


def prepare(docs: list[Document], cfg: ScanConfig, progress: Progress = NullProgress(),
            pool: ThreadPoolExecutor | None = None
            ) -> tuple[list[Tokens], list[Tokens], list[int]]:
    """Tokens of each document, the same with boilerplate removed, and boilerplate char counts.

    Line numbers only serve boilerplate detection: the matchable tokens come without them
    (``line`` is empty), which lets the tokenizer's line arrays go once ``tokens`` is dropped."""
    spans = _batches([len(d.text) for d in docs], cfg.batch_chars)
    progress.start("Tokenizing", len(docs))
    parts = _map(pool, lambda s: tokenize_many([d.text for d in docs[s[0]:s[1]]]), spans,
                 progress, weight=lambda s: s[1] - s[0])
    tokens = [t for part in parts for t in part]
    progress.done()
    masks, bchars = find_boilerplate(tokens, cfg.boilerplate)
    return tokens, matchable_tokens(tokens, masks, bchars), bchars


def matchable_tokens(tokens: list[Tokens], masks: list[np.ndarray], bchars: list[int]
                     ) -> list[Tokens]:
    """The tokens left to match once boilerplate (``masks``) is removed, without line numbers."""
    out = [t.select(~m) if c else t for t, m, c in zip(tokens, masks, bchars)]
    return [Tokens(t.start, t.end, t.hash, _NO_LINES) for t in out]


_NO_LINES = np.empty(0, dtype=np.int32)


def signatures(matchable: list[Tokens], cfg: ScanConfig, progress: Progress = NullProgress(),
               pool: ThreadPoolExecutor | None = None) -> np.ndarray:
    hasher = MinHasher(cfg.num_perm, cfg.shingle)
    spans = _batches([len(t) * 6 for t in matchable], cfg.batch_chars)
    progress.start("Fingerprinting", len(matchable))
    parts = _map(pool, lambda s: hasher.signatures([t.hash for t in matchable[s[0]:s[1]]]),
                 spans, progress, weight=lambda s: s[1] - s[0])
    progress.done()
    if not parts:
        return np.empty((0, cfg.num_perm), dtype=np.uint32)
    return np.concatenate(parts)


def make_pair(i: int, j: int, v: Verdict, docs: list[Document], cfg: ScanConfig,
              spun: list[float | None] | None = None) -> Pair:
    al = v.alignment
    sa, sb = (spun[i], spun[j]) if spun else (None, None)
    return Pair(a=docs[i].id, b=docs[j].id, relation=v.relation or "none",
                direction=direction(al, docs[i].date, docs[j].date, cfg.relate, v.relation,
                                    v.spin, sa, sb),
                similarity=al.similarity, containment_ab=al.containment_ab,
                containment_ba=al.containment_ba, passages=al.passages)


def scan(docs: list[Document], cfg: ScanConfig | None = None, progress: Progress | None = None,
         problems: list[Problem] | None = None) -> ScanResult:
    """Find copy families, aligned passages and sources in ``docs``."""
    cfg = cfg or ScanConfig()
    progress = progress or NullProgress()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    workers = max(1, cfg.workers)
    with ThreadPoolExecutor(workers) if workers > 1 else _NoPool() as pool:
        tokens, matchable, bchars = prepare(docs, cfg, progress, pool)
        del tokens  # only the matchable tokens are needed from here on
        timings["tokenize+boilerplate"] = time.perf_counter() - t0

        t = time.perf_counter()
        sigs = signatures(matchable, cfg, progress, pool)
        timings["fingerprint"] = time.perf_counter() - t

        t = time.perf_counter()
        spun: list[float | None] = [None] * len(docs)
        if cfg.spin:
            from copytrace.spin import spun_scores

            spans = [(k, min(k + 512, len(docs))) for k in range(0, len(docs), 512)]
            progress.start("Spin evidence", len(docs))
            parts = _map(pool, lambda s: [round(x, 3) for x in spun_scores(
                [d.text for d in docs[s[0]:s[1]]], matchable[s[0]:s[1]])], spans, progress,
                weight=lambda s: s[1] - s[0])
            spun = [x for part in parts for x in part]
            progress.done()
        timings["spin"] = time.perf_counter() - t

        t = time.perf_counter()
        bands, rows = cfg.banding()
        progress.start("Candidate search", 1)
        cands = candidate_pairs(sigs, bands, rows, cfg.max_bucket)
        n_lsh = len(cands)
        if cfg.anchor_rate:
            anchors = anchor_pairs([t.hash for t in matchable], cfg.shingle, cfg.anchor_rate,
                                   cfg.min_anchors, cfg.max_bucket)
            cands = union_pairs(cands, anchors, n=len(docs))
        content = skel = None
        n_skel = 0
        if cfg.spun:
            content = content_mask(matchable)
            skel = skeletons(matchable, content)
            skel_pairs = anchor_pairs([t.hash for t in skel], cfg.skeleton_shingle,
                                      cfg.skeleton_rate, cfg.min_anchors, cfg.max_bucket)
            n_skel = len(skel_pairs)
            cands = union_pairs(cands, skel_pairs, n=len(docs))
        progress.advance()
        progress.done()
        timings["candidates"] = time.perf_counter() - t

        t = time.perf_counter()
        progress.start("Aligning", len(cands))
        # n-gram tables only for documents that have a candidate
        needed = np.zeros(len(docs), dtype=bool)
        needed[cands.ravel()] = True
        verifier = Verifier(matchable, cfg.verify_params(), needed, content, skel)
        del skel  # the verifier keeps its n-gram table, not the skeletons
        chunks = [cands[k:k + 512] for k in range(0, len(cands), 512)]
        verified = [v for part in _map(pool, verifier.verify, chunks, progress, weight=len)
                    for v in part]
        progress.done()
        timings["align"] = time.perf_counter() - t

        pairs: dict[tuple[int, int], Pair] = {}
        edges: list[Edge] = []
        copies: set[int] = set()  # documents found to be spun copies: never a family's source
        for (i, j), v in zip(cands.tolist(), verified):
            if v.relation is None:
                continue
            pair = pairs[(i, j)] = make_pair(i, j, v, docs, cfg, spun)
            edges.append(Edge(i, j, v.alignment.containment_ab, v.alignment.containment_ba))
            if v.relation == "spun" and pair.direction != "unknown":
                copies.add(j if pair.direction == "a->b" else i)

        t = time.perf_counter()
        story_links: list[tuple[int, int]] = []
        sem = None
        if cfg.semantic:
            sem = SemanticVerifier([d.text for d in docs], cfg.semantic_params)
            story_links = _semantic_stage(docs, matchable, sem, pairs, edges, cfg, progress,
                                          pool)
        timings["semantic"] = time.perf_counter() - t

    t = time.perf_counter()
    results = _assign_families(docs, matchable, bchars, spun, edges, pairs, cfg, verifier,
                               needed, copies, sem)
    _assign_stories(results, edges, story_links)
    timings["cluster"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    stats = {
        "documents": len(docs), "candidate_pairs": int(len(cands)),
        "lsh_pairs": int(n_lsh), "skeleton_pairs": int(n_skel), "related_pairs": len(pairs),
        "families": len({r.family for r in results if r.relation != "independent"}),
        "stories": len({r.story for r in results}),
        "singleton_stories": sum(1 for c in Counter(r.story for r in results).values() if c == 1),
        "same_story_pairs": len(story_links),
        "bands": bands, "rows": rows, "seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    ordered = [pairs[k] for k in sorted(pairs)]
    return ScanResult(docs, results, ordered, list(problems or []), stats)


def _assign_families(docs: list[Document], matchable: list[Tokens], bchars: list[int],
                     spun: list[float | None], edges: list[Edge],
                     pairs: dict[tuple[int, int], Pair], cfg: ScanConfig, verifier: Verifier,
                     needed: np.ndarray, copies: set[int], sem: SemanticVerifier | None = None
                     ) -> list[DocResult]:
    n = len(docs)
    ids = [d.id for d in docs]
    dates = [d.date for d in docs]
    lengths = [len(t) for t in matchable]
    by_member: dict[int, list[Edge]] = {}
    for e in edges:
        by_member.setdefault(e.a, []).append(e)
        by_member.setdefault(e.b, []).append(e)
    family_of = [ids[i] for i in range(n)]
    relation = ["independent"] * n
    source_of: list[str | None] = [None] * n
    for members in families(n, edges):
        if len(members) == 1:
            continue
        fam_edges = [e for m in members for e in by_member.get(m, []) if e.a == m]
        src = choose_source(members, fam_edges, dates, lengths, ids, copies)
        for m in members:
            family_of[m] = ids[src]
            source_of[m] = ids[src]
            if m == src:
                relation[m] = "source"
                continue
            key = (min(m, src), max(m, src))
            if key not in pairs:  # linked through other members: align with the source itself
                if needed[key[0]] and needed[key[1]]:
                    v, = verifier.verify(np.array([key]))
                else:  # a member joined by its sentences only: not in the verifier's tables
                    v, = Verifier([matchable[key[0]], matchable[key[1]]],
                                  cfg.verify_params()).verify(np.array([[0, 1]]))
                if v.relation is not None:
                    pairs[key] = make_pair(key[0], key[1], v, docs, cfg, spun)
                elif sem is not None:
                    al, rel = sem.verify(*key)
                    if rel in ("rewrite", "translation"):
                        pairs[key] = semantic_pair(key[0], key[1], al, rel, docs, cfg)
            direct = pairs.get(key)
            if direct is not None and direct.relation != "same-story":
                relation[m] = direct.relation
            else:  # no copy evidence against the source itself: the relation of its own link
                linked = [pairs[(e.a, e.b)] for e in by_member.get(m, []) if (e.a, e.b) in pairs]
                relation[m] = max(linked, key=lambda p: p.similarity).relation if linked \
                    else "edited"
    return [
        DocResult(id=d.id, path=d.path, url=d.url, title=d.title, date=d.date,
                  family=family_of[i], story=family_of[i], relation=relation[i],
                  source=source_of[i], spun_score=spun[i], boilerplate_chars=bchars[i],
                  chars=len(d.text))
        for i, d in enumerate(docs)
    ]


def semantic_pair(i: int, j: int, al, rel: str, docs: list[Document], cfg: ScanConfig) -> Pair:
    if rel == "same-story":  # no copy: only the dates say who was first
        da, db = docs[i].date, docs[j].date
        way = ("a->b" if da < db else "b->a") if da and db and da != db else "unknown"
    else:
        way = direction(al, docs[i].date, docs[j].date, cfg.relate)
    return Pair(a=docs[i].id, b=docs[j].id, relation=rel, direction=way,
                similarity=al.document_cosine if rel == "same-story" else al.similarity,
                containment_ab=al.containment_ab, containment_ba=al.containment_ba,
                passages=al.passages)


def _semantic_stage(docs: list[Document], matchable: list[Tokens], sem: SemanticVerifier,
                    pairs: dict[tuple[int, int], Pair], edges: list[Edge], cfg: ScanConfig,
                    progress: Progress, pool) -> list[tuple[int, int]]:
    """Rewrites, translations and same-story pairs among documents that share rare names and
    numbers but no text (`copytrace.semantic`). Adds rewrite edges to ``edges`` and pairs to
    ``pairs``; returns the same-story links."""
    p = cfg.semantic_params
    keys = [entity_keys(d.text, t) for d, t in zip(docs, matchable)]
    cand, shared = entity_pairs(keys, p.min_entities, p.max_entity_docs, p.top_k,
                                p.min_entities_short)
    n_shared = {(i, j): int(c) for (i, j), c in zip(cand.tolist(), shared.tolist())}
    todo = [(i, j) for i, j in cand.tolist() if (i, j) not in pairs]
    need = sorted({x for pair in todo for x in pair})
    from copytrace.fingerprint.embed import single_blas

    progress.start("Embedding sentences", len(need))
    with single_blas():
        sem.embed(need, lambda fn, chunks: _map(pool, fn, chunks, progress, weight=len))
    progress.done()
    links = []
    for i, j in todo:
        al, rel = sem.verify(i, j, n_shared[(i, j)], docs[i].date, docs[j].date)
        if rel is None:
            continue
        pairs[(i, j)] = semantic_pair(i, j, al, rel, docs, cfg)
        if rel == "same-story":
            links.append((i, j))
        else:
            edges.append(Edge(i, j, al.containment_ab, al.containment_ba))
    return links


def compare_two(da: Document, db: Document, cfg: ScanConfig | None = None
                ) -> tuple[Pair, list[float], list[Tokens]]:
    """The relation of two documents, decided as a scan decides it, but without needing the
    pair to be a candidate: aligned on words and skeletons, then (when that finds no copy and
    the semantic stage is on) on sentences. Returns the pair ("none" when unrelated), both
    spun_scores and both token sequences."""
    from copytrace.spin import spun_scores

    cfg = cfg or ScanConfig()
    docs = [da, db]
    toks = tokenize_many([da.text, db.text])
    spun = [round(x, 3) for x in spun_scores([da.text, db.text], toks)] if cfg.spin \
        else [None, None]
    verdict, = Verifier(toks, cfg.verify_params()).verify(np.array([[0, 1]]))
    pair = make_pair(0, 1, verdict, docs, cfg, spun)
    if verdict.relation is None and cfg.semantic:
        shared = len(np.intersect1d(entity_keys(da.text, toks[0]), entity_keys(db.text, toks[1])))
        al, rel = SemanticVerifier([da.text, db.text], cfg.semantic_params).verify(
            0, 1, shared, da.date, db.date)
        if rel is not None:
            pair = semantic_pair(0, 1, al, rel, docs, cfg)
    return pair, spun, toks


def verify_pairs(docs: list[Document], pairs: np.ndarray, cfg: ScanConfig | None = None,
                 matchable: list[Tokens] | None = None,
                 spun: list[float | None] | None = None) -> list[tuple[int, int, Pair]]:
    """Judge ``pairs`` (row indices into ``docs``) as a scan judges its candidates -- word and
    skeleton alignment, relation, direction -- for a batch of documents (the index's new or
    queried document against its candidates; the Spark engine's pairs). ``matchable`` and
    ``spun``: the documents' matchable tokens and spun_scores when the caller has them (a scan
    with boilerplate removed); else boilerplate, corpus-level evidence, is not detected, and
    both are computed here. Returns the related pairs only, with their row indices."""
    from copytrace.spin import spun_scores

    cfg = cfg or ScanConfig()
    if len(pairs) == 0:
        return []
    if matchable is None:
        toks = tokenize_many([d.text for d in docs])
        matchable = [Tokens(t.start, t.end, t.hash, _NO_LINES) for t in toks]
    if spun is None:
        spun = [round(x, 3) for x in spun_scores([d.text for d in docs], matchable)] \
            if cfg.spin else [None] * len(docs)
    content = skel = None
    if cfg.spun:
        content = content_mask(matchable)
        skel = skeletons(matchable, content)
    needed = np.zeros(len(docs), dtype=bool)
    needed[pairs.ravel()] = True
    verdicts = Verifier(matchable, cfg.verify_params(), needed, content, skel).verify(pairs)
    return [(i, j, make_pair(i, j, v, docs, cfg, spun))
            for (i, j), v in zip(pairs.tolist(), verdicts) if v.relation is not None]


#: Kinds of index keys (top bits of a 63-bit key): LSH band, word anchor, skeleton anchor, and
#: (with the semantic stage) a rare name or number (`semantic.entity_keys`).
KEY_BAND, KEY_ANCHOR, KEY_SKELETON, KEY_ENTITY = 1, 2, 3, 4
_KEY_MASK = np.uint64((1 << 60) - 1)


def candidate_keys(texts: list[str], matchable: list[Tokens], cfg: ScanConfig
                   ) -> tuple[list[np.ndarray], ...]:
    """For each document, the keys the scan's candidate channels match on, as sorted distinct
    uint64 arrays: its LSH band keys, its word anchors, (with ``cfg.spun``) its skeleton anchors
    and (with ``cfg.semantic``) its rare names and numbers; channels turned off are empty."""
    from copytrace.candidates import _band_keys, sampled_shingles

    n = len(texts)
    empty = [np.empty(0, np.uint64)] * n

    def anchors(seqs: list[np.ndarray], k: int, rate: int) -> list[np.ndarray]:
        doc_tok = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(h) for h in seqs], out=doc_tok[1:])
        flat = np.concatenate(seqs).astype(np.uint64, copy=False) if n else \
            np.empty(0, np.uint64)
        h, d = sampled_shingles(flat, doc_tok, k, rate)
        bounds = np.searchsorted(d, np.arange(n + 1))  # rows come doc by doc
        return [np.unique(h[bounds[i]:bounds[i + 1]]) for i in range(n)]

    bands, rows = cfg.banding()
    sigs = MinHasher(cfg.num_perm, cfg.shingle).signatures([t.hash for t in matchable])
    keys = np.empty((bands, n), dtype=np.uint64)
    _band_keys(np.ascontiguousarray(sigs), bands, rows, keys)
    band_keys = [np.unique(keys[:, d][keys[:, d] != 0]) for d in range(n)]
    word = anchors([t.hash for t in matchable], cfg.shingle, cfg.anchor_rate) \
        if cfg.anchor_rate else empty
    skel = empty
    if cfg.spun:
        sk = skeletons(matchable, content_mask(matchable))
        skel = anchors([t.hash for t in sk], cfg.skeleton_shingle, cfg.skeleton_rate)
    ents = [entity_keys(x, t) for x, t in zip(texts, matchable)] if cfg.semantic else empty
    return band_keys, word, skel, ents


def index_keys(texts: list[str], cfg: ScanConfig | None = None
               ) -> tuple[list[np.ndarray], list[int], list[int]]:
    """For each text, the keys a scan's candidate channels match on (`candidate_keys`), as
    int64 (kind << 60 | hash); its token count (the length `cluster.choose_source` weighs); and
    its count of names and numbers.
    Two documents are scan candidates when they share a band key, or ``min_anchors`` anchors
    of one kind that are not in more than ``max_bucket`` documents; they are semantic
    candidates by `semantic.entity_pairs`' rule on the entity keys."""
    cfg = cfg or ScanConfig()
    toks = tokenize_many(texts)
    matchable = [Tokens(t.start, t.end, t.hash, _NO_LINES) for t in toks]
    channels = candidate_keys(texts, matchable, cfg)

    def tag(kind: int, h: np.ndarray) -> np.ndarray:
        return ((h & _KEY_MASK) | np.uint64(kind << 60)).astype(np.int64)

    kinds = (KEY_BAND, KEY_ANCHOR, KEY_SKELETON, KEY_ENTITY)
    keys = [np.unique(np.concatenate([tag(kind, ch[d]) for kind, ch in zip(kinds, channels)]))
            for d in range(len(texts))]
    return keys, [len(t) for t in matchable], [len(e) for e in channels[3]]


def _assign_stories(results: list[DocResult], edges: list[Edge],
                    links: list[tuple[int, int]]) -> None:
    """Stories: connected components of copy edges and same-story links (so a family never
    spans two stories). A story is named after its earliest-dated family source, else its
    largest family, else its smallest family id."""
    from copytrace.cluster import UnionFind

    uf = UnionFind(len(results))
    for e in edges:
        uf.union(e.a, e.b)
    for a, b in links:
        uf.union(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(results)):
        groups.setdefault(uf.find(i), []).append(i)
    for members in groups.values():
        size: dict[str, int] = {}
        for m in members:
            size[results[m].family] = size.get(results[m].family, 0) + 1
        heads = [results[m] for m in members if results[m].id == results[m].family]

        def rank(r: DocResult):
            return (r.date or "9999", -size.get(r.family, 0), r.family)

        story = min(heads, key=rank).family if heads else results[members[0]].family
        for m in members:
            results[m].story = story


class _NoPool:
    """Stands in for a pool when workers == 1 (``_map`` then runs inline)."""

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
