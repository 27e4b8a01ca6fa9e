"""Build one cohort's report: execute the notebook, check what it read, render both pages.

The pipeline (:mod:`collablib.build.pipeline`) calls :func:`render_cohort` from
worker threads; each build executes its notebook in its own Jupyter kernel
process, so one cohort's code, memory or crash cannot affect another's. The
rendered pages are put in place by :func:`commit_report`, together with the
build record, all or nothing.

Failure handling follows the portfolio runner of cal-itp/data-analyses: a
:class:`papermill.PapermillExecutionError` (a cell raised) is caught
explicitly and reported with the cell's error; kernel start-up failures (ZMQ
"Address already in use", start-up time-outs, a kernel that dies before
replying) are transient under parallel load and are retried; nothing that
goes wrong once the cells run is. A failed build never touches the cohort's
existing HTML; when a cell raised, the executed notebook, with its error, is
kept under ``<output>/_failed/`` for debugging.

**What the kernel read.** The pipeline appends one cell to the notebook it
executes. It displays the kernel's input log (:mod:`collablib.data.inputs`): the
SHA-256 of every input file as the kernel read it. Before anything is
rendered, every one of those hashes must equal the hash of the same file as
the pipeline read it when it validated the data and keyed the build, and the
file must be among the report's recorded inputs. Otherwise the file changed
while the report was being built (or the notebook read an input the record
does not list), and the build fails without touching the previous report, so
a report's Provenance section and build record always describe the bytes its
figures came from.
"""

from __future__ import annotations

import copy
import os
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell

from collablib.build.fileio import commit_files
from collablib.build.htmlexport import export_html
from collablib.build.kernels import KernelRun, KernelStartRefused, kernel_manager_class
from collablib.build.state import (
    BUILD_RECORD_MIME,
    FAILED_DIR,
    data_folder,
    journal_path,
    output_names,
    record_path,
    record_text,
)
from collablib.data.inputs import ABSENT, LISTING
from collablib.data.registry import Cohort
from collablib.errors import display_path

__all__ = [
    "CELL_TIMEOUT",
    "KERNEL_START_ATTEMPTS",
    "KERNEL_START_TIMEOUT",
    "RECORD_CELL_TAG",
    "WORK_DIR",
    "BuildFailure",
    "BuildResult",
    "BuildStopped",
    "RenderedReport",
    "check_inputs_read",
    "commit_report",
    "execute_notebook",
    "is_transient_kernel_error",
    "render_cohort",
    "report_paths",
    "take_build_record",
    "with_record_cell",
]

#: Attempts at starting a kernel before a cohort is reported as failed.
KERNEL_START_ATTEMPTS = 4
#: Seconds a kernel may take to start (papermill's default is 60).
KERNEL_START_TIMEOUT = 120
#: Seconds a single cell may run.
CELL_TIMEOUT = 600

WORK_DIR = ".build"
#: Tag of the cell the pipeline appends to collect the build record.
RECORD_CELL_TAG = "collab-build-record"


@dataclass
class BuildResult:
    """What happened to one cohort."""

    cohort_id: str
    status: str  # "built" | "failed" | "up to date" | "interrupted"
    reason: str = ""
    kind: str = ""  # for failures: "data" (bad input), "changed", "output" or "execution"
    seconds: float = 0.0
    attempts: int = 0
    debug_notebook: str | None = None
    why: str = ""  # for builds: why the cohort was out of date


@dataclass
class RenderedReport:
    """Both renderings of one cohort's report, not yet in place."""

    pages: dict[str, bytes]
    #: the report's tidy data (file name -> bytes), published in ``data/<cohort_id>/``
    data: dict[str, bytes]
    attempts: int = 0


class BuildFailure(Exception):
    """A cohort's build failed; ``kind`` as in :class:`BuildResult`."""

    def __init__(
        self, reason: str, kind: str, debug: Path | None = None, attempts: int = 0
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.debug = debug
        self.attempts = attempts


class BuildStopped(Exception):
    """The build was interrupted while this cohort was running."""


def report_paths(output_dir: Path, cohort_id: str) -> dict[str, Path]:
    """The two renderings of a cohort's report."""
    return {k: Path(output_dir) / v for k, v in output_names(cohort_id).items()}


def is_transient_kernel_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a kernel start-up failure that is worth retrying.

    Under parallel load two kernels can race for the same TCP port (ZMQ
    "Address already in use"), or a kernel can take longer than the timeout
    to start. Neither says anything about the notebook, so the build retries.
    Failures while the cells run are never retried: a cell that raised, a cell
    that ran past :data:`CELL_TIMEOUT`, or a kernel that died mid-notebook
    (out of memory, say) would most likely do the same again.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(
        exc, PapermillExecutionError | CellTimeoutError | DeadKernelError | KernelStartRefused
    ):
        return False
    text = f"{type(exc).__name__}: {exc}"
    markers = (
        "Address already in use",
        "Kernel didn't respond",
        "Kernel died before replying",
        "kernel_info",
        "ZMQError",
        "Timeout waiting for kernel",
        "TimeoutError",
    )
    return any(m in text for m in markers) or type(exc).__name__ in {"ZMQError", "TimeoutError"}


def execute_notebook(
    notebook: Path | nbformat.NotebookNode,
    output: Path,
    parameters: dict[str, Any],
    attempts: int = KERNEL_START_ATTEMPTS,
    cwd: Path | None = None,
    run: KernelRun | None = None,
) -> tuple[int, nbformat.NotebookNode | None]:
    """Execute ``notebook`` with papermill into ``output``; return (attempts, executed notebook).

    Parameters are passed through the Python API as strings, so ids such as
    ``"01"`` are never converted to numbers (as ``papermill -p`` would do).
    The exception of a failed run is re-raised with an ``attempts`` attribute
    saying how many were made. The kernels belong to ``run``: none starts once it is stopping.
    """
    import papermill as pm

    for attempt in range(1, attempts + 1):
        try:
            source = copy.deepcopy(notebook) if isinstance(notebook, dict) else str(notebook)
            where = cwd if cwd is not None or isinstance(notebook, dict) else Path(notebook).parent
            executed = pm.execute_notebook(
                source,
                str(output),
                parameters=parameters,
                # The kernel starts in ``where``; papermill's own ``cwd`` would chdir this whole
                # process while the notebook runs, under every other worker thread too.
                resources={"metadata": {"path": str(where)}} if where is not None else {},
                progress_bar=False,
                # Write the executed notebook once at the end (with the error, if a cell
                # raised), not after every cell: rewriting a notebook full of charts a hundred
                # times took more CPU than exporting both renderings.
                request_save_on_cell_execute=False,
                start_timeout=KERNEL_START_TIMEOUT,
                execution_timeout=CELL_TIMEOUT,
                kernel_manager_class=kernel_manager_class(run),
            )
            return attempt, executed
        except Exception as exc:
            stopping = run is not None and run.stop.is_set()
            if attempt < attempts and not stopping and is_transient_kernel_error(exc):
                time.sleep(0.5 * attempt + random.random())
                continue
            exc.attempts = attempt  # type: ignore[attr-defined]
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def with_record_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with a last cell that hands the build record to the pipeline."""
    nb = copy.deepcopy(nb)
    cell = new_code_cell(
        "from collablib.build.state import emit_build_record\n"
        'emit_build_record(globals().get("analysis"))'
    )
    cell.id = RECORD_CELL_TAG
    cell.metadata["tags"] = [RECORD_CELL_TAG]
    nb.cells.append(cell)
    return nb


def take_build_record(nb: nbformat.NotebookNode) -> dict[str, Any] | None:
    """Remove the appended record cell from an executed notebook and return what it displayed."""
    record = None
    kept = []
    for cell in nb.cells:
        if RECORD_CELL_TAG in cell.get("metadata", {}).get("tags", []):
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if BUILD_RECORD_MIME in data:
                    record = data[BUILD_RECORD_MIME]
            continue
        kept.append(cell)
    nb.cells = kept
    return record


def check_inputs_read(
    read: Mapping[str, Any], expected: Mapping[str, str], recorded: set[str], data_dir: Path
) -> str | None:
    """Why the kernel's reads do not match the build record, or ``None`` when they do.

    ``read`` is the kernel's input log and ``expected`` what the pipeline's
    validation of this cohort recorded, by absolute path: the hash of each
    file it read, the absence of each optional file it looked for, the
    listing of each folder it chose files from. Every entry of the kernel's
    log must be in ``expected`` with the same value: so the kernel read the
    same bytes, found the same files missing and chose from the same
    listings. And every file it read must be among ``recorded``: the
    report's recorded inputs (its build key and Provenance section) and the
    registry.
    """
    hashes = read.get("hashes", {}) if isinstance(read, Mapping) else {}
    changed = set(read.get("changed", [])) if isinstance(read, Mapping) else set()
    for path in sorted(hashes):
        shown = display_path(path)
        seen, wanted = hashes[path], expected.get(path)
        if path in changed or (wanted is not None and seen != wanted):
            if seen == ABSENT:
                what = "was missing"
            elif wanted == ABSENT:
                what = "appeared"
            elif seen.startswith(LISTING):
                what = "had files added or removed"
            else:
                what = "changed"
            return (
                f"{shown} {what} while the report was being built, so the report would not "
                "match its recorded inputs. The previous report was kept; run the build again "
                "once the files are no longer being changed."
            )
        is_file = seen != ABSENT and not seen.startswith(LISTING)
        if wanted is None or (is_file and path not in recorded):
            return (
                f"the notebook read {shown}, which is not among the inputs the build checked "
                f"and recorded in {display_path(data_dir)}; the previous report was kept."
            )
    return None


def render_cohort(
    cohort: Cohort,
    *,
    data_dir: Path,
    output_dir: Path,
    notebook: nbformat.NotebookNode | Path,
    parameters: Mapping[str, str | None],
    expected_reads: Mapping[str, str],
    recorded_inputs: set[str],
    run: KernelRun | None = None,
) -> RenderedReport:
    """Execute the report notebook for ``cohort`` and render both pages (nothing is written).

    The kernel runs in the data folder's parent, and the notebook receives the
    data folder by its name, so the analyst rendering shows ``data_dir = "data"``
    rather than a path on the builder's machine. Raises :class:`BuildFailure`
    or :class:`BuildStopped`.
    """
    stop = run.stop if run is not None else threading.Event()
    if stop.is_set():
        raise BuildStopped()
    work = output_dir / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{threading.get_ident()}"
    executed_path = work / f"{cohort.cohort_id}.{token}.ipynb"
    if isinstance(notebook, Path):
        notebook = nbformat.read(notebook, as_version=4)
    # A programme-year report is named by its year, a cohort's report by its id.
    named = {} if "programme_year" in parameters else {"cohort_id": cohort.cohort_id}
    params = {**named, "data_dir": data_dir.name, **parameters}
    try:
        attempts, executed = execute_notebook(
            with_record_cell(notebook), executed_path, params, cwd=data_dir.parent, run=run
        )
    except Exception as exc:
        if stop.is_set():
            executed_path.unlink(missing_ok=True)
            raise BuildStopped() from exc
        kept = _keep_failed_notebook(executed_path, output_dir, cohort.cohort_id)
        reason = _describe_failure(exc)
        where = (
            f" The executed notebook, with the error, is at {display_path(kept)}." if kept else ""
        )
        raise BuildFailure(reason + where, "execution", kept, getattr(exc, "attempts", 0)) from exc
    executed_path.unlink(missing_ok=True)
    if stop.is_set():
        raise BuildStopped()
    assert executed is not None
    record = take_build_record(executed)
    if record is None:
        raise BuildFailure(
            "the notebook did not hand back its build record (the cell collab appends to "
            "collect it produced no output); the previous report was kept.",
            "execution",
            attempts=attempts,
        )
    problem = check_inputs_read(
        record.get("inputs_read", {}), expected_reads, recorded_inputs, data_dir
    )
    if problem:
        raise BuildFailure(problem, "changed", attempts=attempts)
    try:
        title = f"{cohort.name}: evaluation report"
        pages = {
            "report": export_html(executed, title=title, show_code=False).encode("utf-8"),
            "code": export_html(executed, title=title + " (with code)", show_code=True).encode(
                "utf-8"
            ),
        }
    except Exception as exc:
        raise BuildFailure(
            f"HTML export failed: {type(exc).__name__}: {exc}", "execution", attempts=attempts
        ) from exc
    files = record.get("files") or {}
    if not files:
        # Publishing a report without its tables would delete the previous tables and leave the
        # index with no figures for a report it links, so this is a failed build.
        raise BuildFailure(
            "the notebook left no `analysis` (the CohortAnalysis from collablib.analyse), so "
            "there are no tables to publish beside the report",
            "execution",
            attempts=attempts,
        )
    data = {str(name): str(text).encode("utf-8") for name, text in files.items()}
    return RenderedReport(pages, data, attempts)


def commit_report(
    output_dir: Path, cohort_id: str, rendered: RenderedReport, record: dict[str, Any]
) -> dict[str, str]:
    """Put both renderings, the tidy data and the build record in place together.

    Returns the SHA-256 of every output, by path relative to ``output_dir``.
    Raises :class:`collablib.build.fileio.OutputError` (the previous files are
    then restored) when the folder cannot be written.
    """
    from collablib.data.inputs import sha256_bytes

    paths = report_paths(output_dir, cohort_id)
    folder = data_folder(output_dir, cohort_id)
    files: dict[Path, bytes] = {paths[k]: rendered.pages[k] for k in ("report", "code")}
    files.update({folder / name: data for name, data in sorted(rendered.data.items())})
    outputs = {str(p.relative_to(output_dir)): sha256_bytes(b) for p, b in files.items()}
    text = record_text({**record, "outputs": outputs})
    files[record_path(output_dir, cohort_id)] = text.encode("utf-8")
    commit_files(files, journal_path(output_dir, cohort_id), output_dir)
    for stale in folder.glob("*") if folder.is_dir() else []:
        if stale.name not in rendered.data and not stale.name.startswith("."):
            stale.unlink(missing_ok=True)  # a table a newer collab no longer writes
    (output_dir / FAILED_DIR / f"{cohort_id}.ipynb").unlink(missing_ok=True)
    # A PDF of the old page would still show what the new one no longer does (a withdrawn
    # quote, say): it goes now, and `make pdf` prints the new one.
    (output_dir / f"{cohort_id}.pdf").unlink(missing_ok=True)
    return outputs


def _keep_failed_notebook(executed: Path, output_dir: Path, cohort_id: str) -> Path | None:
    """Move a failed run's notebook to ``_failed/<id>.ipynb``; papermill writes it even on error."""
    if not executed.exists():
        return None
    target = output_dir / FAILED_DIR / f"{cohort_id}.ipynb"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(executed, target)
    except OSError:
        executed.unlink(missing_ok=True)
        return None
    return target


def _describe_failure(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        if exc.ename == "CollabError":
            return str(exc.evalue)
        return f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"
    name = type(exc).__name__
    if name == "DeadKernelError":
        return (
            "The Jupyter kernel stopped while the notebook was running: it may have run out of "
            "memory or crashed. No executed notebook was kept, and the build was not retried."
        )
    if name == "NoSuchKernel":
        return f"Jupyter kernel not found ({exc}). Run 'make venv' to register the collab kernel."
    return f"{name}: {exc}"
