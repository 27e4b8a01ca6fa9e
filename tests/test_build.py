"""Tests for collablib.build.render: kernel start-up on private sockets and its retry rule."""

from pathlib import Path

import pytest

from collablib.build.kernels import IPCKernelManager, kernel_manager_class
from tests.conftest import assert_no_ipython_history, tiny_ipython_dir


def test_kernels_use_unix_sockets_with_their_own_paths():
    assert kernel_manager_class() is IPCKernelManager
    one, two = IPCKernelManager(), IPCKernelManager()
    assert one.transport == "ipc"
    assert one.ip != two.ip and Path(one.ip).is_absolute()


def test_transient_kernel_errors_are_retried_but_cell_errors_are_not():
    from papermill.exceptions import PapermillExecutionError

    from collablib.build.render import is_transient_kernel_error

    assert is_transient_kernel_error(RuntimeError("Kernel died before replying to kernel_info"))
    assert is_transient_kernel_error(TimeoutError("Kernel didn't respond in 60 seconds"))

    class ZMQError(Exception):
        pass

    assert is_transient_kernel_error(ZMQError("Address already in use"))
    cell = PapermillExecutionError(3, 3, "x = f()", "ValueError", "bad", [])
    assert not is_transient_kernel_error(cell)
    assert not is_transient_kernel_error(ValueError("bad data"))


def test_a_kernel_that_dies_or_times_out_mid_notebook_is_not_retried():
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from collablib.build.render import is_transient_kernel_error

    assert not is_transient_kernel_error(DeadKernelError("Kernel died"))
    timed_out = CellTimeoutError("A cell timed out while it was being executed, after 600 seconds.")
    assert not is_transient_kernel_error(timed_out)


def test_kernels_are_asynchronous_so_a_dead_kernel_is_noticed():
    """nbclient watches for a dead kernel only while it awaits an asynchronous client.

    A blocking client's wait for output holds the event loop, so a kernel that
    died in a cell was never noticed and the build waited for ever.
    """
    from jupyter_client.manager import AsyncKernelManager

    assert issubclass(kernel_manager_class(), AsyncKernelManager)


def test_execute_notebook_retries_a_kernel_start_failure_then_succeeds(monkeypatch, tmp_path):
    import papermill

    from collablib.build import render as build

    calls: list[str] = []

    def flaky(notebook, output, **kwargs):
        calls.append(output)
        if len(calls) == 1:
            raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    monkeypatch.setattr(build.time, "sleep", lambda seconds: None)
    used, _ = build.execute_notebook(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {})
    assert used == 2 and len(calls) == 2


def test_execute_notebook_never_retries_an_error_in_the_notebook(monkeypatch, tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from collablib.build import render as build

    calls: list[str] = []

    def failing(notebook, output, **kwargs):
        calls.append(output)
        raise PapermillExecutionError(3, 3, "x = f()", "ValueError", "bad", [])

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    monkeypatch.setattr(build.time, "sleep", lambda seconds: None)
    with pytest.raises(PapermillExecutionError) as raised:
        build.execute_notebook(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {})
    assert len(calls) == 1 and raised.value.attempts == 1


def test_execute_notebook_gives_up_after_the_last_attempt(monkeypatch, tmp_path):
    import papermill

    from collablib.build import render as build

    calls: list[str] = []

    def never_starts(notebook, output, **kwargs):
        calls.append(output)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", never_starts)
    monkeypatch.setattr(build.time, "sleep", lambda seconds: None)
    with pytest.raises(RuntimeError, match="Kernel died") as raised:
        build.execute_notebook(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {}, attempts=3)
    assert len(calls) == 3 and raised.value.attempts == 3


def test_kernel_files_are_named_after_the_collab_process_that_owns_them():
    """So that a later run can delete the key files of kernels whose collab process was killed."""
    import os

    from collablib.build.kernels import TrackedKernelManager, runtime_dir

    for manager in (IPCKernelManager(), TrackedKernelManager()):
        connection = Path(manager.connection_file)
        assert connection.parent == runtime_dir()
        assert connection.name.startswith(f"collab-{os.getpid()}-")
    assert Path(IPCKernelManager().ip).name.startswith(f"collab-{os.getpid()}-")


def test_a_kernel_is_ipythons_by_its_command_not_by_its_name(tmp_path):
    """So that nbclient keeps a report kernel's input history in memory, as it does for a
    kernel named ``python3``: the ``collab`` kernel runs ``ipykernel_launcher`` too."""
    import json
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    specs = tmp_path / "kernels"
    commands = {
        "renamed": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        # told by its command: its spec says "python" as its language, yet it is not IPython
        "other": ["Rscript", "--vanilla", "-e", "IRkernel::main()", "{connection_file}"],
    }
    for name, argv in commands.items():
        (specs / name).mkdir(parents=True)
        spec = {"argv": argv, "display_name": name, "language": "python"}
        (specs / name / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    found = KernelSpecManager(kernel_dirs=[str(specs)])

    def ipykernel(name: str) -> bool:
        return IPCKernelManager(kernel_name=name, kernel_spec_manager=found).ipykernel

    assert ipykernel("renamed") and ipykernel("python3")  # the second by its name alone
    assert not ipykernel("other") and not ipykernel("missing")
    assert IPCKernelManager(kernel_name="collab").ipykernel  # the kernel make installs


def test_report_kernels_keep_their_input_history_in_memory(tiny_built):
    """No report kernel writes the cells it runs (the injected parameters among them) to the
    user's IPython history database, which every kernel of a parallel build would share.
    The tiny project's build (its kernels forked from the fork server, or started anew if it
    cannot start) ran them with an IPython folder of their own; the forced rebuild in new
    kernels (test_earlykernel.py) checks the early kernel and kernels started anew."""
    root, _, _, _ = tiny_built
    assert_no_ipython_history(tiny_ipython_dir(root))


def test_the_kernel_may_read_only_what_the_build_recorded(tmp_path):
    from collablib.build.render import check_inputs_read
    from collablib.data.inputs import ABSENT

    data = tmp_path / "data"
    survey, notice, extra = (str(data / n) for n in ("survey.csv", "NOTICE.txt", "../other.csv"))
    expected = {survey: "a" * 64, notice: ABSENT, extra: "b" * 64}
    recorded = {survey}
    same = {"hashes": {survey: "a" * 64, notice: ABSENT}, "changed": []}
    assert check_inputs_read(same, expected, recorded, data) is None
    edited = {"hashes": {survey: "c" * 64}, "changed": []}
    assert "changed while the report was being built" in check_inputs_read(
        edited, expected, recorded, data
    )
    appeared = {"hashes": {notice: "d" * 64}, "changed": []}
    assert "appeared while" in check_inputs_read(appeared, expected, recorded, data)
    outside = {"hashes": {extra: "b" * 64}, "changed": []}
    assert "not among the inputs" in check_inputs_read(outside, expected, recorded, data)
