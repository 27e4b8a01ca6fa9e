"""Test-run settings for the whole project (tests/ and the nbval notebooks).

Fixtures live in ``tests/conftest.py``; this file only sets how many pytest-xdist workers
``-n auto`` starts and keeps them from splitting what must run together, which has to cover
``notebooks/`` too.
"""

from __future__ import annotations

import os
from pathlib import Path

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
