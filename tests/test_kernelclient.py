"""The build's kernel client: ready once the kernel answers and IOPub is connected, no later;
and, like jupyter_client's, it says so when the kernel dies or does not answer."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal

import pytest

from collablib.build.kernelclient import ReadyKernelClient
from collablib.build.kernels import kernel_manager_class


async def _printed(client: ReadyKernelClient, code: str) -> str:
    texts: list[str] = []

    def keep(msg: dict) -> None:
        if msg["msg_type"] == "stream":
            texts.append(msg["content"]["text"])

    reply = await client.execute_interactive(code, output_hook=keep, timeout=30)
    assert reply["content"]["status"] == "ok"
    return "".join(texts)


async def _refused(manager, message: str, timeout: float) -> None:
    """A new client of ``manager`` fails to get ready, saying ``message``."""
    client = manager.client()
    client.start_channels()
    try:
        with pytest.raises(RuntimeError, match=message):
            await client.wait_for_ready(timeout=timeout)
    finally:
        client.stop_channels()


def test_the_first_output_arrives_and_a_stopped_or_dead_kernel_is_reported():
    async def scenario() -> None:
        manager = kernel_manager_class()(kernel_name="collab")
        await manager.start_kernel()
        try:
            client = manager.client()
            assert isinstance(client, ReadyKernelClient)  # what nbclient gets from a build
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            # nothing the first cell prints is lost: IOPub was connected before it ran
            assert await _printed(client, "print('first')") == "first\n"
            client.stop_channels()

            pid = manager.provisioner.process.pid
            os.kill(pid, signal.SIGSTOP)  # alive, but answers nothing
            try:
                await _refused(manager, "didn't respond in 1 seconds", timeout=1)
            finally:
                os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGKILL)  # dies, as a kernel can while it starts
            await _refused(manager, "died before replying", timeout=10)
        finally:
            if await manager.is_alive():
                await manager.shutdown_kernel(now=True)

    # in a thread of its own: this worker's thread may already run an event loop (Playwright's)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
