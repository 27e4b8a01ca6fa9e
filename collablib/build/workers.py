"""Building the planned reports on worker threads, and stopping them at once on an interrupt.

Each worker thread takes the next planned cohort, renders it
(:func:`collablib.build.render_cohort`: the notebook runs in its own kernel
process, so the threads only wait) and puts both renderings and the build
record in place together (:func:`collablib.build.commit_report`). The
threads are daemon threads, so an interrupted build can return without
waiting for a notebook to finish: the build's kernels are killed, a commit in
progress (a few renames) completes under a lock first, and no other starts.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from collablib.build import provenance
from collablib.build import state as buildstate
from collablib.build.fileio import OutputError
from collablib.build.kernels import KernelRun
from collablib.build.lock import BuildLock
from collablib.build.progress import Progress
from collablib.build.render import (
    BuildFailure,
    BuildResult,
    BuildStopped,
    commit_report,
    render_cohort,
)
from collablib.data.registry import Cohort
from collablib.errors import display_path

__all__ = [
    "STOP_GRACE",
    "Planned",
    "build_planned",
    "up_to_date_or_why",
]

#: Seconds an interrupted build waits for its worker threads before it returns.
STOP_GRACE = 3.0


@dataclass
class Planned:
    """A report to build (a cohort's, or a programme year's): its facts, build key and why,
    and what its kernel may read."""

    cohort: Cohort
    facts: dict[str, Any]
    components: dict[str, Any]
    key: str
    why: str
    comparators: str
    expected_reads: dict[str, str]
    recorded_inputs: set[str]
    #: a programme-year report's own notebook and parameters (``None``: the cohort notebook)
    notebook: nbformat.NotebookNode | None = None
    parameters: dict[str, str | None] | None = None


def up_to_date_or_why(
    output_dir: Path,
    report_id: str,
    key: str,
    components: dict[str, Any],
    *,
    force: bool,
    warn: buildstate.Warn,
) -> tuple[dict[str, str] | None, str]:
    """A report's recorded outputs if it is up to date (and not forced); else ``None`` and why.

    Up to date means the same build key as its record and every recorded output still
    in place with its recorded SHA-256.
    """
    record = buildstate.read_record(output_dir, report_id, warn)
    same_key = record is not None and record["key"] == key
    if same_key and not force and buildstate.outputs_match(output_dir, record["outputs"]):  # type: ignore[index]
        return record["outputs"], ""  # type: ignore[index]
    if force:
        return None, "forced"
    if same_key:
        return None, "an output was missing or had been changed"
    return None, buildstate.explain(record, components)


def build_planned(
    plan: list[Planned],
    *,
    data_dir: Path,
    output_dir: Path,
    notebook: nbformat.NotebookNode,
    jobs: int,
    run: KernelRun,
    lock: BuildLock,
    progress: Progress,
    finished: Callable[[BuildResult], None],
    store: Callable[[str, BuildResult], None],
    outputs: dict[str, dict[str, str]],
) -> None:
    """Build the planned cohorts on ``jobs`` threads, reporting each with ``finished``.

    ``outputs`` receives the SHA-256 of each cohort's outputs as they are put
    in place. On an interrupt (any exception in this thread) the run's kernels
    are killed, results already reached are kept with ``store``, and the
    exception is raised again.
    """
    if not plan:
        return
    todo: queue.Queue[Planned] = queue.Queue()
    for item in plan:
        todo.put(item)
    done: queue.Queue[BuildResult] = queue.Queue()
    commit_lock = threading.Lock()

    def build_one(item: Planned) -> BuildResult:
        cid = item.cohort.cohort_id
        begun = time.perf_counter()
        progress.started(cid)
        try:
            rendered = render_cohort(
                item.cohort,
                data_dir=data_dir,
                output_dir=output_dir,
                notebook=item.notebook if item.notebook is not None else notebook,
                parameters=item.parameters
                if item.parameters is not None
                else {
                    "provenance": provenance.to_json(item.facts),
                    "comparators": item.comparators,
                },
                expected_reads=item.expected_reads,
                recorded_inputs=item.recorded_inputs,
                run=run,
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
            if run.stop.is_set():
                return BuildResult(cid, "interrupted")
            return BuildResult(cid, "failed", f"{type(exc).__name__}: {exc}", "execution")
        with commit_lock:
            if run.stop.is_set():
                return BuildResult(cid, "interrupted")
            if not lock.still_held():
                return BuildResult(
                    cid,
                    "failed",
                    "the output folder's lock file was removed while the report was being "
                    "built (make clean-reports?), so another build may be writing there; "
                    "nothing was put in place.",
                    "output",
                )
            record: dict[str, Any] = {
                "cohort_id": cid,
                "key": item.key,
                "components": item.components,
            }
            try:
                outputs[cid] = commit_report(output_dir, cid, rendered, record)
            except OutputError as exc:
                return BuildResult(cid, "failed", f"{exc}", "output", time.perf_counter() - begun)
        return BuildResult(
            cid,
            "built",
            seconds=time.perf_counter() - begun,
            attempts=rendered.attempts,
            why=item.why,
        )

    def work() -> None:
        while not run.stop.is_set():
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            done.put(build_one(item))

    threads = [
        threading.Thread(target=work, name=f"collab-build-{i}", daemon=True)
        for i in range(min(jobs, len(plan)))
    ]
    for thread in threads:
        thread.start()
    reached = 0
    try:
        while reached < len(plan):
            try:
                result = done.get(timeout=0.2)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and done.empty():
                    break
                continue
            reached += 1
            finished(result)
    except BaseException:
        run.stop.set()
        run.kill_all()
        with commit_lock:  # a report being put in place finishes; no other starts
            pass
        deadline = time.monotonic() + STOP_GRACE
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        while not done.empty():
            result = done.get_nowait()
            store(result.cohort_id, result)
        raise
