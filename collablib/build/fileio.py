"""File input and output that the build records can trust.

Every output is written to a temporary file in the same folder
and renamed into place (``os.replace`` is atomic on POSIX and Windows within
one filesystem), so a reader, a crash, Ctrl-C or a kill only ever sees the old
complete file or the new complete file. :func:`commit_files` extends this to
several files that belong together (a report's two renderings and its build
record): all are written to temporary files first, the old versions are kept
as hard-linked backups and a journal records the move, then all are renamed;
if any step fails (a full disk, a read-only folder) the old files are put
back. A journal left by a killed process is rolled back by
:func:`recover_journals` at the start of the next run, so the set is always
all old or all new.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from collablib.errors import describe_os_error

__all__ = [
    "BACKUP_SUFFIX",
    "JOURNAL_SUFFIX",
    "TEMP_SUFFIX",
    "OutputError",
    "atomic_write_bytes",
    "atomic_write_text",
    "commit_files",
    "recover_journals",
    "remove_leftovers",
]

#: Suffixes of the files :func:`commit_files` and :func:`atomic_write_bytes` leave behind
#: only when a process is killed part-way; :func:`remove_leftovers` deletes them.
TEMP_SUFFIX = ".tmp"
BACKUP_SUFFIX = ".bak"
JOURNAL_SUFFIX = ".journal"


class OutputError(Exception):
    """An output could not be written (a read-only or full folder, say).

    Not a problem with the input data, so not a
    :class:`~collablib.errors.CollabError`: the ``collab`` command prints the
    message without a traceback and exits with status 1.
    """


# --- writing ---------------------------------------------------------------------------------


def _temp_path(path: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)


def _write_temp(path: Path, data: bytes) -> str:
    """Write ``data`` to a synced temporary file beside ``path``; return its name."""
    fd, tmp = _temp_path(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _backup_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{BACKUP_SUFFIX}")


def _keep_backup(path: Path) -> Path | None:
    """Keep the current version of ``path`` (a hard link, so no data is copied)."""
    if not path.exists():
        return None
    backup = _backup_path(path)
    with contextlib.suppress(FileNotFoundError):
        backup.unlink()
    try:
        os.link(path, backup)
    except OSError:  # a filesystem without hard links
        import shutil

        shutil.copy2(path, backup)
    return backup


def _roll_back(moves: list[dict[str, str | None]]) -> list[str]:
    """Put back the old version of every target; return the targets that could not be restored."""
    failed = []
    for move in moves:
        target = Path(str(move["target"]))
        backup = move.get("backup")
        try:
            if backup and Path(backup).exists():
                os.replace(backup, target)
                # rename() does nothing when both names are links to one file (the target was
                # never replaced), so the backup's name may still be there.
                Path(backup).unlink(missing_ok=True)
            elif not backup:
                target.unlink(missing_ok=True)  # it did not exist before
        except OSError:
            failed.append(str(target))
        tmp = move.get("tmp")
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return failed


def commit_files(files: Mapping[Path, bytes], journal: Path, root: Path) -> None:
    """Put several files in place together: all new, or (on any failure) all as they were.

    ``journal`` is where the plan of the move is recorded while it happens, so
    that a process killed half-way can be rolled back by :func:`recover_journals`;
    it names the files relative to ``root`` (the output folder), so it still
    applies if the folder is moved. Raises :class:`OutputError` naming what
    happened; the old files are then in place.
    """
    targets = [Path(p) for p in files]
    temps: dict[Path, str] = {}
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            temps[target] = _write_temp(target, files[target])
    except OSError as exc:
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise OutputError(
            f"could not write {exc.filename or targets[0]}: {describe_os_error(exc)}. "
            "Nothing was replaced: the previous files are unchanged."
        ) from exc

    moves: list[dict[str, str | None]] = []
    try:
        for target in targets:
            backup = _keep_backup(target)
            moves.append(
                {
                    "target": str(target),
                    "backup": str(backup) if backup else None,
                    "tmp": temps[target],
                }
            )
        plan = [
            {
                "target": str(Path(str(m["target"])).relative_to(root)),
                "backup": Path(str(m["backup"])).name if m["backup"] else None,
                "tmp": Path(str(m["tmp"])).name,
            }
            for m in moves
        ]
        atomic_write_text(journal, json.dumps(plan, indent=1))
        for target in targets:
            os.replace(temps[target], target)
    except OSError as exc:
        failed = _roll_back(moves)
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        with contextlib.suppress(OSError):
            journal.unlink()
        what = (
            f"could not put {exc.filename or 'the new files'} in place: {describe_os_error(exc)}."
        )
        if failed:
            raise OutputError(
                f"{what} The previous version of {', '.join(failed)} could not be restored; "
                "rebuild once the folder is writable."
            ) from exc
        raise OutputError(f"{what} The previous files were restored unchanged.") from exc
    with contextlib.suppress(OSError):
        journal.unlink()
    for move in moves:
        if move["backup"]:
            with contextlib.suppress(OSError):
                os.unlink(str(move["backup"]))


def _journal_moves(
    plan: object, root: Path, allowed: Callable[[Path], bool]
) -> list[dict[str, str | None]] | None:
    """A journal's moves as absolute paths under ``root``, or ``None`` if it is not one of ours.

    A journal is only ever written by :func:`commit_files`; one that names
    anything else (damaged, or written by hand: a folder ``allowed`` refuses,
    relative to ``root``, or a backup or temporary file not named after its
    target) is not acted on, so recovery never touches any other file.
    """
    if not isinstance(plan, list):
        return None
    moves = []
    for move in plan:
        if not isinstance(move, dict) or not isinstance(move.get("target"), str):
            return None
        target = Path(move["target"])
        backup, tmp = move.get("backup"), move.get("tmp")
        if target.is_absolute() or ".." in target.parts or not allowed(target.parent):
            return None
        if backup is not None and backup != _backup_path(target).name:
            return None
        if (
            not isinstance(tmp, str)
            or "/" in tmp
            or not (tmp.startswith(f".{target.name}.") and tmp.endswith(TEMP_SUFFIX))
        ):
            return None
        where = root / target.parent
        moves.append(
            {
                "target": str(root / target),
                "backup": str(where / backup) if backup else None,
                "tmp": str(where / tmp),
            }
        )
    return moves


def recover_journals(folder: Path, root: Path, allowed: Callable[[Path], bool]) -> list[str]:
    """Roll back every commit a killed process left half-done; return the targets restored.

    ``folder`` holds the journals; the files they name are relative to
    ``root`` and must lie in a folder (relative to ``root``) that ``allowed``
    accepts, or the journal is ignored. A journal whose rollback fails is
    kept, so that the next run tries again.
    """
    restored: list[str] = []
    for journal in sorted(Path(folder).glob(f"*{JOURNAL_SUFFIX}")):
        try:
            moves = _journal_moves(
                json.loads(journal.read_text(encoding="utf-8")), Path(root), allowed
            )
        except (OSError, ValueError):
            moves = None
        if moves is None:
            journal.unlink(missing_ok=True)
            continue
        if _roll_back(moves):
            continue  # something could not be put back: keep the journal for the next run
        restored += [str(m["target"]) for m in moves]
        journal.unlink(missing_ok=True)
    return restored


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files and backups that a killed process left in ``folder``."""
    for pattern in (f".*{TEMP_SUFFIX}", f".*{BACKUP_SUFFIX}"):
        for path in Path(folder).glob(pattern):
            with contextlib.suppress(OSError):
                path.unlink()
