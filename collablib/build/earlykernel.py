"""The first report kernel of ``collab reports``, started before the build validates its inputs.

Before it knows which reports to build, ``collab reports`` imports the pipeline, reads and
validates every cohort and hashes the inputs: several seconds on one CPU, during which a
kernel could already be starting. So the command starts one kernel as its first step
(:func:`start`), as a new process exactly as jupyter_client would start it for the report
notebook: the notebook's kernel spec, the build's kernel environment, the data folder's
parent as its working folder, nbclient's own arguments. While collab validates, the kernel
imports what a report uses (:data:`~collablib.build.forkserver.PRELOAD`), as a silent
request that leaves no history and no execution count. The first report whose kernel would
be started with exactly the same command (apart from its connection file), environment and
working folder takes it over (:meth:`EarlyKernel.take`): its manager adopts the kernel's
process and connection file instead of starting one. Kernels after it are forked from the
fork server (:mod:`collablib.build.forkserver`), which the build starts once it knows it
needs more than one kernel.

A kernel that no report took (everything was up to date, the inputs were bad, the notebook
asked for another kernel) is killed when the command ends, or at once when the build is
interrupted; its files are named after the ``collab`` process like every kernel file, so the
clean-up of stale kernel files covers them too. A kernel is only ever handed over whole: a
report's kernel runs nothing but its notebook and the silent imports, which are never sent
once a report has taken the kernel (and, if sent, run before the notebook's first cell).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["EXTRA_ARGUMENTS", "EarlyKernel", "Taken", "start"]

#: The arguments nbclient adds to the command of an IPython kernel (its ``ipython_hist_file``:
#: history in memory only), which a build's kernel managers tell by the kernel's command
#: (:attr:`collablib.build.kernels.TrackedKernelManager.ipykernel`). Without them such a kernel
#: would not match, and would not be used.
EXTRA_ARGUMENTS = ("--HistoryManager.hist_file=:memory:",)
#: Seconds the silent imports may take before the warming client gives up (the kernel is
#: still usable: a report's first cell then imports what is missing).
WARM_TIMEOUT = 120.0


@dataclass(frozen=True)
class Taken:
    """A kernel handed to a report's manager: its process and its connection."""

    process: subprocess.Popen
    connection_file: str
    connection_info: dict[str, Any]


def _warm_code() -> str:
    from collablib.build.forkserver import PRELOAD

    # A function, deleted after use, so that nothing is left in the notebook's namespace.
    # The same preload as the fork server's (collablib.build.importing).
    return (
        "def _collab_warm():\n"
        "    from collablib.build.importing import preload\n"
        f"    preload({list(PRELOAD)!r})\n"
        "_collab_warm()\n"
        "del _collab_warm\n"
    )


class EarlyKernel:
    """One kernel started ahead of the build, until a report takes it or it is stopped."""

    def __init__(self, kernel_name: str, cwd: str) -> None:
        from collablib.build.kernels import PREFIX, kernel_manager_class, runtime_dir

        self._lock = threading.Lock()
        self._taken = False
        self._closed = False
        # Named apart from the kernels a build starts itself, so ``ps`` (and a test) tells it.
        name = f"{PREFIX}{os.getpid()}-early-{uuid.uuid4().hex[:16]}.json"
        self._km = kernel_manager_class()(
            kernel_name=kernel_name, connection_file=str(runtime_dir() / name)
        )

        async def launch() -> tuple[list[str], dict[str, Any]]:
            # The same steps, in the same jupyter_client code, as a report's kernel start.
            # nbclient adds its arguments to IPython kernels only (KernelManager.ipykernel)
            extra = list(EXTRA_ARGUMENTS) if self._km.ipykernel else []
            cmd, kw = await self._km._async_pre_start_kernel(cwd=cwd, extra_arguments=extra)
            await self._km._async_launch_kernel(cmd, **kw)
            return cmd, kw

        # In a thread of its own: the caller may be inside a running event loop (a notebook).
        started: list[tuple[list[str], dict[str, Any]]] = []
        failed: list[BaseException] = []

        def run() -> None:
            try:
                started.append(asyncio.run(launch()))
            except BaseException as exc:  # re-raised in the caller's thread
                failed.append(exc)

        thread = threading.Thread(target=run, name="collab-early-kernel-start")
        thread.start()
        try:
            thread.join()
        except BaseException:  # Ctrl-C or SIGTERM while it starts: it must not be left running
            thread.join()
            if started:
                self._taken = False
                self.process = self._km.provisioner.process  # type: ignore[union-attr]
                self.close()
            raise
        if failed:
            raise failed[0]
        cmd, kw = started[0]
        self.cmd: list[str] = list(cmd)
        self.env: dict[str, str] = dict(kw.get("env") or {})
        self.cwd: str | None = kw.get("cwd")
        self.process: subprocess.Popen = self._km.provisioner.process  # type: ignore[union-attr]
        self.warmed = threading.Event()
        threading.Thread(target=self._warm, name="collab-early-kernel", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _warm(self) -> None:
        """Import what a report uses, in the kernel, while collab validates."""
        from jupyter_client.blocking import BlockingKernelClient

        client = BlockingKernelClient()
        try:
            client.load_connection_info(self._km.get_connection_info())
            client.start_channels()
            client.wait_for_ready(timeout=WARM_TIMEOUT)
            with self._lock:  # once a report has it, nothing more is sent to it from here
                if self._taken or self._closed:
                    return
                msg_id = client.execute(_warm_code(), silent=True, store_history=False)
            deadline = time.monotonic() + WARM_TIMEOUT
            while not self._closed and time.monotonic() < deadline:
                with contextlib.suppress(queue.Empty):
                    reply = client.get_shell_msg(timeout=0.5)
                    if reply.get("parent_header", {}).get("msg_id") == msg_id:
                        break
        except Exception:  # a kernel that is killed or slow is simply not warmed
            pass
        finally:
            with contextlib.suppress(Exception):
                client.stop_channels()
            self.warmed.set()

    def take(
        self,
        kernel_cmd: Sequence[str],
        env: dict[str, str] | None,
        cwd: str | os.PathLike[str] | None,
        connection_file: str,
    ) -> Taken | None:
        """This kernel, if it was started as the kernel for ``kernel_cmd`` would be.

        ``kernel_cmd`` names the caller's own connection file, and this kernel's command
        its own; every other argument, the environment and the working folder must be the
        same. A kernel is taken once; one that has ended is never handed over.
        """
        ours = _without(self.cmd, self._km.connection_file)
        theirs = _without(kernel_cmd, connection_file)
        where = os.fspath(cwd) if cwd is not None else None
        with self._lock:
            if self._taken or self._closed or self.process.poll() is not None:
                return None
            if ours != theirs or dict(env or {}) != self.env or where != self.cwd:
                return None
            self._taken = True
            # The report's manager owns the connection file now: this one must never delete
            # it (jupyter_client's managers delete their written file when collected).
            self._km._connection_file_written = False
        return Taken(self.process, self._km.connection_file, self._km.get_connection_info())

    @property
    def taken(self) -> bool:
        return self._taken

    def kill(self) -> None:
        """Kill the kernel now unless a report has taken it (interrupts). Safe to repeat."""
        with self._lock:
            self._closed = True
            if self._taken:
                return
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)  # it runs in its own session

    def close(self) -> None:
        """Kill the kernel unless taken, wait for it and remove its files."""
        self.kill()
        if self._taken:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        with contextlib.suppress(OSError):
            self._km.cleanup_connection_file()
        with contextlib.suppress(OSError):
            self._km.cleanup_ipc_files()


def _without(cmd: Sequence[str], connection_file: str) -> list[str]:
    """``cmd`` with its connection file's path (as jupyter_client writes it) replaced."""
    real = os.path.realpath(connection_file)
    return [arg.replace(real, "{connection_file}") for arg in cmd]


def start(kernel_name: str, cwd: str) -> EarlyKernel | None:
    """Start a kernel for ``kernel_name`` in ``cwd``, with this process's environment (as
    jupyter_client starts one); ``None``, and nothing started, on any problem, which leaves
    every kernel to start the usual way."""
    from collablib.build.interrupts import BuildInterrupted

    try:
        return EarlyKernel(kernel_name, cwd)
    except BuildInterrupted:  # SIGTERM: the command is stopping, not the kernel failing
        raise
    except Exception:
        return None
