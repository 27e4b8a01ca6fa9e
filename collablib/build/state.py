"""Build records: deciding by content hash whether a report is up to date, and guarding the folder.

Next to the reports, ``.build/`` holds:

- ``<cohort_id>.json`` (or ``programme-<yyyy-yy>.json``): a report's **build record**: its
  key, the key's components, and the SHA-256 of each file it wrote (renderings, tidy data);
- ``figures/<cohort_id>.json``: the cohort's survey counts from the last time
  its data **validated**, which other cohorts' comparisons use (so a cohort
  whose new data are bad never changes another cohort's report);
- ``state.json``: the last complete run: one key over all the data, code and
  git state, and the SHA-256 of every output;
- ``lock``: held (``flock``) by the one build that may write to the folder.

Only hashes of content are compared, never file modification times, so
touching a file changes nothing and restoring an old version of a file makes
the old report current again. Input hashes are those of the bytes that were
read for the build (:mod:`collablib.data.inputs`), never hashes taken after it, and
an output counts as up to date only if its bytes still have the hash recorded
when it was written: a 0-byte or hand-edited report is rebuilt.

A cohort's **key** hashes everything its report depends on: its own raw files
and the project data files, its registry row, the notebook, the ``collablib``
source, the locked dependency versions, the git state of those inputs (see
:mod:`collablib.build.provenance`), and the survey counts of the other cohorts, which
its comparisons use. The **global key** hashes all of the data, code and git
state at once: when it matches the last complete run and every output still
has its recorded hash, ``collab reports`` says "up to date" without loading
any data.

A record or state file that cannot be read, or that is not of the expected
shape, is moved to ``.build/set-aside/`` with a one-line warning, and the
cohort is rebuilt. This module uses only the standard library so that the
no-change check is fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from collablib.build.fileio import (
    OutputError,
    atomic_write_text,
    recover_journals,
    remove_leftovers,
)
from collablib.build.provenance import (
    CODE_PATHS,
    RunFacts,
    git_state,
    input_files,
    project_data_files,
    run_facts,
)
from collablib.data.inputs import is_input_file, sha256_file
from collablib.errors import describe_os_error
from collablib.paths import PROJECT_ROOT, programme_notebook_for

__all__ = [
    "BUILD_RECORD_MIME",
    "DATA_DIR",
    "FAILED_DIR",
    "FIGURES_DIR",
    "FIGURES_SHAPE",
    "RECORD_SHAPE",
    "RECORD_VERSION",
    "SET_ASIDE_DIR",
    "STATE_DIR",
    "STATE_FILE",
    "STATE_SHAPE",
    "Warn",
    "clear_state",
    "current_global_key",
    "data_files",
    "data_folder",
    "digest",
    "emit_build_record",
    "explain",
    "fast_up_to_date",
    "figures_path",
    "global_key",
    "journal_path",
    "output_names",
    "outputs_match",
    "read_checked",
    "read_figures",
    "read_record",
    "record_path",
    "record_text",
    "remove_stale_temporaries",
    "remove_unregistered",
    "set_aside",
    "state_dir",
    "tidy_output_folder",
    "tracked_paths",
    "write_json",
    "write_state",
]

STATE_DIR = ".build"
#: Where each cohort's tidy data are published: ``<output>/data/<cohort_id>/``.
DATA_DIR = "data"
#: Where the executed notebook of a failed build is kept, for debugging.
FAILED_DIR = "_failed"
STATE_FILE = "state.json"
FIGURES_DIR = "figures"
SET_ASIDE_DIR = "set-aside"
RECORD_VERSION = 3

#: How warnings reach the user (one line each).
Warn = Callable[[str], None]


def _stderr_warning(text: str) -> None:
    print(f"collab: warning: {text}", file=sys.stderr, flush=True)


def state_dir(output_dir: Path) -> Path:
    return Path(output_dir) / STATE_DIR


def record_path(output_dir: Path, cohort_id: str) -> Path:
    return state_dir(output_dir) / f"{cohort_id}.json"


def figures_path(output_dir: Path, cohort_id: str) -> Path:
    return state_dir(output_dir) / FIGURES_DIR / f"{cohort_id}.json"


def data_folder(output_dir: Path, cohort_id: str) -> Path:
    """Where a cohort's tidy data (CSV and ``datapackage.json``) are published."""
    return Path(output_dir) / DATA_DIR / cohort_id


def journal_path(output_dir: Path, cohort_id: str) -> Path:
    return state_dir(output_dir) / f"{cohort_id}.journal"


def digest(value: Any) -> str:
    """SHA-256 of a JSON-serialisable value (keys sorted)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def output_names(cohort_id: str) -> dict[str, str]:
    """The file names of a cohort's two renderings."""
    return {"report": f"{cohort_id}.html", "code": f"{cohort_id}.code.html"}


# --- reading records safely ------------------------------------------------------------------


def _shape_problem(value: Any, required: Mapping[str, type | tuple[type, ...]]) -> str | None:
    if not isinstance(value, dict):
        return f"expected a JSON object, found {type(value).__name__}"
    if value.get("version") != RECORD_VERSION:
        return f"its version is {value.get('version')!r}, not {RECORD_VERSION}"
    for key, kind in required.items():
        if not isinstance(value.get(key), kind):
            return f"its {key!r} is missing or not of the right kind"
    return None


def set_aside(path: Path, reason: str, warn: Warn | None, consequence: str) -> None:
    """Move an unusable build file out of the way and say so in one line."""
    target = path.parent / SET_ASIDE_DIR / path.name
    if path.parent.name == FIGURES_DIR:
        target = path.parent.parent / SET_ASIDE_DIR / f"figures-{path.name}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        where = f"moved to {target.parent.name}/"
    except OSError:
        where = "ignored"
    (warn or _stderr_warning)(
        f"{path.name} in {path.parent} could not be used ({reason}); {where}, {consequence}."
    )


def read_checked(
    path: Path,
    required: Mapping[str, type | tuple[type, ...]],
    warn: Warn | None,
    consequence: str,
) -> dict[str, Any] | None:
    """A build file's JSON if it exists and has the expected shape; otherwise ``None``.

    A file that exists but cannot be used is set aside with a warning.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        set_aside(path, f"unreadable: {exc}", warn, consequence)
        return None
    try:
        value = json.loads(text)
    except ValueError:
        set_aside(path, "not valid JSON", warn, consequence)
        return None
    old = value.get("version") if isinstance(value, dict) else None
    if isinstance(old, int) and 0 < old < RECORD_VERSION:
        return None  # written by an earlier collab: simply replaced, no warning
    problem = _shape_problem(value, required)
    if problem:
        set_aside(path, problem, warn, consequence)
        return None
    return value


RECORD_SHAPE: dict[str, type | tuple[type, ...]] = {
    "key": str,
    "components": dict,
    "outputs": dict,
}
STATE_SHAPE: dict[str, type | tuple[type, ...]] = {"key": str, "cohorts": list, "outputs": dict}
FIGURES_SHAPE: dict[str, type | tuple[type, ...]] = {"figures": dict}


def read_record(
    output_dir: Path, cohort_id: str, warn: Warn | None = None
) -> dict[str, Any] | None:
    """A cohort's build record, or ``None`` (never built, or set aside as unusable)."""
    return read_checked(
        record_path(output_dir, cohort_id),
        RECORD_SHAPE,
        warn,
        f"so {cohort_id} will be rebuilt",
    )


def read_figures(
    output_dir: Path, cohort_id: str, warn: Warn | None = None
) -> dict[str, Any] | None:
    """The figures recorded when the cohort's data last validated, or ``None``."""
    value = read_checked(
        figures_path(output_dir, cohort_id),
        FIGURES_SHAPE,
        warn,
        f"so other reports will compare with {cohort_id} only once its data validate",
    )
    return value["figures"] if value else None


def write_json(path: Path, value: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(value, sort_keys=True, indent=1) + "\n")


def record_text(record: dict[str, Any]) -> str:
    """A build record as the text written to disk."""
    return json.dumps({**record, "version": RECORD_VERSION}, sort_keys=True, indent=1) + "\n"


def outputs_match(output_dir: Path, recorded: Mapping[str, Any]) -> bool:
    """Whether every recorded output exists with exactly the recorded SHA-256."""
    if not recorded:
        return False
    for name, expected in recorded.items():
        path = Path(output_dir) / str(name)
        if not path.is_file():
            return False
        try:
            if sha256_file(path) != expected:
                return False
        except OSError:
            return False
    return True


# --- the whole-run state ---------------------------------------------------------------------


def data_files(data_dir: Path) -> list[Path]:
    """Every data file any report reads: the project files, data/cpes/ and everything under raw/."""
    raw = data_dir / "raw"
    entries = sorted(raw.iterdir()) if raw.is_dir() else []
    # Each cohort folder is listed from inside, so a cohort folder that is a symbolic link
    # is covered as it is for the cohort's own build key.
    files = [f for e in entries if e.is_dir() for f in input_files(e)]
    return project_data_files(data_dir) + sorted(files + [e for e in entries if is_input_file(e)])


def tracked_paths(data_dir: Path, notebook: Path) -> list[Path]:
    programme = [p for p in [programme_notebook_for(notebook)] if p is not None]
    return [*data_files(data_dir), notebook, *programme, *(PROJECT_ROOT / p for p in CODE_PATHS)]


def global_key(
    data_dir: Path, file_hashes: Mapping[str, str], run: RunFacts, git: Mapping[str, Any]
) -> str:
    """One hash of all the data (by path relative to the data folder, and the folder's name),
    the notebook, the code, the lock file, the package versions and their git state.

    It covers everything any cohort's build key covers, so the quick check and
    the full check can never disagree about whether something changed.
    """
    return digest(
        {
            "version": RECORD_VERSION,
            "data_dir": data_dir.name,
            "data": dict(file_hashes),
            "run": asdict(run),
            "git": dict(git),
        }
    )


def current_global_key(data_dir: Path, notebook: Path) -> str:
    """The global key of the files as they are on disk now."""
    hashes = {str(p.relative_to(data_dir)): sha256_file(p) for p in data_files(data_dir)}
    return global_key(
        data_dir, hashes, run_facts(notebook), git_state(tracked_paths(data_dir, notebook))
    )


def fast_up_to_date(
    data_dir: Path,
    output_dir: Path,
    notebook: Path,
    cohort_ids: list[str] | None,
    warn: Warn | None = None,
) -> list[str] | None:
    """The cohort ids to report as up to date, if nothing at all has changed; else ``None``.

    True only when the global key equals the last complete run's, that run
    built every requested cohort, and every output file (reports and index)
    still has the SHA-256 recorded when it was written.
    """
    state = read_checked(
        state_dir(output_dir) / STATE_FILE, STATE_SHAPE, warn, "so every cohort will be checked"
    )
    if not state:
        return None
    cohorts = [c for c in state["cohorts"] if isinstance(c, str)]
    wanted = cohort_ids or cohorts
    if not wanted or any(c not in cohorts for c in wanted):
        return None
    if not outputs_match(output_dir, state["outputs"]):
        return None
    # A damaged record or figures file is set aside (with its warning) by the full check.
    if any(read_record(output_dir, c, warn) is None for c in wanted):
        return None
    if any(read_figures(output_dir, c, warn) is None for c in cohorts):
        return None
    names = {"index.html", *(n for c in wanted for n in output_names(c).values())}
    if not names <= set(state["outputs"]):
        return None
    try:
        if state["key"] != current_global_key(data_dir, notebook):
            return None
    except OSError:  # an input that cannot be read now: the full check will say which
        return None
    return list(wanted)


def write_state(output_dir: Path, key: str, cohorts: list[str], outputs: Mapping[str, str]) -> None:
    """Record a complete, successful run (every cohort built or up to date)."""
    write_json(
        state_dir(output_dir) / STATE_FILE,
        {"version": RECORD_VERSION, "key": key, "cohorts": cohorts, "outputs": dict(outputs)},
    )


def clear_state(output_dir: Path) -> None:
    """Forget the last complete run (after a failure, the next run checks every cohort)."""
    with contextlib.suppress(OSError):
        (state_dir(output_dir) / STATE_FILE).unlink()


def explain(old: dict[str, Any] | None, components: dict[str, Any]) -> str:
    """Why a cohort is being rebuilt, in a few words."""
    if old is None:
        return "first build"
    before = old.get("components", {})
    labels = {
        "files": "its data changed",
        "data_dir": "the data folder's name changed",
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


def remove_unregistered(
    output_dir: Path, registered: set[str], warn: Warn | None, only: set[str] | None = None
) -> list[str]:
    """Delete what collab wrote for reports no longer in the registry (of ``only``, if given).

    A report withdrawn from the registry (consent withdrawn, say) must not stay in the output
    folder, unlinked but readable: its renderings, its PDF, its tidy data, its build record,
    its recorded figures and any failed notebook are deleted. Only files collab names after the
    report are touched; ids are compared without case, as a case-insensitive disk would.
    """
    output_dir = Path(output_dir)
    keep = {c.casefold() for c in registered}
    ids = {p.stem for p in state_dir(output_dir).glob("*.json") if p.name != STATE_FILE}
    ids |= {p.stem for p in (state_dir(output_dir) / FIGURES_DIR).glob("*.json")}
    ids = ids if only is None else set(only)  # named reports go, with or without a record
    removed = []
    for cohort_id in sorted(ids):
        if cohort_id.casefold() in keep:
            continue
        for name in [*output_names(cohort_id).values(), f"{cohort_id}.pdf"]:
            (output_dir / name).unlink(missing_ok=True)
        folder = data_folder(output_dir, cohort_id)
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        record_path(output_dir, cohort_id).unlink(missing_ok=True)
        figures_path(output_dir, cohort_id).unlink(missing_ok=True)
        (output_dir / FAILED_DIR / f"{cohort_id}.ipynb").unlink(missing_ok=True)
        removed.append(cohort_id)
    return removed


# --- leftovers and the lock ------------------------------------------------------------------


def tidy_output_folder(output_dir: Path) -> None:
    """Roll back or delete what a killed run left in the folder (one message if it cannot)."""
    try:
        remove_stale_temporaries(output_dir)
    except OSError as exc:
        raise OutputError(
            f"cannot tidy the output folder {output_dir}: {describe_os_error(exc)}."
        ) from exc


def _commit_folder(folder: Path) -> bool:
    """Whether a report commit may write in ``folder`` (relative to the output folder)."""
    parts = folder.parts
    return parts in ((), (".",), (STATE_DIR,)) or (len(parts) == 2 and parts[0] == DATA_DIR)


def remove_stale_temporaries(output_dir: Path) -> list[str]:
    """Undo or delete what an interrupted or killed run left behind; return rolled-back files.

    Half-done commits are rolled back from their journals (so both renderings
    and the record are the old ones), then temporary files, backups and work
    notebooks are deleted, as are kernel connection files of collab processes
    that no longer exist.
    """
    from collablib.build.kernelfiles import remove_stale_kernel_files

    output_dir = Path(output_dir)
    work = state_dir(output_dir)
    restored = recover_journals(work, output_dir, _commit_folder) if work.is_dir() else []
    data = (
        [p for p in (output_dir / DATA_DIR).glob("*") if p.is_dir()]
        if (output_dir / DATA_DIR).is_dir()
        else []
    )
    for folder in (output_dir, work, work / FIGURES_DIR, *data):
        if folder.is_dir():
            remove_leftovers(folder)
    if work.is_dir():
        for path in work.glob("*.ipynb"):
            path.unlink(missing_ok=True)
    remove_stale_kernel_files()
    return restored


# --- what the report notebook hands back to the pipeline ---------------------------------------

#: MIME type of the build record a report kernel displays for the pipeline (never rendered).
BUILD_RECORD_MIME = "application/vnd.collab.build-record+json"


def emit_build_record(analysis: Any = None) -> None:
    """Display, for the pipeline only, the inputs this kernel read and the report's tidy data.

    The pipeline appends a cell calling this, with the notebook's ``analysis``
    (its :class:`~collablib.analysis.CohortAnalysis`, if it has one), to the
    notebook it executes, and removes that cell's output before the HTML is
    made. The tidy files (:func:`collablib.build.export.export_files`) are
    published beside the HTML, and the index reads them.
    """
    from IPython.display import display

    from collablib.data.inputs import INPUT_LOG

    files = None
    if analysis is not None:
        from collablib.build.export import export_files

        files = {name: data.decode("utf-8") for name, data in export_files(analysis).items()}
    display({BUILD_RECORD_MIME: {"inputs_read": INPUT_LOG.snapshot(), "files": files}}, raw=True)
