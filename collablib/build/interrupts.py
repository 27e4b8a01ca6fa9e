"""Stopping a build cleanly on SIGTERM as well as on Ctrl-C.

Python turns SIGINT (Ctrl-C) into :class:`KeyboardInterrupt` in the main
thread, which the pipeline catches to stop its kernels and say what was
finished. SIGTERM, which ``kill``, service managers and CI runners send,
would instead end the process at once, leaving kernels and temporary files
behind. :func:`sigterm_raises` turns it into :class:`BuildInterrupted` for
the duration of a build, so both signals take the same path.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator

__all__ = [
    "KERNEL_CLIENT_LOGGERS",
    "BuildInterrupted",
    "quiet_kernel_clients",
    "signals_ignored",
    "sigterm_raises",
]

#: The libraries that talk to the kernels. Once a build stops, it kills its kernels on
#: purpose, and their closing sockets make these log errors and tracebacks ("Exception in
#: callback ... zmqstream") that say nothing about the build.
KERNEL_CLIENT_LOGGERS = (
    "tornado",
    "asyncio",
    "zmq",
    "traitlets",
    "jupyter_client",
    "nbclient",
    "papermill",
)


class BuildInterrupted(Exception):
    """Raised in the main thread when the build receives SIGINT or SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)

    @property
    def exit_status(self) -> int:
        """What a shell reports for a command stopped by this signal (130, 143)."""
        return 128 + self.signum


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`BuildInterrupted` in the main thread.

    Outside the main thread (where signal handlers cannot be set) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise BuildInterrupted(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_ignored() -> Iterator[None]:
    """Within the block, further SIGINT and SIGTERM are ignored (main thread only).

    A build that is already stopping (killing its kernels, clearing its state)
    must finish doing so: a second Ctrl-C would otherwise cut that short.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def quiet_kernel_clients() -> None:
    """Silence :data:`KERNEL_CLIENT_LOGGERS` for the rest of a stopped build's process.

    Called when a build stops on a signal, before its kernels are killed: the
    one line the build then prints says what was finished, and no library's
    traceback about a socket it lost follows it. The process ends soon after,
    so nothing later is hidden.
    """
    for name in KERNEL_CLIENT_LOGGERS:  # children (tornado.application ...) inherit the level
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
