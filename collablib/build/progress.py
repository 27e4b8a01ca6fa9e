"""Progress display for ``collab reports``.

In a terminal, a live rich display shows cohorts done out of total, which
cohorts are running and the elapsed time. When output is not a terminal, or
in CI (``CI`` set), it falls back to quiet, plain lines: one per finished
cohort, which read well in a log.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Protocol, TextIO

from collablib.build.render import BuildResult

__all__ = [
    "PlainProgress",
    "Progress",
    "RichProgress",
    "make_progress",
]


class Progress(Protocol):
    """What the pipeline tells a progress display."""

    def start(self, total: int) -> None: ...
    def started(self, cohort_id: str) -> None: ...
    def finished(self, result: BuildResult) -> None: ...
    def close(self) -> None: ...


def _line(result: BuildResult) -> str:
    if result.status == "failed":
        first = result.reason.splitlines()[0] if result.reason else ""
        return f"{result.cohort_id}: FAILED ({first})"
    if result.status == "built":
        why = f" ({result.why})" if result.why else ""
        return f"{result.cohort_id}: built in {result.seconds:.1f} s{why}"
    return f"{result.cohort_id}: {result.status}"


class PlainProgress:
    """One plain line per finished cohort (for logs and CI)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = 0
        self.done = 0

    def start(self, total: int) -> None:
        self.total = total

    def started(self, cohort_id: str) -> None:
        pass

    def finished(self, result: BuildResult) -> None:
        self.done += 1
        print(f"[{self.done}/{self.total}] {_line(result)}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichProgress:
    """A live progress bar with the running cohorts and elapsed time (terminals only)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as RichBar

        self.console = Console(file=stream or sys.stderr)
        self.bar = RichBar(
            TextColumn("Building reports"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[running]}"),
            console=self.console,
            transient=False,
        )
        self.running: dict[str, float] = {}
        self.task = None

    def _running_text(self) -> str:
        return ("running: " + ", ".join(sorted(self.running))) if self.running else ""

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("reports", total=total, running="")

    def started(self, cohort_id: str) -> None:
        self.running[cohort_id] = time.perf_counter()
        self.bar.update(self.task, running=self._running_text())

    def finished(self, result: BuildResult) -> None:
        self.running.pop(result.cohort_id, None)
        style = "red" if result.status == "failed" else "green"
        self.bar.console.print(f"[{style}]{_line(result)}[/{style}]", markup=True, highlight=False)
        self.bar.update(self.task, advance=1, running=self._running_text())

    def close(self) -> None:
        self.bar.stop()


def make_progress(stream: TextIO | None = None) -> Progress:
    """A rich display in an interactive terminal; plain lines otherwise or when ``CI`` is set."""
    stream = stream or sys.stderr
    interactive = hasattr(stream, "isatty") and stream.isatty()
    if interactive and not os.environ.get("CI") and os.environ.get("TERM") != "dumb":
        return RichProgress(stream)
    return PlainProgress(stream)
