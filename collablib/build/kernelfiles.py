"""The files of collab's kernels in the Jupyter runtime folder, and their clean-up.

Every file of a collab kernel (connection file, IPC sockets) is named
``collab-<pid>-...`` after the ``collab`` process that started it (see
:mod:`collablib.build.kernels`). Kept apart from the kernel managers so that every
``collab reports`` run, a no-op one included, can clean up after killed runs
without importing jupyter_client (0.12 to 0.16 s to import on its own; a no-op
run took 0.20 to 0.26 s with it and 0.14 to 0.16 s without, on 2026-12-03).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from jupyter_core.paths import jupyter_runtime_dir

__all__ = ["PREFIX", "remove_own_kernel_files", "remove_stale_kernel_files", "runtime_dir"]

PREFIX = "collab-"


def runtime_dir() -> Path:
    """Jupyter's runtime folder (created if missing), where kernels' files live."""
    path = Path(jupyter_runtime_dir())
    path.mkdir(parents=True, exist_ok=True)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_kernel_files() -> int:
    """Delete connection files and sockets of collab kernels whose ``collab`` process is gone.

    Returns how many files were removed. Files of live processes, including
    another build running at the same time, are left alone.
    """
    removed = 0
    try:
        entries = list(runtime_dir().glob(f"{PREFIX}*"))
    except OSError:
        return 0
    for path in entries:
        owner = path.name[len(PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or int(owner) == os.getpid() or _alive(int(owner)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


def remove_own_kernel_files() -> None:
    """Delete this process's kernel files (after its kernels were killed)."""
    for path in runtime_dir().glob(f"{PREFIX}{os.getpid()}-*"):
        with contextlib.suppress(OSError):
            path.unlink()
