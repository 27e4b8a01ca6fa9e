"""The outcome of one ``collab reports`` run, and how it is told to the user."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from collablib.build.render import BuildResult
from collablib.errors import display_path

__all__ = ["BuildSummary"]


def _reports(results: Sequence[BuildResult]) -> str:
    """ "4 cohorts", or "4 cohorts, 3 programme years" when a run also built those."""
    years = sum(r.cohort_id.startswith("programme-") for r in results)
    cohorts = len(results) - years
    text = f"{cohorts} cohort{'s' if cohorts != 1 else ''}"
    return text + (f", {years} programme year{'s' if years != 1 else ''}" if years else "")


@dataclass
class BuildSummary:
    """The outcome of one ``collab reports`` run."""

    results: list[BuildResult] = field(default_factory=list)
    index: Path | None = None
    #: the signal that stopped the run, if one did
    interrupted: int | None = None
    seconds: float = 0.0
    #: a problem writing the index, if there was one
    index_problem: str | None = None
    #: cohorts no longer in the registry whose reports were deleted
    removed: list[str] = field(default_factory=list)
    #: reports whose previous version was deleted because a cohort left their programme year
    withdrawn: list[str] = field(default_factory=list)
    #: further lines for the reader (programme years a partial build left as they were)
    notes: list[str] = field(default_factory=list)

    def with_status(self, status: str) -> list[BuildResult]:
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> list[BuildResult]:
        return self.with_status("failed")

    @property
    def exit_code(self) -> int:
        """128 + signal if interrupted; 2 if any cohort failed on bad input; 1 for other
        failures; else 0."""
        if self.interrupted is not None:
            return 128 + self.interrupted
        if not self.failed:
            return 1 if self.index_problem else 0
        return 2 if any(r.kind == "data" for r in self.failed) else 1

    def headline(self) -> str:
        """The summary line: counts per status and, when a cohort failed, what was kept."""
        built = self.with_status("built")
        fresh = self.with_status("up to date")
        line = (
            f"Summary: {len(built)} built, {len(fresh)} up to date, {len(self.failed)} failed"
            + (f" ({_reports(self.results)})" if self.results else "")
        )
        if self.failed:
            names = ", ".join(r.cohort_id for r in self.failed)
            line += (
                f". Failed: {names}. The other reports were kept: a failed cohort never "
                "changes another cohort's report"
            )
        return line

    def text(self) -> str:
        """A plain summary: the headline, then each failure with its reason."""
        lines = [self.headline()]
        for r in self.failed:
            lines.append(f"FAILED {r.cohort_id}:")
            lines += ["  " + line for line in r.reason.splitlines()]
            if r.cohort_id in self.withdrawn:
                lines.append(
                    "  Its previous report was removed before the build: a cohort it included "
                    "has left that programme year."
                )
            elif r.kind != "output":  # an output failure says itself what is in place
                lines.append("  Its previous report, if any, was left unchanged.")
        for cohort_id in self.removed:
            lines.append(f"Removed the report of {cohort_id}, which is no longer in the registry.")
        shown = {r.cohort_id for r in self.results if r.status in ("built", "failed")}
        for report_id in self.withdrawn:
            if report_id not in shown:
                lines.append(
                    f"Removed the previous {report_id} report: a cohort it included has left "
                    "that programme year, and the year's report could not be rebuilt in this run."
                )
        lines += self.notes
        if self.index_problem:
            lines.append(f"The index was not updated: {self.index_problem}")
        elif self.index:
            lines.append(f"Index: {display_path(self.index)}")
        return "\n".join(lines)

    def interrupted_line(self) -> str:
        """One line for an interrupted run: what was finished and what was not."""
        name = signal.Signals(self.interrupted or signal.SIGINT).name
        built = [r.cohort_id for r in self.with_status("built")]
        fresh = self.with_status("up to date")
        stopped = [r.cohort_id for r in self.with_status("interrupted")]
        failed = [r.cohort_id for r in self.failed]
        parts = [f"{len(built)} built" + (f" ({', '.join(built)})" if built else "")]
        parts.append(f"{len(fresh)} up to date")
        if failed:
            parts.append(f"{len(failed)} failed ({', '.join(failed)})")
        parts.append(
            f"{len(stopped)} not finished" + (f" ({', '.join(stopped)})" if stopped else "")
        )
        return (
            f"interrupted by {name} after {self.seconds:.1f} s: {', '.join(parts)}. "
            "Every report in place is complete; the next run rebuilds what was not finished."
        )
