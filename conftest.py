"""Test-run settings for the whole project (tests/ and the nbval notebooks).

Fixtures live in ``tests/conftest.py``; this file only sets how many pytest-xdist workers
``-n auto`` starts and keeps them from splitting what must run together, and gives the run's
kernels an IPython folder of their own, both of which have to cover ``notebooks/`` too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

#: The IPython folder the run's kernels were given, and the ``IPYTHONDIR`` it replaced.
_IPYTHON_DIR = pytest.StashKey[tuple[str, str | None]]()

#: Test modules whose tests share a module-scoped fixture that is costly to make, or that run
#: in order on shared state. Under pytest-xdist each goes to one worker as a whole, so the
#: fixture is made once and the order holds. Notebooks (nbval) always go whole: their cells
#: run one after another in one kernel. Every other test is scheduled on its own.
WHOLE_MODULES = {
    "test_analysis.py",
    "test_cpes.py",
    "test_cpes_plots.py",
    "test_export.py",
    "test_ihi_progress.py",
    "test_incremental.py",
    "test_plots.py",
    "test_pdf.py",
    "test_plain_english.py",
    "test_programme.py",
    "test_report_safety.py",
    "test_spc_matrix.py",
    "test_spc_plots.py",
}


def whole_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its file for a whole module, else the test itself."""
    file = nodeid.split("::", 1)[0]
    return file if Path(file).name in WHOLE_MODULES or file.endswith(".ipynb") else nodeid


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: one worker per CPU.

    The suite is CPU-bound: its tests' kernels, Chromium and ``collab`` commands keep both
    CPUs of the project's machine busy while the workers wait for them. A third worker
    (used until 2026-12-02, when the tests waited more) added about 75 s of CPU, one more
    collection, one more fork server and more contention, and made the run slower: on one
    day, 304 s against 285 s and 288 s (benchmarks/README.md).
    """
    return os.cpu_count() or 1


def pytest_xdist_make_scheduler(config, log):
    """Schedule tests one by one, except that whole modules and notebooks stay together.

    pytest-xdist's own ``--dist loadgroup`` marks tests by rewriting their node ids, which
    pytest 9 no longer allows, so the grouping is done here, in the scheduler.
    """
    if config.getvalue("dist") != "load":
        return None  # --dist loadfile, each, ...: pytest-xdist's own
    from xdist.scheduler import LoadScopeScheduling

    class WholeModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return whole_unit(nodeid)

    return WholeModuleScheduling(config, log)


def pytest_configure(config) -> None:
    """Give every kernel the tests start an IPython folder of the run's own (``IPYTHONDIR``).

    Report kernels keep their input history in memory (:mod:`collablib.build.kernels`), but
    nbval's kernels and the ones some tests start by hand are plain IPython kernels: each would
    write every cell it runs into the developer's own ``~/.ipython`` history database, the two
    workers' kernels at once. The folder is made here in pytest's own process (the xdist
    controller, or the only process), so that the workers and every process they start
    inherit it, and removed when the run ends. Tests that check a kernel's folder give it one
    of their own.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # a worker: it has the controller's folder already
    folder = tempfile.mkdtemp(prefix="collab-tests-ipython-")
    config.stash[_IPYTHON_DIR] = (folder, os.environ.get("IPYTHONDIR"))
    os.environ["IPYTHONDIR"] = folder


def pytest_unconfigure(config) -> None:
    """Put ``IPYTHONDIR`` back as it was and remove the run's IPython folder."""
    if _IPYTHON_DIR not in config.stash:
        return
    folder, before = config.stash[_IPYTHON_DIR]
    if before is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = before
    shutil.rmtree(folder, ignore_errors=True)
