"""The output folder's lock: one build writes to a folder at a time.

Two builds writing the same reports folder would interleave their reports,
records and index. The lock is ``flock`` on ``reports/.build/lock``: the
operating system releases it when the process ends, however it ends, so a
killed build never leaves a stale lock. The file names the process that holds
it, so that a second build can say who it is waiting for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from collablib.build.fileio import OutputError
from collablib.build.state import _stderr_warning, state_dir, tidy_output_folder
from collablib.errors import describe_os_error

__all__ = [
    "LOCK_FILE",
    "BuildLock",
    "BuildLocked",
    "locked_output_folder",
]

LOCK_FILE = "lock"


class BuildLocked(OutputError):
    """Another build holds the output folder's lock."""


@dataclass
class BuildLock:
    """An exclusive lock on an output folder; ``wait`` makes a second build wait for the first."""

    output_dir: Path
    wait: bool = False
    _fd: int | None = None

    @property
    def path(self) -> Path:
        return state_dir(self.output_dir) / LOCK_FILE

    def _holder(self) -> str:
        try:
            info = json.loads(self.path.read_text(encoding="utf-8"))
            return f"process {info['pid']}, started {info['started']}" + (
                f": {info['command']}" if info.get("command") else ""
            )
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"

    def __enter__(self) -> BuildLock:
        import fcntl

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(
                f"cannot write to the output folder {self.output_dir}: {describe_os_error(exc)}."
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            if not self.wait:
                holder = self._holder()
                os.close(fd)
                raise BuildLocked(
                    f"another build ({holder}) is writing to {self.output_dir}. Wait for it to "
                    "finish (or stop it), then run again; or add --wait to wait for it."
                ) from None
            _stderr_warning(f"waiting for another build ({self._holder()}) to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        if not self._same_file(fd):  # removed (make clean-reports) meanwhile: lock the new one
            os.close(fd)
            return self.__enter__()
        self._fd = fd
        info = {
            "pid": os.getpid(),
            "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "command": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv)),
        }
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
        return self

    def _same_file(self, fd: int) -> bool:
        try:
            return os.fstat(fd).st_ino == os.stat(self.path).st_ino
        except OSError:
            return False

    def still_held(self) -> bool:
        """Whether the lock file is still the one this lock holds.

        Deleting ``.build/`` (``make clean-reports``) during a build removes the
        lock file, and another build could then take a new one; the build checks
        this before it puts each report in place.
        """
        return self._fd is not None and self._same_file(self._fd)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # releases the flock
            self._fd = None


@contextlib.contextmanager
def locked_output_folder(output_dir: Path, wait: bool = False) -> Iterator[BuildLock]:
    """Create ``output_dir`` if need be, hold its lock, and tidy what a killed run left.

    Raises :class:`OutputError` (one line) when the folder cannot be created or
    written, or another build holds it.
    """
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {output_dir}: {describe_os_error(exc)}."
        ) from exc
    with BuildLock(output_dir, wait=wait) as lock:
        tidy_output_folder(output_dir)
        yield lock
