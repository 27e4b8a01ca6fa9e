"""Build one cohort's report: validate, execute the notebook, export HTML, write atomically.

The pipeline (:mod:`collablib.pipeline`) calls :func:`build_cohort` from
worker threads; each build executes its notebook in its own Jupyter kernel
process, so one cohort's code, memory or crash cannot affect another's. Run as
``python -m collablib.build COHORT_ID ...`` it builds one cohort on its own
and prints one JSON line with the result.

Failure handling follows the portfolio runner of cal-itp/data-analyses: a
:class:`papermill.PapermillExecutionError` (a cell raised) is caught
explicitly and reported with the cell's error; kernel start-up failures (ZMQ
"Address already in use", start-up time-outs, a kernel that dies before
replying) are transient under parallel load and are retried; nothing that
goes wrong once the cells run is. A failed build never touches the cohort's
existing HTML; when a cell raised, the executed notebook, with its error, is
kept under ``<output>/_failed/`` for debugging.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nbformat

from collablib.buildstate import read_json
from collablib.errors import CollabError, display_path
from collablib.fileio import atomic_write_text
from collablib.htmlexport import export_html
from collablib.kernels import kernel_manager_class
from collablib.loaders import load_cohort
from collablib.paths import report_notebook, resolve_data_dir
from collablib.registry import Cohort, get_cohort

#: Attempts at starting a kernel before a cohort is reported as failed.
KERNEL_START_ATTEMPTS = 4
#: Seconds a kernel may take to start (papermill's default is 60).
KERNEL_START_TIMEOUT = 120
#: Seconds a single cell may run.
CELL_TIMEOUT = 600

FAILED_DIR = "_failed"
WORK_DIR = ".build"


@dataclass
class BuildResult:
    """What happened to one cohort."""

    cohort_id: str
    status: str  # "built" | "failed" | "up to date"
    reason: str = ""
    kind: str = ""  # for failures: "data" (bad input) or "execution"
    seconds: float = 0.0
    attempts: int = 0
    debug_notebook: str | None = None
    why: str = ""  # for builds: why the cohort was out of date
    summary: dict | None = None  # figures the index shows, computed after a build

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def report_paths(output_dir: Path, cohort_id: str) -> dict[str, Path]:
    """The two renderings of a cohort's report."""
    return {
        "report": output_dir / f"{cohort_id}.html",
        "code": output_dir / f"{cohort_id}.code.html",
    }


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

    if isinstance(exc, PapermillExecutionError | CellTimeoutError | DeadKernelError):
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
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    attempts: int = KERNEL_START_ATTEMPTS,
) -> int:
    """Execute ``notebook`` with papermill into ``output``; return the number of attempts used.

    Parameters are passed through the Python API as strings, so ids such as
    ``"01"`` are never converted to numbers (as ``papermill -p`` would do).
    The exception of a failed run is re-raised with an ``attempts`` attribute
    saying how many were made.
    """
    import papermill as pm

    for attempt in range(1, attempts + 1):
        try:
            pm.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                cwd=str(notebook.parent),
                progress_bar=False,
                # Write the executed notebook once at the end (with the error, if a cell
                # raised), not after every cell: rewriting a notebook full of charts a hundred
                # times took more CPU than exporting both renderings.
                request_save_on_cell_execute=False,
                start_timeout=KERNEL_START_TIMEOUT,
                execution_timeout=CELL_TIMEOUT,
                kernel_manager_class=kernel_manager_class(),
            )
            return attempt
        except Exception as exc:
            if attempt < attempts and is_transient_kernel_error(exc):
                time.sleep(0.5 * attempt + random.random())
                continue
            exc.attempts = attempt  # type: ignore[attr-defined]
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def build_cohort(
    cohort: Cohort | str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str],
    notebook: str | os.PathLike[str] | None = None,
    provenance_json: str | None = None,
    validated: bool = False,
) -> BuildResult:
    """Build ``reports/<id>.html`` and ``reports/<id>.code.html`` for one cohort.

    ``provenance_json`` is the provenance the pipeline computed (and keyed the
    build on); the notebook computes its own when it is missing. ``validated``
    skips the input check when the pipeline has just made it. Returns a
    :class:`BuildResult`; never raises for a cohort-level failure.
    """
    started = time.perf_counter()
    data_dir = resolve_data_dir(data_dir)
    output_dir = Path(output_dir).resolve()
    notebook = Path(notebook) if notebook else report_notebook()
    cohort_id = cohort if isinstance(cohort, str) else cohort.cohort_id

    def failed(reason: str, kind: str, debug: Path | None = None, attempts: int = 0) -> BuildResult:
        return BuildResult(
            cohort_id,
            "failed",
            reason,
            kind,
            time.perf_counter() - started,
            attempts,
            str(display_path(debug)) if debug else None,
        )

    # 1. Validate first: a data error gets its clear message without starting a kernel.
    try:
        if isinstance(cohort, str):
            cohort = get_cohort(cohort, data_dir)
        if not validated:
            load_cohort(cohort, data_dir)
    except CollabError as exc:
        return failed(exc.message, "data")

    # 2. Execute the notebook into a private work file.
    work = output_dir / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{threading.get_ident()}"
    executed = work / f"{cohort_id}.{token}.ipynb"
    summary_file = work / f"{cohort_id}.summary.json"  # its path shows in the code view
    parameters = {
        "cohort_id": cohort.cohort_id,
        "data_dir": str(data_dir),
        "provenance": provenance_json,
        "summary_path": str(summary_file),
    }
    attempts = 0
    try:
        attempts = execute_notebook(notebook, executed, parameters)
    except Exception as exc:
        kept = _keep_failed_notebook(executed, output_dir, cohort_id)
        reason = _describe_failure(exc)
        where = (
            f" The executed notebook, with the error, is at {display_path(kept)}." if kept else ""
        )
        return failed(reason + where, "execution", kept, getattr(exc, "attempts", attempts))

    # 3. Export both renderings and move them into place.
    try:
        nb = nbformat.read(executed, as_version=4)
        title = f"{cohort.name}: evaluation report"
        pages = {
            "report": export_html(nb, title=title, show_code=False),
            "code": export_html(nb, title=title + " (with code)", show_code=True),
        }
    except Exception as exc:
        kept = _keep_failed_notebook(executed, output_dir, cohort_id)
        return failed(f"HTML export failed: {type(exc).__name__}: {exc}", "execution", kept)
    targets = report_paths(output_dir, cohort_id)
    for key, page in pages.items():
        atomic_write_text(targets[key], page)
    executed.unlink(missing_ok=True)
    stale = output_dir / FAILED_DIR / f"{cohort_id}.ipynb"
    stale.unlink(missing_ok=True)
    summary = read_json(summary_file)
    summary_file.unlink(missing_ok=True)
    return BuildResult(
        cohort_id, "built", "", "", time.perf_counter() - started, attempts, summary=summary
    )


def _keep_failed_notebook(executed: Path, output_dir: Path, cohort_id: str) -> Path | None:
    """Move a failed run's notebook to ``_failed/<id>.ipynb``; papermill writes it even on error."""
    if not executed.exists():
        return None
    target = output_dir / FAILED_DIR / f"{cohort_id}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(executed, target)
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


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: build one cohort and print its :class:`BuildResult` as JSON."""
    parser = argparse.ArgumentParser(prog="python -m collablib.build")
    parser.add_argument("cohort_id")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--notebook")
    parser.add_argument("--provenance", help="provenance facts as JSON (from the pipeline)")
    parser.add_argument(
        "--validated",
        action="store_true",
        help="the pipeline has already validated this cohort's inputs",
    )
    args = parser.parse_args(argv)
    try:
        result = build_cohort(
            args.cohort_id,
            data_dir=args.data_dir,
            output_dir=args.output_dir,
            notebook=args.notebook,
            provenance_json=args.provenance,
            validated=args.validated,
        )
    except Exception as exc:  # a bug in collab itself: report it, don't hide it
        traceback.print_exc(file=sys.stderr)
        result = BuildResult(args.cohort_id, "failed", f"{type(exc).__name__}: {exc}", "execution")
    print(result.to_json(), flush=True)
    return 0 if result.status != "failed" else 1


if __name__ == "__main__":
    sys.exit(main())
