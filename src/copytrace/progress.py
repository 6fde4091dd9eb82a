"""How the stages report progress, and how an engine times them.

Engines call ``start(stage, total)``, ``advance(n)`` and ``done()`` on a `Progress`; the command
line shows rich progress bars (`RichProgress`), tests and libraries pass nothing
(`NullProgress`) or a callback (`copytrace.api.scan`'s ``progress``). `StageTimer` records each
stage's seconds for ``stats.json``.
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


class RichProgress:
    """Progress bars on stderr (rich; nothing when not ``enabled``)."""

    def __init__(self, enabled: bool, console=None):
        self.enabled = enabled
        self.console = console
        self._p = None
        self._task = None

    def start(self, stage: str, total: int) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn)

        self._p = Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                           TimeElapsedColumn(), console=self.console or Console(stderr=True),
                           transient=False)
        self._p.start()
        self._task = self._p.add_task(stage, total=max(total, 1))

    def advance(self, n: int = 1) -> None:
        if self._p is not None:
            self._p.advance(self._task, n)

    def done(self) -> None:
        if self._p is not None:
            self._p.update(self._task, completed=self._p.tasks[0].total)
            self._p.stop()
            self._p = None


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
