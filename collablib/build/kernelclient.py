"""The client a build talks to its report kernels through: ready as soon as the kernel is.

Before the first cell runs, nbclient waits for the kernel (``wait_for_ready``). Two things
must be known: the kernel answers on its shell channel (``kernel_info``), and this client's
IOPub subscription is live, since a ZeroMQ subscriber that is not yet connected silently
misses messages, and with them a cell's output. jupyter_client's client checks both, then
waits until IOPub has been silent for 0.2 s before it returns. That last wait protects
nothing nbclient relies on (nbclient takes only the messages that answer its own requests,
by their parent id), and it is idle time for every report: a test run starts about a
hundred kernels one after another on each worker.

:class:`ReadyKernelClient` makes the same two checks, in the same order, and then takes only
what IOPub already holds. (jupyter_client also waits for heartbeats first when a client has no
kernel manager; a build's clients always have one.) Everything else is jupyter_client's
asynchronous client.
"""

from __future__ import annotations

import math
import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient

__all__ = ["READY_POLL", "ReadyKernelClient"]

#: Seconds to wait for each answer while the kernel starts: a kernel_info reply on the shell
#: channel, then the first IOPub message, which shows that the subscription is connected.
READY_POLL = (1.0, 0.2)


class ReadyKernelClient(AsyncKernelClient):
    """jupyter_client's asynchronous client, without the idle wait at the end of start-up."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        """Return once the kernel has answered ``kernel_info`` and an IOPub message arrived.

        Raises ``RuntimeError`` if the kernel dies first or does not answer within
        ``timeout`` seconds (no limit when ``None``), as jupyter_client's client does.
        """
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        shell_wait, iopub_wait = READY_POLL
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=shell_wait)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # the kernel's busy/idle status for that request: IOPub is connected
                    await self.iopub_channel.get_msg(timeout=iopub_wait)
                except Empty:
                    pass  # not connected yet: ask again
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
        while True:  # what has already arrived, without waiting for more
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                return
