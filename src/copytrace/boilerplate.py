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
   (32-function signatures over their full text) is at least ``max_similarity`` (0.25).
So chrome is found however large it is, as long as the pages around it differ; and a paragraph that
four edited copies of one article keep unchanged stays matchable.
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


def find_boilerplate(tokens: list[Tokens], params: BoilerplateParams = BoilerplateParams()
                     ) -> tuple[list[np.ndarray], list[int]]:
    """For each document, a boolean mask over its tokens (True where the token is boilerplate)
    and the number of characters in its boilerplate lines (first to last token of each line)."""
    n_docs = len(tokens)
    masks = [np.zeros(len(t), dtype=bool) for t in tokens]
    none = (masks, [0] * n_docs)
    if n_docs < params.min_docs:
        return none
    doc_tok = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum([len(t) for t in tokens], out=doc_tok[1:])
    total = int(doc_tok[-1])
    if total == 0:
        return none
    hashes = np.concatenate([t.hash for t in tokens])
    lines = np.concatenate([t.line for t in tokens])
    key = np.empty(total, np.uint64)
    doc = np.empty(total, np.int64)
    first = np.empty(total, np.int64)
    last = np.empty(total, np.int64)
    n = _line_keys(hashes, lines, doc_tok, key, doc, first, last)
    key, doc, first, last = key[:n], doc[:n], first[:n], last[:n]

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
    starts = np.flatnonzero(np.r_[True, fk[1:] != fk[:-1]])
    ends = np.r_[starts[1:], len(fk)]
    involved = np.unique(fd)
    hasher = MinHasher(num_perm=32, seed=7)
    small = hasher.signatures([tokens[i].hash for i in involved])
    row_of = {int(d): r for r, d in enumerate(involved)}
    boiler = []
    rng = np.random.default_rng(0)
    for s, e in zip(starts, ends):
        docs = fd[s:e]
        if len(docs) > params.sample:
            docs = rng.choice(docs, params.sample, replace=False)
        if np.median(repeated[docs]) < params.min_repeated:
            boiler.append(fk[s])
            continue
        sig = small[[row_of[int(d)] for d in docs]]
        eq = (sig[:, None, :] == sig[None, :, :]).mean(axis=2)
        m = len(docs)
        mean_sim = (eq.sum() - m) / (m * (m - 1))
        if mean_sim < params.max_similarity:
            boiler.append(fk[s])
    if not boiler:
        return none
    is_b = np.isin(key, np.array(boiler, dtype=np.uint64))
    bd, bf, bl = doc[is_b], first[is_b], last[is_b]
    for d, f, l_ in zip(bd.tolist(), bf.tolist(), bl.tolist()):
        masks[d][f:l_] = True
    starts = np.concatenate([t.start for t in tokens]).astype(np.int64)
    ends = np.concatenate([t.end for t in tokens]).astype(np.int64)
    span = ends[doc_tok[bd] + bl - 1] - starts[doc_tok[bd] + bf]
    chars = np.bincount(bd, weights=span, minlength=n_docs).astype(np.int64)
    return masks, chars.tolist()
