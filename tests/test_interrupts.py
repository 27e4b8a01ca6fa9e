"""A stopped build says one line: the kernel libraries' noise about killed kernels is silenced."""

from __future__ import annotations

import logging

import pytest

from collablib.build.interrupts import KERNEL_CLIENT_LOGGERS, quiet_kernel_clients


@pytest.fixture
def restore_levels():
    names = [*KERNEL_CLIENT_LOGGERS, "collablib"]
    saved = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_after_a_stop_the_kernel_clients_log_nothing_and_collab_still_does(caplog, restore_levels):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("tornado.application").error("before the stop")
    quiet_kernel_clients()
    logging.getLogger("tornado.application").error("Exception in callback: socket closed")
    logging.getLogger("asyncio").error("Task exception was never retrieved")
    logging.getLogger("zmq.eventloop.zmqstream").error("Uncaught exception in ZMQStream")
    logging.getLogger("collablib.build").error("collab's own message")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["before the stop", "collab's own message"]


def test_killing_a_builds_kernels_silences_the_kernel_clients_first(caplog, restore_levels):
    """Every stop path kills kernels through KernelRun.kill_all, so the quieting lives there."""
    import threading

    from collablib.build.kernels import KernelRun

    caplog.set_level(logging.DEBUG)
    assert KernelRun(threading.Event()).kill_all() == 0
    logging.getLogger("tornado.application").error("Exception in callback")
    assert caplog.records == []
