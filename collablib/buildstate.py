"""Build records: deciding by content hash whether a report is up to date.

Next to the reports, ``.build/`` holds one JSON record per cohort (its build
key, the components of that key, and the summary the index shows) and a
``state.json`` for the whole run. Only hashes of content are compared, never
file modification times, so touching a file changes nothing and restoring an
old version of a file makes the old report current again.

A cohort's **key** hashes everything its report depends on: its own raw files
and the project data files, its registry row, the notebook, the ``collablib``
source, the locked dependency versions, the git state of those inputs (see
:mod:`collablib.provenance`), and the survey counts of the other cohorts, which
its comparisons use. The **global key** hashes all of the data, code and git
state at once: when it matches the last complete run and every output exists,
``collab reports`` can say "up to date" without loading any data.

This module uses only the standard library so that the no-change check is fast.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from collablib.fileio import atomic_write_text
from collablib.paths import PROJECT_ROOT
from collablib.provenance import (
    CODE_PATHS,
    code_digest,
    git_state,
    lock_digest,
    project_data_files,
    sha256_file,
)

STATE_DIR = ".build"
STATE_FILE = "state.json"
RECORD_VERSION = 1


def state_dir(output_dir: Path) -> Path:
    return Path(output_dir) / STATE_DIR


def record_path(output_dir: Path, cohort_id: str) -> Path:
    return state_dir(output_dir) / f"{cohort_id}.json"


def digest(value: Any) -> str:
    """SHA-256 of a JSON-serialisable value (keys sorted)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def data_files(data_dir: Path) -> list[Path]:
    """Every data file any report reads: the project files, data/cpes/ and everything under raw/."""
    raw = data_dir / "raw"
    return project_data_files(data_dir) + (
        sorted(p for p in raw.rglob("*") if p.is_file()) if raw.is_dir() else []
    )


def global_key(data_dir: Path, notebook: Path) -> str:
    """One hash of all the data, the notebook, the code, the lock file and their git state."""
    files = data_files(data_dir)
    hashes = {str(p.relative_to(data_dir)): sha256_file(p) for p in files}
    tracked = [*files, notebook, *(PROJECT_ROOT / p for p in CODE_PATHS)]
    return digest(
        {
            "version": RECORD_VERSION,
            "data": hashes,
            "notebook": sha256_file(notebook),
            "code": code_digest(),
            "lock": lock_digest(),
            "git": git_state(tracked),
        }
    )


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, value: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(value, sort_keys=True, indent=1) + "\n")


def fast_up_to_date(
    data_dir: Path, output_dir: Path, notebook: Path, cohort_ids: list[str] | None
) -> list[str] | None:
    """The cohort ids to report as up to date, if nothing at all has changed; else ``None``.

    True only when the global key equals the last complete run's, that run
    built every requested cohort, and every output file (reports and index)
    still exists.
    """
    state = read_json(state_dir(output_dir) / STATE_FILE)
    if not state or state.get("version") != RECORD_VERSION:
        return None
    wanted = cohort_ids or state.get("cohorts", [])
    if not wanted or any(c not in state.get("cohorts", []) for c in wanted):
        return None
    outputs = [output_dir / "index.html"] + [
        output_dir / name for c in wanted for name in (f"{c}.html", f"{c}.code.html")
    ]
    if not all(p.is_file() for p in outputs):
        return None
    if state.get("key") != global_key(data_dir, notebook):
        return None
    return list(wanted)


def write_state(data_dir: Path, output_dir: Path, notebook: Path, cohorts: list[str]) -> None:
    """Record a complete, successful run (every cohort built or up to date)."""
    write_json(
        state_dir(output_dir) / STATE_FILE,
        {
            "version": RECORD_VERSION,
            "key": global_key(data_dir, notebook),
            "cohorts": cohorts,
        },
    )


def clear_state(output_dir: Path) -> None:
    """Forget the last complete run (after a failure, the next run checks every cohort)."""
    path = state_dir(output_dir) / STATE_FILE
    path.unlink(missing_ok=True)


def explain(old: dict[str, Any] | None, components: dict[str, Any]) -> str:
    """Why a cohort is being rebuilt, in a few words."""
    if old is None:
        return "first build"
    before = old.get("components", {})
    labels = {
        "files": "its data changed",
        "registry_row": "its registry row changed",
        "notebook": "the notebook changed",
        "code": "collablib changed",
        "lock": "the locked dependencies changed",
        "git": "the git state of its inputs changed",
        "others": "other cohorts' survey counts changed",
        "provenance": "its provenance changed",
    }
    changed = [label for key, label in labels.items() if before.get(key) != components.get(key)]
    return ", ".join(changed) or "its build record changed"


def remove_stale_temporaries(output_dir: Path) -> None:
    """Delete leftovers of an interrupted run: ``.*.tmp`` files and work notebooks."""
    for path in Path(output_dir).glob(".*.tmp"):
        path.unlink(missing_ok=True)
    for path in state_dir(output_dir).glob("*.ipynb"):
        path.unlink(missing_ok=True)
    for path in state_dir(output_dir).glob(".*.tmp"):
        path.unlink(missing_ok=True)


def save_summary(path: str | None, **figures: object) -> None:
    """Write figures the notebook computed for the pipeline (the index), if a path was given.

    The report notebook calls this last, so the pipeline need not recompute
    them; in interactive use ``path`` is ``None`` and nothing happens.
    """
    if path:
        write_json(Path(path), {k: v for k, v in figures.items()})
