"""Provenance: which inputs, code and packages produced a report.

Everything here is a deterministic function of the inputs and the git
repository, never of the clock, so that rebuilding from the same inputs gives
the same bytes. It is computed once by the pipeline (the same facts decide
whether a report is up to date, see :mod:`collablib.build.state`) and passed to
the notebook; run interactively, the notebook computes it itself.

- **Input files**: every file the report reads, with its SHA-256.
- **Git**: the latest commit that changed any of the report's own inputs (its
  data, the project data files, the notebook, ``collablib``, the lock file),
  and whether any of those has uncommitted changes. Restricting both to the
  report's inputs means an unrelated commit does not make a report out of date.
- **Versions**: collablib and the key packages, as installed.
- **Data as of**: the latest date found in the data itself (survey
  submissions, measure periods), not the date the report was built.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from collablib.data.inputs import InputLog, input_hash, is_input_file, sha256_file
from collablib.paths import (
    PROJECT_ROOT,
    REGISTRY_FILE,
    programme_notebook_for,
    report_notebook,
    resolve_data_dir,
)

__all__ = [
    "CODE_PATHS",
    "KEY_PACKAGES",
    "PROJECT_DATA_FILES",
    "RunFacts",
    "code_digest",
    "code_files",
    "cohort_input_files",
    "collect",
    "data_as_of",
    "data_as_of_cohort",
    "file_table",
    "git_state",
    "input_files",
    "lock_digest",
    "package_versions",
    "programme_facts",
    "project_data_files",
    "registry_row_entry",
    "run_facts",
    "to_json",
]

#: Packages whose versions a report records.
KEY_PACKAGES = (
    "collablib",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "pandera",
    "papermill",
    "nbconvert",
    "openpyxl",
)
#: Project-wide data files that every report reads.
PROJECT_DATA_FILES = (REGISTRY_FILE, "survey_mapping.toml", "disclosure.toml", "NOTICE.txt")
#: Code whose changes change every report.
CODE_PATHS = ("collablib", "requirements.lock", "pyproject.toml")


def code_files() -> list[Path]:
    """The collablib source, templates and resources (no caches), in a stable order."""
    root = PROJECT_ROOT / "collablib"
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")
    )


def code_digest() -> str:
    """One hash of collablib's source: any change to it changes every report."""
    digest = hashlib.sha256()
    for path in code_files():
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def lock_digest() -> str:
    """Hash of the locked dependency versions."""
    lock = PROJECT_ROOT / "requirements.lock"
    return sha256_file(lock) if lock.exists() else "no lock file"


def cohort_input_files(cohort_id: str, data_dir: str | os.PathLike[str] | None) -> list[Path]:
    """Every file the report of one cohort reads: its folder and the project data files.

    The registry, ``cohorts.csv``, is not among them: a report depends only on
    its own row, which :func:`collect` records separately, so adding another
    cohort to the registry never changes an existing report.
    """
    data_dir = resolve_data_dir(data_dir)
    shared = [p for p in project_data_files(data_dir) if p.name != REGISTRY_FILE]
    return shared + input_files(data_dir / "raw" / cohort_id)


def input_files(folder: Path) -> list[Path]:
    """The input files anywhere under ``folder``, in a stable order (none if it is missing).

    Files in hidden folders (``.git``, ``.ipynb_checkpoints``) are not inputs either.
    """
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if is_input_file(p) and not any(s.startswith(".") for s in p.relative_to(folder).parts)
    )


def project_data_files(data_dir: Path) -> list[Path]:
    """Data files every report reads: the registry, settings, and the national CPES extract."""
    project = [data_dir / name for name in PROJECT_DATA_FILES if (data_dir / name).is_file()]
    return project + input_files(data_dir / "cpes")


def file_table(
    files: Iterable[Path], data_dir: Path, log: InputLog | None = None
) -> list[dict[str, str]]:
    """[{"file": path relative to the data folder, "sha256": ...}], in the given order.

    A file that was read for this build carries the hash of the bytes that were
    read (see :mod:`collablib.data.inputs`), never a hash taken later.
    """
    rows = []
    for path in files:
        try:
            name = str(path.relative_to(data_dir))
        except ValueError:
            name = str(path)
        rows.append({"file": name, "sha256": input_hash(path, log)})
    return rows


def registry_row_entry(row: dict[str, str]) -> dict[str, str]:
    """The provenance entry for a cohort's own row of ``cohorts.csv``.

    Its SHA-256 is that of the row's values as JSON (keys in registry column
    order), so it changes exactly when the row does.
    """
    text = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
    return {
        "file": f"{REGISTRY_FILE} (row {row['cohort_id']})",
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }


def _git(*args: str) -> str | None:
    # GIT_OPTIONAL_LOCKS=0: ``git status`` must not rewrite (or lock) the analyst's index.
    try:
        proc = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_state(paths: Iterable[Path]) -> dict[str, Any]:
    """The latest commit touching ``paths`` (inside the repository) and whether they are dirty."""
    if _git("rev-parse", "--is-inside-work-tree") != "true":
        return {"commit": None, "dirty": None, "note": "not a git checkout"}
    inside = []
    outside = False
    for path in paths:
        try:
            inside.append(str(Path(path).resolve().relative_to(PROJECT_ROOT)))
        except ValueError:
            outside = True
    commit = _git("log", "-1", "--format=%H", "--", *inside) if inside else None
    status = _git("status", "--porcelain", "--", *inside) if inside else ""
    return {
        "commit": commit or None,
        "dirty": bool(status) if status is not None else None,
        "note": "the data folder is outside the git repository" if outside else "",
    }


def package_versions() -> dict[str, str]:
    """Installed versions of collablib and the key packages."""
    out = {}
    for name in KEY_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    import platform

    out["python"] = platform.python_version()
    return out


@dataclass(frozen=True)
class RunFacts:
    """The provenance every report of one build shares, worked out once per build.

    Taking the code's digest once (not per cohort, and not again at the end)
    means that an edit to collablib during a build cannot make the records of
    one run disagree with each other.
    """

    notebook_file: str
    notebook_sha256: str
    code_sha256: str
    lock_sha256: str
    versions: dict[str, str]
    #: the SHA-256 of the programme-year notebook the build also runs (``None``: it runs none)
    programme_notebook_sha256: str | None = None


def run_facts(
    notebook: Path, notebook_sha256: str | None = None, programme_sha256: str | None = None
) -> RunFacts:
    """The :class:`RunFacts` of a build running ``notebook`` (whose hash may be given).

    A build of the project's own cohort notebook also runs the programme-year
    notebook (:func:`collablib.paths.programme_notebook_for`), unless another is
    given by its hash; that hash is part of the facts, so the quick "up to date"
    check sees a change to it.
    """
    if programme_sha256 is None:
        programme = programme_notebook_for(notebook)
        programme_sha256 = sha256_file(programme) if programme is not None else None
    return RunFacts(
        notebook_file=notebook.name,
        notebook_sha256=notebook_sha256 or sha256_file(notebook),
        code_sha256=code_digest(),
        lock_sha256=lock_digest(),
        versions=package_versions(),
        programme_notebook_sha256=programme_sha256,
    )


def collect(
    cohort_id: str,
    data_dir: str | os.PathLike[str] | None = None,
    notebook: str | os.PathLike[str] | None = None,
    *,
    registry_row: dict[str, str] | None = None,
    run: RunFacts | None = None,
    inputs: list[Path] | None = None,
    log: InputLog | None = None,
) -> dict[str, Any]:
    """All provenance facts for one cohort's report (without "data as of", which needs the data).

    Input hashes are those of the bytes read for the build (``log``, by
    default this process's :data:`collablib.data.inputs.INPUT_LOG`); the pipeline
    reads and validates every input before it collects the facts, and passes
    the build's :class:`RunFacts` and the cohort's ``inputs`` (listed once).
    ``registry_row`` is the cohort's row of the registry (read now when not given).
    """
    data_dir = resolve_data_dir(data_dir)
    notebook = Path(notebook) if notebook else report_notebook()
    run = run or run_facts(notebook)
    if registry_row is None:
        from collablib.data.registry import get_cohort

        registry_row = get_cohort(cohort_id, data_dir).as_dict()
    inputs = cohort_input_files(cohort_id, data_dir) if inputs is None else inputs
    tracked = [*inputs, notebook, *(PROJECT_ROOT / p for p in CODE_PATHS)]
    return {
        "inputs": [registry_row_entry(registry_row), *file_table(inputs, data_dir, log)],
        "notebook": {"file": run.notebook_file, "sha256": run.notebook_sha256},
        "code_sha256": run.code_sha256,
        "lock_sha256": run.lock_sha256,
        "git": git_state(tracked),
        "versions": run.versions,
    }


def programme_facts(
    members: list[Any],
    data_dir: str | os.PathLike[str] | None,
    notebook: Path,
    run: RunFacts | None = None,
) -> dict[str, Any]:
    """All provenance facts for a programme year's report: every input of every cohort of
    the year (``members``, registry :class:`~collablib.data.registry.Cohort` rows), each
    cohort's registry row, and the programme notebook's run facts."""
    data_dir = resolve_data_dir(data_dir)
    inputs = list(
        dict.fromkeys(p for c in members for p in cohort_input_files(c.cohort_id, data_dir))
    )
    first = members[0]
    facts = collect(
        first.cohort_id, data_dir, notebook, registry_row=first.as_dict(), run=run, inputs=inputs
    )
    rows = [registry_row_entry(c.as_dict()) for c in members]
    facts["inputs"] = [*rows, *facts["inputs"][1:]]
    return facts


def to_json(facts: dict[str, Any]) -> str:
    """Stable JSON text (sorted keys) to pass as a notebook parameter."""
    return json.dumps(facts, sort_keys=True)


def data_as_of(survey_dates: Iterable[Any], measure_dates: Iterable[Any] = ()) -> str | None:
    """The latest date in the data itself, as YYYY-MM-DD."""
    dates = [d for d in [*survey_dates, *measure_dates] if d is not None and d == d]
    if not dates:
        return None
    return max(dates).strftime("%Y-%m-%d")


def data_as_of_cohort(data: Any) -> str | None:
    """ "Data as of" for a loaded cohort: its latest survey submission or measure period."""
    measures = data.measures.measures["period"] if data.measures is not None else []
    return data_as_of(data.survey["submitted_at"], measures)
