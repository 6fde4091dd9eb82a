"""A cold start (`copytrace.coldstart`): kernels run as Python give what compiled kernels give,
and a first run of the command line compiles them for the next in the background."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import FIXTURES, ROOT, SEEDS, sibling_spins
from numba.core.registry import CPUDispatcher

from copytrace import coldstart
from copytrace.document import Document

RNG = np.random.default_rng(7)


def _hashes(n: int) -> np.ndarray:
    """Token hashes with the extremes of uint64 among them (multiplications wrap)."""
    h = RNG.integers(0, 2**64, size=n, dtype=np.uint64)
    if n > 2:
        h[:2] = (np.uint64(2**64 - 1), np.uint64(0))
    return h


def _offsets(lengths: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


TESTED: set = set()  # the kernels' Python functions whose twins were tested


def _twin(kernel):
    TESTED.add(kernel.py_func)
    return coldstart._TWINS[kernel.py_func]


def test_minhash_twin():
    from copytrace.fingerprint.minhash import MinHasher, _minhash_kernel

    mh = MinHasher(num_perm=64)
    twin = _twin(_minhash_kernel)
    for k in (1, 5):
        lengths = [0, 1, 3, 4, 5, 6, 17, 5000]
        flat, off = _hashes(sum(lengths)), _offsets(lengths)
        got, want = (np.zeros((len(lengths), 64), np.uint32) for _ in range(2))
        twin(flat, off, k, mh.a, mh.b, mh.c, got)
        _minhash_kernel(flat, off, k, mh.a, mh.b, mh.c, want)
        assert (got == want).all()


def test_anchor_twin_counts_what_it_has_no_room_for():
    from copytrace.candidates import _anchors_kernel

    twin = _twin(_anchors_kernel)
    lengths = [0, 3, 5, 400, 2000]
    flat, off = _hashes(sum(lengths)), _offsets(lengths)
    for cap in (0, 7, 10_000):
        got = (np.zeros(cap, np.uint64), np.zeros(cap, np.int64))
        want = (np.zeros(cap, np.uint64), np.zeros(cap, np.int64))
        m = twin(flat, off, 5, 8, *got)
        assert m == _anchors_kernel(flat, off, 5, 8, *want)
        assert m > 7
        assert all((g == w).all() for g, w in zip(got, want))


def test_hash_twins():
    from copytrace.normalize import _char_values, mix64_array
    from copytrace.spin import bigram_keys

    x, y = _hashes(1000), _hashes(1000)
    for kernel in (_char_values, mix64_array):
        assert (_twin(kernel)(x) == kernel(x)).all()
    assert (_twin(bigram_keys)(x, y) == bigram_keys(x, y)).all()


def test_key_index_twins():
    from copytrace.keyindex import _build, _find

    # keys sharing their low bits collide in a small table; duplicates keep their first row
    keys = np.concatenate([_hashes(300), (_hashes(40) << np.uint64(8)), _hashes(300)[:50]])
    keys = np.concatenate([keys, keys[:30]])
    size = 1024
    got = (np.zeros(size, np.uint64), np.full(size, -1, np.int64))
    want = (np.zeros(size, np.uint64), np.full(size, -1, np.int64))
    _twin(_build)(keys, *got)
    _build(keys, *want)
    assert all((g == w).all() for g, w in zip(got, want))
    queries = np.concatenate([keys, _hashes(500)])
    out_got, out_want = np.empty(len(queries), np.int64), np.empty(len(queries), np.int64)
    _twin(_find)(*want, queries, out_got)
    _find(*want, queries, out_want)
    assert (out_got == out_want).all()
    assert (out_want[:len(keys) - 30] >= 0).all()


def test_every_twin_is_tested():
    # runs after the twin tests above (pytest keeps the file's order)
    assert set(coldstart._TWINS) == TESTED


def _corpus() -> list[Document]:
    docs = [Document(p.stem, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    for sub in ("rewrite", "spun", "story", "sites"):
        docs += [Document(f"{sub}-{p.stem}", p.read_text(encoding="utf-8"))
                 for p in sorted((FIXTURES / sub).glob("*.txt"))]
    docs += [Document(f"sibling-{i}", t) for i, t in enumerate(sibling_spins())]
    return docs


def _outputs(res) -> tuple:
    return (res.documents.to_pylist(), res.pairs.to_pylist(),
            {k: v for k, v in res.stats.items() if k != "seconds"})


def test_a_scan_with_its_kernels_interpreted_gives_what_a_compiled_scan_gives():
    from copytrace.api import scan

    docs = _corpus()
    compiled = _outputs(scan(docs, quiet=True))
    calls: set = set()
    with coldstart.interpreted(calls):
        interpreted = _outputs(scan(docs, quiet=True))
    assert "__call__" not in CPUDispatcher.__dict__  # numba's own calls again
    assert interpreted == compiled
    assert any(r["relation"] == "spun" for r in compiled[0])
    assert {"translation", "rewrite", "edited"} <= {p["relation"] for p in compiled[1]}
    kernels = {(m, name) for m, name, _ in calls}
    assert ("copytrace.align", "_align_pairs") in kernels
    assert ("copytrace.align", "_align_core") not in kernels  # compiled with its caller
    assert coldstart.compile_calls(sorted(calls, key=str)) == len(calls)


def test_a_comparison_with_its_kernels_interpreted_gives_what_a_compiled_one_gives():
    from copytrace.api import compare

    original, one, two = sibling_spins()
    compiled = compare(one, two, semantic=False).pair.to_json()
    with coldstart.interpreted():
        assert compare(one, two, semantic=False).pair.to_json() == compiled
    assert compiled["relation"] == "spun"


def test_an_index_with_its_kernels_interpreted_stores_and_answers_as_a_compiled_one(tmp_path):
    from copytrace.store import Index

    docs = _corpus()
    query = Document("query", docs[1].text + " An added closing line.")

    def build(name: str) -> tuple:
        with Index(tmp_path / name, create=True) as ix:
            added = ix.add(docs[:-3])
            ix.add(docs[-3:])
            return ([p.to_json() for p in added.pairs], ix.pairs_from(docs[0].id),
                    [m.to_json() for m in ix.query(query, 50)])

    compiled = build("compiled.db")
    with coldstart.interpreted():
        interpreted = build("interpreted.db")
    assert interpreted == compiled
    assert compiled[2] and compiled[1]


def test_kernels_compile_after_all_once_the_interpreted_time_is_spent():
    from copytrace.api import scan

    told = []
    calls: set = set()
    docs = _corpus()[:6]
    with coldstart.interpreted(calls, budget=0.0, on_switch=told.append):
        res = scan(docs, quiet=True)
    assert told == ["compile"]
    assert len(calls) == 1  # the first kernel called, then compiled ones
    assert _outputs(res) == _outputs(scan(docs, quiet=True))


def test_plan(monkeypatch):
    monkeypatch.delenv("COPYTRACE_COLD_START", raising=False)
    monkeypatch.setattr(coldstart, "cold", lambda: True)
    assert coldstart.plan(1_000) == coldstart.INTERPRET
    assert coldstart.plan(coldstart.SMALL_CHARS + 1) == coldstart.COMPILE
    monkeypatch.setenv("COPYTRACE_COLD_START", "compile")
    assert coldstart.plan(1_000) == coldstart.COMPILE
    monkeypatch.setattr(coldstart, "cold", lambda: False)
    assert coldstart.plan(1_000) == coldstart.WARM


def test_without_a_caller_that_opts_in_nothing_changes(monkeypatch):
    monkeypatch.setattr(coldstart, "cold", lambda: True)
    monkeypatch.setattr(coldstart, "compile_later", lambda calls: pytest.fail("started"))
    with coldstart.first_run(10, None):
        assert coldstart._active is None


def _cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "copytrace", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)


@pytest.mark.slow
def test_a_first_run_interprets_a_small_job_and_compiles_its_kernels_for_the_next(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "COPYTRACE_COLD_START"}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba")  # cold: nothing compiled there
    first = _cli(["scan", str(SEEDS), "--out", str(tmp_path / "first")], env)
    assert first.returncode == 0, first.stderr
    assert "runs copytrace's kernels uncompiled" in first.stderr
    probe = [sys.executable, "-c", "from copytrace.coldstart import cold; print(cold())"]
    deadline = time.monotonic() + 300
    while subprocess.run(probe, capture_output=True, text=True, env=env).stdout.strip() != \
            "False":  # the background process is compiling
        assert time.monotonic() < deadline, "the kernels were never compiled"
        time.sleep(3)
    with coldstart._one_at_a_time():  # it holds this while it compiles its list
        pass
    second = _cli(["scan", str(SEEDS), "--out", str(tmp_path / "second")], env)
    assert second.returncode == 0, second.stderr
    assert "first run" not in second.stderr
    for name in ("documents.jsonl", "pairs.jsonl"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    stats = json.loads((tmp_path / "second" / "stats.json").read_text())
    assert stats["families"] == 1
