"""The local engine: runs the stages (`copytrace.pipeline`) in this process, on all cores.

The compiled kernels (tokenizer, MinHash, seeds, chaining) release the GIL, so a thread pool of
``workers`` threads keeps both cores busy without copying documents between processes. This
module only orchestrates: every rule it applies is a stage function's.

    documents -> tokens -> boilerplate masks -> signatures + spin evidence -> candidates (LSH,
              anchors, skeleton anchors) -> verification (alignment on words and skeletons) ->
              relations + directions -> sentence stage (rewrites, translations, same-story)
              -> families + sources + stories (`copytrace.cluster`) -> ScanResult
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from copytrace import cluster
from copytrace.candidates import entity_pairs
from copytrace.config import ScanConfig
from copytrace.document import Document, DocResult, Pair, Problem
from copytrace.fingerprint.entities import entity_keys
from copytrace.normalize import Tokens
from copytrace.pipeline import (Candidates, boilerplate_trimmed, find_candidates, make_pair,
                                needs_sentences, pmap, prepare, probe_stage, semantic_pair,
                                settled_pair, signatures, source_pair, spin_evidence,
                                story_candidates, story_pair, translation_candidates, unsettled,
                                verifier, worker_pool)
from copytrace.progress import NullProgress, Progress, StageTimer
from copytrace.relations import INDEPENDENT, PARTIAL, SAME_STORY
from copytrace.semantic import SemanticVerifier
from copytrace.verify import Verifier


@dataclass
class ScanResult:
    documents: list[Document]
    results: list[DocResult]
    pairs: list[Pair]
    problems: list[Problem]
    stats: dict


def scan(docs: list[Document], cfg: ScanConfig | None = None, progress: Progress | None = None,
         problems: list[Problem] | None = None) -> ScanResult:
    """Find copy families, aligned passages, sources and stories in ``docs``."""
    cfg = cfg or ScanConfig()
    progress = progress or NullProgress()
    timer = StageTimer()
    texts = [d.text for d in docs]
    with worker_pool(cfg.workers) as pool:
        with timer("tokenize+boilerplate"):
            tokens, matchable, bchars = prepare(docs, cfg, progress, pool)
            del tokens  # only the matchable tokens are needed from here on
        with timer("fingerprint"):
            sigs = signatures(matchable, cfg, progress, pool)
        with timer("spin"):
            spun = spin_evidence(texts, matchable, cfg, progress, pool)
        with timer("candidates"):
            progress.start("Candidate search", 1)
            cands = find_candidates(sigs, matchable, cfg)
            progress.advance()
            progress.done()
        with timer("align"):
            ver, needed, found = _verify(cands, docs, matchable, spun, cfg, progress, pool)
        pairs = {(i, j): p for i, j, p in found}
        links = [cluster.Link.of(i, j, p) for i, j, p in found]
        sem = None
        with timer("semantic"):
            if cfg.semantic:
                sem = SemanticVerifier(texts, cfg.semantic_params,
                                       boilerplate_trimmed(matchable, bchars))
                _semantic_stage(docs, matchable, sem, pairs, links, cfg, progress, pool,
                                timer)

        with timer("cluster"):
            ids = [d.id for d in docs]
            dates = [d.date for d in docs]
            fam = cluster.assign_families(
                len(docs), links, dates, [len(t) for t in matchable], ids,
                lambda wanted: _pairs_with_source(wanted, docs, matchable, ver, needed, spun, sem,
                                                  pairs, cfg, progress, pool))
            story = cluster.assign_stories(len(docs), links, fam.source, dates, ids)
            head = fam.reported_source()
            results = [
                DocResult(id=d.id, path=d.path, url=d.url, title=d.title, date=d.date,
                          family=ids[fam.source[i]], story=ids[story[i]], relation=fam.relation[i],
                          source=None if head[i] is None else ids[head[i]],
                          spun_score=spun[i], boilerplate_chars=bchars[i], chars=len(d.text))
                for i, d in enumerate(docs)]
    bands, rows = cfg.banding()
    stats = {
        "documents": len(docs), "candidate_pairs": int(len(cands.pairs)),
        "lsh_pairs": int(cands.lsh_pairs), "skeleton_pairs": int(cands.skeleton_pairs),
        "related_pairs": len(pairs),
        "families": len({r.family for r in results if r.relation != INDEPENDENT}),
        "stories": len({r.story for r in results}),
        "singleton_stories": sum(1 for c in Counter(r.story for r in results).values() if c == 1),
        "same_story_pairs": sum(1 for e in links if e.relation == SAME_STORY),
        "partial_pairs": sum(1 for p in pairs.values() if p.relation == PARTIAL),
        "bands": bands, "rows": rows, "seconds": timer.rounded(),
    }
    ordered = [pairs[k] for k in sorted(pairs)]
    return ScanResult(docs, results, ordered, list(problems or []), stats)


def _pairs_with_source(wanted: list[tuple[int, int]], docs: list[Document],
                       matchable: list[Tokens], ver: Verifier, needed: np.ndarray,
                       spun: list[float | None], sem: SemanticVerifier | None,
                       pairs: dict, cfg: ScanConfig, progress: Progress, pool) -> list:
    """Each family member that no link joins with its source, aligned with it
    (`pipeline.source_pair`), all at once: words in parallel batches, then the sentences of the
    pairs words did not settle, embedded in parallel. The pairs found join ``pairs``. (Done one
    pair at a time on one core, this was 15 of 73 s of a 10,000-document scan of the
    partial-overlap corpus, now 10 s, outputs byte-identical; a 100,000-document scan of such a
    corpus was still embedding here, one member at a time, after 25 minutes: `bench/notes.md`.)"""
    from copytrace.fingerprint.embed import single_blas

    texts = [d.text for d in docs]
    verdicts: list = [None] * len(wanted)
    known = [k for k, (i, j) in enumerate(wanted) if needed[i] and needed[j]]
    progress.start("Aligning members with their sources", len(wanted))
    if known:
        rows = np.array([wanted[k] for k in known], dtype=np.int64)
        chunks = [rows[s:s + 256] for s in range(0, len(rows), 256)]
        found = [v for part in pmap(pool, ver.verify, chunks, progress, weight=len)
                 for v in part]
        for k, v in zip(known, found):
            verdicts[k] = v
    for k, (i, j) in enumerate(wanted):
        if verdicts[k] is None:  # a member joined by its sentences only: not in the tables
            verdicts[k], = verifier([texts[i], texts[j]], [matchable[i], matchable[j]],
                                    cfg).verify(np.array([[0, 1]]))
            progress.advance()
    progress.done()
    if sem is not None and cfg.semantic:
        need = sorted({x for (i, j), v in zip(wanted, verdicts) if needs_sentences(v, cfg)
                       for x in (i, j)})
        progress.start("Embedding members' sentences", len(need))
        with single_blas():
            sem.embed(need, lambda fn, chunks: pmap(pool, fn, chunks, progress, weight=len))
        progress.done()
    out = []
    for (i, j), v in zip(wanted, verdicts):
        pair = source_pair(i, j, v, docs, cfg, spun, sem)
        if pair is not None:
            pairs[(i, j)] = pair
        out.append(pair)
    return out


def _verify(cands: Candidates, docs: list[Document], matchable: list[Tokens],
            spun: list[float | None], cfg: ScanConfig, progress: Progress, pool
            ) -> tuple[Verifier, np.ndarray, list[tuple[int, int, Pair]]]:
    """Align every candidate pair (n-gram tables only for documents that have a candidate);
    returns the verifier, which documents it holds, and the related pairs."""
    progress.start("Aligning", len(cands.pairs))
    needed = np.zeros(len(docs), dtype=bool)
    needed[cands.pairs.ravel()] = True
    ver = verifier([d.text for d in docs], matchable, cfg, needed, cands.content,
                   cands.skeletons)
    cands.skeletons = None  # the verifier keeps its n-gram table, not the skeletons
    chunks = [cands.pairs[k:k + 512] for k in range(0, len(cands.pairs), 512)]
    verified = [v for part in pmap(pool, ver.verify, chunks, progress, weight=len)
                for v in part]
    progress.done()
    found = [(i, j, make_pair(i, j, v, docs, cfg, spun))
             for (i, j), v in zip(cands.pairs.tolist(), verified) if v.relation is not None]
    return ver, needed, found


def _semantic_stage(docs: list[Document], matchable: list[Tokens], sem: SemanticVerifier,
                    pairs: dict[tuple[int, int], Pair], links: list[cluster.Link],
                    cfg: ScanConfig, progress: Progress, pool,
                    timer: StageTimer | None = None) -> None:
    """Rewrites, translations and same-story pairs among documents that share rare names and
    numbers but no text, or are each other's nearest in another language; then same-story
    pairs of mutual nearest probes not related otherwise (`copytrace.semantic`): adds them to
    ``pairs`` and ``links`` (replacing a pair that does not settle: a ``partial`` one).
    ``timer``: where its parts' seconds go (``semantic/...`` in ``stats.json``)."""
    from copytrace.fingerprint.embed import single_blas

    timer = timer or StageTimer()
    p = cfg.semantic_params
    with timer("semantic/names"):
        keys = [entity_keys(d.text, t) for d, t in zip(docs, matchable)]
        cand, shared = entity_pairs(keys, p.min_entities, p.max_entity_docs, p.top_k,
                                    p.min_entities_short)
        n_shared = {(i, j): int(c) for (i, j), c in zip(cand.tolist(), shared.tolist())}
    pr = probe_stage([d.text for d in docs], cfg, progress, pool, timer=timer)
    with timer("semantic/translation search"):
        for i, j in translation_candidates(pr, cfg).tolist():
            if (i, j) not in n_shared:
                n_shared[(i, j)] = len(np.intersect1d(keys[i], keys[j]))
    todo = [(i, j) for i, j in sorted(n_shared) if unsettled(pairs, i, j)]
    need = sorted({x for pair in todo for x in pair})
    with timer("semantic/embed"):
        progress.start("Embedding sentences", len(need))
        with single_blas():
            sem.embed(need, lambda fn, chunks: pmap(pool, fn, chunks, progress, weight=len))
        progress.done()
    with timer("semantic/sentences"):
        for i, j in todo:
            al, rel = sem.verify(i, j, n_shared[(i, j)], docs[i].date, docs[j].date)
            if rel is not None:
                pairs[(i, j)] = pair = settled_pair(pairs.get((i, j)),
                                                    semantic_pair(i, j, al, rel, docs, cfg))
                links.append(cluster.Link.of(i, j, pair))
    with timer("semantic/story search"):
        near, cosines = story_candidates(pr, cfg)
    for (i, j), cos in zip(near.tolist(), cosines.tolist()):
        if unsettled(pairs, i, j) and (pair := story_pair(i, j, cos, docs, cfg)) is not None:
            pairs[(i, j)] = pair = settled_pair(pairs.get((i, j)), pair)
            links.append(cluster.Link.of(i, j, pair))
