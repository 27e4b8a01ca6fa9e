"""Kernel start-up that is safe when several reports build at once.

With the default TCP transport, jupyter_client picks five free ports and the
kernel binds them a moment later; two kernels starting together can pick the
same port and one fails with ZMQ's "Address already in use". The IPC
transport connects through Unix domain sockets named after the kernel's own
connection file, so concurrent kernels cannot collide at all, and no network
port is opened. :mod:`collablib.build` uses it where the platform supports it
(POSIX) and still retries start-up failures (timeouts, a kernel that dies
before replying) as a second line of defence.

The managers are asynchronous, as nbclient expects: it notices a kernel that
dies mid-notebook only while it awaits an asynchronous client. With a
blocking client the wait for a dead kernel's output never ended.
"""

from __future__ import annotations

import os
import uuid

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import default


class IPCKernelManager(AsyncKernelManager):
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
        runtime = jupyter_runtime_dir()
        os.makedirs(runtime, exist_ok=True)
        return os.path.join(runtime, f"collab-{uuid.uuid4().hex[:16]}-ipc")


def kernel_manager_class() -> type[AsyncKernelManager]:
    """IPC on POSIX systems; the default TCP manager elsewhere (Windows has no IPC transport)."""
    return IPCKernelManager if os.name == "posix" else AsyncKernelManager
