"""File input and output that the build records can trust.

**Reading.** Every input file collab reads goes through :func:`read_input`,
which returns the file's bytes and records their SHA-256 in the process's
:class:`InputLog`. Parsers then work on those bytes, never on the file again,
so the hash that a build record and a report's Provenance section carry is
the hash of exactly the bytes the figures came from, even if the file is
edited while a build runs. A file that is read twice with different contents
in one process is recorded as changed.

**Writing.** Every output is written to a temporary file in the same folder
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
import errno
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

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


def describe_os_error(exc: OSError) -> str:
    """A short plain-English reason for a failed write."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the folder is on a read-only filesystem",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
    }
    return reasons.get(exc.errno or -1, exc.strerror or type(exc).__name__)


# --- reading ---------------------------------------------------------------------------------


@dataclass
class InputLog:
    """SHA-256 of every input file read in this process, by absolute path.

    ``hashes`` holds the latest hash of each file; ``changed`` the files that
    were read with two different contents since the log was last cleared (a
    build clears it when it starts, so a change means the file was edited
    while that build was reading it).
    """

    hashes: dict[str, str] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, path: Path, digest: str) -> None:
        key = str(path)
        with self._lock:
            before = self.hashes.get(key)
            if before is not None and before != digest:
                self.changed.add(key)
            self.hashes[key] = digest

    def get(self, path: str | os.PathLike[str]) -> str | None:
        """The hash of ``path`` as last read, or ``None`` if it was not read."""
        with self._lock:
            return self.hashes.get(str(Path(path).absolute()))

    def snapshot(self) -> dict[str, object]:
        """``{"hashes": {...}, "changed": [...]}``, as JSON-ready values."""
        with self._lock:
            return {"hashes": dict(self.hashes), "changed": sorted(self.changed)}

    def clear(self) -> None:
        with self._lock:
            self.hashes.clear()
            self.changed.clear()


#: The log of this process (a report's kernel, or the ``collab`` command).
INPUT_LOG = InputLog()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_input(path: str | os.PathLike[str], log: InputLog | None = None) -> bytes:
    """Read an input file's bytes once, recording their SHA-256 in ``log`` (:data:`INPUT_LOG`)."""
    path = Path(path).absolute()
    data = path.read_bytes()
    (log or INPUT_LOG).record(path, sha256_bytes(data))
    return data


def read_input_text(path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
    """:func:`read_input`, decoded."""
    return read_input(path).decode(encoding)


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


def commit_files(files: Mapping[Path, bytes], journal: Path) -> None:
    """Put several files in place together: all new, or (on any failure) all as they were.

    ``journal`` is where the plan of the move is recorded while it happens, so
    that a process killed half-way can be rolled back by :func:`recover_journals`.
    Raises :class:`OutputError` naming what happened; the old files are then in place.
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
            moves.append({"target": str(target), "backup": str(backup) if backup else None})
        for move, target in zip(moves, targets, strict=True):
            move["tmp"] = temps[target]
        atomic_write_text(journal, json.dumps(moves, indent=1))
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


def recover_journals(folder: Path) -> list[str]:
    """Roll back every commit a killed process left half-done in ``folder``; return the targets."""
    restored: list[str] = []
    for journal in sorted(Path(folder).glob(f"*{JOURNAL_SUFFIX}")):
        try:
            moves = json.loads(journal.read_text(encoding="utf-8"))
            if not isinstance(moves, list):
                raise ValueError("not a list")
        except (OSError, ValueError):
            journal.unlink(missing_ok=True)
            continue
        _roll_back(moves)
        restored += [str(m.get("target")) for m in moves if isinstance(m, dict)]
        journal.unlink(missing_ok=True)
    return restored


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files and backups that a killed process left in ``folder``."""
    for pattern in (f".*{TEMP_SUFFIX}", f".*{BACKUP_SUFFIX}"):
        for path in Path(folder).glob(pattern):
            with contextlib.suppress(OSError):
                path.unlink()
