"""The fork server process itself (see :mod:`collablib.build.forkserver`, which starts it).

``python -m collablib.build.zygote <socket fd> <tag>`` imports
:data:`~collablib.build.forkserver.PRELOAD`, then, for each request read from the socket,
forks a child that becomes a report kernel (:func:`_become_kernel`) and sends back its pid
and a pidfd, or, for a ``warm`` request, reads a data folder's CPES extract for the kernels
it forks next (:func:`_warm`) and sends nothing back. It reaps its children as they end,
and exits when the socket closes: when ``collab`` closes it or dies.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence

from collablib.build.forkserver import LAUNCHER, MAX_MESSAGE, PRELOAD
from collablib.build.importing import preload

__all__ = ["main"]


def _reap(signum: int, frame: object) -> None:
    """Collect every kernel that has ended, so none is left a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_kernel(request: dict, sock: socket.socket) -> None:
    """In the forked child: take the kernel's place and run ipykernel; never returns."""
    code = 1
    try:
        sock.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        os.setsid()
        server = int(os.environ["JPY_PARENT_PID"])
        with contextlib.suppress(Exception):  # die with the server, however it ends
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != server:  # the server ended before that took effect
            os._exit(1)
        numpy = sys.modules.get("numpy")
        if numpy is not None:  # as a new process would, seed numpy's global generator afresh
            numpy.random.seed()
        # stdin at end of file, as jupyter_client gives a kernel (a pipe it closes at once)
        read_end, write_end = os.pipe()
        os.close(write_end)
        os.dup2(read_end, 0)
        os.close(read_end)
        os.chdir(request["cwd"])
        env = dict(request["env"])
        env["JPY_PARENT_PID"] = str(server)  # the server: its parent
        os.environ.clear()
        os.environ.update(env)
        import runpy

        sys.argv = [LAUNCHER, *request["args"]]
        runpy.run_module(LAUNCHER, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _warm(request: dict) -> None:
    """Read a data folder's CPES extract once, here, for the kernels forked after it.

    Parsing and checking the national extract takes about 0.9 s of CPU, and every report's
    kernel does it. Read here as a kernel would (from the kernel's working folder, by the
    same relative name), it is remembered by :func:`collablib.data.cpes.load_cpes`
    (:func:`collablib.data.inputs.remembered`), and each kernel forked afterwards inherits
    that memory. A kernel still reads every file the extract came from, and uses what it
    inherited only if each is byte for byte as it was here; otherwise it parses the files
    itself. Any problem is left for the kernel to meet and report: nothing is said here, and
    a read that printed or warned is not kept, so the kernel reads and shows it itself.
    What this process read is then forgotten, so a kernel's record of its inputs holds only
    what the kernel itself read.
    """
    import io
    import warnings

    from collablib.data.cpes import load_cpes
    from collablib.data.inputs import INPUT_LOG

    here = None
    try:
        here = os.getcwd()  # inside the try: the folder may have been deleted
        os.chdir(request["cwd"])
        with (
            contextlib.redirect_stdout(io.StringIO()) as out,
            contextlib.redirect_stderr(io.StringIO()) as err,
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            load_cpes(request["data_dir"])
        if caught or out.getvalue() or err.getvalue():
            load_cpes.cache_clear()  # a kernel shows what reading says: it reads for itself
    except Exception:
        pass
    finally:
        if here is not None:
            with contextlib.suppress(OSError):
                os.chdir(here)
        INPUT_LOG.clear()
        gc.collect()
        gc.freeze()  # as after the imports: kept for every kernel, not walked by theirs


def main(argv: Sequence[str] | None = None) -> None:
    """Serve kernel launches on the socket whose descriptor is ``argv[0]`` until it closes."""
    argv = list(sys.argv[1:] if argv is None else argv)
    sock = socket.socket(fileno=int(argv[0]))
    # Started with the kernel's environment (PYTHONSAFEPATH keeps the working folder off
    # sys.path, as for the kernel), but the parent a kernel watches is this process: some
    # modules read that when imported (ipykernel's IPKernelApp.parent_handle).
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    preload(PRELOAD)  # imported with the collector paused, then frozen for every kernel
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        try:
            message = sock.recv(MAX_MESSAGE)
        except OSError:
            break
        if not message:
            break  # collab closed its end, or died
        request = json.loads(message)
        if "warm" in request:  # no answer: collab does not wait for it
            _warm(request["warm"])
            continue
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        try:
            pid = os.fork()
            if pid == 0:
                _become_kernel(request, sock)
            pidfd = os.pidfd_open(pid)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        try:
            socket.send_fds(sock, [json.dumps({"pid": pid}).encode("utf-8")], [pidfd])
        except OSError:
            os.kill(pid, signal.SIGKILL)
            break
        finally:
            os.close(pidfd)


if __name__ == "__main__":
    main()
