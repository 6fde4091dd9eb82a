"""Boilerplate: lines that recur across many otherwise different documents of the corpus.

Site chrome ("Skip to content"), sign-offs ("Join our Telegram channel ..."), donation appeals and
bylines repeat verbatim on every page of a site. Left in, they make unrelated articles look like
copies; so they are found per corpus and excluded from matching (their characters are reported as
``boilerplate_chars``).

A line (the tokens between two newlines, compared after normalization) is *frequent* when it occurs
in at least ``min_docs`` documents (default 4). A frequent line is boilerplate unless the documents
that carry it look like copies of one text, which share their paragraphs too. They look like copies
when BOTH
1. they are mostly made of frequent lines: the median share of their tokens in frequent lines is at
   least ``min_repeated`` (0.5) -- a page of site chrome around a fresh article is not; and
2. they are similar as wholes: the mean pairwise MinHash similarity of up to ``sample`` of them
   (32-function signatures over their full text) is at least ``max_similarity`` (0.25). The
   sample is drawn by a hash of line and document (`sample_priority`), so every engine judges
   the same documents whatever order it reads them in.
So chrome is found however large it is, as long as the pages around it differ; and a paragraph that
four edited copies of one article keep unchanged stays matchable.

Calibration (`python -m bench.calibrate --parts sentences`, BENCHMARKS.md, on the 289 real pages
of webreuse_dev): ``min_docs`` 2 / 3 / 4 / 6 / 8 gives family ARI 0.841 / 0.863 / 0.874 / 0.864 /
0.864, pair recall 0.762 / 0.805 / 0.836 / 0.833 / 0.833 and pair precision 0.943 / 0.932 /
0.918 / 0.900 / 0.900 (fewer documents: more shared text taken for chrome, copies lost; more:
chrome left to link pages); on xling_dev ``min_docs`` 2 joins 5 translations instead of 8.
``max_similarity`` 0.15-0.35 and ``min_repeated`` 0.3-0.7 change nothing on these sets: untested
by real data so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from copytrace.candidates import unique_rows
from copytrace.fingerprint.minhash import MinHasher
from copytrace.normalize import Tokens, mix64


@dataclass(frozen=True)
class BoilerplateParams:
    min_docs: int = 4
    max_similarity: float = 0.25
    min_repeated: float = 0.5
    sample: int = 16


@nb.njit(cache=True, nogil=True)
def _line_keys(hashes, lines, doc_tok, out_key, out_doc, out_first, out_last):
    """One record per (document, non-empty line): order-sensitive key of its tokens, token range."""
    k = 0
    for d in range(doc_tok.shape[0] - 1):
        lo = doc_tok[d]
        hi = doc_tok[d + 1]
        t = lo
        while t < hi:
            ln = lines[t]
            h = np.uint64(0x2545F4914F6CDD1D)
            u = t
            while u < hi and lines[u] == ln:
                h = mix64(h ^ hashes[u])
                u += 1
            out_key[k] = h | np.uint64(1)  # never 0
            out_doc[k] = d
            out_first[k] = t - lo
            out_last[k] = u - lo
            k += 1
            t = u
    return k


def line_records(tokens: list[Tokens]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One record per (document, non-empty line) of ``tokens`` (with line numbers): the line's
    key, the document's position in ``tokens`` and the line's first and last (exclusive) token."""
    n_docs = len(tokens)
    doc_tok = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum([len(t) for t in tokens], out=doc_tok[1:])
    total = int(doc_tok[-1])
    key = np.empty(total, np.uint64)
    doc = np.empty(total, np.int64)
    first = np.empty(total, np.int64)
    last = np.empty(total, np.int64)
    if total == 0:
        return key, doc, first, last
    hashes = np.concatenate([t.hash for t in tokens])
    lines = np.concatenate([t.line for t in tokens])
    n = _line_keys(hashes, lines, doc_tok, key, doc, first, last)
    return key[:n], doc[:n], first[:n], last[:n]


def sample_priority(keys: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """A pseudo-random priority of each (line key, document) row, as a non-negative int64: the
    documents judged for a frequent line are its ``sample`` of lowest priority. Depends only on
    the row, so every engine draws the same sample whatever the order it meets the rows in."""
    from copytrace.normalize import mix64_array

    h = mix64_array(keys.astype(np.uint64) ^ mix64_array(docs.astype(np.uint64)))
    return (h >> np.uint64(1)).astype(np.int64)


def look_like_copies(repeated: np.ndarray, sigs: np.ndarray, params: BoilerplateParams) -> bool:
    """Whether the sampled documents carrying one frequent line look like copies of one text
    (then the line is not boilerplate): ``repeated`` is each one's share of tokens in frequent
    lines, ``sigs`` their 32-function MinHash signatures over the full text (`small_signatures`)."""
    if np.median(repeated) < params.min_repeated:
        return False
    eq = (sigs[:, None, :] == sigs[None, :, :]).mean(axis=2)
    m = len(sigs)
    return (eq.sum() - m) / (m * (m - 1)) >= params.max_similarity


def small_signatures(tokens: list[Tokens]) -> np.ndarray:
    """The 32-function signatures that `look_like_copies` compares."""
    return MinHasher(num_perm=32, seed=7).signatures([t.hash for t in tokens])


def apply_boilerplate(tokens: list[Tokens], boiler: np.ndarray, records=None
                      ) -> tuple[list[np.ndarray], list[int]]:
    """Masks (True at boilerplate tokens) and boilerplate character counts of ``tokens``, given
    the boilerplate line keys (sorted or not). ``records``: `line_records(tokens)` if at hand."""
    n_docs = len(tokens)
    masks = [np.zeros(len(t), dtype=bool) for t in tokens]
    if len(boiler) == 0 or n_docs == 0:
        return masks, [0] * n_docs
    key, doc, first, last = records if records is not None else line_records(tokens)
    is_b = np.isin(key, np.asarray(boiler, dtype=np.uint64))
    if not is_b.any():
        return masks, [0] * n_docs
    bd, bf, bl = doc[is_b], first[is_b], last[is_b]
    for d, f, l_ in zip(bd.tolist(), bf.tolist(), bl.tolist()):
        masks[d][f:l_] = True
    doc_tok = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum([len(t) for t in tokens], out=doc_tok[1:])
    starts = np.concatenate([t.start for t in tokens]).astype(np.int64)
    ends = np.concatenate([t.end for t in tokens]).astype(np.int64)
    span = ends[doc_tok[bd] + bl - 1] - starts[doc_tok[bd] + bf]
    chars = np.bincount(bd, weights=span, minlength=n_docs).astype(np.int64)
    return masks, chars.tolist()


def find_boilerplate(tokens: list[Tokens], params: BoilerplateParams = BoilerplateParams()
                     ) -> tuple[list[np.ndarray], list[int]]:
    """For each document, a boolean mask over its tokens (True where the token is boilerplate)
    and the number of characters in its boilerplate lines (first to last token of each line)."""
    n_docs = len(tokens)
    none = ([np.zeros(len(t), dtype=bool) for t in tokens], [0] * n_docs)
    if n_docs < params.min_docs:
        return none
    records = line_records(tokens)
    key, doc, first, last = records
    if len(key) == 0:
        return none

    # document frequency of each line key (a line repeated inside one document counts once)
    pk, pd = unique_rows(key, doc)
    ukeys, df = np.unique(pk, return_counts=True)
    frequent = ukeys[df >= params.min_docs]
    if len(frequent) == 0:
        return none
    # share of each document's tokens that lie in frequent lines
    line_len = (last - first).astype(np.float64)
    in_freq = np.isin(key, frequent)
    doc_len = np.maximum(np.bincount(doc, weights=line_len, minlength=n_docs), 1.0)
    repeated = np.bincount(doc[in_freq], weights=line_len[in_freq], minlength=n_docs) / doc_len

    # which documents carry each frequent line; judge whether they are otherwise different
    sel = np.isin(pk, frequent)
    fk, fd = pk[sel], pd[sel]
    prio = sample_priority(fk, fd)
    starts = np.flatnonzero(np.r_[True, fk[1:] != fk[:-1]])
    ends = np.r_[starts[1:], len(fk)]
    involved = np.unique(fd)
    small = small_signatures([tokens[i] for i in involved])
    row_of = np.full(n_docs, -1, dtype=np.int64)
    row_of[involved] = np.arange(len(involved))
    boiler = []
    for s, e in zip(starts, ends):
        docs = fd[s:e]
        if len(docs) > params.sample:
            docs = docs[np.argsort(prio[s:e], kind="stable")[:params.sample]]
        if not look_like_copies(repeated[docs], small[row_of[docs]], params):
            boiler.append(fk[s])
    if not boiler:
        return none
    return apply_boilerplate(tokens, np.array(boiler, dtype=np.uint64), records)
