"""Kernel start-up that is safe when several reports build at once, and that cleans up after itself.

With the default TCP transport, jupyter_client picks five free ports and the
kernel binds them a moment later; two kernels starting together can pick the
same port and one fails with ZMQ's "Address already in use". The IPC
transport connects through Unix domain sockets named after the kernel's own
connection file, so concurrent kernels cannot collide at all, and no network
port is opened. :mod:`collablib.build.render` uses it where the platform supports it
(POSIX) and still retries start-up failures (timeouts, a kernel that dies
before replying) as a second line of defence.

The managers are asynchronous, as nbclient expects: it notices a kernel that
dies mid-notebook only while it awaits an asynchronous client. With a
blocking client the wait for a dead kernel's output never ended.

**Clean-up.** A kernel's connection file holds the HMAC key that signs its
messages, and its sockets are files too. jupyter_client removes them when a
kernel shuts down normally, but not when the ``collab`` process is killed.
So every file of a collab kernel is named ``collab-<pid>-...`` in the Jupyter
runtime folder, with the PID of the ``collab`` process that started it, and
:func:`remove_stale_kernel_files` (:mod:`collablib.build.kernelfiles`) deletes those
whose process is gone at the start of every run. The live managers are tracked so that an
interrupted build can stop its kernels at once (:meth:`KernelRun.kill_all`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import uuid

from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type, default

from collablib.build.earlykernel import Taken
from collablib.build.forkedkernel import ForkedKernel
from collablib.build.forkserver import KernelForks, split_kernel_command
from collablib.build.interrupts import quiet_kernel_clients
from collablib.build.kernelclient import ReadyKernelClient
from collablib.build.kernelfiles import (
    PREFIX,
    remove_own_kernel_files,
    remove_stale_kernel_files,
    runtime_dir,
)

__all__ = [
    "PREFIX",
    "IPCKernelManager",
    "KernelRun",
    "KernelStartRefused",
    "TrackedKernelManager",
    "kernel_manager_class",
    "remove_own_kernel_files",
    "remove_stale_kernel_files",
    "runtime_dir",
]


def _stem() -> str:
    return f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:16]}"


class KernelStartRefused(RuntimeError):
    """A kernel was asked to start after the build was told to stop."""


class TrackedKernelManager(AsyncKernelManager):
    """An asynchronous kernel manager that names its files after this process and is tracked.

    Used as it is (TCP) where Unix sockets are not available; :class:`IPCKernelManager`
    adds the socket transport. :func:`kernel_manager_class` makes a subclass per
    build, whose ``run`` holds that build's live kernels and its stop flag.
    """

    run: KernelRun | None = None
    #: ready as soon as the kernel is (:mod:`collablib.build.kernelclient`); the factory is
    #: set too, as AsyncKernelManager's does not follow the class name, and is not left to
    #: Jupyter configuration: a build's kernels are talked to one way
    client_class = DottedObjectName("collablib.build.kernelclient.ReadyKernelClient")
    client_factory = Type(ReadyKernelClient, klass=ReadyKernelClient)

    @default("connection_file")
    def _default_connection_file(self) -> str:
        return str(runtime_dir() / f"{_stem()}.json")

    @property
    def ipykernel(self) -> bool:
        """Whether the kernel is IPython's: its spec runs ``ipykernel_launcher``, whatever the
        spec is called.

        jupyter_client answers by name alone (``python``, ``python2``, ``python3``), and
        nbclient (under papermill) gives only such kernels ``--HistoryManager.hist_file=:memory:``,
        which keeps a kernel's input history in memory, as its documentation recommends
        wherever kernels run at the same time. Without it a ``collab`` kernel writes each cell
        it runs, the injected parameters included, to the user's own IPython history database,
        one SQLite file that every kernel of a parallel build would write at once (CHANGELOG).
        The early kernel asks this too, so its command stays the one a report's start gives
        (:meth:`EarlyKernel.take <collablib.build.earlykernel.EarlyKernel.take>`).
        """
        if super().ipykernel:
            return True
        try:
            spec = self.kernel_spec
        except Exception:  # no such kernel: its start fails and says so
            return False
        return spec is not None and split_kernel_command(spec.argv) is not None

    async def _async_launch_kernel(self, kernel_cmd, **kw):  # type: ignore[no-untyped-def]
        run = self.run
        if run is not None:
            if run.stop.is_set():
                raise KernelStartRefused("the build is stopping")
            run.add(self)
        forks = run.forks if run is not None else None
        # The kernel collab started before validating, if this kernel would be the same.
        first = forks.early if forks is not None else None
        early = (
            first.take(kernel_cmd, kw.get("env"), kw.get("cwd"), self.connection_file)
            if first is not None
            else None
        )
        # The kernel starts in the data folder's parent; like every Python, it would put that
        # folder first on its import path, where a stray collablib/ or pandas.py would shadow
        # the installed code that the build record names. PYTHONSAFEPATH (3.11) prevents that.
        kw["env"] = {**(kw.get("env") or os.environ), "PYTHONSAFEPATH": "1"}
        if early is not None:
            try:
                self._adopt(early, kw.get("cwd"))
            except BaseException:
                early.process.kill()  # taken, so no one else would stop it
                raise
        else:
            forked = None
            if forks is not None and run is not None and run.fork:
                forked = await asyncio.to_thread(forks.launch, kernel_cmd, kw["env"], kw.get("cwd"))
            if forked is None:
                if run is not None and run.stop.is_set():  # the fork server was stopped for it
                    raise KernelStartRefused("the build is stopping")
                await super()._async_launch_kernel(kernel_cmd, **kw)
            else:  # what the local provisioner records for a process it started itself
                provisioner = self.provisioner
                assert provisioner is not None
                provisioner.process = forked  # type: ignore[attr-defined]
                provisioner.pid = provisioner.pgid = forked.pid  # type: ignore[attr-defined]
                provisioner.cwd = kw.get("cwd") or os.getcwd()  # type: ignore[attr-defined]
                self._reconcile_connection_info(provisioner.connection_info)
        if run is not None and run.stop.is_set():  # stopped while it was starting
            _kill(self)
            raise KernelStartRefused("the build is stopping")

    def _adopt(self, early: Taken, cwd: str | None) -> None:
        """Take over a kernel started before the build (:mod:`collablib.build.earlykernel`):
        its process and its connection file, in place of the file written for this start."""
        self.cleanup_connection_file()  # written for a kernel that will not be started
        self.connection_file = early.connection_file
        for port in ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port"):
            setattr(self, port, 0)  # jupyter_client loads only the ports still unset
        self.load_connection_info(early.connection_info)
        self._connection_file_written = True  # so that clean-up removes the kernel's file
        provisioner = self.provisioner
        assert provisioner is not None
        provisioner.connection_info = self.get_connection_info()  # type: ignore[attr-defined]
        provisioner.process = early.process  # type: ignore[attr-defined]
        provisioner.pid = early.process.pid  # type: ignore[attr-defined]
        try:
            provisioner.pgid = os.getpgid(early.process.pid)  # type: ignore[attr-defined]
        except OSError:
            provisioner.pgid = None  # type: ignore[attr-defined]
        provisioner.cwd = cwd or os.getcwd()  # type: ignore[attr-defined]
        self._reconcile_connection_info(provisioner.connection_info)

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client interrupts every kernel before shutting it down, in case it is still
        # busy; a report's kernel is idle by then, and the interrupt only made it log
        # "KeyboardInterrupt caught in kernel" to the build's output. A busy kernel that ignores
        # the shutdown request is still killed after jupyter_client's shutdown wait.
        if getattr(self, "shutting_down", False):
            return
        await super()._async_interrupt_kernel()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        if self.run is not None:
            self.run.discard(self)
        await super()._async_cleanup_resources(restart=restart)


class IPCKernelManager(TrackedKernelManager):
    """A kernel manager whose kernels talk over Unix domain sockets, not TCP ports.

    Each kernel gets its own socket path in the Jupyter runtime folder.
    jupyter_client's default for IPC is the relative path ``kernel-ipc``, the
    same for every kernel started in one folder, which would bring back the
    very collisions IPC is meant to avoid.
    """

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        return str(runtime_dir() / f"{_stem()}-ipc")


class KernelRun:
    """The kernels of one build: so that an interrupt stops exactly those, and no new one starts."""

    def __init__(self, stop: threading.Event, forks: KernelForks | None = None) -> None:
        self.stop = stop
        #: the build's fork server (:mod:`collablib.build.forkserver`), and its early kernel
        self.forks = forks
        #: False for a build of new-process kernels (``--fresh-kernels``): only the early one
        self.fork = True
        self._live: set[AsyncKernelManager] = set()
        self._lock = threading.Lock()

    def add(self, km: AsyncKernelManager) -> None:
        with self._lock:
            self._live.add(km)

    def discard(self, km: AsyncKernelManager) -> None:
        with self._lock:
            self._live.discard(km)

    def kill_all(self) -> int:
        """Kill every kernel of this build that is still running; return how many.

        Only a stopping build kills its kernels, so the kernel libraries' loggers are
        silenced first (:func:`~collablib.build.interrupts.quiet_kernel_clients`): the
        sockets of killed kernels would make them print tracebacks after the build's
        one-line summary. This holds on every stop path (the workers' and the pipeline's).
        """
        quiet_kernel_clients()
        if self.forks is not None:
            self.forks.kill()  # no new kernel can be forked, and a launch waiting for it ends
        with self._lock:
            managers = list(self._live)
        for km in managers:
            _kill(km)
        return len(managers)


def kernel_manager_class(run: KernelRun | None = None) -> type[AsyncKernelManager]:
    """IPC on POSIX systems, TCP elsewhere (Windows has no IPC transport); tracked by ``run``."""
    base = IPCKernelManager if os.name == "posix" else TrackedKernelManager
    if run is None:
        return base
    return type(f"{base.__name__}ForBuild", (base,), {"run": run})


def _pid(km: AsyncKernelManager) -> int | None:
    process = getattr(getattr(km, "provisioner", None), "process", None)
    return getattr(process, "pid", None)


def _kill(km: AsyncKernelManager) -> None:
    pid = _pid(km)
    if pid is None:
        return
    process = km.provisioner.process  # type: ignore[union-attr]
    if isinstance(process, ForkedKernel) and process.poll() is not None:
        return  # ended and collected by its server: its pid may already be another's
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)  # kernels start in their own session
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
