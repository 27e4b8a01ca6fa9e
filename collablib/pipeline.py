"""The report pipeline behind ``make reports`` / ``collab reports``.

For each selected cohort in the registry it runs :mod:`collablib.build` in a
separate process (several at once with ``jobs``), then rewrites
``reports/index.html``. One cohort's failure never stops the others; the
summary names every failure and the reason, and the exit status is non-zero.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from collablib.build import BuildResult, report_paths
from collablib.errors import CollabError
from collablib.index_page import write_index
from collablib.loaders import load_cohort
from collablib.paths import default_reports_dir, report_notebook, resolve_data_dir
from collablib.progress import PlainProgress, Progress
from collablib.registry import Cohort, load_registry, registry_path


@dataclass
class BuildSummary:
    """The outcome of one ``collab reports`` run."""

    results: list[BuildResult] = field(default_factory=list)
    index: Path | None = None

    def with_status(self, status: str) -> list[BuildResult]:
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> list[BuildResult]:
        return self.with_status("failed")

    @property
    def exit_code(self) -> int:
        """0 if every cohort built; 2 if any failed on bad input; 1 for other failures."""
        if not self.failed:
            return 0
        return 2 if any(r.kind == "data" for r in self.failed) else 1

    def text(self) -> str:
        """A plain summary: counts per status, then each failure with its reason."""
        built = self.with_status("built")
        fresh = self.with_status("up to date")
        lines = [
            f"Summary: {len(built)} built, {len(fresh)} up to date, {len(self.failed)} failed"
            + (f" ({len(self.results)} cohorts)" if self.results else "")
        ]
        for r in self.failed:
            lines.append(f"FAILED {r.cohort_id}:")
            lines += ["  " + line for line in r.reason.splitlines()]
            lines.append("  Its previous report, if any, was left unchanged.")
        if self.index:
            lines.append(f"Index: {self.index}")
        return "\n".join(lines)


def select_cohorts(
    cohorts: Sequence[Cohort], cohort_ids: Sequence[str] | None, data_dir: Path
) -> list[Cohort]:
    """The registry cohorts named in ``cohort_ids`` (all when ``None``), in registry order."""
    if not cohort_ids:
        return list(cohorts)
    known = {c.cohort_id for c in cohorts}
    unknown = [c for c in cohort_ids if c not in known]
    if unknown:
        raise CollabError(
            "no such cohort in the registry",
            file=registry_path(data_dir),
            column="cohort_id",
            value=unknown[0],
            allowed=", ".join(c.cohort_id for c in cohorts),
        )
    wanted = set(cohort_ids)
    return [c for c in cohorts if c.cohort_id in wanted]


def default_jobs() -> int:
    """Parallel builds by default: the number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def validate_cohort(cohort: Cohort, data_dir: Path) -> BuildResult | None:
    """Load and validate a cohort's inputs; a failed :class:`BuildResult` if they are bad."""
    try:
        load_cohort(cohort, data_dir)
    except CollabError as exc:
        return BuildResult(cohort.cohort_id, "failed", exc.message, "data")
    return None


def _run_worker(cohort: Cohort, data_dir: Path, output_dir: Path, notebook: Path) -> BuildResult:
    """Build one cohort in a child process and read back its JSON result."""
    cmd = [
        sys.executable,
        "-m",
        "collablib.build",
        cohort.cohort_id,
        "--data-dir",
        str(data_dir),
        "--output-dir",
        str(output_dir),
        "--notebook",
        str(notebook),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    for line in reversed(proc.stdout.strip().splitlines()):
        try:
            payload = json.loads(line)
        except json.JSONDecodeError:
            continue
        return BuildResult(**payload)
    tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
    return BuildResult(
        cohort.cohort_id,
        "failed",
        f"the build process exited with status {proc.returncode} without a result. {tail}",
        "execution",
    )


def build_reports(
    cohort_ids: Sequence[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    notebook: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> BuildSummary:
    """Build the selected cohorts' reports (all by default), then the index.

    Raises :class:`CollabError` only for problems that stop every cohort (an
    invalid registry, an unknown cohort id); a single cohort's failure is
    recorded in the returned summary instead.
    """
    data_dir = resolve_data_dir(data_dir)
    output_dir = Path(output_dir or default_reports_dir()).resolve()
    notebook = Path(notebook or report_notebook()).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    cohorts = load_registry(data_dir)
    selected = select_cohorts(cohorts, cohort_ids, data_dir)
    jobs = max(1, jobs or default_jobs())
    progress = progress or PlainProgress()

    results: dict[str, BuildResult] = {}
    progress.start(len(selected))
    try:
        with ThreadPoolExecutor(max_workers=min(jobs, max(1, len(selected)))) as pool:

            def task(cohort: Cohort) -> BuildResult:
                progress.started(cohort.cohort_id)
                return _run_worker(cohort, data_dir, output_dir, notebook)

            futures = {pool.submit(task, c): c for c in selected}
            for future in as_completed(futures):
                result = future.result()
                results[result.cohort_id] = result
                progress.finished(result)
    finally:
        progress.close()

    ordered = [results[c.cohort_id] for c in selected]
    index = write_index(cohorts, data_dir=data_dir, output_dir=output_dir, results=ordered)
    return BuildSummary(results=ordered, index=index)


def existing_reports(output_dir: Path, cohort_id: str) -> dict[str, Path]:
    """The report files of a cohort that exist on disk."""
    return {k: p for k, p in report_paths(output_dir, cohort_id).items() if p.exists()}
