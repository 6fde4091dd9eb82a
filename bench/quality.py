"""Quality benchmarks on public corpora and on a generated corpus with known families.

Every task runs copytrace and a MinHash-only baseline (datasketch at its usual settings: 128
permutations, 5-word shingles, threshold 0.5) in the same run, and reports both. Whole-document
MinHash cannot find a passage inside a longer text, so PAN-13 and Clough & Stevenson also run
the field's own baselines (`bench.baselines`): on PAN-13 a seed-and-extend aligner (shared word
4-grams chained and merged within 250 characters) and difflib's common blocks; on Clough &
Stevenson the word 3-gram containment of the answer in its source (their own measure) and its
share in difflib blocks, each with cut-offs fitted on two tasks and applied to the third.

- ``pan13``: PAN-13 text alignment, "no obfuscation" pairs (../shared/data/pan13_noobf, a noisy
  copy). Character-level precision, recall, granularity and plagdet with the official
  definitions (Potthast et al., COLING 2010). copytrace's detections are the passages that
  ``scan`` writes to pairs.jsonl for the listed pairs (one scan of all 373 documents, default
  settings, every relation); beside them, the passages ``copytrace compare`` finds for each
  listed pair (the aligner alone). The MinHash baseline can only flag whole documents (a pair
  whose estimated Jaccard reaches the threshold is one detection spanning both documents).
- ``clough``: Clough & Stevenson's short answers, tasks a-c (../shared/data/clough_stevenson):
  each answer against its Wikipedia source (``compare``). Categories cut/light/heavy/non;
  reported: reuse detection (cut+light+heavy vs non), the confusion of truth category and
  relation, and 4-way accuracy of `copytrace.relate.reuse_grade` (relation and exact share ->
  cut/light/heavy/non).
- ``mrpc``: MRPC train sentence pairs (../shared/data/mrpc). Sentences are too short for copy
  detection, so this measures the sentence channel: copytrace's sentence cosine against the
  baseline's Jaccard, as ROC AUC and as accuracy/F1 at copytrace's fixed threshold (0.72) and at
  the baseline's (0.5).
- ``injected``: a generated corpus (bench/corpus.py; never reads copytrace internals) of real
  articles and families of known structure: verbatim, edited, spun, truncated and
  boilerplate-wrapped copies. Family ARI and per-type pairwise recall, overall pairwise
  precision.

    PYTHONPATH=. python -m bench.quality [--quick] [--tasks pan13,clough,mrpc,injected]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path

import numpy as np

from bench.corpus import (
    NEWS_DIR,
    donor_sentences,
    edited_copy,
    independent_subset,
    load_news,
    truncated_copy,
    wrapped_copy,
)
from bench.baselines import (datasketch_families, difflib_coverage, difflib_passages,
                             fit_cutpoints, jaccard, minhash, ngram_containment,
                             seed_extend_passages)
from bench.metrics import ari, pan_measures

DATA = NEWS_DIR.parent
RESULTS = Path(__file__).resolve().parent / "results"


# ----------------------------------------------------------------------------- baseline


# ----------------------------------------------------------------------------- PAN measures


def _read(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text  # no newline translation: offsets count "\r\n" as two characters


def pan13(limit: int | None = None) -> dict:
    """PAN measures two ways: from what ``scan`` writes (one scan of every suspicious and
    source document, default settings; the detections of a listed pair are the passages of its
    line in pairs.jsonl, whatever its relation, ``partial`` included), and from every passage
    ``compare`` finds for each listed pair (the aligner alone, no gate)."""
    import tempfile

    from copytrace.config import ScanConfig
    from copytrace.document import Document
    from copytrace.engines.local import scan
    from copytrace.ingest import admit
    from copytrace.outputs import write_scan
    from copytrace.pipeline import compare_two

    root = DATA / "pan13_noobf"
    pairs = [line.split() for line in (root / "pairs").read_text().splitlines() if line.strip()]
    pairs = pairs[:limit] if limit else pairs
    cases, ours, base, seeded, blocks = [], [], [], [], []
    cfg = ScanConfig(semantic=False, spin=False)
    t_ours = t_base = t_seed = t_blocks = 0.0
    for susp, src in pairs:
        key = (susp, src)
        truth = root / "truth" / f"{Path(susp).stem}-{Path(src).stem}.xml"
        if truth.exists():
            for f in ET.parse(truth).getroot().iter("feature"):
                if f.get("name") != "plagiarism":
                    continue
                to, tl = int(f.get("this_offset")), int(f.get("this_length"))
                so, sl = int(f.get("source_offset")), int(f.get("source_length"))
                cases.append((key, (to, to + tl), (so, so + sl)))
        a, b = _read(root / "susp" / susp), _read(root / "src" / src)
        t = time.perf_counter()
        pair, _, _ = compare_two(Document(susp, a), Document(src, b), cfg)
        ours += [(key, p.a, p.b) for p in pair.passages]
        t_ours += time.perf_counter() - t
        t = time.perf_counter()
        if minhash(a).jaccard(minhash(b)) >= 0.5:
            base.append((key, (0, len(a)), (0, len(b))))
        t_base += time.perf_counter() - t
        t = time.perf_counter()
        seeded += [(key, pa, pb) for pa, pb in seed_extend_passages(a, b)]
        t_seed += time.perf_counter() - t
        t = time.perf_counter()
        blocks += [(key, pa, pb) for pa, pb in difflib_passages(a, b)]
        t_blocks += time.perf_counter() - t
    # one scan of the whole corpus, read back from the pairs.jsonl it writes
    docs = [Document(f"susp/{f}", _read(root / "susp" / f)) for f in sorted({p[0] for p in pairs})]
    docs += [Document(f"src/{f}", _read(root / "src" / f)) for f in sorted({p[1] for p in pairs})]
    t = time.perf_counter()
    res = scan([admit(d) for d in docs], ScanConfig())  # as a reader hands them over
    t_scan = time.perf_counter() - t
    listed = {(f"susp/{s}", f"src/{r}") for s, r in pairs}
    from_scan, relations = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        write_scan(Path(tmp), res.results, res.pairs, [], res.stats)
        for line in (Path(tmp) / "pairs.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            for x, y, flip in ((rec["a"], rec["b"], False), (rec["b"], rec["a"], True)):
                if (x, y) not in listed:
                    continue
                relations[rec["relation"]] = relations.get(rec["relation"], 0) + 1
                for psg in rec["passages"]:
                    sa, sb = (psg["b"], psg["a"]) if flip else (psg["a"], psg["b"])
                    from_scan.append(((x[5:], y[4:]), tuple(sa), tuple(sb)))
    return {"pairs": len(pairs),
            "copytrace": {**pan_measures(cases, from_scan), "relations": relations,
                          "seconds": round(t_scan, 2),
                          "from": "scan of all documents, passages of pairs.jsonl"},
            "copytrace_all_passages": {**pan_measures(cases, ours), "seconds": round(t_ours, 2),
                                       "from": "compare on each listed pair, every passage"},
            "datasketch": {**pan_measures(cases, base), "seconds": round(t_base, 2)},
            "seed_extend": {**pan_measures(cases, seeded), "seconds": round(t_seed, 2),
                            "from": "shared word 4-grams chained within 250 characters, 3+ "
                                    "seeds a passage"},
            "difflib": {**pan_measures(cases, blocks), "seconds": round(t_blocks, 2),
                        "from": "SequenceMatcher on words, blocks of 10+ words merged within "
                                "40 words"}}


# ----------------------------------------------------------------------------- Clough-Stevenson

def clough() -> dict:
    from copytrace.document import Document
    from copytrace.pipeline import compare_two
    from copytrace.relate import reuse_grade

    root = DATA / "clough_stevenson"
    rows = list(csv.DictReader((root / "labels.csv").open(encoding="utf-8")))
    src = {t: Document(f"orig_task{t}", _read(root / "texts" / f"orig_task{t}.txt"))
           for t in "abc"}
    confusion: dict[str, dict[str, int]] = {}
    graded: dict[str, dict[str, int]] = {}
    base_conf: dict[str, dict[str, int]] = {}
    field: list[tuple[str, str, float, float]] = []  # task, category, 3-gram cont., difflib
    for r in rows:
        if r["Category"] == "orig" or r["Task"] not in src:
            continue
        doc = Document(r["File"], _read(root / "texts" / r["File"]))
        pair, _, _ = compare_two(doc, src[r["Task"]])
        rel = pair.relation
        confusion.setdefault(r["Category"], {}).setdefault(rel, 0)
        confusion[r["Category"]][rel] += 1
        grade = reuse_grade(rel, pair.exact_share)
        graded.setdefault(r["Category"], {}).setdefault(grade, 0)
        graded[r["Category"]][grade] += 1
        j = minhash(doc.text).jaccard(minhash(src[r["Task"]].text))
        b = "reuse" if j >= 0.5 else "none"
        base_conf.setdefault(r["Category"], {}).setdefault(b, 0)
        base_conf[r["Category"]][b] += 1
        field.append((r["Task"], r["Category"], ngram_containment(doc.text, src[r["Task"]].text),
                      difflib_coverage(doc.text, src[r["Task"]].text)))

    def detection(conf, positive):
        tp = sum(n for c, rels in conf.items() if c != "non"
                 for rel, n in rels.items() if rel in positive)
        fp = sum(n for rel, n in conf.get("non", {}).items() if rel in positive)
        pos = sum(n for c, rels in conf.items() if c != "non" for n in rels.values())
        p = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / pos if pos else 0.0
        return {"precision": round(p, 4), "recall": round(rc, 4),
                "f1": round(2 * p * rc / (p + rc), 4) if p + rc else 0.0}

    reuse = {"verbatim", "edited", "spun", "rewrite", "translation", "partial"}
    right = sum(n for c, grades in graded.items() for g, n in grades.items() if g == c)
    total = sum(n for rels in confusion.values() for n in rels.values())
    return {"answers": total,
            "copytrace": {"confusion": confusion, "reuse_detection": detection(confusion, reuse),
                          "grades": graded, "four_way_accuracy": round(right / total, 4)},
            "datasketch": {"confusion": base_conf,
                           "reuse_detection": detection(base_conf, {"reuse"})},
            **{name: _clough_field(field, k, detection) for k, name in
               ((2, "trigram_containment"), (3, "difflib_coverage"))}}


#: Clough & Stevenson's categories from least to most reuse.
_GRADES = ("non", "heavy", "light", "cut")


def _clough_field(field, col: int, detection) -> dict:
    """A field baseline on Clough & Stevenson: one score per answer (``field[i][col]``), its
    cut-offs tuned on two tasks and applied to the third (each task in turn), for reuse
    detection (one cut-off) and the 4-way grade (three)."""
    conf: dict[str, dict[str, int]] = {}
    right = total = 0
    for task in sorted({f[0] for f in field}):
        train = [f for f in field if f[0] != task]
        scores = [f[col] for f in train]
        binary = fit_cutpoints(scores, [int(f[1] != "non") for f in train], 2)
        grades = fit_cutpoints(scores, [_GRADES.index(f[1]) for f in train], 4)
        for f in field:
            if f[0] != task:
                continue
            reuse = "reuse" if f[col] >= binary[0] else "none"
            conf.setdefault(f[1], {}).setdefault(reuse, 0)
            conf[f[1]][reuse] += 1
            right += _GRADES[sum(f[col] >= t for t in grades)] == f[1]
            total += 1
    return {"confusion": conf, "reuse_detection": detection(conf, {"reuse"}),
            "four_way_accuracy": round(right / total, 4),
            "tuned": "cut-offs fitted on two tasks, applied to the third"}


# ----------------------------------------------------------------------------- MRPC

def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels.sum()
    neg = len(labels) - pos
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg)) if pos and neg else 0.5


def _binary(pred: np.ndarray, labels: np.ndarray) -> dict:
    tp = int((pred & labels).sum())
    p = tp / pred.sum() if pred.sum() else 0.0
    r = tp / labels.sum() if labels.sum() else 0.0
    return {"accuracy": round(float((pred == labels).mean()), 4), "precision": round(p, 4),
            "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def mrpc(limit: int | None = None) -> dict:
    from copytrace.fingerprint.embed import encode_sentences
    from copytrace.semantic import SemanticParams

    path = DATA / "mrpc" / "msr_paraphrase_train.txt"
    lines = path.read_text(encoding="utf-8-sig").splitlines()[1:]
    rows = [ln.split("\t") for ln in lines]
    rows = [r for r in rows if len(r) == 5][:limit] if limit else [r for r in rows if len(r) == 5]
    a = [r[3].replace("<QUOTE>", '"') for r in rows]
    b = [r[4].replace("<QUOTE>", '"') for r in rows]
    labels = np.array([r[0] == "1" for r in rows])
    t = time.perf_counter()
    cos = (encode_sentences(a) * encode_sentences(b)).sum(axis=1)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    jac5 = np.array([jaccard(x, y, 5) for x, y in zip(a, b)])
    jac1 = np.array([jaccard(x, y, 1) for x, y in zip(a, b)])
    t_base = time.perf_counter() - t
    thr = SemanticParams().sentence_threshold
    return {"pairs": len(rows), "positives": int(labels.sum()),
            "copytrace": {"auc": round(_auc(cos, labels), 4), **_binary(cos >= thr, labels),
                          "threshold": thr, "seconds": round(t_ours, 2)},
            "jaccard_5gram": {"auc": round(_auc(jac5, labels), 4), **_binary(jac5 >= 0.5, labels),
                              "threshold": 0.5, "seconds": round(t_base, 2)},
            "jaccard_words": {"auc": round(_auc(jac1, labels), 4), **_binary(jac1 >= 0.5, labels),
                              "threshold": 0.5}}


# ----------------------------------------------------------------------------- injected corpus


def injected_corpus(n_sources: int, n_negatives: int, seed: int = 7,
                    filtered: bool = False) -> list[dict]:
    """Real articles and one copy of each source per obfuscation type; ``family`` is the truth.
    Types: verbatim (reformatted), edited (sentences deleted/inserted/replaced), spun (30% of
    words, Aiksaurus), truncated (40-90% kept), wrapped (site header and footer). The articles
    come as they are (only the known near-duplicate pairs left out by `load_news`): same-story
    reports and wire templates among them are negatives the truth counts unrelated;
    ``filtered`` keeps only articles that share no 8-word run (the corpus before
    2026-12-07)."""
    from bench.spinner import spin, thesaurus_dir

    rng = random.Random(seed)
    texts = [a["text"] for a in load_news(limit=4 * (n_sources + n_negatives) + 600)]
    if filtered:
        texts = independent_subset(texts)
    donors = donor_sentences(texts[-300:])
    texts = texts[:n_sources + n_negatives]
    header = ["Home | News | Sport | Weather", "Subscribe to our newsletter"]
    footer = ["Share this article", "Copyright 2026 Example Media. All rights reserved."]
    docs = []
    for k, t in enumerate(texts):
        fam = f"f{k}"
        docs.append({"id": f"{fam}-source", "text": t, "family": fam, "type": "source"})
        if k >= n_sources:
            continue
        copies = {"verbatim": re.sub(r"\s+", " ", t).strip(),
                  "edited": edited_copy(t, rng, donors, delete=0.1, insert=0.1, replace=0.1),
                  "truncated": truncated_copy(t, rng.uniform(0.4, 0.9)),
                  "wrapped": wrapped_copy(t, header, footer)}
        if thesaurus_dir() is not None:
            copies["spun"] = spin(t, 0.3, rng, of="words")[0]
        for kind, c in copies.items():
            docs.append({"id": f"{fam}-{kind}", "text": c, "family": fam, "type": kind})
    rng.shuffle(docs)
    return docs


def injected(n_sources: int = 200, n_negatives: int = 600, filtered: bool = False) -> dict:
    from copytrace.document import Document
    from copytrace.engines.local import scan

    docs = injected_corpus(n_sources, n_negatives, filtered=filtered)
    truth = [d["family"] for d in docs]
    t = time.perf_counter()
    res = scan([Document(d["id"], d["text"]) for d in docs])
    t_ours = time.perf_counter() - t
    ours = [r.family for r in res.results]
    t = time.perf_counter()
    base_map = datasketch_families([(d["id"], d["text"]) for d in docs])
    t_base = time.perf_counter() - t
    base = [base_map[d["id"]] for d in docs]

    def per_type(pred):
        fam_of = {d["id"]: p for d, p in zip(docs, pred)}
        out = {}
        for kind in sorted({d["type"] for d in docs} - {"source"}):
            copies = [d for d in docs if d["type"] == kind]
            hit = sum(fam_of[d["id"]] == fam_of[f"{d['family']}-source"] for d in copies)
            out[kind] = round(hit / len(copies), 4)
        same = [(a, b) for a, b in combinations(range(len(docs)), 2) if pred[a] == pred[b]]
        right = sum(truth[a] == truth[b] for a, b in same)
        return out, round(right / len(same), 4) if same else 1.0

    rec_o, prec_o = per_type(ours)
    rec_b, prec_b = per_type(base)
    return {"documents": len(docs), "sources": n_sources, "negatives": n_negatives,
            "articles": "sharing no 8-word run" if filtered else "as they come",
            "copytrace": {"ari": round(ari(truth, ours), 4), "recall_by_type": rec_o,
                          "pairwise_precision": prec_o, "seconds": round(t_ours, 2)},
            "datasketch": {"ari": round(ari(truth, base), 4), "recall_by_type": rec_b,
                           "pairwise_precision": prec_b, "seconds": round(t_base, 2)}}


TASKS = {"pan13": "pan13_noobf", "clough": "clough_stevenson", "mrpc": "mrpc", "injected": "news"}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--quick", action="store_true", help="small samples (a smoke test)")
    ap.add_argument("--out", type=Path, default=RESULTS / "quality.json")
    args = ap.parse_args(argv)
    out: dict = {"command": "PYTHONPATH=. python -m bench.quality " + " ".join(
        sys.argv[1:] if argv is None else argv), "quick": args.quick}
    for task in args.tasks.split(","):
        if not (DATA / TASKS[task]).exists():
            out[task] = {"skipped": f"../shared/data/{TASKS[task]} is not present"}
            continue
        t = time.perf_counter()
        if task == "pan13":
            out[task] = pan13(limit=20 if args.quick else None)
        elif task == "clough":
            out[task] = clough()
        elif task == "mrpc":
            out[task] = mrpc(limit=300 if args.quick else None)
        else:
            out[task] = injected(*((20, 60) if args.quick else (200, 600)))
        out[task]["wall_seconds"] = round(time.perf_counter() - t, 1)
        print(task, json.dumps(out[task])[:400], flush=True)
    from bench.speed import machine  # every results file says where it was measured

    out["machine"] = machine()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    main()
