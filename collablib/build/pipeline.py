"""The report pipeline behind ``make reports`` / ``collab reports``.

1. Lock the output folder (one build at a time), roll back any half-done
   commit a killed run left, and delete its temporary and kernel files.
2. Read the registry; load and validate every cohort once. Every input file
   is hashed as it is read (:mod:`collablib.data.inputs`); those hashes, and
   nothing computed later, describe the report. Bad input fails that cohort
   at once, with its message, and never starts a kernel.
3. Decide, by content hash (:mod:`collablib.build.state`), which selected
   cohorts are out of date; the rest are reported "up to date".
4. Build those several at once (:mod:`collablib.build.render`): each build runs its
   notebook in its own Jupyter kernel process; threads here only wait for
   them. A build whose kernel read any input with other bytes than step 2
   (the file changed meanwhile) is not put in place. Both renderings and the
   build record are put in place together, or not at all.
5. Rewrite ``index.html`` and the whole-run state.

**No cascade.** Another cohort's report uses a cohort only through its survey
counts (:class:`collablib.survey.comparisons.CohortFigures`). The counts are
recorded whenever a cohort's data validate; when a cohort's data are bad the
others compare with its last recorded counts (or, if it never validated,
leave it out, as before it was registered), so their keys, and their reports,
do not change.

**Interrupts.** Ctrl-C (SIGINT) or SIGTERM stops the build within seconds: no
new cohort starts, running kernels are killed, a report being put in place
finishes, nothing else is written, and :class:`BuildSummary` says what was
finished. One cohort's failure never stops the others; the summary names
every failure and its reason, and the exit status is non-zero. A failed
cohort's previous report is left byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat

from collablib.build import forkserver, kernels, provenance
from collablib.build import state as buildstate
from collablib.build.fileio import OutputError
from collablib.build.index_page import write_index
from collablib.build.interrupts import BuildInterrupted, signals_ignored, sigterm_raises
from collablib.build.lock import BuildLock, locked_output_folder
from collablib.build.programmes import ProgrammeBuild, programme_ids
from collablib.build.progress import PlainProgress, Progress
from collablib.build.render import (
    BuildResult,
)
from collablib.build.run_summary import BuildSummary
from collablib.build.validation import comparison_figures, expected_work, load_and_check
from collablib.build.workers import Planned, build_planned, up_to_date_or_why
from collablib.data.inputs import INPUT_LOG, input_hash, read_input, sha256_bytes, sha256_file
from collablib.data.loaders import CohortData
from collablib.data.registry import (
    Cohort,
    load_registry,
    programme_years,
    registry_path,
    select_cohorts,
)
from collablib.errors import CollabError, describe_os_error, display_path
from collablib.paths import (
    default_reports_dir,
    programme_notebook_for,
    programme_report_id,
    report_notebook,
    resolve_data_dir,
)
from collablib.survey.comparisons import CohortFigures

__all__ = [
    "BuildSummary",
    "build_reports",
    "cohort_components",
    "default_jobs",
    "select_cohorts",
]


def default_jobs() -> int:
    """Parallel builds by default: the number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cohort_components(
    cohort: Cohort,
    facts: dict[str, Any],
    others: list[dict[str, Any]],
    data_dir: Path,
) -> dict[str, Any]:
    """Everything a cohort's report depends on, for its build key.

    That is everything the report shows: its provenance facts (including the
    notebook's name and the data folder's name, which the analyst rendering
    shows) and the other cohorts' figures its comparisons use.
    """
    return {
        "version": buildstate.RECORD_VERSION,
        "registry_row": cohort.as_dict(),
        "files": facts["inputs"],
        "notebook": facts["notebook"],
        "data_dir": data_dir.name,
        "code": facts["code_sha256"],
        "lock": facts["lock_sha256"],
        "git": facts["git"],
        "provenance": facts["versions"],
        "others": others,
    }


def build_reports(
    cohort_ids: Sequence[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    notebook: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    force: bool = False,
    wait: bool = False,
    warn: buildstate.Warn | None = None,
    lock: BuildLock | None = None,
    programme_notebook: str | os.PathLike[str] | None = None,
    fork_kernels: bool = True,
) -> BuildSummary:
    """Build the selected cohorts' reports (all by default) that are out of date, then the index.

    The programme-year reports of the selected cohorts' years are built too,
    with ``programme_notebook`` (by default the project's, when ``notebook`` is
    the project's cohort notebook; none otherwise).

    ``force`` rebuilds every selected cohort; ``wait`` waits for another build
    holding the output folder instead of refusing; ``lock`` is the folder's
    lock when the caller already holds it (and has tidied the folder). Raises
    :class:`CollabError` only for problems that stop every cohort (an invalid
    registry, an unknown cohort id) and :class:`collablib.build.fileio.OutputError`
    when the output folder cannot be written or is locked; a single cohort's
    failure is recorded in the returned summary instead. SIGINT and SIGTERM
    end the run early with :attr:`BuildSummary.interrupted` set.

    ``fork_kernels`` forks each report's kernel from one process that has already
    imported what the notebooks use (:mod:`collablib.build.forkserver`), where the
    platform allows; ``False`` starts every kernel as a new process.
    """
    data_dir = resolve_data_dir(data_dir)
    output_dir = Path(output_dir or default_reports_dir()).resolve()
    notebook = Path(notebook or report_notebook()).resolve()
    build = _Build(data_dir, output_dir, notebook, jobs, progress or PlainProgress(), force, warn)
    build.fork_kernels = fork_kernels and forkserver.available()
    build.programme_path = (
        Path(programme_notebook).resolve()
        if programme_notebook
        else programme_notebook_for(notebook)
    )
    with sigterm_raises():
        if lock is not None:
            return build.run(cohort_ids, lock)
        with locked_output_folder(output_dir, wait) as held:
            return build.run(cohort_ids, held)


class _Build:
    """One run of the pipeline, holding the output folder's lock."""

    def __init__(
        self,
        data_dir: Path,
        output_dir: Path,
        notebook: Path,
        jobs: int | None,
        progress: Progress,
        force: bool,
        warn: buildstate.Warn | None,
    ) -> None:
        self.data_dir = data_dir
        self.output_dir = output_dir
        self.notebook = notebook
        self.jobs = max(1, jobs or default_jobs())
        self.progress = progress
        self.force = force
        self.warn = warn or buildstate._stderr_warning
        self.started = time.perf_counter()
        self.results: dict[str, BuildResult] = {}
        self.selected: list[Cohort] = []
        #: the ids of the reports this run covers: the selected cohorts', then programme years'
        self.reports: list[str] = []
        #: the programme-year notebook this run also builds (``None``: no programme reports)
        self.programme_path: Path | None = None
        #: programme-year reports deleted because a cohort left their year
        self.withdrawn: list[str] = []
        #: what the summary should add (programme years a partial build could not rebuild)
        self.notes: list[str] = []
        #: the SHA-256 of each cohort's outputs in place (from its record, or just written)
        self.outputs: dict[str, dict[str, str]] = {}
        self.kernels = kernels.KernelRun(threading.Event())
        #: fork kernels from this process's fork server (:mod:`collablib.build.forkserver`)
        self.fork_kernels = False

    def run(self, cohort_ids: Sequence[str] | None, lock: BuildLock) -> BuildSummary:
        try:
            return self._run(cohort_ids, lock)
        except (KeyboardInterrupt, BuildInterrupted) as exc:
            signum = exc.signum if isinstance(exc, BuildInterrupted) else signal.SIGINT
            with signals_ignored():
                self.kernels.stop.set()
                self.kernels.kill_all()
                kernels.remove_own_kernel_files()
                buildstate.clear_state(self.output_dir)
                with contextlib.suppress(Exception):
                    self.progress.close()
            ordered = [
                self.results.get(r) or BuildResult(r, "interrupted")
                for r in self.reports or [c.cohort_id for c in self.selected]
            ]
            return BuildSummary(
                results=ordered,
                withdrawn=self.withdrawn,
                notes=self.notes,
                interrupted=int(signum),
                seconds=time.perf_counter() - self.started,
            )
        finally:
            if self.kernels.forks is not None:  # a kernel started for this build, not used
                self.kernels.forks.stop_early()

    def _run(self, cohort_ids: Sequence[str] | None, lock: BuildLock) -> BuildSummary:
        data_dir, output_dir = self.data_dir, self.output_dir
        kernel_env = forkserver.kernel_environment()  # kernels inherit this environment

        INPUT_LOG.clear()  # from here on, every input is hashed as it is read for this build
        cohorts = load_registry(data_dir)
        self.selected = select_cohorts(cohorts, cohort_ids, data_dir)
        notebook_bytes = read_input(self.notebook)
        programme_path = self.programme_path
        programmes = (
            ProgrammeBuild(programme_path, data_dir, output_dir) if programme_path else None
        )
        run = provenance.run_facts(
            self.notebook,
            sha256_bytes(notebook_bytes),
            programmes.sha256 if programmes else None,
        )
        notebook_node = nbformat.reads(notebook_bytes.decode("utf-8"), as_version=4)
        kernel_name = notebook_node.metadata.get("kernelspec", {}).get("name")
        if self.fork_kernels or forkserver.early_started():  # (--fresh-kernels: it is new too)
            forks = self.kernels.forks = forkserver.shared(run.code_sha256 + run.lock_sha256)
            self.kernels.fork = self.fork_kernels
            # The server's imports overlap the validation below, unless a kernel is already
            # starting (collab reports starts one first): then it waits for the plan.
            if kernel_name and forks.early is None and self.fork_kernels:
                forks.prestart(kernel_name, kernel_env)
        git_all = provenance.git_state(buildstate.tracked_paths(data_dir, self.notebook))

        checked = load_and_check(cohorts, data_dir)
        loaded = checked.loaded
        if self.kernels.forks and all(
            isinstance(loaded[c.cohort_id], Exception) for c in self.selected
        ):
            self.kernels.forks.stop_early()  # every chosen cohort failed: no report will run
        for warning in checked.warnings:
            self.warn(warning)
        try:
            figures = comparison_figures(cohorts, loaded, output_dir, self.warn)
        except OSError as exc:
            raise OutputError(
                f"cannot write to the output folder {output_dir}: {describe_os_error(exc)}."
            ) from exc
        changed_now = set(INPUT_LOG.changed)

        plan: list[Planned] = []
        # A programme year is built after its cohorts, and only if they all succeed, so it
        # always matches the cohort reports and the index beside it. A partial build
        # (--cohort) builds the years of its cohorts whose other cohorts are up to date.
        members: dict[str, BuildResult] = {}
        years: list[str] = []
        chosen = {c.cohort_id for c in self.selected}
        for year in programme_years(self.selected) if programmes else []:
            others = [c for c in cohorts if c.programme_year == year and c.cohort_id not in chosen]
            stale = []
            for other in others:
                seen: list[BuildResult] = []
                args = (cohorts, loaded, figures, checked.reads, run, changed_now)
                if self._plan(other, *args, finish=seen.append, force=False) is None and seen:
                    members[other.cohort_id] = seen[0]
                if members.get(other.cohort_id, BuildResult("", "")).status != "up to date":
                    stale.append(other.cohort_id)
            if stale:
                self.notes.append(
                    f"{programme_report_id(year)} was not rebuilt: {', '.join(stale)} "
                    f"{'is' if len(stale) == 1 else 'are'} not up to date and not in this run. "
                    "A full build (make reports) rebuilds them all."
                )
            else:
                years.append(year)
        self.reports = [c.cohort_id for c in self.selected] + [
            programme_report_id(y) for y in years
        ]
        self.progress.start(len(self.reports))
        try:
            for cohort in self.selected:
                item = self._plan(cohort, cohorts, loaded, figures, checked.reads, run, changed_now)
                if item is not None:
                    plan.append(item)
            # Longest first (the classic LPT rule): the slowest reports start at once rather
            # than last, so the parallel builds finish closer together.
            plan.sort(key=lambda item: -expected_work(loaded[item.cohort.cohort_id]))
            if self.kernels.forks:  # no report: the early kernel goes; 2 or more: the server starts
                n, fork = len(plan) + len(years), self.fork_kernels
                self.kernels.forks.planned(n, kernel_name, kernel_env, fork, self.data_dir)
            if programmes is not None:
                self.withdrawn += programmes.withdraw_changed_years(cohorts, self.warn)
            self._build(plan, notebook_node, lock)
            if programmes is not None:
                later = programmes.plan(
                    years,
                    cohorts,
                    {**members, **self.results},
                    checked.reads,
                    changed_now,
                    run,
                    force=self.force,
                    warn=self.warn,
                    finish=self._finish,
                    outputs=self.outputs,
                )
                self._build(later, notebook_node, lock)
        finally:
            self.progress.close()

        ordered = [self.results[r] for r in self.reports]
        summary = BuildSummary(results=ordered, notes=self.notes, withdrawn=self.withdrawn)
        if not lock.still_held():  # deleted under us: another build may be writing now
            summary.index_problem = "the output folder's lock file was removed during the build"
            return self._finished(summary)
        summary.removed = buildstate.remove_unregistered(
            output_dir, {c.cohort_id for c in cohorts} | programme_ids(cohorts), self.warn
        )
        try:
            summary.index = write_index(
                cohorts, data_dir=data_dir, output_dir=output_dir, results=ordered, notes=self.notes
            )
        except (OSError, CollabError) as exc:
            reason = describe_os_error(exc) if isinstance(exc, OSError) else exc.message
            summary.index_problem = f"could not write it ({reason})"
        complete = (
            not summary.failed
            and summary.index is not None
            and len(self.selected) == len(cohorts)
            and all(not isinstance(d, CollabError) for d in loaded.values())
            and not INPUT_LOG.changed
            and all(c.cohort_id in self.outputs for c in cohorts)
            and all(r in self.outputs for r in self.reports)
        )
        buildstate.clear_state(output_dir)
        if complete:
            try:
                self._record_complete_run(cohorts, run, git_all, summary.index)
            except (OSError, CollabError) as exc:  # the next run checks every cohort instead
                buildstate.clear_state(output_dir)
                reason = describe_os_error(exc) if isinstance(exc, OSError) else exc.message
                self.warn(f"the record of this complete run was not written: {reason}")
        return self._finished(summary)

    def _build(self, plan: list[Planned], notebook: nbformat.NotebookNode, lock: BuildLock) -> None:
        """Build ``plan`` on the worker threads (:func:`collablib.build.workers.build_planned`)."""
        build_planned(
            plan,
            data_dir=self.data_dir,
            output_dir=self.output_dir,
            notebook=notebook,
            jobs=self.jobs,
            run=self.kernels,
            lock=lock,
            progress=self.progress,
            finished=self._finish,
            store=self.results.__setitem__,
            outputs=self.outputs,
        )

    def _finished(self, summary: BuildSummary) -> BuildSummary:
        summary.seconds = time.perf_counter() - self.started
        return summary

    def _finish(self, result: BuildResult) -> None:
        self.results[result.cohort_id] = result
        self.progress.finished(result)

    def _plan(
        self,
        cohort: Cohort,
        cohorts: Sequence[Cohort],
        loaded: dict[str, CohortData | CollabError],
        figures: dict[str, CohortFigures],
        reads: dict[str, dict[str, str]],
        run: provenance.RunFacts,
        changed_now: set[str],
        finish: Callable[[BuildResult], None] | None = None,
        force: bool | None = None,
    ) -> Planned | None:
        """Decide whether ``cohort`` is up to date; if not, what its build needs.

        An up-to-date or failed cohort is reported with ``finish`` (by default, as
        this run's result); ``force`` (by default the run's) rebuilds it whatever its record.
        """
        finish = finish or self._finish
        cid = cohort.cohort_id
        data = loaded[cid]
        if isinstance(data, CollabError):
            finish(BuildResult(cid, "failed", data.message, "data"))
            return None
        inputs = provenance.cohort_input_files(cid, self.data_dir)
        moving = sorted(p for p in reads.get(cid, {}) if p in changed_now)
        if moving:
            finish(
                BuildResult(
                    cid,
                    "failed",
                    f"{display_path(moving[0])} changed while it was being read; the previous "
                    "report was kept. Run the build again once it is no longer being edited.",
                    "changed",
                )
            )
            return None
        try:
            facts = provenance.collect(
                cid,
                self.data_dir,
                self.notebook,
                registry_row=cohort.as_dict(),
                run=run,
                inputs=inputs,
            )
        except CollabError as exc:  # a file in its folder that cannot be read
            finish(BuildResult(cid, "failed", exc.message, "data"))
            return None
        others = [
            figures[c.cohort_id].as_json()
            for c in cohorts
            if c.cohort_id != cid and c.cohort_id in figures
        ]
        components = cohort_components(cohort, facts, others, self.data_dir)
        key = buildstate.digest(components)
        done, why = up_to_date_or_why(
            self.output_dir,
            cid,
            key,
            components,
            force=self.force if force is None else force,
            warn=self.warn,
        )
        if done is not None:
            self.outputs[cid] = done
            finish(BuildResult(cid, "up to date"))
            return None
        return Planned(
            cohort,
            facts,
            components,
            key,
            why,
            json.dumps(others, sort_keys=True),
            reads.get(cid, {}),
            {str(p.absolute()) for p in inputs} | {str(registry_path(self.data_dir))},
        )

    def _record_complete_run(
        self,
        cohorts: Sequence[Cohort],
        run: provenance.RunFacts,
        git: dict[str, Any],
        index: Path,
    ) -> None:
        """Write the whole-run state from the hashes the run read (never re-hashing the inputs)."""
        hashes = {
            str(p.relative_to(self.data_dir)): input_hash(p)
            for p in buildstate.data_files(self.data_dir)
        }
        outputs = {"index.html": sha256_file(index)}
        for cohort in cohorts:
            outputs.update(self.outputs[cohort.cohort_id])
        for report in self.reports:
            outputs.update(self.outputs[report])
        buildstate.write_state(
            self.output_dir,
            buildstate.global_key(self.data_dir, hashes, run, git),
            [c.cohort_id for c in cohorts],
            outputs,
        )
