"""Where the project's files live.

The library is installed in editable mode (``pip install -e .``), so the
project root is the folder above the package. Every path can be overridden,
which is how the tests build reports in temporary folders.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DATA_DIR_ENV",
    "PROJECT_ROOT",
    "REGISTRY_FILE",
    "default_data_dir",
    "default_reports_dir",
    "programme_notebook",
    "programme_notebook_for",
    "programme_report_id",
    "report_notebook",
    "resolve_data_dir",
]

#: The repository root (the folder that holds ``collablib/``, ``data/`` and ``notebooks/``).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The cohort registry, in the data folder.
REGISTRY_FILE = "cohorts.csv"

#: Environment variable that overrides the default data folder.
DATA_DIR_ENV = "COLLAB_DATA_DIR"


def default_data_dir() -> Path:
    """The data folder: ``$COLLAB_DATA_DIR`` if set, else ``<project>/data``."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else PROJECT_ROOT / "data"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """Return ``data_dir`` as an absolute path, or the default data folder when ``None``."""
    return (Path(data_dir) if data_dir is not None else default_data_dir()).resolve()


def default_reports_dir() -> Path:
    """Where ``collab reports`` writes HTML unless told otherwise."""
    return PROJECT_ROOT / "reports"


def report_notebook() -> Path:
    """The parameterised cohort report notebook."""
    return PROJECT_ROOT / "notebooks" / "cohort_report.ipynb"


def programme_notebook() -> Path:
    """The parameterised programme-year report notebook."""
    return PROJECT_ROOT / "notebooks" / "programme_report.ipynb"


def programme_notebook_for(notebook: str | os.PathLike[str]) -> Path | None:
    """The programme-year notebook a build of ``notebook`` also runs, or ``None``.

    ``make reports`` runs the project's cohort notebook, and so the project's
    programme-year notebook too. A build of another cohort notebook (a test's,
    or an analyst's experiment) runs no programme-year report.
    """
    if Path(notebook).resolve() != report_notebook().resolve():
        return None
    return programme_notebook() if programme_notebook().is_file() else None


def programme_report_id(programme_year: str) -> str:
    """A programme-year report's id and file stem: ``"2020/21"`` -> ``"programme-2020-21"``."""
    return "programme-" + programme_year.replace("/", "-")
