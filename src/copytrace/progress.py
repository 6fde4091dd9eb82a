"""How the stages report progress, and how an engine times them.

Engines call ``start(stage, total)``, ``advance(n)`` and ``done()`` on a `Progress`; the command
line shows rich progress bars (`copytrace.cli.RichProgress`), tests and libraries pass nothing
(`NullProgress`). `StageTimer` records each stage's seconds for ``stats.json``.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator, Protocol


class Progress(Protocol):
    def start(self, stage: str, total: int) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def done(self) -> None: ...


class NullProgress:
    """Reports nothing."""

    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


class StageTimer:
    """Seconds per stage: ``with timer("align"): ...``; ``seconds`` holds them in order."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - t

    def total(self) -> float:
        return time.perf_counter() - self.t0

    def rounded(self) -> dict[str, float]:
        """Every stage's seconds and the total, rounded to milliseconds."""
        return {k: round(v, 3) for k, v in {**self.seconds, "total": self.total()}.items()}
