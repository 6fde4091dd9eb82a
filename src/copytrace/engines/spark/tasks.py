"""The code Spark runs on its executors: one factory per stage, each returning the function that
``mapInArrow`` calls on a partition's Arrow batches. Every task calls the stage functions the
local engine calls (`copytrace.pipeline`, `copytrace.candidates`, `copytrace.semantic`,
`copytrace.cluster`); a task only unpacks its rows and packs its answer. The ``*_SCHEMA``
strings are the Spark schemas of their outputs.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from copytrace import cluster
from copytrace.boilerplate import (apply_boilerplate, line_records, look_like_copies,
                                   sample_priority, small_signatures)
from copytrace.candidates import bucket_pairs, enough_entities, shared_key_counts, top_k_mask
from copytrace.config import ScanConfig
from copytrace.document import Document
from copytrace.engines.spark.arrow import batch, columns, list_col, lists, runs, whole
from copytrace.fingerprint.embed import SentenceVectors, single_blas
from copytrace.ingest import admit, read_file
from copytrace.ingest.text import max_doc_bytes, set_max_doc_mb, valid_unicode
from copytrace.normalize import tokenize_many
from copytrace.outputs import PAIR_FIELDS
from copytrace.pipeline import (boilerplate_trimmed, candidate_keys, languages,
                                matchable_tokens, needs_sentences, probes, semantic_pair,
                                source_pair, spin_evidence, story_pair, topics, verifier,
                                verify_pairs)
from copytrace.semantic import SemanticVerifier, judge

_U64 = np.uint64


def prepared(texts: list[str], boiler: np.ndarray):
    """Tokens, matchable tokens and boilerplate char counts of a batch, given the boilerplate line
    keys its documents carry: `pipeline.prepare` for documents already judged."""
    toks = tokenize_many(texts)
    masks, bchars = apply_boilerplate(toks, np.unique(boiler.view(_U64)))
    return toks, matchable_tokens(toks, masks, bchars), bchars


# ----------------------------------------------------------------------------- reading

READ_SCHEMA = ("rank int, pos long, id string, text string, path string, url string, "
               "title string, date string, from_name boolean, record long, reason string")


def read_fn(fields, max_bytes: int | None = None):
    """Read files (rank, path[, content]) with the local readers: documents and problems.
    ``max_bytes``: the document limit (`--max-doc-mb`) set on the driver, which executors,
    other processes, would not see otherwise (default: the driver's limit now)."""
    max_bytes = max_doc_bytes() if max_bytes is None else max_bytes

    def run(batches):
        set_max_doc_mb(max_bytes / (1 << 20))
        cols = columns(READ_SCHEMA)
        rows = {c: [] for c in cols}

        def flush():
            out = batch(dict(rows), READ_SCHEMA)
            for v in rows.values():
                v.clear()
            return out

        for b in batches:
            d = b.to_pydict()
            contents = d.get("content") or [None] * len(d["rank"])
            for rank, path, shown, content in zip(d["rank"], d["path"], d["shown"], contents):
                tmp = None
                local = Path(path)
                if content is not None:  # a remote file: read a local copy, report its URI
                    tmp = tempfile.mkdtemp(prefix="copytrace-")
                    local = Path(tmp) / path.rstrip("/").rsplit("/", 1)[-1]
                    local.write_bytes(content)
                pos = 0
                try:
                    for got in read_file(local, fields):
                        where = valid_unicode(shown if got.path == str(local) else got.path)
                        got = admit(got)  # as read_inputs does for the local engine
                        if isinstance(got, Document):
                            vals = (rank, pos, got.id, got.text, where, got.url, got.title, got.date,
                                    bool(got.meta.get("id_from_name")), got.meta.get("record"),
                                    None)
                            pos += 1
                        else:
                            vals = (rank, -1, None, None, where, None, None, None, False,
                                    got.record, got.reason)
                        for c, v in zip(cols, vals):
                            rows[c].append(v)
                        if len(rows["rank"]) >= 256:
                            yield flush()
                finally:
                    if tmp:
                        shutil.rmtree(tmp, ignore_errors=True)
        if rows["rank"]:
            yield flush()

    return run


#: what records of a DataFrame are reported under (`ingest.records.make_record`'s ``path``)
FRAME = "DataFrame"


def records_fn(fields, max_bytes: int | None = None):
    """Rows of a DataFrame of records (rank, pos, then its id, text, url, title, date, source
    columns as text) checked as a records file's are (`ingest.records.make_record`, record
    number pos + 1): documents and problems, in ``READ_SCHEMA``."""
    from copytrace.ingest.records import make_record

    max_bytes = max_doc_bytes() if max_bytes is None else max_bytes
    where = Path(FRAME)

    def run(batches):
        set_max_doc_mb(max_bytes / (1 << 20))
        cols = columns(READ_SCHEMA)
        for b in batches:
            d = b.to_pydict()
            names = [c for c in d if c not in ("rank", "pos")]
            rows = {c: [] for c in cols}
            for k, (rank, pos) in enumerate(zip(d["rank"], d["pos"])):
                rec = {c: d[c][k] for c in names if d[c][k] is not None}
                got = admit(make_record(rec, where, pos + 1, fields))
                if isinstance(got, Document):
                    vals = (rank, pos, got.id, got.text, FRAME, got.url, got.title, got.date,
                            False, pos + 1, None)
                else:
                    vals = (rank, -1, None, None, FRAME, None, None, None, False, got.record,
                            got.reason)
                for c, v in zip(cols, vals):
                    rows[c].append(v)
            yield batch(rows, READ_SCHEMA)

    return run


# ----------------------------------------------------------------------------- boilerplate

LINES_SCHEMA = "doc long, key long, len long, prio long, sig binary"


def lines_fn():
    """Per document: one row per distinct line key (its token count), plus one row (key 0) with
    the document's total line tokens and its 32-function signature (`boilerplate`)."""

    def run(batches):
        for b in batches:
            idx = b.column("idx").to_numpy()
            toks = tokenize_many(b.column("text").to_pylist())
            key, doc, first, last = line_records(toks)
            ln = last - first
            total = np.bincount(doc, weights=ln, minlength=len(toks)).astype(np.int64)
            order = np.lexsort((key, doc))
            key, doc, ln = key[order], doc[order], ln[order]
            new = np.r_[True, (key[1:] != key[:-1]) | (doc[1:] != doc[:-1])] if len(key) else \
                np.zeros(0, bool)
            starts = np.flatnonzero(new)
            sums = np.add.reduceat(ln, starts) if len(starts) else ln[:0]
            key, doc = key[starts], idx[doc[starts]]
            sigs = small_signatures(toks)
            yield batch({
                "doc": np.r_[doc, idx].astype(np.int64),
                "key": np.r_[key.view(np.int64), np.zeros(len(idx), np.int64)],
                "len": np.r_[sums, total].astype(np.int64),
                "prio": np.r_[sample_priority(key, doc), np.zeros(len(idx), np.int64)],
                "sig": [None] * len(key) + [s.tobytes() for s in sigs],
            }, LINES_SCHEMA)

    return run


def judge_lines_fn(params):
    """Frequent lines (rows key, doc, repeated, sig sorted by key) that are boilerplate."""

    def run(batches):
        t = whole(batches)
        if t is None:
            return
        keys = t.column("key").to_numpy()
        rep = t.column("repeated").to_numpy()
        sigs = t.column("sig").to_pylist()
        out = []
        for s, e in runs(keys):
            sig = np.stack([np.frombuffer(x, np.uint32) for x in sigs[s:e]])
            if not look_like_copies(rep[s:e], sig, params):
                out.append(keys[s])
        yield batch({"key": np.array(out, dtype=np.int64)}, "key long")

    return run


# ----------------------------------------------------------------------------- candidates

FEATURES_SCHEMA = ("doc long, bands array<long>, anchors array<long>, skel array<long>, "
                   "ents array<long>, spun_score double, length long, bchars long, chars long")


def features_fn(cfg: ScanConfig):
    """Per document what candidate search needs (`pipeline.candidate_keys`, spun_score)."""

    def run(batches):
        for b in batches:
            texts = b.column("text").to_pylist()
            _, boiler = lists(b.column("boiler"))
            _, matchable, bchars = prepared(texts, boiler)
            bands, anchors, skel, ents = candidate_keys(texts, matchable, cfg)
            yield batch({
                "doc": b.column("idx"), "bands": list_col(bands),
                "anchors": list_col(anchors), "skel": list_col(skel), "ents": list_col(ents),
                "spun_score": spin_evidence(texts, matchable, cfg),
                "length": [len(t) for t in matchable], "bchars": bchars,
                "chars": [len(x) for x in texts],
            }, FEATURES_SCHEMA)

    return run


PAIRS_SCHEMA = "a long, b long, c long"


def bucket_fn(n: int, max_docs: int, counted: bool):
    """Pairs from one partition of (key, doc) rows sorted by key then doc: every pair within a
    key's run (`candidates.bucket_pairs`), or with ``counted`` the pairs sharing keys carried by
    at most ``max_docs`` documents and how many (`candidates.shared_key_counts`)."""

    def run(batches):
        t = whole(batches)
        if t is None:
            return
        keys = t.column("key").to_numpy().view(_U64)
        docs = t.column("doc").to_numpy().astype(np.int64)
        if counted:
            flat, counts = shared_key_counts(keys, docs, n, max_docs)
        else:
            flat = np.unique(bucket_pairs(keys, docs, max_docs, False, n))
            flat = flat[flat // n != flat % n]
            counts = np.ones(len(flat), dtype=np.int64)
        yield batch({"a": flat // n, "b": flat % n, "c": counts.astype(np.int64)}, PAIRS_SCHEMA)

    return run


ENTITY_SCHEMA = "a long, b long, c long, top_a boolean"


def entity_top_fn(cfg: ScanConfig, side: str):
    """Name-and-number candidates (rows a, b, c, sa, sb; or a, b, c, top_a), partitioned by
    ``side`` and sorted by (side, the other side): with ``side == "a"``, the pairs sharing
    enough (`candidates.enough_entities`) and whether each is among its a's ``top_k``
    (`candidates.top_k_mask`); with ``side == "b"``, those among the top of their a or their
    b."""
    p = cfg.semantic_params

    def run(batches):
        t = whole(batches)
        if t is None:
            return
        a, b, c = (t.column(k).to_numpy().astype(np.int64) for k in "abc")
        if side == "a":
            ok = enough_entities(c, t.column("sa").to_numpy(), t.column("sb").to_numpy(),
                                 p.min_entities, p.min_entities_short)
            a, b, c = a[ok], b[ok], c[ok]
            top = top_k_mask(a, c, p.top_k)
        else:
            keep = t.column("top_a").to_numpy(zero_copy_only=False) | top_k_mask(b, c, p.top_k)
            a, b, c, top = a[keep], b[keep], c[keep], np.ones(int(keep.sum()), bool)
        yield batch({"a": a, "b": b, "c": c, "top_a": top}, ENTITY_SCHEMA)

    return run


# ----------------------------------------------------------------------------- pairs

#: A related pair: the output fields (rounded as written) and its unrounded figures, which rank
#: links and choose sources as the local engine does.
PAIR_SCHEMA = ("a long, b long, relation string, direction string, similarity double, "
               "containment_ab double, containment_ba double, exact_share double, "
               "passages array<struct<a:array<long>,b:array<long>>>, raw_similarity double, "
               "raw_containment_ab double, raw_containment_ba double")
assert tuple(columns(PAIR_SCHEMA))[:len(PAIR_FIELDS)] == PAIR_FIELDS


def _pair_row(rows: dict, a: int, b: int, pair) -> None:
    j = pair.to_json()
    for k, v in (("a", a), ("b", b), ("relation", j["relation"]), ("direction", j["direction"]),
                 ("similarity", j["similarity"]), ("containment_ab", j["containment_ab"]),
                 ("containment_ba", j["containment_ba"]), ("exact_share", j["exact_share"]),
                 ("passages", j["passages"]),
                 ("raw_similarity", float(pair.similarity)),
                 ("raw_containment_ab", float(pair.containment_ab)),
                 ("raw_containment_ba", float(pair.containment_ba))):
        rows[k].append(v)


def _pair_columns() -> dict:
    return {c: [] for c in columns(PAIR_SCHEMA)}


def verify_fn(cfg: ScanConfig, with_source: bool = False):
    """Align pairs (rows a, b and each side's id, text, boiler, date, spun_score) as the local engine
    aligns its candidates (`pipeline.verify_pairs`); with ``with_source`` (a family member and
    its source that no candidate paired) by `pipeline.source_pair`, sentences included."""

    def run(batches):
        for b in batches:
            d = b.to_pydict()
            local: dict[int, int] = {}
            docs, spun, boiler_parts = [], [], []
            offs = {s: lists(b.column(f"{s}_boiler")) for s in "ab"}
            for r in range(b.num_rows):
                for s in "ab":
                    g = d[s][r]
                    if g not in local:
                        local[g] = len(docs)
                        docs.append(Document(id=d[f"{s}_id"][r], text=d[f"{s}_text"][r],
                                             date=d[f"{s}_date"][r]))
                        spun.append(d[f"{s}_spun_score"][r])
                        o, v = offs[s]
                        boiler_parts.append(v[o[r]:o[r + 1]])
            _, matchable, _ = prepared([x.text for x in docs], np.concatenate(boiler_parts))
            pairs = np.array([[local[a], local[b]] for a, b in zip(d["a"], d["b"])],
                             dtype=np.int64).reshape(-1, 2)
            rows = _pair_columns()
            if with_source:
                verdicts = verifier([x.text for x in docs], matchable, cfg).verify(pairs)
                for (a, b_), (i, j), v in zip(zip(d["a"], d["b"]), pairs.tolist(), verdicts):
                    # the semantic verifier holds the two texts only: rows 0 and 1; it
                    # leaves their boilerplate sentences out, as the local engine's does
                    sem = SemanticVerifier([docs[i].text, docs[j].text], cfg.semantic_params,
                                           [matchable[i], matchable[j]]) \
                        if needs_sentences(v, cfg) else None
                    pair = source_pair(0, 1, v, [docs[i], docs[j]], cfg, [spun[i], spun[j]],
                                       sem)
                    if pair is not None:
                        _pair_row(rows, a, b_, pair)
            else:
                found = {(i, j): p for i, j, p in verify_pairs(docs, pairs, cfg, matchable,
                                                                spun)}
                for (a, b_), (i, j) in zip(zip(d["a"], d["b"]), pairs.tolist()):
                    if (i, j) in found:
                        _pair_row(rows, a, b_, found[(i, j)])
            yield batch(rows, PAIR_SCHEMA)

    return run


EMBED_SCHEMA = "doc long, lang string, spans binary, vecs binary, quoted binary, k int"


def embed_fn(cfg: ScanConfig):
    """Each document's sentence vectors and language (`semantic.SemanticVerifier.embed`)."""

    def run(batches):
        for b in batches:
            texts = b.column("text").to_pylist()
            _, boiler = lists(b.column("boiler"))
            _, matchable, bchars = prepared(texts, boiler)
            sem = SemanticVerifier(texts, cfg.semantic_params,
                                   boilerplate_trimmed(matchable, bchars))
            with single_blas():
                sem.embed(range(len(texts)))
            vecs = [sem.vectors[k] for k in range(len(texts))]
            yield batch({
                "doc": b.column("idx"), "lang": [sem.langs[k] for k in range(len(texts))],
                "spans": [v.spans.astype(np.int64).tobytes() for v in vecs],
                "vecs": [v.vectors.astype(np.float16).tobytes() for v in vecs],
                "quoted": [v.quoted.astype(np.bool_).tobytes() for v in vecs],
                "k": [len(v) for v in vecs],
            }, EMBED_SCHEMA)

    return run


TOPIC_SCHEMA = "doc long, lang string, topic binary"
PROBE_SCHEMA = "doc long, probe binary"


def topics_fn(cfg: ScanConfig):
    """Each document's language (`pipeline.languages`) and topic vector (`pipeline.topics`,
    float32 bytes)."""

    def run(batches):
        for b in batches:
            texts = b.column("text").to_pylist()
            vec = topics(texts, cfg)
            yield batch({"doc": b.column("idx"), "lang": languages(texts),
                         "topic": [v.astype(np.float32).tobytes() for v in vec]}, TOPIC_SCHEMA)

    return run


def probes_fn(cfg: ScanConfig):
    """Each document's encoder probe (`pipeline.probes`, float32 bytes): only when the corpus
    holds two languages or more."""

    def run(batches):
        for b in batches:
            vec = probes(b.column("text").to_pylist(), cfg)
            yield batch({"doc": b.column("idx"),
                         "probe": [v.astype(np.float32).tobytes() for v in vec]}, PROBE_SCHEMA)

    return run


def semantic_fn(cfg: ScanConfig):
    """Judge name-and-number candidates on their sentences (rows a, b, c and each side's id,
    date, text, lang, spans, vecs, quoted, k): `semantic.judge`."""

    def vectors(d, s, r):
        k = d[f"{s}_k"][r]
        return SentenceVectors(np.frombuffer(d[f"{s}_spans"][r], np.int64).reshape(-1, 2),
                               np.frombuffer(d[f"{s}_vecs"][r], np.float16).reshape(k, -1),
                               np.frombuffer(d[f"{s}_quoted"][r], np.bool_))

    def run(batches):
        for b in batches:
            d = b.to_pydict()
            rows = _pair_columns()
            for r in range(b.num_rows):
                al, rel = judge(vectors(d, "a", r), vectors(d, "b", r), d["a_lang"][r],
                                d["b_lang"][r], cfg.semantic_params, d["c"][r], d["a_date"][r],
                                d["b_date"][r], (d["a_text"][r], d["b_text"][r]))
                if rel is None:
                    continue
                docs = [Document(id=d[f"{s}_id"][r], text="", date=d[f"{s}_date"][r])
                        for s in "ab"]
                _pair_row(rows, d["a"][r], d["b"][r], semantic_pair(0, 1, al, rel, docs, cfg))
            yield batch(rows, PAIR_SCHEMA)

    return run


def story_fn(cfg: ScanConfig):
    """Same-story pairs of mutual nearest probes (rows a, b, cos and each side's id and date):
    `pipeline.story_pair`."""

    def run(batches):
        for b in batches:
            d = b.to_pydict()
            rows = _pair_columns()
            for r in range(b.num_rows):
                docs = [Document(id=d[f"{s}_id"][r], text="", date=d[f"{s}_date"][r])
                        for s in "ab"]
                pair = story_pair(0, 1, d["cos"][r], docs, cfg)
                if pair is not None:
                    _pair_row(rows, d["a"][r], d["b"][r], pair)
            yield batch(rows, PAIR_SCHEMA)

    return run


# ----------------------------------------------------------------------------- families, stories

#: One family's rows, grouped by ``comp``: members (t=0: x, id, date, length, src) and links
#: (t=1: x=a, y=b, relation, direction, sim, cab, cba, and ``edge``: the link is one of the
#: pairs that formed the families, `cluster.family_links`), links ordered by (a, kind, b) --
#: the order of the local engine's links.
FAMILY_ROWS = ("comp long, t int, x long, y long, id string, date string, length long, "
               "src long, relation string, direction string, sim double, cab double, "
               "cba double, kind int, edge boolean")
SOURCES_SCHEMA = "t int, x long, y long, family string, relation string"


def _family(d: dict, s: int, e: int):
    members, links, ids, dates, lengths, src, edges = [], [], {}, {}, {}, {}, set()
    for r in range(s, e):
        x = d["x"][r]
        if d["t"][r] == 0:
            members.append(x)
            ids[x], dates[x], lengths[x], src[x] = d["id"][r], d["date"][r], d["length"][r], \
                d["src"][r]
        else:
            links.append(cluster.Link(x, d["y"][r], d["relation"][r], d["direction"][r],
                                      d["sim"][r], d["cab"][r], d["cba"][r]))
            if d["edge"][r]:
                edges.add((x, d["y"][r]))
    members.sort()
    return members, links, ids, dates, lengths, src, edges


def _per_family(decide):
    """A task over `FAMILY_ROWS` partitions: ``decide(members, links, ids, dates, lengths,
    src, edges)`` gives each family's output rows (t, x, y, family, relation)."""

    def run(batches):
        t = whole(batches)
        if t is None:
            return
        d = t.to_pydict()
        out: dict[str, list] = {"t": [], "x": [], "y": [], "family": [], "relation": []}
        for s, e in runs(np.asarray(d["comp"])):
            for row in decide(*_family(d, s, e)):
                for k, v in zip(out, row):
                    out[k].append(v)
        yield batch(out, SOURCES_SCHEMA)

    return run


def sources_fn():
    """Per family (rows `FAMILY_ROWS`): its source (`cluster.choose_source`). Emits t=0 rows
    (member x, source y, family id) and t=1 rows (a member and its source that no link joins,
    x < y: `cluster.unpaired_members`)."""

    def decide(members, links, ids, dates, lengths, _, __):
        src = cluster.choose_source(members, links, dates, lengths, ids)
        rows = [(0, m, src, ids[src], None) for m in members]
        return rows + [(1, lo, hi, None, None)
                       for lo, hi in cluster.unpaired_members(members, src, links)]

    return _per_family(decide)


#: Where a member of a family stands once every member was aligned with the source: t=0, its
#: family is final (x, y=source); t=1, it leaves to form a family of its own (x, y=new comp).
SPLIT_SCHEMA = SOURCES_SCHEMA


def split_fn(round_: int):
    """Per family (rows `FAMILY_ROWS`, members with their ``src``, the pairs found with the
    source included): the members that leave it to form families of their own
    (`cluster.detached_groups`), each group under a new comp id (negative, unique to the group
    and ``round_``: -(round_ * 2**40 + its smallest row + 1)); the rest keep their source."""

    def decide(members, links, ids, dates, lengths, src, edges):
        head = src[members[0]]
        groups = cluster.detached_groups(members, head, links, edges)
        new = {m: -((round_ << 40) + g[0] + 1) for g in groups for m in g}
        return [(1, m, new[m], None, None) if m in new else (0, m, head, None, None)
                for m in members]

    return _per_family(decide)


def relations_fn():
    """Per family (rows `FAMILY_ROWS`, members with their ``src``): each member's relation to
    its source (`cluster.member_relations`). Emits t=0 rows (member x, source y, family id,
    relation)."""

    def decide(members, links, ids, dates, lengths, src, _):
        head = src[members[0]]
        return [(0, m, head, ids[head], rel)
                for m, rel in cluster.member_relations(members, head, links).items()]

    return _per_family(decide)


STORY_ROWS = "comp long, idx long, id string, date string, src long"


def story_names_fn():
    """Per story (rows `STORY_ROWS` sorted by comp, idx): the id it is named after
    (`cluster.name_story`), for each member."""

    def run(batches):
        t = whole(batches)
        if t is None:
            return
        d = t.to_pydict()
        out = {"idx": [], "story": []}
        for s, e in runs(np.asarray(d["comp"])):
            members = d["idx"][s:e]
            source = dict(zip(members, d["src"][s:e]))
            dates = dict(zip(members, d["date"][s:e]))
            ids = dict(zip(members, d["id"][s:e]))
            name = cluster.name_story(members, source, dates, ids)
            out["idx"] += members
            out["story"] += [ids[name]] * len(members)
        yield batch(out, "idx long, story string")

    return run

