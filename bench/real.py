"""Real web pages: families, stories, relations, spin evidence and sources on hand-labelled data.

- ``webreuse``: the 289 real page excerpts of ../shared/data/webreuse_dev (29 stories and
  near-miss distractors: wire copies, write-throughs, press releases, shared quotes, spun pages,
  rewrites, recipes, encyclopedic leads...). Each document is fed as a jsonl record of its id,
  url and text, as a crawl gives them (no date field: a page's date is its dateline's when its
  text has one, else the one its address is filed under, as `copytrace scan` reads a jsonl
  file; until 2026-12-07 the url was left out). Measured on what ``scan`` outputs
  (documents.jsonl): family ARI and pairwise precision/recall/F1 of "same family"; the same on
  plain copies only (documents labelled source, verbatim, edited or independent); story ARI;
  per relation, the share of labelled members that joined their family (``joined``) and that
  were given that relation (``named``); spin evidence precision/recall/F1 of
  ``relation == spun or spun_score >= 0.5`` against the ``spun`` label; source accuracy (a
  labelled family whose labelled source is the source of the family most of its members are
  in).
- ``xling``: the 58 real pages of ../shared/data/xling_dev (translation groups in 14 languages
  with hard negatives): translations that joined their original's family, pairwise precision of
  "same family" against the translation groups, story ARI.

Beside copytrace, in the same process and on the same texts, two baselines an expert would run
first (``bench/baselines.py``; they never use copytrace's code): MinHash-only families
(datasketch LSH at Jaccard 0.5 on 5-word shingles, candidates verified by their estimated
Jaccard) and difflib families (Python's SequenceMatcher; two pages are one family when their
common blocks of 60+ characters cover at least a quarter of the shorter page). Baselines give
families only (no relations, sources or stories).

    python -m bench.real [--out bench/results/real.json] [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench.baselines import datasketch_families, difflib_families
from bench.corpus import NEWS_DIR
from bench.metrics import ari, pairwise

DATA = NEWS_DIR.parent
RESULTS = Path(__file__).resolve().parent / "results"
PLAIN = ("source", "verbatim", "edited", "independent")  # labels of plain copies (and the rest)
JUDGED = ("verbatim", "edited", "spun", "rewrite")


def load(name: str) -> list[dict]:
    path = DATA / name / "docs.jsonl"
    if not path.exists():
        raise SystemExit(f"../shared/data/{name} is not present; real benchmark skipped")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def run_copytrace(docs: list[dict], cfg=None) -> tuple[dict[str, dict], float]:
    """copytrace's documents.jsonl records by id, from the local engine on id, url and text
    (default settings, or ``cfg``)."""
    from copytrace.api import documents_from
    from copytrace.config import ScanConfig
    from copytrace.engines.local import scan

    t = time.perf_counter()
    read = list(documents_from([{"id": d["doc_id"], "url": d.get("url"), "text": d["text"]}
                                for d in docs]))
    res = scan(read, cfg or ScanConfig())
    return {r.id: r.to_json() for r in res.results}, time.perf_counter() - t


def _truth_families(docs: list[dict]) -> dict[str, str]:
    """Family label per document (an independent page is a family of its own)."""
    return {d["doc_id"]: d["family"] if d["relation"] != "independent" else d["doc_id"]
            for d in docs}


def family_scores(truth: dict[str, str], pred: dict[str, str], subset=None) -> dict:
    ids = sorted(subset if subset is not None else truth)
    t = {i: truth[i] for i in ids}
    p = {i: pred[i] for i in ids}
    return {"ari": round(ari([t[i] for i in ids], [p[i] for i in ids]), 4), **pairwise(t, p)}


def webreuse(docs: list[dict], out: dict[str, dict]) -> dict:
    truth = _truth_families(docs)
    fam = {i: r["family"] for i, r in out.items()}
    plain = [d["doc_id"] for d in docs if d["relation"] in PLAIN]
    res = {"documents": len(docs), "families": family_scores(truth, fam),
           "plain_copies": family_scores(truth, fam, plain),
           "stories_ari": round(ari([d["story"] for d in docs],
                                    [out[d["doc_id"]]["story"] for d in docs]), 4)}
    members = defaultdict(list)
    for d in docs:
        if d["relation"] != "independent":
            members[d["family"]].append(d["doc_id"])
    per = {}
    for rel in JUDGED:
        labelled = [d for d in docs if d["relation"] == rel and len(members[d["family"]]) > 1]
        joined = sum(any(fam[d["doc_id"]] == fam[o] for o in members[d["family"]]
                         if o != d["doc_id"]) for d in labelled)
        named = sum(out[d["doc_id"]]["relation"] == rel for d in labelled)
        per[rel] = {"labelled": len(labelled), "joined": joined, "named": named,
                    "joined_recall": round(joined / len(labelled), 4) if labelled else None,
                    "named_recall": round(named / len(labelled), 4) if labelled else None}
    res["relations"] = per
    flagged = {i for i, r in out.items()
               if r["relation"] == "spun" or (r["spun_score"] or 0) >= 0.5}
    spun = {d["doc_id"] for d in docs if d["relation"] == "spun"}
    tp = len(flagged & spun)
    prec = tp / len(flagged) if flagged else 1.0
    rec = tp / len(spun) if spun else 1.0
    res["spin"] = {"flagged": len(flagged), "spun": len(spun), "precision": round(prec, 4),
                   "recall": round(rec, 4),
                   "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
                   "false_flags": sorted(flagged - spun)}
    sources = [d for d in docs if d["relation"] == "source" and len(members[d["family"]]) > 1]
    right = 0
    for s in sources:
        fams = Counter(fam[m] for m in members[s["family"]])
        major = fams.most_common(1)[0][0]
        right += major == s["doc_id"] and out[s["doc_id"]]["relation"] == "source"
    res["source_accuracy"] = round(right / len(sources), 4) if sources else None
    res["sources_labelled"] = len(sources)
    return res


def xling(docs: list[dict], out: dict[str, dict]) -> dict:
    group = {d["doc_id"]: d["group"] for d in docs}
    fam = {i: r["family"] for i, r in out.items()}
    trans = [d for d in docs if d["relation"] == "translation" and d["original_doc"]]
    joined = sum(fam[d["doc_id"]] == fam[d["original_doc"]] for d in trans)
    named = sum(out[d["doc_id"]]["relation"] == "translation" for d in trans)
    return {"documents": len(docs), "translations": len(trans), "joined": joined,
            "joined_recall": round(joined / len(trans), 4) if trans else None,
            "named": named, "families": pairwise(group, fam),
            "stories_ari": round(ari([d["story"] for d in docs],
                                     [out[d["doc_id"]]["story"] for d in docs]), 4)}


def baselines(docs: list[dict]) -> dict:
    texts = [(d["doc_id"], d["text"]) for d in docs]
    truth = _truth_families(docs)
    plain = [d["doc_id"] for d in docs if d["relation"] in PLAIN]
    out = {}
    for name, fn in (("minhash", datasketch_families), ("difflib", difflib_families)):
        t = time.perf_counter()
        fam = fn(texts)
        out[name] = {"families": family_scores(truth, fam),
                     "plain_copies": family_scores(truth, fam, plain),
                     "seconds": round(time.perf_counter() - t, 2)}
    return out


def errors(docs: list[dict], out: dict[str, dict]) -> list[dict]:
    """Every labelled family member copytrace put elsewhere, and every pair of documents it put
    in one family against the labels: what remains to fix, by kind."""
    truth = _truth_families(docs)
    by_id = {d["doc_id"]: d for d in docs}
    fam = {i: r["family"] for i, r in out.items()}
    rows = []
    groups = defaultdict(list)
    for i, f in fam.items():
        groups[f].append(i)
    for f, ms in groups.items():
        labels = Counter(truth[m] for m in ms)
        if len(labels) > 1:
            rows.append({"kind": "merged", "family": f, "labels": dict(labels),
                         "relations": sorted({by_id[m]["relation"] for m in ms})})
    for d in docs:
        if d["relation"] in ("independent", "source"):
            continue
        mates = [o for o, t in truth.items() if t == truth[d["doc_id"]] and o != d["doc_id"]]
        if mates and not any(fam[o] == fam[d["doc_id"]] for o in mates):
            rows.append({"kind": f"missed {d['relation']}", "doc": d["doc_id"],
                         "story": d["story"], "predicted": out[d["doc_id"]]["relation"]})
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m bench.real", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=RESULTS / "real.json")
    ap.add_argument("--errors", action="store_true", help="print the remaining errors by kind")
    args = ap.parse_args(argv)
    web = load("webreuse_dev")
    out, secs = run_copytrace(web)
    result = {"webreuse": {"copytrace": {**webreuse(web, out), "seconds": round(secs, 2)},
                           **baselines(web)}}
    errs = errors(web, out)
    result["webreuse"]["errors"] = dict(Counter(e["kind"] for e in errs))
    try:
        xl = load("xling_dev")
        xout, xsecs = run_copytrace(xl)
        result["xling"] = {**xling(xl, xout), "seconds": round(xsecs, 2)}
    except SystemExit as e:
        result["xling"] = {"skipped": str(e)}
    result["command"] = "python -m bench.real " + " ".join(sys.argv[1:] if argv is None else argv)
    from bench.speed import machine

    result["machine"] = machine()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if args.errors:
        for e in sorted(errs, key=lambda e: e["kind"]):
            print(json.dumps(e))
    print(json.dumps({k: v for k, v in result["webreuse"].items() if k != "errors"}, indent=1))
    print(json.dumps(result.get("xling"), indent=1))
    return result


if __name__ == "__main__":
    main()
