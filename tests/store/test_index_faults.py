"""Real faults under a real index, not simulated errors: a file-size limit that makes the file
system refuse SQLite's writes part-way through a batch, a read-only database file, and an index
in a folder that cannot be written (as on a read-only mount). Each write fails in one line with
exit 1, reads keep working, and nothing already stored is lost.

Root can write anything, so as root the commands run without the capability that lets root
ignore file permissions (util-linux's ``setpriv``); the test is skipped when that is not there.
A full disk is met as SQLite meets it: a write the file system refuses (here by RLIMIT_FSIZE, as
a disk of fixed size would).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "seeds"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform != "linux", reason="Linux file-system faults")]


def _as_user() -> list[str]:
    """A command prefix under which file permissions hold (root's override dropped)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without util-linux's setpriv: permissions cannot be tested")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def _copytrace(*args: str, prefix: list[str] = (), preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "copytrace", *args],
                          capture_output=True, text=True, timeout=600, preexec_fn=preexec,
                          stdin=subprocess.DEVNULL)


def _one_clear_line(res: subprocess.CompletedProcess, *words: str) -> None:
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Traceback" not in out and all(w in out for w in words), out


def _stats(db: Path, prefix: list[str] = ()) -> dict:
    res = _copytrace("index", "stats", str(db), prefix=prefix)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory) -> Path:
    """An index of the seeds, made once (each test works on its own copy)."""
    db = tmp_path_factory.mktemp("seeds-index") / "seeds.db"
    assert _copytrace("index", "create", str(db), "--no-semantic").returncode == 0
    assert _copytrace("index", "add", str(db), str(SEEDS)).returncode == 0
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    return db


@pytest.fixture()
def seeded(tmp_path, seeds_index) -> Path:
    folder = tmp_path / "ix"
    folder.mkdir()
    db = folder / "seeds.db"
    shutil.copy(seeds_index, db)
    return db


def test_a_write_the_file_system_refuses_mid_batch_loses_nothing(seeded):
    before = _stats(seeded)
    limit = os.path.getsize(seeded) + 16_384  # room for a few pages, not for the batch

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    res = _copytrace("index", "add", str(seeded), str(FIXTURES), "--batch-size", "4",
                     preexec=small_disk)
    _one_clear_line(res, str(seeded), "nothing stored before was lost")
    after = _stats(seeded)
    assert after["integrity"] == "ok"
    # every acknowledged batch is there, and nothing of the refused one
    said = [int(x.split("so far", 1)[0].rsplit(":", 1)[1].split()[0].replace(",", ""))
            for x in res.stdout.splitlines() if x.startswith("batch committed")]
    assert after["documents"] == before["documents"] + (said[-1] if said else 0), res.stdout
    # the index is usable once there is room again: the rest is added
    res = _copytrace("index", "add", str(seeded), str(FIXTURES))
    assert res.returncode in (0, 2), res.stdout + res.stderr  # 2: ids already stored skipped
    assert _stats(seeded)["documents"] > after["documents"]


def test_a_read_only_index_answers_queries_and_refuses_writes_in_one_line(seeded):
    prefix = _as_user()
    before = _stats(seeded)
    seeded.chmod(0o444)
    query = _copytrace("index", "query", str(seeded), str(SEEDS / "000_dbaf505c44bd813c.txt"),
                       "--json", prefix=prefix)
    assert query.returncode == 0 and "001_f4215d2a7ede82ba" in query.stdout, query.stderr
    add = _copytrace("index", "add", str(seeded), str(FIXTURES / "spun"), prefix=prefix)
    _one_clear_line(add, "read-only", "nothing stored was changed")
    assert _stats(seeded, prefix) == before


def test_an_index_in_a_read_only_folder_is_read_without_its_log(seeded):
    # a read-only mount: SQLite cannot make the -shm file its log needs even to read
    prefix = _as_user()
    before = _stats(seeded)
    folder = seeded.parent
    folder.chmod(0o555)
    try:
        stats = _stats(seeded, prefix)
        assert stats["read_only"] is True and stats["integrity"] == "ok"
        assert {k: v for k, v in stats.items() if k != "read_only"} == \
            {k: v for k, v in before.items() if k != "read_only"}
        query = _copytrace("index", "query", str(seeded), str(SEEDS / "000_dbaf505c44bd813c.txt"),
                           "--json", prefix=prefix)
        assert query.returncode == 0 and "001_f4215d2a7ede82ba" in query.stdout, query.stderr
        add = _copytrace("index", "add", str(seeded), str(FIXTURES / "spun"), prefix=prefix)
        _one_clear_line(add, "read-only")
        assert sorted(p.name for p in folder.iterdir()) == [seeded.name]  # nothing written
    finally:
        folder.chmod(0o755)
    assert _stats(seeded)["documents"] == before["documents"]


def test_a_write_lock_held_by_another_writer_is_one_clear_line_and_a_503(seeded, monkeypatch):
    # a real lock: another connection holds the write lock while `index add` and the service
    # try to write; the wait (60 s by default) is cut to 1 s so the test stays short
    import sqlite3

    from typer.testing import CliRunner

    from copytrace.cli import app
    from copytrace.store import sqlite as store_sqlite

    monkeypatch.setattr(store_sqlite, "LOCK_WAIT_S", 1)
    before = _stats(seeded)
    holder = sqlite3.connect(seeded, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        res = CliRunner().invoke(app, ["index", "add", str(seeded), str(FIXTURES / "spun")])
        assert res.exit_code == 1 and "Traceback" not in res.output, res.output
        assert "locked by another writer (waited 1 s)" in res.output and str(seeded) in res.output
        pytest.importorskip("httpx", reason="the service test needs httpx")
        from fastapi.testclient import TestClient

        from copytrace.service.app import create_app

        client = TestClient(create_app(seeded, api_key="k"))
        body = {"documents": [{"id": "new", "text": "a new document " * 30}]}
        answer = client.post("/documents", json=body, headers={"X-API-Key": "k"})
        assert answer.status_code == 503 and "locked" in answer.json()["detail"], answer.text
        assert client.get("/health").status_code == 200  # reads go on under the lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _stats(seeded) == before  # nothing was written, nothing lost
    res = CliRunner().invoke(app, ["index", "add", str(seeded), str(FIXTURES / "spun")])
    assert res.exit_code == 0 and _stats(seeded)["documents"] > before["documents"], res.output
