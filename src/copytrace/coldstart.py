"""A cold start: the first run of copytrace on a machine, before numba has compiled its kernels.

copytrace's hot loops are numba kernels, compiled to machine code on their first call and kept
in numba's cache (``cache=True``: beside the installed code, or in ``NUMBA_CACHE_DIR``). On a
first run, compiling them is most of the time: the seeds' scan (5 pages) took 26 s cold on the
2-core development machine and 2.3 s warm (2026-12-07); numba's typing and lowering of the
alignment kernels alone is 15 s of it (LLVM's optimisation level changes that by under a
second, and shipping compiled caches does not work: numba keys them on the source files' times
and on the machine's CPU).

A small job does not need machine code. Run as plain Python -- each kernel's own Python
function, or its numpy *twin* (`python_twin`) where a kernel's Python loop would be long (the
MinHash kernel: 2.9 s of the seeds' scan as a Python loop, milliseconds in numpy) -- the seeds'
scan takes 2.9 s, and writes byte-identical outputs (tests/test_coldstart.py compares a scan
and a comparison both ways, and each twin with its kernel). So on a cold start of a small job
(`plan`: at most `SMALL_CHARS` characters) a caller that opts in (the command line does) runs
the kernels interpreted (`interpreted`), notes which kernels were called with which argument
types, and when the job is done hands that list to a background process
(``python -m copytrace.coldstart``, at low priority, one at a time per user) that compiles
exactly those into numba's cache; the next run loads them. A larger job compiles in the
foreground as before.

Measured interpreted (scan time, same machine, 2026-12-07; compiled: +24 s of compiling on a
cold start): 100 pages of webreuse_dev (144,000 characters) 5.4 s, compiled 4.4 s; all 289
(389,000 characters) 11.7 s, compiled 8 s. What size cannot show is how much there is to
align: 100 near-copies of one page (144,000 characters, 4,950 pairs) took 70 s interpreted,
13 ms a pair. So the interpreted kernels have a `BUDGET` of seconds; past it the compiled
kernels come back and compile as they are next called (that corpus: 25 s in all, 32 s by
compiling first).

``COPYTRACE_COLD_START=compile`` turns the interpreted path off (the test suite sets it, so
that its runs take one path; tests/test_coldstart.py takes the other on purpose).
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: A job of at most this many characters runs its kernels interpreted on a cold start.
SMALL_CHARS = 250_000

#: Seconds of interpreted kernels after which a job compiles them after all (`interpreted`).
BUDGET = 5.0

#: What a run does about kernels that are not compiled yet (`plan`).
WARM, COMPILE, INTERPRET = "warm", "compile", "interpret"

_TWINS: dict[Callable, Callable] = {}  # a kernel's Python function -> its twin
_depth = threading.local()


def python_twin(kernel) -> Callable[[Callable], Callable]:
    """Register the decorated function as ``kernel``'s stand-in when kernels run interpreted:
    the same arguments, the same results and writes to its output arrays, in numpy rather
    than a Python loop over elements. Each twin is tested against its compiled kernel."""
    def register(fn: Callable) -> Callable:
        _TWINS[kernel.py_func] = fn
        return fn
    return register


def _main_kernels() -> list:
    from copytrace.align import _align_pairs
    from copytrace.fingerprint.minhash import _minhash_kernel

    return [_align_pairs, _minhash_kernel]


def cold() -> bool:
    """Whether numba's cache lacks the scan's main kernels (so a run would compile them).
    Another numba's internals: False (say nothing rather than guess)."""
    try:
        return any(not Path(k._cache._cache_file._index_path).exists()
                   for k in _main_kernels())
    except AttributeError:
        return False


def plan(chars: int) -> str:
    """`WARM` (the kernels are compiled), `INTERPRET` (a cold start of a job of ``chars``
    characters, small enough to run them as Python) or `COMPILE`."""
    if not cold():
        return WARM
    if chars <= SMALL_CHARS and \
            os.environ.get("COPYTRACE_COLD_START", "") != "compile":
        return INTERPRET
    return COMPILE


def _argument_types(kernel, args: tuple, kws: dict) -> tuple:
    """The types numba's dispatcher would compile ``kernel`` for, called with these
    arguments: an argument left to its default is ``types.Omitted(default)``, as numba
    types it."""
    from numba.core import types

    sig = kernel._compiler.pysig
    bound = sig.bind(*args, **kws).arguments
    return tuple(kernel.typeof_pyval(bound[name]) if name in bound
                 else types.Omitted(p.default) for name, p in sig.parameters.items())


class _Interpreted:
    """Which kernels run as Python now, and the interpreted time spent so far."""

    def __init__(self, calls: set | None, budget: float,
                 on_switch: Callable[[str], None] | None):
        self.calls, self.budget, self.on_switch = calls, budget, on_switch
        self.spent = 0.0
        self.switched = False
        self.lock = threading.Lock()

    def call(self, kernel, args: tuple, kws: dict):
        """``kernel(*args, **kws)`` as Python: its twin, or its own Python function (whose
        calls of other kernels come back here)."""
        depth = getattr(_depth, "n", 0)
        if depth == 0 and self.calls is not None:  # a kernel called by another compiles
            try:  # with it
                self.calls.add((kernel.py_func.__module__, kernel.py_func.__name__,
                                _argument_types(kernel, args, kws)))
            except Exception:  # noqa: BLE001 -- another numba's internals: left to compile
                pass  # when next called, as numba does
        fn = _TWINS.get(kernel.py_func, kernel.py_func)
        _depth.n = depth + 1
        t = time.perf_counter()
        try:
            return fn(*args, **kws)
        finally:
            _depth.n = depth
            if depth == 0:
                self._spend(time.perf_counter() - t)

    def _spend(self, seconds: float) -> None:
        with self.lock:
            self.spent += seconds
            if self.switched or self.spent <= self.budget:
                return
            self.switched = True
        if self.on_switch is not None:
            self.on_switch(COMPILE)


_active: _Interpreted | None = None


def _dispatch(kernel, *args, **kws):
    """Numba dispatchers' ``__call__`` while `interpreted` is on: copytrace's kernels run as
    Python until the budget is spent; every other call is numba's."""
    state = _active
    if state is None or state.switched or \
            not kernel.py_func.__module__.startswith("copytrace."):
        return _numba_call(kernel, *args, **kws)
    return state.call(kernel, args, kws)


def _numba_call(kernel, *args, **kws):
    from numba.core.registry import CPUDispatcher

    return super(CPUDispatcher, kernel).__call__(*args, **kws)


@contextmanager
def interpreted(calls: set | None = None, budget: float = float("inf"),
                on_switch: Callable[[str], None] | None = None) -> Iterator[None]:
    """Inside, every copytrace kernel called from Python runs as Python (its twin or its own
    Python function), in every thread; ``calls`` collects (module, kernel name, argument
    types) of each kernel called from outside a kernel. Integer overflow wraps as in compiled
    code (numpy's overflow warnings are silenced inside). Once the kernels have run for
    ``budget`` seconds (a job with more work than its size showed: many near-duplicate pairs
    to align), they run compiled again, compiled as they are next called, and ``on_switch`` is
    told `COMPILE`.

    The dispatchers themselves are left in place -- only how their class answers a call from
    Python changes -- so a kernel that compiles meanwhile (after the switch) sees the
    kernels it calls as numba does."""
    from numba.core.registry import CPUDispatcher

    global _active
    if _active is not None:
        raise RuntimeError("kernels already interpreted")
    _active = _Interpreted(calls, budget, on_switch)
    CPUDispatcher.__call__ = _dispatch
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="overflow encountered",
                                    category=RuntimeWarning)
            yield
    finally:
        del CPUDispatcher.__call__
        _active = None


@contextmanager
def first_run(chars: int, on_cold: Callable[[str], None] | None) -> Iterator[None]:
    """Run a job of ``chars`` characters inside: on a cold start, a caller that gives
    ``on_cold`` is told what happens (`COMPILE` or `INTERPRET`, before the job) and a small
    job runs its kernels interpreted, then leaves them to compile in the background
    (`compile_later`). Without ``on_cold``: compiled as numba does (a library's calls start
    no process)."""
    what = WARM if on_cold is None else plan(chars)
    if what != WARM:
        on_cold(what)
    if what != INTERPRET:
        yield
        return
    calls: set = set()
    with interpreted(calls, BUDGET, on_cold):
        yield
    compile_later(calls)


def compile_later(calls: set) -> bool:
    """Start a background process that compiles ``calls`` (from `interpreted`) into numba's
    cache, detached from this one (it outlives it). Returns whether it started."""
    if not calls:
        return False
    fd, path = tempfile.mkstemp(prefix="copytrace-kernels-", suffix=".pickle")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(sorted(calls, key=lambda c: (c[0], c[1], str(c[2]))), f)
    try:
        subprocess.Popen([sys.executable, "-m", "copytrace.coldstart", path],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError:
        os.unlink(path)
        return False
    return True


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Background compilers of one user take turns (a later one then finds most kernels in
    the cache already)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): no turns
        yield
        return
    uid = os.getuid() if hasattr(os, "getuid") else 0
    with open(Path(tempfile.gettempdir()) / f"copytrace-compiling-{uid}.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def compile_calls(calls: list) -> int:
    """Compile each (module, kernel name, argument types) into numba's cache (a cached one is
    loaded, not compiled again). Returns how many compiled or loaded."""
    done = 0
    for module, name, argtypes in calls:
        try:
            getattr(importlib.import_module(module), name).compile(argtypes)
            done += 1
        except Exception:  # noqa: BLE001 -- left to compile in the foreground, where a
            continue  # failure shows with its own error
    return done


def main(argv: list[str] | None = None) -> int:
    """``python -m copytrace.coldstart CALLS``: compile the kernel calls pickled in the file
    CALLS (written by `compile_later`, removed here)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m copytrace.coldstart CALLS_FILE", file=sys.stderr)
        return 2
    try:
        with open(args[0], "rb") as f:
            calls = pickle.load(f)
    finally:
        Path(args[0]).unlink(missing_ok=True)
    if hasattr(os, "nice"):
        try:
            os.nice(10)
        except OSError:
            pass
    with _one_at_a_time():
        compile_calls(calls)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
