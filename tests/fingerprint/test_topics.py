"""Topic vectors (`copytrace.fingerprint.topics`): piece vectors distilled from the sentence
encoder, summed with Zipf weights, common directions removed -- the story rule's look at a
document, and how the probe stage decides what to compute."""

from __future__ import annotations

import numpy as np
import pytest

from copytrace.fingerprint.topics import BLOCK, COMPONENTS, PieceVectors, basis, topic_vectors

# written for these tests
FIRE = ("A wildfire driven by strong winds destroyed dozens of homes in the hills above the "
        "coastal town on Tuesday, and firefighters evacuated two villages as the flames moved "
        "towards the valley road.")
FIRE_2 = ("Hundreds of residents fled their houses overnight as a fast-moving bush fire swept "
          "through the hills near the coast, burning homes and forcing the closure of the main "
          "valley road, fire crews said.")
BUDGET = ("The finance ministry raised its growth forecast for next year and said the budget "
          "deficit would narrow as tax receipts from companies rose faster than expected in the "
          "first half.")


def test_a_piece_vector_is_the_same_bits_whatever_it_was_computed_with():
    """Engines compute pieces in different groups and orders; each piece's vector must not
    depend on that (a block always has the same shape)."""
    ids = np.array([5, 900, 17_000, 64_321, 127_999, 4242, 31, 77_777])
    alone = PieceVectors(store=None)
    together = PieceVectors(store=None)
    for i in ids:
        alone.ensure(np.array([i]))
    together.ensure(np.concatenate([ids[::-1], np.arange(1000, 1000 + 2 * BLOCK)]))
    assert np.array_equal(alone.get(ids), together.get(ids))
    assert alone.known.sum() == len(ids)  # only what was asked for is computed
    assert np.all(np.linalg.norm(alone.get(ids), axis=1) > 0.5)


def test_piece_vectors_computed_in_parallel_are_the_ones_computed_in_turn():
    from concurrent.futures import ThreadPoolExecutor

    ids = np.arange(2000, 2000 + 5 * BLOCK + 7)
    serial, parallel = PieceVectors(store=None), PieceVectors(store=None)
    serial.ensure(ids)
    with ThreadPoolExecutor(2) as pool:
        parallel.ensure(ids, pool.map)
    assert np.array_equal(serial.get(ids), parallel.get(ids))


def test_topic_vectors_are_unit_rows_that_do_not_depend_on_the_batch():
    both = topic_vectors([FIRE, BUDGET, "", "   \n "])
    assert np.allclose(np.linalg.norm(both[:2], axis=1), 1.0, atol=1e-5)
    assert not both[2].any() and not both[3].any()  # no text, no vector
    assert np.array_equal(topic_vectors([BUDGET])[0], both[1])


def test_two_reports_of_one_event_are_nearer_than_reports_of_two():
    v = topic_vectors([FIRE, FIRE_2, BUDGET])
    assert v[0] @ v[1] > 0.6
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2 and v[0] @ v[1] > v[1] @ v[2] + 0.2
    # only the opening counts: what follows the first 600 characters changes nothing
    assert np.array_equal(topic_vectors([FIRE + " " + BUDGET * 6], chars=len(FIRE))[0],
                          topic_vectors([FIRE], chars=len(FIRE))[0])


def test_the_basis_is_orthonormal_directions_of_the_encoders_space():
    mean, comp = basis()
    assert mean.shape == (512,) and comp.shape == (COMPONENTS, 512)
    assert np.allclose(comp @ comp.T, np.eye(COMPONENTS), atol=1e-4)
    # the common directions carry no topic: a topic vector has none of them left
    v = topic_vectors([FIRE, BUDGET])
    assert np.abs(v @ comp.T).max() < 1e-4


@pytest.mark.parametrize("texts,encoder", [
    ([FIRE, FIRE_2, BUDGET], False),  # one language: no translation to find
    ([FIRE, "Un incendio forestal destruyó decenas de casas en las colinas sobre la ciudad "
            "costera el martes, y los bomberos evacuaron dos pueblos."], True),
])
def test_the_encoders_probes_are_computed_only_where_a_translation_is_possible(texts, encoder):
    from copytrace.config import ScanConfig
    from copytrace.pipeline import probe_stage

    pr = probe_stage(texts, ScanConfig())
    assert (pr.vectors is not None) == encoder
    assert pr.topics.shape == (len(texts), 512)
    alone = probe_stage(texts, ScanConfig(), encoder=False)  # an index: its own shortlist
    assert alone.vectors is None and np.array_equal(alone.topics, pr.topics)
    assert probe_stage(texts, ScanConfig(probes=False)) is None


def test_blas_threads_come_back_after_threads_compute_topic_vectors():
    """BLAS's thread count is one setting per process: threads that each limit it to one while
    they compute must leave it as they found it, whatever order they enter and leave in. (A
    race here once left a default scan's story search on one core.)"""
    import threading

    from threadpoolctl import threadpool_info

    from copytrace.config import ScanConfig
    from copytrace.fingerprint.embed import single_blas
    from copytrace.pipeline import topics, worker_pool

    def blas_threads():
        return sorted((i["filepath"], i["num_threads"]) for i in threadpool_info()
                      if i["user_api"] == "blas")

    before = blas_threads()
    assert before  # the test means something: numpy's BLAS is visible
    # interleaved: A in, B in, A out, B out -- each saving and restoring on its own left "1"
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with single_blas():
            a_in.set()
            b_in.wait()
        a_out.set()

    def b():
        a_in.wait()
        with single_blas():
            b_in.set()
            a_out.wait()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert blas_threads() == before
    texts = [f"{FIRE} {i} {BUDGET}" for i in range(40)] + [FIRE_2] * 3
    with worker_pool(2) as pool:
        topics(texts, ScanConfig(), pool=pool)
    assert blas_threads() == before


def test_piece_vectors_kept_between_runs_are_the_same_bits(tmp_path, monkeypatch):
    """A process loads the piece vectors an earlier one computed (`PieceStore`) instead of
    running the encoder again, and gets the bits it would have computed; a damaged shard is
    skipped; many shards are merged into one; "off" keeps nothing."""
    from copytrace.fingerprint import topics
    from copytrace.fingerprint.embed import DIM
    from copytrace.fingerprint.topics import MAX_SHARDS, PieceStore, cache_folder

    ids = np.array([5, 900, 17_000, 64_321, 127_999, 4242, 31, 77_777])
    fresh = PieceVectors(store=None)
    fresh.ensure(ids)
    first = PieceVectors(store=PieceStore(tmp_path, "k", fresh.size, DIM))
    assert not first.known[ids].any()  # the test means something: nothing stored yet
    first.ensure(ids[:5])
    first.ensure(ids[5:])
    (tmp_path / "pieces-k" / "broken.npz").write_bytes(b"not a shard")

    def no_encoder(self, block):
        raise AssertionError("a stored piece was computed again")

    monkeypatch.setattr(PieceVectors, "_block", no_encoder)
    later = PieceVectors(store=PieceStore(tmp_path, "k", fresh.size, DIM))
    assert later.known[ids].all()
    assert later.table[ids].tobytes() == fresh.table[ids].tobytes()
    monkeypatch.undo()

    store = PieceStore(tmp_path, "many", fresh.size, DIM)
    for i in range(MAX_SHARDS + 1):
        assert store.save(np.array([i]), fresh.table[[i]])
    loaded_ids, vecs = store.load()
    assert sorted(loaded_ids.tolist()) == list(range(MAX_SHARDS + 1))
    assert len(list((tmp_path / "pieces-many").glob("*.npz"))) == 1  # merged
    assert sorted(store.load()[0].tolist()) == list(range(MAX_SHARDS + 1))

    monkeypatch.setenv(topics.CACHE_ENV, "off")
    assert cache_folder() is None
    monkeypatch.setenv(topics.CACHE_ENV, str(tmp_path / "mine"))
    assert cache_folder() == tmp_path / "mine"
