"""Boilerplate: lines that recur across many otherwise different documents of the corpus.

Site chrome ("Skip to content"), sign-offs ("Join our Telegram channel ..."), donation appeals and
bylines repeat verbatim on every page of a site. Left in, they make unrelated articles look like
copies; so they are found per corpus and excluded from matching (their characters are reported as
``boilerplate_chars``).

A line (the tokens between two newlines, compared after normalization) is boilerplate when
1. it occurs in at least ``min_docs`` documents (default 4), and
2. the documents that carry it are otherwise different: the mean pairwise MinHash similarity of up
   to ``sample`` of them (32-function signatures over their full text) is below ``max_similarity``
   (default 0.25). Copies of one article share their lines too, but they are similar as wholes,
   so their paragraphs are never taken for boilerplate.
Two documents that share only a chrome fraction c of their text have Jaccard c / (2 - c), so chrome
up to about 40% of a page is recognised; a page that is mostly chrome is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from copytrace.fingerprint.minhash import MinHasher
from copytrace.normalize import Tokens, mix64


@dataclass(frozen=True)
class BoilerplateParams:
    min_docs: int = 4
    max_similarity: float = 0.25
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
                     ) -> list[np.ndarray]:
    """For each document, a boolean mask over its tokens: True where the token is boilerplate."""
    masks = [np.zeros(len(t), dtype=bool) for t in tokens]
    n_docs = len(tokens)
    if n_docs < params.min_docs:
        return masks
    doc_tok = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum([len(t) for t in tokens], out=doc_tok[1:])
    total = int(doc_tok[-1])
    if total == 0:
        return masks
    hashes = np.concatenate([t.hash for t in tokens])
    lines = np.concatenate([t.line for t in tokens])
    key = np.empty(total, np.uint64)
    doc = np.empty(total, np.int64)
    first = np.empty(total, np.int64)
    last = np.empty(total, np.int64)
    n = _line_keys(hashes, lines, doc_tok, key, doc, first, last)
    key, doc, first, last = key[:n], doc[:n], first[:n], last[:n]

    # document frequency of each line key (a line repeated inside one document counts once)
    pair = np.unique(np.stack([key, doc.astype(np.uint64)], axis=1), axis=0)
    ukeys, df = np.unique(pair[:, 0], return_counts=True)
    frequent = ukeys[df >= params.min_docs]
    if len(frequent) == 0:
        return masks

    # which documents carry each frequent line; judge whether they are otherwise different
    sel = np.isin(pair[:, 0], frequent)
    fk, fd = pair[sel, 0], pair[sel, 1].astype(np.int64)
    order = np.argsort(fk, kind="stable")
    fk, fd = fk[order], fd[order]
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
        sig = small[[row_of[int(d)] for d in docs]]
        eq = (sig[:, None, :] == sig[None, :, :]).mean(axis=2)
        m = len(docs)
        mean_sim = (eq.sum() - m) / (m * (m - 1))
        if mean_sim < params.max_similarity:
            boiler.append(fk[s])
    if not boiler:
        return masks
    is_b = np.isin(key, np.array(boiler, dtype=np.uint64))
    for d, f, l_ in zip(doc[is_b].tolist(), first[is_b].tolist(), last[is_b].tolist()):
        masks[d][f:l_] = True
    return masks


def boilerplate_chars(tokens: Tokens, mask: np.ndarray) -> int:
    """Characters of the boilerplate lines (first to last token of each masked line)."""
    if not mask.any():
        return 0
    lines = tokens.line[mask]
    starts, ends = tokens.start[mask], tokens.end[mask]
    first = np.r_[True, lines[1:] != lines[:-1]]
    last = np.r_[lines[1:] != lines[:-1], True]
    return int((ends[last].astype(np.int64) - starts[first]).sum())
