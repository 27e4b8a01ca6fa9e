"""Report kernels forked from one warmed process, instead of each importing everything again.

A report kernel spends about 2 s of CPU before its first cell: Python starts, ipykernel and
IPython load, and the notebook imports pandas, SciPy, pandera, matplotlib and collablib. A
*fork server* (the zygote pattern of Android and of ``multiprocessing``'s ``forkserver``) does
that once: a process imports those modules, then forks a child for each kernel a build asks
for. The child runs ``ipykernel_launcher`` with the connection file, environment and working
folder jupyter_client would have given a new process, with the modules already in memory
(shared copy-on-write), so it starts in a few hundredths of a second of CPU.

What a forked kernel shares with a fresh one, and why reports do not change:

- the same interpreter and options (the kernel command's own, ``-Xfrozen_modules=off``
  included), started with the kernel's environment (``PYTHONHASHSEED``, ``MPLBACKEND``,
  ``PYTHONSAFEPATH``), so that modules read the same settings when they are imported;
- its own session and process group, stdin at end of file, the kernel's working folder and the
  exact environment jupyter_client passes (the parent pid it watches is the server, which it is
  a child of);
- nothing has run in the server but imports and, once a build has planned its kernels, a
  read of the data folder's CPES extract (:meth:`KernelForks.warm`): no figure drawn, no
  thread, and no read a kernel relies on unchecked. A kernel reads every file of the
  extract again and takes the server's parse only if each file is byte for byte as the
  server read it; its record of inputs starts empty (the pipeline tests compare reports from
  forked and fresh kernels byte for byte).

**Lifetime and faults.** The server is started before validation (in a ``collab`` command, once
the plan needs a second kernel, :mod:`collablib.build.earlykernel` starting the first), or by
the first kernel launch. It runs in its own session, so a Ctrl-C at the terminal reaches only
``collab``, which kills its kernels and then the server. The server reads requests from a
socket whose other end only ``collab`` holds; if ``collab`` dies, even by SIGKILL, the server
reads end-of-file and exits, and its kernels, which watch their parent, follow within a second.
Its command line names the build (``collab-<pid>-forks``) like every file of the build's
kernels, and a forked kernel inherits that command line, so a check for processes left by a
build finds them. If the server cannot be started or dies, each kernel is started the ordinary
way instead, and the build carries on.

Linux only: each kernel is tracked through a pidfd (Linux 5.3) the server passes over the
socket. Elsewhere :func:`available` is false and kernels start as separate processes.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from collablib.build.forkedkernel import ForkedKernel

if TYPE_CHECKING:
    from pathlib import Path

    from collablib.build.earlykernel import EarlyKernel

__all__ = [
    "KERNEL_ENV_DEFAULTS",
    "PRELOAD",
    "KernelForks",
    "available",
    "close_shared",
    "early_started",
    "kernel_environment",
    "shared",
    "stop_early",
]

#: What a report kernel imports, loaded once in the server. Only imports: importing these
#: reads no data and changes no global setting (``tests/test_layout.py`` checks collablib).
PRELOAD = (
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # resolved when the kernel is made: debugpy takes about 0.4 s
    "ipykernel.zmqshell",
    "IPython.core.interactiveshell",
    "matplotlib_inline.backend_inline",
    "collablib.analysis",
    # pandera's checks (and hypothesis, if installed) load on first use: 0.9 s a kernel
    "pandera.backends.pandas.builtin_checks",
    "collablib.programme",
    "collablib.report.cpes_plots",
    "collablib.report.display",
    "collablib.report.narrative",
    "collablib.report.programme_tables",
    "collablib.report.progress_plots",
    "collablib.report.spc_matrix",
    "collablib.report.spc_plots",
    "collablib.report.survey_plots",
    "collablib.report.tables",
    "collablib.build.state",
    # first used at the report's end (its tidy data and their listing page, with jinja2) or
    # by the quotes' disclosure check: about 0.04 s a kernel between them
    "collablib.build.data_listing",
    "collablib.build.export",
    "collablib.survey.disclosure",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg",
)

#: The module the server runs (:mod:`collablib.build.zygote`).
SERVER_MODULE = "collablib.build.zygote"
#: The module a kernel command runs (``python -m ipykernel_launcher -f <file>``).
LAUNCHER = "ipykernel_launcher"
#: Seconds to wait for the server to import :data:`PRELOAD` and fork a kernel.
LAUNCH_TIMEOUT = 120.0
#: The largest request (a kernel's environment) the socket carries in one message.
MAX_MESSAGE = 1 << 20


#: Settings every report kernel gets unless the user set them: a fixed hash seed keeps any set
#: ordering repeatable, charts are drawn without a display, and the two that pandera sets in
#: any process importing it (for pyspark, unused) are the same whether collab had imported
#: pandera when it started the kernel (:mod:`collablib.build.earlykernel`) or not.
KERNEL_ENV_DEFAULTS = {
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "Agg",
    "SPARK_LOCAL_IP": "127.0.0.1",
    "PYARROW_IGNORE_TIMEZONE": "1",
}


def kernel_environment() -> dict[str, str]:
    """Apply :data:`KERNEL_ENV_DEFAULTS` to this process (kernels inherit its environment) and
    return the environment a kernel starts with, less what jupyter_client adds per kernel.

    The kernel keeps the data folder's parent, where it starts, off its import path
    (``PYTHONSAFEPATH``): a stray ``collablib/`` or ``pandas.py`` there must not shadow the
    installed code that the build record names."""
    for name, value in KERNEL_ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    return {**os.environ, "PYTHONSAFEPATH": "1"}


def available() -> bool:
    """Whether kernels can be forked here: Linux, with pidfds (Python 3.9, Linux 5.3)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


def split_kernel_command(cmd: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """``(interpreter, launcher arguments)`` of an ipykernel command, else ``None`` (another
    language, a wrapper script: started the ordinary way). ``[python, -Xfrozen_modules=off,
    -m, ipykernel_launcher, -f, c.json]`` gives ``([python, -Xfrozen_modules=off], [-f, c.json])``.
    """
    cmd = list(cmd)
    if "-m" not in cmd:
        return None
    at = cmd.index("-m")
    if at == 0 or at + 1 >= len(cmd) or cmd[at + 1] != LAUNCHER:
        return None
    return cmd[:at], cmd[at + 2 :]


def _interpreter(kernel_name: str) -> list[str] | None:
    """The interpreter (with its options) of kernel spec ``kernel_name``, if it is ipykernel."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
    except Exception:
        return None
    parts = split_kernel_command(argv)
    return None if parts is None else parts[0]


class ServerGone(RuntimeError):
    """The fork server could not be started, or stopped answering."""


#: Environment variables that Python or the preloaded libraries read when they start or are
#: imported (the hash seed, the import path, matplotlib's backend and settings, BLAS threads,
#: the locale). A kernel whose values differ from the server's is started anew.
STARTUP_VARIABLES = (
    "PYTHONHASHSEED",
    "PYTHONPATH",
    "PYTHONSAFEPATH",
    "PYTHONWARNINGS",
    "MPLBACKEND",
    "MPLCONFIGDIR",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "LANG",
    "LC_ALL",
    "TZ",
)


def _startup_settings(env: dict[str, str], cwd: str) -> tuple:
    """What a kernel's imports depend on besides the code: :data:`STARTUP_VARIABLES`, and
    the working folder if it holds a ``matplotlibrc`` (which matplotlib reads on import)."""
    rc = os.path.join(cwd, "matplotlibrc")
    return (
        tuple(env.get(name) for name in STARTUP_VARIABLES),
        os.path.realpath(cwd) if os.path.lexists(rc) else None,
    )


class _Server:
    """One fork server process, for one interpreter (and its options)."""

    def __init__(self, interpreter: list[str], env: dict[str, str], tag: str) -> None:
        self.lock = threading.Lock()
        self.broken = False
        self.startup = _startup_settings(env, os.getcwd())
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [*interpreter, "-m", SERVER_MODULE, str(theirs.fileno()), tag],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.settimeout(LAUNCH_TIMEOUT)
        self.sock = ours

    def fork(self, args: list[str], env: dict[str, str], cwd: str) -> ForkedKernel:
        """Ask for a kernel; raises :class:`ServerGone` (or OSError) if the server cannot."""
        request = {"args": args, "env": env, "cwd": cwd}
        self.sock.sendall(json.dumps(request).encode("utf-8"))
        message, fds, _, _ = socket.recv_fds(self.sock, 4096, 1)
        for fd in fds:
            os.set_inheritable(fd, False)  # never passed on to a process collab starts
        try:
            if not message or len(fds) != 1:
                raise ServerGone("the fork server closed its socket")
            return ForkedKernel(int(json.loads(message)["pid"]), fds[0])
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise

    def warm(self, data_dir: str, cwd: str) -> None:
        """Ask the server to read ``data_dir``'s CPES extract for the kernels it forks next
        (see :func:`collablib.build.zygote._warm`). It sends no answer, so nothing waits."""
        request = {"warm": {"data_dir": data_dir, "cwd": cwd}}
        self.sock.sendall(json.dumps(request).encode("utf-8"))

    def kill(self, wait: bool) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # ends a launch waiting for an answer
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the server only: kernels have own
        if wait:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            with contextlib.suppress(OSError):
                self.sock.close()


class KernelForks:
    """The fork servers of a process: started by the first kernel launch, stopped by :meth:`close`.

    One server per kernel interpreter (a kernel spec's Python and its options, such as
    ``-Xfrozen_modules=off``), so every kernel is forked from a process started exactly as it
    would have been. Thread-safe: worker threads launch kernels at the same time, one request
    at a time on each server's socket. ``tag`` names the servers' processes after the build.
    """

    def __init__(self, tag: str, key: str = "") -> None:
        self.tag = tag
        self.key = key
        self._lock = threading.Lock()
        self._servers: dict[tuple[str, ...], _Server] = {}
        self._closed = False
        self.launched = 0
        #: the kernel started before the build (:mod:`collablib.build.earlykernel`), if any
        self.early: EarlyKernel | None = None

    def launch(
        self, cmd: Sequence[str], env: dict[str, str], cwd: str | os.PathLike[str] | None
    ) -> ForkedKernel | None:
        """Fork a kernel for ``cmd``; ``None`` when this command or its server cannot.

        Blocks (in the caller's thread) until the server has imported :data:`PRELOAD`,
        which it does once. A server that died or hangs is given up, and ``None``
        returned, so that the kernel (and every later one for that interpreter) starts
        the ordinary way.
        """
        parts = split_kernel_command(cmd)
        if parts is None:
            return None
        interpreter, args = parts
        with self._lock:
            if self._closed:
                return None
            server = self._servers.get(tuple(interpreter))
            if server is None:
                try:
                    server = _Server(interpreter, env, self.tag)
                except OSError:
                    return None
                self._servers[tuple(interpreter)] = server
        where = os.fspath(cwd or os.getcwd())
        if _startup_settings(env, where) != server.startup:
            return None  # started otherwise than this kernel would be: start it anew
        with server.lock:
            if server.broken or self._closed:
                return None
            try:
                kernel = server.fork(args, env, where)
            except (OSError, ValueError, KeyError, ServerGone):
                # Given up for new kernels, but left running until close(): the kernels it
                # has forked watch it, and would stop with it.
                server.broken = True
                return None
        with self._lock:
            self.launched += 1
        return kernel

    def prestart(self, kernel_name: str, env: dict[str, str]) -> None:
        """Start the server for kernel spec ``kernel_name`` now, so it imports while the
        build validates; a server already running, or any problem, is left to :meth:`launch`."""
        interpreter = _interpreter(kernel_name)
        if interpreter is None:
            return
        with self._lock:
            if self._closed or tuple(interpreter) in self._servers:
                return
            with contextlib.suppress(OSError):
                self._servers[tuple(interpreter)] = _Server(interpreter, env, self.tag)

    def start_early(self, kernel_name: str, cwd: str) -> None:
        """Start a kernel for ``kernel_name`` now, for the first report to take (see
        :mod:`collablib.build.earlykernel`), unless one was, or a server for that kernel runs
        (a process that builds again): a kernel forked from it is ready sooner, for less CPU."""
        from collablib.build import earlykernel

        with self._lock:
            if self._closed or self.early is not None:
                return
            interpreter = _interpreter(kernel_name)
            server = self._servers.get(tuple(interpreter)) if interpreter else None
            if server is not None and not server.broken and server.process.poll() is None:
                return
            self.early = earlykernel.start(kernel_name, cwd)

    def planned(
        self,
        kernels: int,
        kernel_name: str | None,
        env: dict[str, str],
        fork: bool = True,
        data_dir: Path | None = None,
    ) -> None:
        """A build needs ``kernels`` kernels: none stops the early kernel, two or more start
        the server for the kernels after the first (if the build forks them, ``fork``).

        With ``data_dir``, a server that will fork this build's kernels first reads that
        folder's CPES extract (:meth:`warm`): once for the build, instead of once a kernel.
        """
        if kernels == 0:
            self.stop_early()
        elif kernels > 1 and kernel_name and fork:
            self.prestart(kernel_name, env)
        if kernels > 0 and kernel_name and fork and data_dir is not None:
            self.warm(kernel_name, env, data_dir)

    def warm(self, kernel_name: str, env: dict[str, str], data_dir: Path) -> None:
        """Have the running server for ``kernel_name`` read ``data_dir``'s CPES extract as a
        report kernel will (by name, from the folder above), before it forks the next kernel.

        Only a server that is already running (started for this build, or by an earlier
        build in this process) and that would fork these kernels is asked; if it cannot be
        asked, nothing is lost: each kernel reads the extract itself.
        """
        interpreter = _interpreter(kernel_name)
        cwd = os.fspath(data_dir.parent)
        with self._lock:
            server = self._servers.get(tuple(interpreter)) if interpreter else None
        if server is None or _startup_settings(env, cwd) != server.startup:
            return
        with server.lock:
            if server.broken or self._closed:
                return
            try:
                server.warm(data_dir.name, cwd)
            except OSError:
                server.broken = True

    def stop_early(self) -> None:
        """Stop the early kernel unless a report took it, and forget it (end of a build)."""
        with self._lock:
            early, self.early = self.early, None
        if early is not None:
            early.close()

    def server_pids(self) -> list[int]:
        """The process ids of the running servers."""
        with self._lock:
            return [s.process.pid for s in self._servers.values() if not s.broken]

    @property
    def usable(self) -> bool:
        """False once closed or killed."""
        return not self._closed

    def close(self) -> None:
        """Stop the servers (their kernels are the builds' to stop). Safe to call twice."""
        with self._lock:
            self._closed = True
            servers = list(self._servers.values())
            self._servers.clear()
        if self.early is not None:
            self.early.close()
        for server in servers:
            server.kill(wait=True)

    def kill(self) -> None:
        """Stop the servers at once, without waiting for a launch in progress (interrupts)."""
        self._closed = True
        if self.early is not None:
            self.early.kill()
        for server in list(self._servers.values()):
            server.kill(wait=False)


_shared: KernelForks | None = None
_shared_lock = threading.Lock()


def shared(code_key: str) -> KernelForks:
    """This process's fork server for the code identified by ``code_key``.

    One server serves every build a process runs (a ``collab`` command runs one; a test
    session or an analyst's notebook may run many), so its imports are paid once. The key
    is the hash of collablib's source and of the lock file (:class:`~collablib.build.
    provenance.RunFacts`): when either changed since the server imported them, the old
    server is stopped and a new one started, so a kernel never runs older code than a new
    process would. A server stopped by an interrupt is replaced the same way.
    """
    global _shared
    with _shared_lock:
        current = _shared
        if current is not None and (current.key != code_key or not current.usable):
            current.close()
            current = None
        if current is None:
            current = _shared = KernelForks(f"{_tag()}", key=code_key)
        return current


def stop_early() -> None:
    """Stop this process's early kernel, if one was started and no report took it."""
    if (current := _shared) is not None:
        current.stop_early()


def early_started() -> bool:
    """Whether this process has started a kernel for its next build's first report."""
    return (current := _shared) is not None and current.early is not None


def close_shared() -> None:
    """Stop this process's fork server, if any (at exit, and by tests)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
            _shared = None


def _tag() -> str:
    from collablib.build.kernels import PREFIX

    return f"{PREFIX}{os.getpid()}-forks"


atexit.register(close_shared)
