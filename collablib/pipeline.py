"""The report pipeline behind ``make reports`` / ``collab reports``.

1. Read the registry; load and validate every cohort once (bad input fails
   that cohort at once, with its message, and never starts a kernel).
2. Decide, by content hash (:mod:`collablib.buildstate`), which selected
   cohorts are out of date; the rest are reported "up to date".
3. Build those several at once (:mod:`collablib.build`): each build runs its
   notebook in its own Jupyter kernel process; threads here only wait for them.
4. Rewrite ``index.html`` and the build records, atomically.

One cohort's failure never stops the others; the summary names every
failure and its reason, and the exit status is non-zero. A failed cohort's
previous report is left byte-for-byte as it was.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collablib import buildstate, provenance
from collablib.build import BuildResult, build_cohort, report_paths
from collablib.errors import CollabError
from collablib.index_page import write_index
from collablib.loaders import CohortData, load_cohort
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


def comparison_counts(data: CohortData) -> dict[str, Any]:
    """What another cohort's report uses of this cohort: its name, year and survey counts."""
    from collablib.comparisons import measure_counts

    return {
        "cohort_id": data.cohort.cohort_id,
        "name": data.cohort.name,
        "programme_year": data.cohort.programme_year,
        "counts": {k: list(v) for k, v in measure_counts(data.survey).items()},
    }


def load_and_check(
    cohorts: Sequence[Cohort], data_dir: Path
) -> dict[str, CohortData | CollabError]:
    """Load and validate every cohort, including its CPES targets, before any kernel starts.

    Each value is the loaded data or the :class:`CollabError` that stops that cohort. A bad
    national CPES extract stops every cohort (they all read it).
    """
    from collablib import cpes_analysis
    from collablib.cpes import load_cpes

    try:
        cpes = load_cpes(data_dir)
    except CollabError as exc:
        return {c.cohort_id: exc for c in cohorts}
    loaded: dict[str, CohortData | CollabError] = {}
    for cohort in cohorts:
        try:
            data = load_cohort(cohort, data_dir)
            cpes_analysis.analyse_cohort(
                cpes, data.teams, cohort.start_date, cohort.end_date, str(data.files["teams"])
            )
            loaded[cohort.cohort_id] = data
        except CollabError as exc:
            loaded[cohort.cohort_id] = exc
    return loaded


def expected_work(data: CohortData | CollabError) -> int:
    """A rough size of a cohort's report, for ordering builds: its charts and its rows."""
    if not isinstance(data, CohortData):
        return 0
    measures = len(data.measures.measure_keys()) if data.measures is not None else 0
    return 1000 * measures + len(data.survey) + len(data.teams)


def cohort_components(
    cohort: Cohort,
    facts: dict[str, Any],
    others: list[dict[str, Any]],
) -> dict[str, Any]:
    """Everything a cohort's report depends on, for its build key."""
    return {
        "version": buildstate.RECORD_VERSION,
        "registry_row": cohort.as_dict(),
        "files": facts["inputs"],
        "notebook": facts["notebook"]["sha256"],
        "code": facts["code_sha256"],
        "lock": facts["lock_sha256"],
        "git": facts["git"],
        "provenance": facts["versions"],
        "others": others,
    }


def _build_one(
    cohort: Cohort, data_dir: Path, output_dir: Path, notebook: Path, facts: dict[str, Any]
) -> BuildResult:
    """Build one cohort (in a worker thread); any unexpected error becomes a failed result."""
    try:
        return build_cohort(
            cohort,
            data_dir=data_dir,
            output_dir=output_dir,
            notebook=notebook,
            provenance_json=provenance.to_json(facts),
            validated=True,
        )
    except Exception as exc:  # a bug in collab itself: report it with the cohort, go on
        return BuildResult(cohort.cohort_id, "failed", f"{type(exc).__name__}: {exc}", "execution")


def build_reports(
    cohort_ids: Sequence[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    notebook: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> BuildSummary:
    """Build the selected cohorts' reports (all by default) that are out of date, then the index.

    ``force`` rebuilds every selected cohort. Raises :class:`CollabError` only
    for problems that stop every cohort (an invalid registry, an unknown cohort
    id); a single cohort's failure is recorded in the returned summary instead.
    """
    data_dir = resolve_data_dir(data_dir)
    output_dir = Path(output_dir or default_reports_dir()).resolve()
    notebook = Path(notebook or report_notebook()).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    buildstate.remove_stale_temporaries(output_dir)
    # Kernels inherit the environment: a fixed hash seed keeps any set ordering repeatable.
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("MPLBACKEND", "Agg")
    cohorts = load_registry(data_dir)
    selected = select_cohorts(cohorts, cohort_ids, data_dir)
    jobs = max(1, jobs or default_jobs())
    progress = progress or PlainProgress()

    loaded = load_and_check(cohorts, data_dir)
    counts = {
        cid: comparison_counts(d)
        if isinstance(d, CohortData)
        else {"cohort_id": cid, "data_problem": True}
        for cid, d in loaded.items()
    }

    results: dict[str, BuildResult] = {}
    plan: list[tuple[Cohort, dict[str, Any], dict[str, Any], str]] = []
    progress.start(len(selected))
    try:
        for cohort in selected:
            data = loaded[cohort.cohort_id]
            if isinstance(data, CollabError):
                result = BuildResult(cohort.cohort_id, "failed", data.message, "data")
                results[cohort.cohort_id] = result
                progress.finished(result)
                continue
            facts = provenance.collect(cohort.cohort_id, data_dir, notebook)
            others = [counts[c.cohort_id] for c in cohorts if c.cohort_id != cohort.cohort_id]
            components = cohort_components(cohort, facts, others)
            key = buildstate.digest(components)
            record = buildstate.read_json(buildstate.record_path(output_dir, cohort.cohort_id))
            outputs_exist = all(
                p.is_file() for p in report_paths(output_dir, cohort.cohort_id).values()
            )
            if not force and record and record.get("key") == key and outputs_exist:
                result = BuildResult(cohort.cohort_id, "up to date")
                results[cohort.cohort_id] = result
                progress.finished(result)
                continue
            why = (
                "forced"
                if force
                else (
                    "an output was missing"
                    if record and record.get("key") == key
                    else buildstate.explain(record, components)
                )
            )
            plan.append((cohort, facts, {"key": key, "components": components}, why))

        # Longest first (the classic LPT rule): the slowest reports start at once rather than
        # last, so the parallel builds finish closer together.
        plan.sort(key=lambda item: -expected_work(loaded[item[0].cohort_id]))
        with ThreadPoolExecutor(max_workers=min(jobs, max(1, len(plan)))) as pool:

            def task(item) -> tuple[BuildResult, dict[str, Any]]:
                cohort, facts, record, why = item
                progress.started(cohort.cohort_id)
                result = _build_one(cohort, data_dir, output_dir, notebook, facts)
                if result.status == "built":
                    result.why = why
                return result, record

            futures = [pool.submit(task, item) for item in plan]
            for future in as_completed(futures):
                result, record = future.result()
                if result.status == "built":
                    buildstate.write_json(
                        buildstate.record_path(output_dir, result.cohort_id),
                        {**record, "version": buildstate.RECORD_VERSION, "summary": result.summary},
                    )
                results[result.cohort_id] = result
                progress.finished(result)
    finally:
        progress.close()

    ordered = [results[c.cohort_id] for c in selected]
    index = write_index(
        cohorts, data_dir=data_dir, output_dir=output_dir, results=ordered, loaded=loaded
    )
    if (
        not any(r.status == "failed" for r in ordered)
        and len(selected) == len(cohorts)
        and all(not isinstance(d, CollabError) for d in loaded.values())
    ):
        buildstate.write_state(data_dir, output_dir, notebook, [c.cohort_id for c in cohorts])
    else:
        buildstate.clear_state(output_dir)
    return BuildSummary(results=ordered, index=index)


def existing_reports(output_dir: Path, cohort_id: str) -> dict[str, Path]:
    """The report files of a cohort that exist on disk."""
    return {k: p for k, p in report_paths(output_dir, cohort_id).items() if p.exists()}
