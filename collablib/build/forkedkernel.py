"""A kernel forked by the fork server, as jupyter_client sees a kernel process.

:mod:`collablib.build.forkserver` asks its server for a kernel and gets back the kernel's pid
and a pidfd (Linux 5.3). :class:`ForkedKernel` wraps them in the part of the
:class:`subprocess.Popen` interface that jupyter_client's local provisioner uses (poll, wait,
signals), so a forked kernel is started, watched and stopped like any other.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time

__all__ = ["ForkedKernel"]


class ForkedKernel:
    """A forked kernel as jupyter_client's local provisioner sees a :class:`subprocess.Popen`.

    The kernel is the server's child, not this process's, so it is watched and signalled
    through its pidfd, which cannot be confused with a later process given the same pid.
    Its exit status is known only to the server, which reaps it; :attr:`returncode`
    is the negative signal number when this process killed it, and 1 otherwise.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid = pid
        self.args = [f"<kernel forked by the collab fork server: pid {pid}>"]
        self.returncode: int | None = None
        self._pidfd: int | None = pidfd
        self._sent: int | None = None

    def _ended(self, timeout: float) -> bool:
        if self._pidfd is None:
            return True
        poller = select.poll()  # not select(): descriptors above 1023 are fine
        poller.register(self._pidfd, select.POLLIN)
        return bool(poller.poll(timeout * 1000))

    def _close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def poll(self) -> int | None:
        if self.returncode is None and self._ended(0):
            self.returncode = -self._sent if self._sent in (signal.SIGKILL, signal.SIGTERM) else 1
            self._close()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            self._ended(0.5 if left is None else min(left, 0.5))
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is not None or self._pidfd is None:
            return
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self._pidfd, sig)
            self._sent = sig

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._close()
