"""Topic vectors: what a document is about, for the price of tokenizing its first lines.

Stories are found by mutual nearest neighbours among every document's *probe*, a vector of its
first ``probe_chars`` (600) characters (`copytrace.candidates.story_pairs`). Running the
sentence encoder (`copytrace.fingerprint.embed`) over those ~130 sentence pieces costs ~7 ms a
document on one core -- on a corpus without copies nearly all of a default scan's time (10,000
documents: 39 of 63 s on 2 cores; a million would need an hour for probes alone). A topic
vector is the same look at a document without running the network over it:

- **piece vectors**, distilled from the encoder: each SentencePiece piece of its vocabulary
  (128,000), run through the encoder alone (``[bos, piece, eos]``), gives one 512-d vector --
  the encoder's own idea of that piece out of context (the recipe of static "model2vec"
  embeddings, here built from the encoder copytrace already ships, so nothing is downloaded).
  They are computed when first needed, ``BLOCK`` pieces per encoder call: ~12 ms a block on
  one core, ~5 s for the ~25,000 distinct pieces of 10,000 news articles' openings, 24 s for
  the whole vocabulary. A block always has the same shape (padded), so a piece's vector does
  not depend on which pieces it was computed with -- every engine gets the same bits;
- the piece vectors' **common directions removed** ("all-but-the-top"): their mean and the
  ``COMPONENTS`` leading principal directions of the whole vocabulary, which every text
  shares and which crowd out what tells topics apart (`tools/build_topic_basis.py` computes
  them from the encoder and writes ``data/topic_basis.npz``);
- a text's topic vector is the sum of its pieces' vectors, each weighted by ``log(1 + id)``:
  the encoder's SentencePiece model numbers pieces by falling probability, so the weight is a
  piece's information by Zipf's law -- "the" counts for little, "Notre-Dame" for much;
  unit length.

**Measured** (`python -m bench.real`, 2026-12-07; in-sample: the choices below were made on
these sets). Story ARI on webreuse_dev with the mutual 5-nearest rule: the encoder's probes
0.882 (cosine floor 0.7); topic vectors with ``COMPONENTS`` directions removed, at floors 0.5 /
0.6 / 0.7: none removed 0.795 / 0.794 / 0.791, 5: 0.862 / 0.862 / 0.857, 8: 0.879 / 0.875 /
0.873, 12: 0.880 / 0.882 / 0.868 (0.65: 0.878), 16: 0.867 / 0.867 / 0.863; a plain mean
without the weights 0.66-0.68; the first 400, 1,000 or 2,000 characters instead of 600:
0.82-0.87. Chosen: 12 directions and a floor of 0.65 (`semantic.SemanticParams`), below the
best single setting, because in a small corpus the floor does the work the mutual test does
in a large one: the cosine the encoder's 0.7 floor cuts at the same share of all pairs is
0.72 for topic vectors on webreuse_dev (0.76 on xling_dev), and 0.6 joined a ferry-route
report to a dock strike in a ten-document test corpus. With it: webreuse_dev story ARI 0.882
-> 0.878, xling_dev story ARI 0.178 -> 0.399 (topic vectors of a text and its translation
meet more often than the encoder's probes of two excerpts do); families, relations, sources
and spin unchanged (they do not use the probes). Cost, 10,000 news articles on one core: their
openings hold 24,549 distinct pieces (~4.7 s to compute once), then ~0.09 ms a document,
against ~7 ms for an encoder probe. Translations still use the encoder's probes, computed
only when a corpus holds two languages or more, and then for the documents a translation could
pair (`copytrace.pipeline.probe_stage`, `candidates.translation_shortlist`): across languages
topic vectors alone found 7 of xling_dev's 15 translations against 8, at lower pair
precision.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources

import numpy as np

#: Pieces run through the encoder per call (a fixed shape: a piece's vector is the same bits
#: whatever it was computed with).
BLOCK = 64
#: Leading principal directions of the piece vectors removed (with their mean).
COMPONENTS = 12
#: The data file holding the mean and those directions.
BASIS = "topic_basis.npz"


class PieceVectors:
    """The encoder's vector of each vocabulary piece alone, computed when first asked for and
    kept (thread-safe)."""

    def __init__(self):
        from copytrace.fingerprint.embed import DIM, _model

        self.backend = _model()._model  # the numpy forward pass of the encoder
        sp = self.backend.sp
        self.size = sp.get_piece_size()
        self.bos, self.eos = sp.bos_id(), sp.eos_id()
        self.table = np.zeros((self.size, DIM), dtype=np.float32)
        self.known = np.zeros(self.size, dtype=bool)
        self.lock = threading.Lock()

    def ensure(self, ids: np.ndarray, map_fn=map) -> None:
        """Compute the vectors of the pieces ``ids`` not known yet, ``BLOCK`` at a time
        (``map_fn`` may run blocks in parallel: each is computed alone, with one BLAS thread,
        so the bits do not depend on it)."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        missing = np.unique(ids[~self.known[ids]])
        if not len(missing):
            return
        from copytrace.fingerprint.embed import single_blas

        with self.lock, single_blas():
            missing = missing[~self.known[missing]]
            blocks = [missing[s:s + BLOCK] for s in range(0, len(missing), BLOCK)]
            for block, vecs in zip(blocks, map_fn(self._block, blocks)):
                self.table[block] = vecs
            self.known[missing] = True

    def _block(self, block: np.ndarray) -> np.ndarray:
        """One block's vectors; called inside `ensure`'s one-BLAS-thread context."""
        from copytrace.fingerprint.embed import DIM

        ids = block.tolist()
        ids += [ids[0]] * (BLOCK - len(ids))  # the same shape every call
        out = np.empty((BLOCK, DIM), dtype=np.float32)
        self.backend._encode_batch([[self.bos, i, self.eos] for i in ids], 3 * BLOCK, out)
        return out[:len(block)]

    def get(self, ids: np.ndarray, map_fn=map) -> np.ndarray:
        """The vectors of piece ``ids``, (len, DIM) float32."""
        self.ensure(ids, map_fn)
        return self.table[np.asarray(ids, dtype=np.int64).ravel()]

    def all(self) -> np.ndarray:
        """Every piece's vector (the whole vocabulary: ~24 s on one core)."""
        return self.get(np.arange(self.size))


_pieces_lock = threading.Lock()


def pieces() -> PieceVectors:
    """The process's one `PieceVectors` (its table is 256 MiB: several threads asking for it
    at once must not build one each)."""
    with _pieces_lock:
        return _pieces()


@lru_cache(maxsize=1)
def _pieces() -> PieceVectors:
    return PieceVectors()


@lru_cache(maxsize=1)
def basis() -> tuple[np.ndarray, np.ndarray]:
    """(mean, leading directions) of the piece vectors (``data/topic_basis.npz``)."""
    with resources.files("copytrace.data").joinpath(BASIS).open("rb") as fh:
        z = np.load(fh)
        return z["mean"].astype(np.float32), z["components"][:COMPONENTS].astype(np.float32)


def piece_ids(texts: list[str], chars: int = 600) -> list[np.ndarray]:
    """The encoder's pieces of each text's first ``chars`` characters (the probe's input,
    `embed.probe_head`)."""
    from copytrace.fingerprint.embed import probe_head

    tokenize = pieces().backend.sp.encode
    return [np.asarray(tokenize(probe_head(t, chars), out_type=int), dtype=np.int64)
            for t in texts]


def vectors_of(ids: list[np.ndarray]) -> np.ndarray:
    """The topic vectors of texts given as their piece ids (every piece known: see
    `PieceVectors.ensure`), (n, DIM) float32 unit rows; zeros for a text without pieces."""
    from copytrace.fingerprint.embed import DIM

    mean, comp = basis()
    table = pieces().table
    out = np.zeros((len(ids), DIM), dtype=np.float32)
    for k, row in enumerate(ids):  # row by row: a vector must not depend on its batch's size
        if len(row):
            w = np.log1p(row).astype(np.float32)
            v = w @ table[row] - w.sum() * mean
            v -= (comp @ v) @ comp
            norm = np.linalg.norm(v)
            if norm > 0:
                out[k] = v / norm
    return out


def topic_vectors(texts: list[str], chars: int = 600, map_fn=map) -> np.ndarray:
    """Each text's topic vector from its first ``chars`` characters, (n, DIM) float32 unit
    rows; zeros for a text without pieces. ``map_fn`` may compute new piece vectors in
    parallel (`PieceVectors.ensure`)."""
    ids = piece_ids(texts, chars)
    if ids:
        pieces().ensure(np.concatenate(ids), map_fn)
    return vectors_of(ids)
