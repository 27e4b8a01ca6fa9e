"""The report pipeline behind ``make reports`` / ``collab reports``.

1. Lock the output folder (one build at a time), roll back any half-done
   commit a killed run left, and delete its temporary and kernel files.
2. Read the registry; load and validate every cohort once. Every input file
   is hashed as it is read (:mod:`collablib.fileio`); those hashes, and
   nothing computed later, describe the report. Bad input fails that cohort
   at once, with its message, and never starts a kernel.
3. Decide, by content hash (:mod:`collablib.buildstate`), which selected
   cohorts are out of date; the rest are reported "up to date".
4. Build those several at once (:mod:`collablib.build`): each build runs its
   notebook in its own Jupyter kernel process; threads here only wait for
   them. A build whose kernel read any input with other bytes than step 2
   (the file changed meanwhile) is not put in place. Both renderings and the
   build record are put in place together, or not at all.
5. Rewrite ``index.html`` and the whole-run state.

**No cascade.** Another cohort's report uses a cohort only through its survey
counts (:class:`collablib.comparisons.CohortFigures`). The counts are
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
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from collablib import buildstate, kernels, provenance
from collablib.build import (
    BuildFailure,
    BuildResult,
    BuildStopped,
    commit_report,
    render_cohort,
)
from collablib.comparisons import CohortFigures, cohort_figures
from collablib.errors import CollabError, display_path
from collablib.fileio import INPUT_LOG, OutputError, describe_os_error, read_input, sha256_bytes
from collablib.index_page import write_index
from collablib.loaders import CohortData, load_cohort
from collablib.paths import default_reports_dir, report_notebook, resolve_data_dir
from collablib.progress import PlainProgress, Progress
from collablib.registry import Cohort, load_registry, registry_path

#: Seconds an interrupted build waits for its worker threads before it returns.
STOP_GRACE = 3.0


class BuildInterrupted(Exception):
    """Raised in the main thread when the build receives SIGINT or SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


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
            + (f" ({len(self.results)} cohorts)" if self.results else "")
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
            if r.kind != "output":  # an output failure says itself what is in place
                lines.append("  Its previous report, if any, was left unchanged.")
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


def comparison_figures(
    cohorts: Sequence[Cohort],
    loaded: dict[str, CohortData | CollabError],
    output_dir: Path,
    warn: buildstate.Warn,
) -> dict[str, CohortFigures]:
    """Each cohort's figures for the others' comparisons: as validated now, else as last recorded.

    A cohort whose data validate has its figures recorded; one whose data do
    not is represented by its last recorded figures, or left out if it has
    none. Either way its failure leaves every other report as it was.
    """
    figures: dict[str, CohortFigures] = {}
    for cohort in cohorts:
        data = loaded[cohort.cohort_id]
        path = buildstate.figures_path(output_dir, cohort.cohort_id)
        if isinstance(data, CohortData):
            current = cohort_figures(data)
            figures[cohort.cohort_id] = current
            if buildstate.read_figures(output_dir, cohort.cohort_id, warn) != current.as_json():
                buildstate.write_json(
                    path, {"version": buildstate.RECORD_VERSION, "figures": current.as_json()}
                )
            continue
        recorded = buildstate.read_figures(output_dir, cohort.cohort_id, warn)
        if recorded is not None:
            try:
                figures[cohort.cohort_id] = CohortFigures.from_json(recorded)
            except (KeyError, TypeError, ValueError, IndexError):
                buildstate.set_aside(
                    path, "not of the right shape", warn, "so it is left out of comparisons"
                )
    return figures


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


@dataclass
class _Planned:
    cohort: Cohort
    facts: dict[str, Any]
    components: dict[str, Any]
    key: str
    why: str
    comparators: str
    recorded_inputs: set[str]


def _install_sigterm() -> Callable[[], None]:
    """Turn SIGTERM into :class:`BuildInterrupted` in the main thread; return the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: object) -> None:
        raise BuildInterrupted(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


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
) -> BuildSummary:
    """Build the selected cohorts' reports (all by default) that are out of date, then the index.

    ``force`` rebuilds every selected cohort; ``wait`` waits for another build
    holding the output folder instead of refusing. Raises :class:`CollabError`
    only for problems that stop every cohort (an invalid registry, an unknown
    cohort id) and :class:`collablib.fileio.OutputError` when the output folder
    cannot be written or is locked; a single cohort's failure is recorded in
    the returned summary instead. SIGINT and SIGTERM end the run early with
    :attr:`BuildSummary.interrupted` set.
    """
    started = time.perf_counter()
    data_dir = resolve_data_dir(data_dir)
    output_dir = Path(output_dir or default_reports_dir()).resolve()
    notebook = Path(notebook or report_notebook()).resolve()
    progress = progress or PlainProgress()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {output_dir}: {describe_os_error(exc)}."
        ) from exc
    undo_sigterm = _install_sigterm()
    try:
        with buildstate.BuildLock(output_dir, wait=wait):
            return _build_locked(
                cohort_ids, data_dir, output_dir, notebook, jobs, progress, force, warn, started
            )
    finally:
        undo_sigterm()


def _build_locked(
    cohort_ids: Sequence[str] | None,
    data_dir: Path,
    output_dir: Path,
    notebook: Path,
    jobs: int | None,
    progress: Progress,
    force: bool,
    warn: buildstate.Warn | None,
    started: float,
) -> BuildSummary:
    results: dict[str, BuildResult] = {}
    selected: list[Cohort] = []
    try:
        return _run(
            cohort_ids,
            data_dir,
            output_dir,
            notebook,
            jobs,
            progress,
            force,
            warn,
            started,
            results,
            selected,
        )
    except (KeyboardInterrupt, BuildInterrupted) as exc:
        signum = exc.signum if isinstance(exc, BuildInterrupted) else signal.SIGINT
        kernels.kill_running_kernels()
        kernels.remove_own_kernel_files()
        buildstate.clear_state(output_dir)
        with contextlib.suppress(Exception):
            progress.close()
        ordered = [
            results.get(c.cohort_id) or BuildResult(c.cohort_id, "interrupted") for c in selected
        ]
        return BuildSummary(
            results=ordered, interrupted=int(signum), seconds=time.perf_counter() - started
        )
    finally:
        kernels.stopping.clear()


def _run(
    cohort_ids: Sequence[str] | None,
    data_dir: Path,
    output_dir: Path,
    notebook: Path,
    jobs: int | None,
    progress: Progress,
    force: bool,
    warn: buildstate.Warn | None,
    started: float,
    results: dict[str, BuildResult],
    selected: list[Cohort],
) -> BuildSummary:
    warn = warn or buildstate._stderr_warning
    kernels.stopping.clear()
    try:
        buildstate.remove_stale_temporaries(output_dir)
    except OSError as exc:
        raise OutputError(
            f"cannot tidy the output folder {output_dir}: {describe_os_error(exc)}."
        ) from exc
    # Kernels inherit the environment: a fixed hash seed keeps any set ordering repeatable.
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("MPLBACKEND", "Agg")

    INPUT_LOG.clear()  # from here on, every input is hashed as it is read for this build
    cohorts = load_registry(data_dir)
    selected += select_cohorts(cohorts, cohort_ids, data_dir)
    jobs = max(1, jobs or default_jobs())
    notebook_bytes = read_input(notebook)
    notebook_sha = sha256_bytes(notebook_bytes)
    notebook_node = nbformat.reads(notebook_bytes.decode("utf-8"), as_version=4)
    git_all = provenance.git_state(buildstate.tracked_paths(data_dir, notebook))

    loaded = load_and_check(cohorts, data_dir)
    try:
        figures = comparison_figures(cohorts, loaded, output_dir, warn)
    except OSError as exc:
        raise OutputError(
            f"cannot write to the output folder {output_dir}: {describe_os_error(exc)}."
        ) from exc
    changed_now = set(INPUT_LOG.changed)

    plan: list[_Planned] = []
    progress.start(len(selected))
    try:
        for cohort in selected:
            data = loaded[cohort.cohort_id]
            if isinstance(data, CollabError):
                result = BuildResult(cohort.cohort_id, "failed", data.message, "data")
                results[cohort.cohort_id] = result
                progress.finished(result)
                continue
            inputs = provenance.cohort_input_files(cohort.cohort_id, data_dir)
            moving = sorted(str(p) for p in inputs if str(p.absolute()) in changed_now)
            if moving:
                result = BuildResult(
                    cohort.cohort_id,
                    "failed",
                    f"{display_path(moving[0])} changed while it was being read; the previous "
                    "report was kept. Run the build again once it is no longer being edited.",
                    "changed",
                )
                results[cohort.cohort_id] = result
                progress.finished(result)
                continue
            facts = provenance.collect(
                cohort.cohort_id,
                data_dir,
                notebook,
                registry_row=cohort.as_dict(),
                notebook_sha256=notebook_sha,
            )
            others = [
                figures[c.cohort_id].as_json()
                for c in cohorts
                if c.cohort_id != cohort.cohort_id and c.cohort_id in figures
            ]
            components = cohort_components(cohort, facts, others)
            key = buildstate.digest(components)
            record = buildstate.read_record(output_dir, cohort.cohort_id, warn)
            same_key = record is not None and record["key"] == key
            if (
                not force and same_key and buildstate.outputs_match(output_dir, record["outputs"])  # type: ignore[index]
            ):
                result = BuildResult(cohort.cohort_id, "up to date", summary=record.get("summary"))  # type: ignore[union-attr]
                results[cohort.cohort_id] = result
                progress.finished(result)
                continue
            why = (
                "forced"
                if force
                else (
                    "an output was missing or had been changed"
                    if same_key
                    else buildstate.explain(record, components)
                )
            )
            import json

            plan.append(
                _Planned(
                    cohort,
                    facts,
                    components,
                    key,
                    why,
                    json.dumps(others, sort_keys=True),
                    {str(p.absolute()) for p in inputs} | {str(registry_path(data_dir))},
                )
            )
        # Longest first (the classic LPT rule): the slowest reports start at once rather than
        # last, so the parallel builds finish closer together.
        plan.sort(key=lambda item: -expected_work(loaded[item.cohort.cohort_id]))
        _build_planned(
            plan, data_dir, output_dir, notebook_node, jobs, progress, results, INPUT_LOG
        )
    finally:
        progress.close()

    ordered = [results[c.cohort_id] for c in selected]
    summary = BuildSummary(results=ordered)
    try:
        summary.index = write_index(
            cohorts, data_dir=data_dir, output_dir=output_dir, results=ordered, loaded=loaded
        )
    except OSError as exc:
        summary.index_problem = f"could not write it ({describe_os_error(exc)})"
    complete = (
        not summary.failed
        and summary.index is not None
        and len(selected) == len(cohorts)
        and all(not isinstance(d, CollabError) for d in loaded.values())
        and not INPUT_LOG.changed
    )
    try:
        if complete:
            _record_complete_run(data_dir, output_dir, cohorts, notebook_sha, git_all, warn)
        else:
            buildstate.clear_state(output_dir)
    except OSError as exc:  # the reports are in place; the next run checks every cohort
        buildstate.clear_state(output_dir)
        warn(f"the build state could not be written ({describe_os_error(exc)})")
    summary.seconds = time.perf_counter() - started
    return summary


def _record_complete_run(
    data_dir: Path,
    output_dir: Path,
    cohorts: Sequence[Cohort],
    notebook_sha: str,
    git: dict[str, Any],
    warn: buildstate.Warn,
) -> None:
    """Write the whole-run state from the hashes the run read (never re-hashing the inputs)."""
    hashes = {
        str(p.relative_to(data_dir)): provenance.file_hash(p)
        for p in buildstate.data_files(data_dir)
    }
    outputs: dict[str, str] = {"index.html": provenance.sha256_file(output_dir / "index.html")}
    for cohort in cohorts:
        record = buildstate.read_record(output_dir, cohort.cohort_id, warn)
        if record is None:
            buildstate.clear_state(output_dir)
            return
        outputs.update(record["outputs"])
    buildstate.write_state(
        output_dir,
        buildstate.global_key(hashes, notebook_sha, git),
        [c.cohort_id for c in cohorts],
        outputs,
    )


def _build_planned(
    plan: list[_Planned],
    data_dir: Path,
    output_dir: Path,
    notebook: nbformat.NotebookNode,
    jobs: int,
    progress: Progress,
    results: dict[str, BuildResult],
    log: Any,
) -> None:
    """Build the planned cohorts on ``jobs`` worker threads; stop at once on an interrupt.

    The workers are daemon threads, so an interrupted run can return without
    waiting for a notebook to finish: its kernel is killed, and a commit in
    progress (a few renames) completes under ``commit_lock`` first.
    """
    if not plan:
        return
    todo: queue.Queue[_Planned] = queue.Queue()
    for item in plan:
        todo.put(item)
    done: queue.Queue[BuildResult] = queue.Queue()
    stop = threading.Event()
    commit_lock = threading.Lock()
    expected_reads = {k: v for k, v in log.snapshot()["hashes"].items()}

    def work() -> None:
        while not stop.is_set():
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            done.put(_build_one(item))

    def _build_one(item: _Planned) -> BuildResult:
        cid = item.cohort.cohort_id
        begun = time.perf_counter()
        progress.started(cid)
        try:
            rendered = render_cohort(
                item.cohort,
                data_dir=data_dir,
                output_dir=output_dir,
                notebook=notebook,
                parameters={
                    "provenance": provenance.to_json(item.facts),
                    "comparators": item.comparators,
                },
                expected_reads=expected_reads,
                recorded_inputs=item.recorded_inputs,
                stop=stop,
            )
        except BuildStopped:
            return BuildResult(cid, "interrupted")
        except BuildFailure as exc:
            return BuildResult(
                cid,
                "failed",
                exc.reason,
                exc.kind,
                time.perf_counter() - begun,
                exc.attempts,
                str(display_path(exc.debug)) if exc.debug else None,
            )
        except Exception as exc:  # a bug in collab itself: report it with the cohort, go on
            if stop.is_set():
                return BuildResult(cid, "interrupted")
            return BuildResult(cid, "failed", f"{type(exc).__name__}: {exc}", "execution")
        with commit_lock:
            if stop.is_set():
                return BuildResult(cid, "interrupted")
            record = {
                "cohort_id": cid,
                "key": item.key,
                "components": item.components,
                "summary": rendered.summary,
            }
            try:
                commit_report(output_dir, cid, rendered.pages, record)
            except OutputError as exc:
                return BuildResult(cid, "failed", f"{exc}", "output", time.perf_counter() - begun)
        return BuildResult(
            cid,
            "built",
            seconds=time.perf_counter() - begun,
            attempts=rendered.attempts,
            why=item.why,
            summary=rendered.summary,
        )

    threads = [
        threading.Thread(target=work, name=f"collab-build-{i}", daemon=True)
        for i in range(min(jobs, len(plan)))
    ]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < len(plan):
            try:
                result = done.get(timeout=0.2)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and done.empty():
                    break
                continue
            finished += 1
            results[result.cohort_id] = result
            progress.finished(result)
    except BaseException:
        stop.set()
        kernels.kill_running_kernels()
        with commit_lock:  # a report being put in place finishes; no other starts
            pass
        deadline = time.monotonic() + STOP_GRACE
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        while not done.empty():
            result = done.get_nowait()
            results[result.cohort_id] = result
        raise
