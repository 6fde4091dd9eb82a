"""The persistent index: "is this a copy of anything we have, and of what?" without rescanning
the archive. The algorithm lives here; the rows live in `copytrace.store.sqlite`.

Adding a batch runs the scan's stages for the new documents only, through the stage library:
their keys (`pipeline.index_keys`: LSH band keys, word anchors, skeleton anchors, names and
numbers), candidates among the stored documents and the batch by the scan's rules over stored
key rows (`candidates.keyed_pairs`: a shared band key, or ``min_anchors`` shared anchors of one
kind carried by at most ``max_bucket`` documents; `candidates.enough_entities` and
`candidates.top_k_pairs` for the sentence stage), the same word and skeleton alignment
(`pipeline.verify_pairs`) and sentence alignment (`semantic`), then the families and stories the
batch touches are formed again by the scan's rules (`cluster.assign_families`,
`cluster.assign_stories`) from their stored pairs, a family member with no stored pair with its
source aligned with it as a scan does (`Index._pairs_with_source`; what is found is stored), so
members showing nothing of their source leave its family here too (`cluster.detached_groups`).

With the semantic stage (the default, as for ``scan``; ``index create --no-semantic`` turns it
off) each document's sentence vectors are stored once it has been compared on its sentences,
and every document's topic vector when it is added, with its encoder probe where the
translation rule can use it (`candidates.shortlist_added`: the scan's shortlist for a corpus
that grows; none in an index of one language -- 69 -> 128 documents/s added on 6,000 documents
of `bench.load`'s corpus, 2026-12-07): the probe rules (`candidates.translation_pairs`,
`candidates.story_pairs`) run over the stored probes and the batch's for the pairs with a new
document (``touching``), and a query is such a batch of one. The stored probes are read once
per `Index` and kept in memory (4 KiB a document), read again only when the store's probes
change under it.

Differences from a scan, by design: no corpus-level boilerplate detection (a scan learns it from
the whole pile, and leaves it out of word matching and of the sentences it embeds); the
per-document ``top_k`` limit on name-and-number candidates is applied to each new document's
candidates only; families and sources
are chosen from the rounded figures stored with each pair; nearest probes are judged when a
document arrives, and a pair made then stays when later documents would have displaced it (and
a page once on a foreign page's translation shortlist keeps its probe).

Return values: `add` and `query` return pairs as `copytrace.document.Pair` (`Match` adds the
stored document's family and story); `document`, `family` and `story` return the JSON records
the HTTP service serves, with pairs in the output contract's shape.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from copytrace import cluster
from copytrace.candidates import (KEY_ENTITY, enough_entities, key_kind, keyed_pairs,
                                  main_language, shared_key_counts, shortlist_added,
                                  top_k_pairs)
from copytrace.config import ScanConfig
from copytrace.document import Document, Pair, Problem
from copytrace.pipeline import (Probes, index_keys, probe_stage, probes, semantic_pair, settle,
                                story_candidates, story_pair, topics, translation_candidates,
                                verify_pairs)
from copytrace.relations import SAME_STORY, SOURCE, joins_family, settles
from copytrace.semantic import SemanticVerifier
from copytrace.store.sqlite import SQLiteStore, StoreError, as_document, pair_row

__all__ = ["Index", "AddResult", "Match", "StoreError"]


@dataclass
class AddResult:
    added: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)


@dataclass
class Match:
    """A stored document related to a query: the pair (``a`` = the query, ``b`` = the stored
    document) and the stored document's family and story."""

    pair: Pair
    family: str
    story: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.pair.to_json(), family=self.family, story=self.story)


def _links(rows: list[tuple], pos: dict[int, int]) -> list[cluster.Link]:
    """Stored pair rows as links between positions ``pos``, in (a, b) order."""
    return [cluster.Link(pos[r[0]], pos[r[1]], r[2], r[3], r[4], r[5], r[6])
            for r in sorted(rows, key=lambda r: (r[0], r[1]))]


def _settled(found: list[tuple[int, int, Pair]]) -> set[tuple[int, int]]:
    """The pairs of ``found`` that the sentence stage does not judge again
    (`relations.settles`)."""
    return {(a, b) for a, b, p in found if settles(p.relation)}


def _pair_json(row: tuple, ids: dict[int, str]) -> dict[str, Any]:
    a, b, rel, way, sim, cab, cba, passages, exact = row
    return {"a": ids[a], "b": ids[b], "relation": rel, "direction": way,
            "similarity": sim, "containment_ab": cab, "containment_ba": cba,
            "exact_share": exact, "passages": json.loads(passages)}


class Index:
    """An open index: add documents once, then ask whether a new one copies any of them (no
    rescan), with the scan's families and stories kept up to date. What `add`, `query`,
    `document`, `family` and `story` return is what the HTTP service (``copytrace serve``)
    serialises. Thread-safe for one writer and many readers per process when each thread uses
    its own `Index` (or the service's per-thread connections).

    Args:
        path: the index file (an SQLite database).
        create: create it (an error if it exists); else open it (an error if it does not).
        config: with ``create``, its matching settings (`copytrace.ScanOptions(...).config()`),
            fixed from then on.

    Examples:
        >>> import tempfile, pathlib, copytrace
        >>> text = ("The council voted to shut the old harbour bridge to heavy lorries after "
        ...         "engineers found deep cracks in two of its steel supports on Tuesday.")
        >>> db = pathlib.Path(tempfile.mkdtemp()) / "archive.db"
        >>> with copytrace.Index(db, create=True,
        ...                      config=copytrace.ScanOptions(semantic=False).config()) as ix:
        ...     added = ix.add([copytrace.Document("harbour", text)])
        ...     [m.to_json()["relation"] for m in ix.query(copytrace.Document("q", text))]
        ['verbatim']
    """

    def __init__(self, path: str | Path, *, create: bool = False,
                 config: ScanConfig | None = None):
        self.store = SQLiteStore(path, create=create, config=config)
        self.path = self.store.path
        self.config = self.store.config
        # the stored probes, in document order, and the store's probe state they reflect
        self._probes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._probe_state: int | None = None
        # the translation shortlist's memory (`candidates.shortlist_added`): each document in
        # another language than the main one -> its k-th nearest main-language topic cosine
        self._kth: dict[int, float] = {}
        self._kth_main: str | None = None
        self._unsaved: set[int] = set()  # stored documents whose probe a query computed
        self._lang_counts: dict[str, int] = {}  # the stored probes' languages, counted
        self._probed: set[int] = set()  # rows of the cache whose encoder probe is computed

    @property
    def db(self):
        """The SQLite connection (for maintenance and tests)."""
        return self.store.db

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- reading -----------------------------------------------------------------------------

    def count(self) -> int:
        return self.store.count()

    def stats(self) -> dict[str, Any]:
        return self.store.stats()

    def integrity(self) -> str:
        return self.store.integrity()

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A stored document: its fields, family, relation, story and every stored pair."""
        num = self.store.docnums([doc_id]).get(doc_id)
        if num is None:
            return None
        row = self.store.load([num])[num]
        fam = self._family(num)
        pairs = self.store.pairs_of([num])
        ids = self.store.ids([p[1] if p[0] == num else p[0] for p in pairs] + [row[12]])
        ids[num] = doc_id
        rec = {"id": row[1], "text": row[2], "url": row[3], "title": row[4], "date": row[5],
               "source": row[6], "chars": row[8], "added": row[10],
               "family": fam["id"], "relation": fam["relations"][row[1]],
               "family_source": fam["id"] if fam["relations"][fam["id"]] == SOURCE else None,
               "story": ids[row[12]],
               "pairs": [_pair_json(p, ids) for p in pairs]}
        if row[7]:
            rec["meta"] = json.loads(row[7])
        return rec

    def family(self, doc_or_family_id: str) -> dict[str, Any] | None:
        """The family of a document (or the family with this id): members, relations, pairs."""
        num = self.store.docnums([doc_or_family_id]).get(doc_or_family_id)
        return None if num is None else self._family(num)

    def _family(self, num: int) -> dict[str, Any]:
        fam, rows = self.store.members(num, "family")
        members = [r[0] for r in rows]
        ids = {r[0]: r[1] for r in rows}
        pairs = [p for p in self.store.pairs_of(members) if p[0] in ids and p[1] in ids
                 and joins_family(p[2])]
        pos = {m: k for k, m in enumerate(members)}
        rel = {members[k]: r for k, r in cluster.member_relations(
            list(range(len(members))), pos[fam], _links(pairs, pos)).items()}
        # no source: a document alone, or a family whose original is absent
        # (`cluster.original_absent`: every member a spun copy)
        return {"id": ids[fam], "size": len(members),
                "source": ids[fam] if rel[fam] == SOURCE else None,
                "members": [{"id": r[1], "date": r[2], "chars": r[3], "relation": rel[r[0]]}
                            for r in rows],
                "relations": {ids[m]: rel[m] for m in members},
                "pairs": [_pair_json(p, ids) for p in pairs]}

    def story(self, doc_or_story_id: str, max_pairs: int = 1000) -> dict[str, Any] | None:
        """The story of a document (or the story with this id): its families (copies and
        rewrites of one text) and the same-story links between them (independent coverage)."""
        num = self.store.docnums([doc_or_story_id]).get(doc_or_story_id)
        if num is None:
            return None
        story, rows = self.store.members(num, "story")
        ids = {r[0]: r[1] for r in rows}
        by_family: dict[int, list[tuple]] = {}
        for r in rows:
            by_family.setdefault(r[4], []).append(r)
        links = [p for p in self.store.pairs_of(list(ids)) if p[2] == SAME_STORY
                 and p[0] in ids and p[1] in ids]
        links.sort(key=lambda p: -p[4])
        fams = sorted(by_family.items(), key=lambda f: (-len(f[1]), ids[f[0]]))
        return {"id": ids[story], "size": len(rows), "families": [
                    {"id": ids[f], "size": len(members),
                     "members": [{"id": r[1], "date": r[2], "chars": r[3]} for r in members]}
                    for f, members in fams],
                "links": [_pair_json(p, ids) for p in links[:max_pairs]],
                "links_total": len(links)}

    def stories(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Stories of more than one family, the most families first."""
        return [{"id": r[0], "families": r[1], "size": r[2]}
                for r in self.store.stories_page(limit, offset)]

    def families(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """The largest families first."""
        return [{"id": r[0], "size": r[1]} for r in self.store.families_page(limit, offset)]

    def pairs_from(self, doc_id: str) -> list[dict[str, Any]] | None:
        """The stored pairs of a stored document seen from it (it is ``a``), or None when it is
        not stored."""
        rec = self.document(doc_id)
        if rec is None:
            return None
        flip = {"a->b": "b->a", "b->a": "a->b"}
        seen = [p if p["a"] == doc_id else
                {**p, "a": p["b"], "b": p["a"], "direction": flip.get(p["direction"],
                                                                      p["direction"]),
                 "containment_ab": p["containment_ba"], "containment_ba": p["containment_ab"],
                 "passages": [{"a": x["b"], "b": x["a"]} for x in p["passages"]]}
                for p in rec["pairs"]]
        # each other document's family and story, as a query's matches carry them
        nums = self.store.docnums([p["b"] for p in seen])
        names = self.store.group_ids(list(nums.values()))
        seen = [dict(p, family=names[nums[p["b"]]][0], story=names[nums[p["b"]]][1])
                for p in seen]
        seen.sort(key=lambda p: (-p["similarity"], p["b"]))
        return seen

    # ---- candidates and verification -------------------------------------------------------

    def _candidates(self, new_keys: list[np.ndarray], new_nums: list[int],
                    new_entities: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs (lo, hi) of document numbers, each with at least one new document, that the
        scan's rules make candidates: copy candidates, then name-and-number candidates with
        their shared counts."""
        cfg = self.config
        big = cfg.max_bucket + 1
        small = cfg.semantic_params.max_entity_docs + 1
        k_new = np.concatenate(new_keys) if new_keys else np.empty(0, np.int64)
        d_new = np.repeat(np.asarray(new_nums, np.int64), [len(k) for k in new_keys])
        k_old, d_old = self.store.key_rows(
            np.unique(k_new), lambda key: small if key_kind(key) == KEY_ENTITY else big)
        keys = np.concatenate([k_old, k_new])
        docs = np.concatenate([d_old, d_new])
        nums, local = np.unique(docs, return_inverse=True)
        order = np.argsort(local, kind="stable")  # rows document by document
        keys, local = keys[order], local[order]
        kind = key_kind(keys)
        is_new = np.isin(nums, new_nums)
        pairs = keyed_pairs(keys, local, len(nums), cfg.min_anchors, cfg.max_bucket)
        pairs = pairs[is_new[pairs[:, 0]] | is_new[pairs[:, 1]]]
        copy = np.unique(np.concatenate([np.empty((0, 2), np.int64), nums[pairs]]),
                         axis=0).astype(np.int64, copy=False)
        ent = np.empty((0, 2), np.int64), np.empty(0, np.int64)
        if cfg.semantic and (kind == KEY_ENTITY).any():
            ent = self._entity_candidates(keys[kind == KEY_ENTITY], local[kind == KEY_ENTITY],
                                          nums, is_new, dict(zip(new_nums, new_entities)))
        return copy, ent[0], ent[1]

    def _entity_candidates(self, keys: np.ndarray, local: np.ndarray, nums: np.ndarray,
                           is_new: np.ndarray, new_sizes: dict[int, int]
                           ) -> tuple[np.ndarray, np.ndarray]:
        """`candidates.entity_pairs`' rule over the stored and new documents' entity keys:
        pairs with a new document, ranked per new document (its ``top_k`` kept)."""
        p = self.config.semantic_params
        m = len(nums)
        flat, counts = shared_key_counts(keys, local, m, p.max_entity_docs)
        lo, hi = flat // m, flat % m
        keep = (is_new[lo] | is_new[hi]) & (counts >= min(p.min_entities, p.min_entities_short))
        lo, hi, counts = lo[keep], hi[keep], counts[keep]
        if not len(lo):
            return np.empty((0, 2), np.int64), np.empty(0, np.int64)
        sizes = np.zeros(m, np.int64)
        involved = np.unique(np.concatenate([lo, hi]))
        known = dict(new_sizes)
        known.update(self.store.entity_sizes([int(n) for n in nums[involved]
                                              if int(n) not in known]))
        sizes[involved] = [known.get(int(n), 0) for n in nums[involved]]
        ok = enough_entities(counts, sizes[lo], sizes[hi], p.min_entities, p.min_entities_short)
        lo, hi, counts = lo[ok], hi[ok], counts[ok]
        keep = top_k_pairs(lo, hi, counts, p.top_k, is_new[lo], is_new[hi])
        return np.stack([nums[lo[keep]], nums[hi[keep]]], axis=1), counts[keep]

    def _documents(self, nums: list[int], extra: dict[int, Document]) -> list[Document]:
        stored = self.store.load([n for n in nums if n not in extra])
        return [extra[n] if n in extra else as_document(stored[n]) for n in nums]

    def _verify(self, pairs: np.ndarray, extra: dict[int, Document]
                ) -> list[tuple[int, int, Pair]]:
        """Align candidate pairs of document numbers; ``extra`` holds documents not stored."""
        if len(pairs) == 0:
            return []
        nums = sorted(set(pairs.ravel().tolist()))
        docs = self._documents(nums, extra)
        pos = {n: k for k, n in enumerate(nums)}
        local = np.array([[pos[a], pos[b]] for a, b in pairs.tolist()], dtype=np.int64)
        return [(nums[i], nums[j], p) for i, j, p in verify_pairs(docs, local, self.config)]

    def _semantic(self, pairs: np.ndarray, shared: np.ndarray, copies: set[tuple[int, int]],
                  extra: dict[int, Document], threads: int = 1
                  ) -> tuple[list[tuple[int, int, Pair]], list[tuple]]:
        """Align name-and-number candidates that are not copies on their sentences (the scan's
        semantic stage), embedding on ``threads`` threads. Returns the related pairs, and the
        sentence vector rows computed here for documents (stored vectors are reused)."""
        from copytrace.fingerprint.embed import DIM, SentenceVectors, single_blas
        from copytrace.quotes import quoted_sentences

        todo = [(a, b, c) for (a, b), c in zip(pairs.tolist(), shared.tolist())
                if (a, b) not in copies]
        if not todo:
            return [], []
        nums = sorted({n for a, b, _ in todo for n in (a, b)})
        docs = self._documents(nums, extra)
        pos = {n: k for k, n in enumerate(nums)}
        sem = SemanticVerifier([d.text for d in docs], self.config.semantic_params)
        for n, (lang, spans, vecs) in self.store.vectors([n for n in nums
                                                          if n not in extra]).items():
            spans = np.frombuffer(spans, np.int64).reshape(-1, 2)
            sem.vectors[pos[n]] = SentenceVectors(
                spans, np.frombuffer(vecs, np.float16).reshape(-1, DIM),
                quoted_sentences(docs[pos[n]].text, spans))
            sem.langs[pos[n]] = lang
        known = set(sem.vectors)
        with single_blas(), ThreadPoolExecutor(threads) as pool:
            sem.embed(range(len(nums)), pool.map if threads > 1 else map)
        found = []
        for a, b, c in todo:
            i, j = pos[a], pos[b]
            al, rel = sem.verify(i, j, c, docs[i].date, docs[j].date)
            if rel is not None:
                found.append((a, b, semantic_pair(i, j, al, rel, docs, self.config)))
        fresh = [(nums[k], sem.langs[k],
                  np.ascontiguousarray(sem.vectors[k].spans, np.int64).tobytes(),
                  np.ascontiguousarray(sem.vectors[k].vectors, np.float16).tobytes())
                 for k in sorted(sem.vectors.keys() - known)]
        return found, fresh

    # ---- probes ----------------------------------------------------------------------------

    def _with_probes(self) -> bool:
        return self.config.semantic and self.config.probes

    def _stored_probes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every stored probe (numbers, languages as an object array, and a float32 buffer of
        shape (2, rows, DIM) whose first rows are their encoder probes in ``[0]`` and topic
        vectors in ``[1]``, each a contiguous matrix for the nearest-neighbour products, with
        room to grow), read again only when the store's probes changed (another writer, a delete, a
        rolled-back batch). Every stored row has a topic vector; its encoder probe is zeros
        until the translation rule needs it (`_probe_pairs`). A probe stored before topic
        vectors existed (schema 4) gets its topic vector from the stored text here, in
        memory."""
        from copytrace.fingerprint.embed import DIM

        state = self.store.probe_state()
        if self._probes is None or state != self._probe_state:
            nums, langs, vecs = self.store.probes()
            buf = np.zeros((2, max(64, 2 * len(vecs)), DIM), np.float32)
            old = [k for k, v in enumerate(vecs) if len(v) == 4 * DIM]
            for k, v in enumerate(vecs):
                row = np.frombuffer(v, np.float32)
                buf[0, k] = row[:DIM]
                if len(row) == 2 * DIM:
                    buf[1, k] = row[DIM:]
            if old:
                texts = [d.text for d in self._documents([nums[k] for k in old], {})]
                buf[1, old] = topics(texts, self.config)
            self._probes = (np.array(nums, np.int64), np.array(langs, dtype=object), buf)
            self._probe_state = state
            self._kth, self._kth_main, self._unsaved = {}, None, set()
            self._lang_counts = dict(Counter(langs))
            self._probed = set(np.flatnonzero(buf[0, :len(vecs)].any(axis=1)).tolist())
        return self._probes

    def _new_probes(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """Languages, and room for encoder probes (zeros: `_probe_pairs` computes the ones the
        translation rule needs) and topic vectors side by side, of new texts."""
        pr = probe_stage(texts, self.config, encoder=False)
        return list(pr.langs), np.concatenate([np.zeros_like(pr.topics), pr.topics], axis=1)

    def _probe_pairs(self, new_nums: list[int], new_langs: list[str], new_vecs: np.ndarray,
                     new_texts: list[str], keep: bool = False
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The scan's probe rules (`candidates.translation_pairs`, `candidates.story_pairs`)
        over the stored probes and the new ones, for the pairs with a new document: translation
        candidates and story pairs as (lo, hi) document numbers, and the story pairs' cosines.
        The new probes go after the stored ones (into the cached buffer's spare rows, so
        nothing is copied): rows are in the order documents arrived, as a scan's are in
        reading order (a query counts as the newest). Encoder probes are computed for the
        documents the translation rule can pair (`_translation_probes`): the new ones into
        ``new_vecs``, stored ones in memory (and in the store with ``keep``)."""
        nums, langs, buf = self._stored_probes()
        n, m = len(nums), len(new_nums)
        dim = buf.shape[2]
        if n + m > buf.shape[1]:
            grown = np.zeros((2, 2 * (n + m), dim), np.float32)
            grown[:, :n] = buf[:, :n]
            buf = grown
            self._probes = (nums, langs, buf)
        buf[0, n:n + m] = new_vecs[:, :dim]
        buf[1, n:n + m] = new_vecs[:, dim:]
        all_nums = np.concatenate([nums, np.asarray(new_nums, np.int64)])
        all_langs = np.concatenate([langs, np.array(list(new_langs), dtype=object)])
        self._translation_probes(all_nums, all_langs, buf, n, new_texts, keep)
        new_vecs[:, :dim] = buf[0, n:n + m]
        pr = Probes(all_langs, buf[1, :n + m], buf[0, :n + m])
        touching = np.arange(n, n + m)
        rows = np.concatenate([np.arange(n), touching[np.asarray(new_vecs).any(axis=1)]])
        probed = sorted(self._probed | {r for r in range(n, n + m) if buf[0, r].any()})
        trans = all_nums[translation_candidates(pr, self.config, touching,
                                                np.array(probed, dtype=np.int64))]
        near, cos = story_candidates(pr, self.config, touching, rows)
        near = all_nums[near]
        trans.sort(axis=1)
        near.sort(axis=1)
        return trans, near, cos

    def _translation_probes(self, all_nums: np.ndarray, all_langs: np.ndarray, buf: np.ndarray,
                            n: int, new_texts: list[str], keep: bool) -> None:
        """Compute the encoder probes the translation rule needs (`candidates.shortlist_added`,
        the scan's shortlist for a growing corpus) that rows ``[0, len(all_nums))`` of
        ``buf[0]`` lack (zeros); rows from ``n`` on are new, with ``new_texts``. A stored
        document's probe is computed from its stored text the first time it is needed (a page
        in another language came near it, or the main language changed) and, with ``keep``,
        stored. In an index of one language no probe is computed (~7 ms a document saved)."""
        main = main_language(all_langs[n:], self._lang_counts)
        if main is None:
            return
        if main != self._kth_main:
            self._kth, self._kth_main = {}, main
        # rows of the documents remembered (stored numbers are in ascending order)
        known = np.fromiter(self._kth, np.int64, len(self._kth))
        at = np.searchsorted(all_nums[:n], known)
        ok = at < n
        ok[ok] = all_nums[at[ok]] == known[ok]
        kth = dict(zip(at[ok].tolist(), [self._kth[x] for x in known[ok].tolist()]))
        need = shortlist_added(buf[1, :len(all_nums)], all_langs,
                               np.arange(n, len(all_nums)), kth,
                               self.config.semantic_params.translation_shortlist, main)
        self._kth = {int(all_nums[r]): v for r, v in kth.items() if r < n or keep}
        missing = [r for r in need.tolist() if not buf[0, r].any()]
        stored = [r for r in missing if r < n]
        if missing:  # sorted: the stored rows, then the new ones
            texts = [d.text for d in self._documents([int(all_nums[r]) for r in stored], {})]
            texts += [new_texts[r - n] for r in missing[len(stored):]]
            buf[0, missing] = probes(texts, self.config)
            self._probed |= set(stored)
        if not keep:
            self._unsaved |= {int(all_nums[r]) for r in stored}
            return
        stored += [r for r in need.tolist() if r < n and int(all_nums[r]) in self._unsaved]
        if stored:
            self.store.insert_probes([(int(all_nums[r]), str(all_langs[r]),
                                       buf[:, r].tobytes()) for r in stored])
            self._unsaved -= {int(all_nums[r]) for r in stored}
            self._probe_state = self.store.probe_state()

    def _keep_probes(self, nums: list[int], langs: list[str], vecs: np.ndarray) -> None:
        """Store the batch's non-zero probes (an empty text has none) and add them to the
        cache, which `_probe_pairs` read in this transaction (after a rollback the store's
        generation no longer matches and the cache is read again)."""
        has = np.asarray(vecs).any(axis=1)
        keep = np.flatnonzero(has)
        self.store.insert_probes([(nums[k], langs[k], vecs[k].astype(np.float32).tobytes())
                                  for k in keep.tolist()])
        old_nums, old_langs, buf = self._probes
        n = len(old_nums)
        vecs = np.asarray(vecs, np.float32)
        buf[0, n:n + len(keep)] = vecs[keep, :buf.shape[2]]
        buf[1, n:n + len(keep)] = vecs[keep, buf.shape[2]:]
        self._probed |= {n + j for j, k in enumerate(keep.tolist()) if vecs[k, :buf.shape[2]].any()}
        self._probes = (np.concatenate([old_nums, np.asarray(nums, np.int64)[keep]]),
                        np.concatenate([old_langs, np.array([langs[k] for k in keep.tolist()],
                                                            dtype=object)]), buf)
        for k in keep.tolist():
            self._lang_counts[langs[k]] = self._lang_counts.get(langs[k], 0) + 1
        self._probe_state = self.store.probe_state()

    def _with_translations(self, ent: np.ndarray, shared: np.ndarray, trans: np.ndarray,
                           new_keys: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Name-and-number candidates and translation candidates, united (a pair in both keeps
        its name-and-number count), in number order."""
        known = {(a, b) for a, b in ent.tolist()}
        extra = np.array([p for p in trans.tolist() if tuple(p) not in known],
                         dtype=np.int64).reshape(-1, 2)
        if not len(extra):
            return ent, shared
        pairs = np.concatenate([ent.reshape(-1, 2), extra])
        counts = np.concatenate([shared, self._entity_shared(extra, new_keys)])
        order = np.lexsort((pairs[:, 1], pairs[:, 0]))
        return pairs[order], counts[order]

    def _entity_shared(self, pairs: np.ndarray, new_keys: dict[int, np.ndarray]) -> np.ndarray:
        """How many names and numbers each pair of document numbers shares (all of them, as the
        scan counts for its translation candidates)."""
        stored = self.store.keys_of(sorted({int(n) for n in pairs.ravel()} - new_keys.keys()))
        keys = {**stored, **new_keys}
        ent = {n: k[key_kind(k) == KEY_ENTITY] for n, k in keys.items()}
        return np.array([len(np.intersect1d(ent[a], ent[b])) for a, b in pairs.tolist()],
                        dtype=np.int64)

    def _story(self, near: np.ndarray, cos: np.ndarray, related: set[tuple[int, int]],
               extra: dict[int, Document]) -> list[tuple[int, int, Pair]]:
        """Same-story pairs of mutual nearest probes that no pair of ``related`` relates
        (`pipeline.story_pair`)."""
        todo = [(a, b, c) for (a, b), c in zip(near.tolist(), cos.tolist())
                if (a, b) not in related]
        if not todo:
            return []
        nums = sorted({n for a, b, _ in todo for n in (a, b)})
        docs = self._documents(nums, extra)
        pos = {n: k for k, n in enumerate(nums)}
        out = []
        for a, b, c in todo:
            pair = story_pair(pos[a], pos[b], c, docs, self.config)
            if pair is not None:
                out.append((a, b, pair))
        return out

    # ---- queries ---------------------------------------------------------------------------

    def query(self, doc: Document, limit: int = 100, semantic: bool = True) -> list[Match]:
        """Stored documents related to ``doc`` (not stored), best first: the pairs a scan of the
        stored documents and ``doc`` would report between ``doc`` and them. ``semantic=False``
        skips the sentence stage (copies only: verbatim, edited, spun), a faster answer when
        rewrites and stories do not matter."""
        keys, _, entities = index_keys([doc.text], self.config)
        qnum = -1  # below every stored number: the query is always a pair's ``a`` side
        copy, ent, shared = self._candidates(keys, [qnum], entities)
        found = self._verify(copy, {qnum: doc})
        near = np.empty((0, 2), np.int64)
        cos = np.empty(0)
        if semantic and self._with_probes():
            trans, near, cos = self._probe_pairs([qnum], *self._new_probes([doc.text]),
                                                 [doc.text])
            ent, shared = self._with_translations(ent, shared, trans, {qnum: keys[0]})
        if len(ent) and semantic:
            found = settle(found, self._semantic(ent, shared, _settled(found), {qnum: doc})[0])
        found = settle(found, self._story(near, cos, _settled(found), {qnum: doc}))
        names = self.store.group_ids([b for _, b, _ in found])
        found.sort(key=lambda x: (-x[2].similarity, x[2].b))
        return [Match(p, *names[b]) for _, b, p in found[:limit]]

    # ---- writing ---------------------------------------------------------------------------

    def add(self, docs: Iterable[Document | Problem]) -> AddResult:
        """Add a batch atomically: every document of it, or (on any error) none. A `Problem`
        among ``docs`` (an unreadable input, from `copytrace.api.documents_from` or a reader)
        is passed on into the result's ``problems``."""
        res = AddResult()
        seen: set[str] = set()
        batch = []
        for d in docs:
            if isinstance(d, Problem):
                res.problems.append(d)
                continue
            if d.id in seen:
                res.problems.append(Problem(d.path or "batch", f"duplicate id {d.id!r} in the "
                                            "batch; record skipped"))
                continue
            seen.add(d.id)
            batch.append(d)
        keys, lengths, entities = index_keys([d.text for d in batch], self.config) if batch \
            else ([], [], [])
        probing = self._with_probes() and bool(batch)
        if probing:  # embedded before the write lock is taken
            langs, vecs = self._new_probes([d.text for d in batch])
        with self.store.writing():
            taken = self.store.docnums([d.id for d in batch])
            keep = [k for k, d in enumerate(batch) if d.id not in taken]
            for k, d in enumerate(batch):
                if d.id in taken:
                    res.problems.append(Problem(d.path or "batch", f"id {d.id!r} is already in "
                                                "the index; record skipped (delete it first "
                                                "to replace it)"))
            batch = [batch[k] for k in keep]
            keys = [keys[k] for k in keep]
            nums = self.store.insert_documents(batch, [lengths[k] for k in keep],
                                               [entities[k] for k in keep])
            entities = [entities[k] for k in keep]
            found = []
            if nums:
                copy, ent, shared = self._candidates(keys, nums, entities)
                found = self._verify(copy, dict(zip(nums, batch)))
                near, cos = np.empty((0, 2), np.int64), np.empty(0)
                if probing:
                    langs = [langs[k] for k in keep]
                    vecs = vecs[keep]
                    trans, near, cos = self._probe_pairs(nums, langs, vecs,
                                                         [d.text for d in batch], keep=True)
                    ent, shared = self._with_translations(ent, shared, trans,
                                                          dict(zip(nums, keys)))
                if len(ent):
                    more, vectors = self._semantic(
                        ent, shared, _settled(found), dict(zip(nums, batch)),
                        threads=os.cpu_count() or 1)
                    found = settle(found, more)
                    self.store.insert_vectors(vectors)
                found = settle(found, self._story(near, cos, _settled(found),
                                                  dict(zip(nums, batch))))
                if probing:
                    self._keep_probes(nums, langs, vecs)
            self.store.insert_keys(keys, nums)
            self.store.insert_pairs(found)
            self._relink({n for a, b, _ in found for n in (a, b)})
        res.added = [d.id for d in batch]
        res.pairs = [p for _, _, p in found]
        return res

    def _relink(self, touched: set[int]) -> None:
        """Form again the families and stories of ``touched`` documents from the stored pairs
        (inside the open transaction), by the scan's rules (`copytrace.cluster`)."""
        if not touched:
            return
        members = self.store.story_members(sorted(self.store.stories_of(sorted(touched))))
        nums = [m[0] for m in members]  # a story holds whole families
        pos = {n: k for k, n in enumerate(nums)}
        links = _links([p for p in self.store.pairs_of(nums) if p[0] in pos and p[1] in pos],
                       pos)
        ids = [m[1] for m in members]
        dates = [m[2] for m in members]
        fam = cluster.assign_families(len(nums), links, dates, [m[3] for m in members], ids,
                                      lambda wanted: self._pairs_with_source(wanted, nums))
        story = cluster.assign_stories(len(nums), links, fam.source, dates, ids)
        self.store.set_groups([(nums[fam.source[k]], nums[story[k]], nums[k])
                               for k in range(len(nums))])

    def _pairs_with_source(self, wanted: list[tuple[int, int]], nums: list[int]) -> list:
        """Each (lo, hi) row pair of a family member and its source that no stored pair joins,
        aligned as a scan aligns them (`pipeline.source_pair`): on words and skeletons, then,
        with the sentence stage, on sentences. The pairs found are stored (inside the open
        transaction) and returned as links with the stored, rounded figures; None where
        nothing joins the two."""
        rows = np.array([[nums[lo], nums[hi]] for lo, hi in wanted], dtype=np.int64)
        found = {(a, b): p for a, b, p in self._verify(rows, {}) if joins_family(p.relation)}
        rest = np.array([r for r in rows.tolist() if tuple(r) not in found],
                        dtype=np.int64).reshape(-1, 2)
        if len(rest) and self.config.semantic:
            more, vectors = self._semantic(rest, np.zeros(len(rest), np.int64), set(), {},
                                           threads=os.cpu_count() or 1)
            found.update({(a, b): p for a, b, p in more if joins_family(p.relation)})
            self.store.insert_vectors(vectors)
        self.store.insert_pairs([(a, b, p) for (a, b), p in found.items()])
        pos = {n: k for k, n in enumerate(nums)}
        links = {(e.a, e.b): e
                 for e in _links([pair_row(a, b, p) for (a, b), p in found.items()], pos)}
        return [links.get(pair) for pair in wanted]

    def delete(self, ids: list[str]) -> list[str]:
        """Delete documents (and their keys and pairs); returns the ids that were there."""
        with self.store.writing():
            found = self.store.docnums(ids)
            stories = self.store.delete_documents(sorted(found.values()))
            # every pair lies inside a story: the rest of those stories is linked again
            rest = self.store.unlink_stories(sorted(stories))
            self._relink(rest)
        return [i for i in ids if i in found]

    def evict(self, older_than_days: float) -> list[str]:
        """Delete the documents added more than ``older_than_days`` days ago."""
        ids = self.store.ids_added_before(time.time() - older_than_days * 86400)
        return self.delete(ids) if ids else []
