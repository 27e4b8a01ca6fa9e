"""The fork server: kernels forked from one warmed process behave as kernels started anew.

That forked and new kernels give the same pages byte for byte is checked on the full
report by ``test_earlykernel.py::test_a_forced_rebuild_in_new_kernels_the_first_started_early_
gives_the_same_bytes`` (the shared demo build forks; its rebuild there starts new processes).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from collablib.build import forkserver
from collablib.build.pipeline import build_reports
from tests.conftest import DEMO_DATA
from tests.test_faults import Gate, _collab, _processes_mentioning

pytestmark = pytest.mark.skipif(not forkserver.available(), reason="needs Linux pidfds")

#: The tag of the test's own fork servers: unique to this process, since pytest-xdist runs
#: tests of this file and test_earlykernel.py at the same time, each looking for its own.
TEST_FORKS = f"collab-test{os.getpid()}-forks"


def _stat(pid: int) -> tuple[int, int, int]:
    """(parent pid, process group, session) of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[2]), int(fields[3])


def _run_in_kernel(connection_file: Path, code: str) -> str:
    """What ``code`` prints when run in the kernel listening on ``connection_file``."""
    from jupyter_client import BlockingKernelClient

    assert _wait_until(connection_file.exists)
    client = BlockingKernelClient(connection_file=str(connection_file))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=30)
        printed: list[str] = []
        reply = client.execute_interactive(
            code,
            timeout=30,
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(printed)
    finally:
        client.stop_channels()


def _wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_forked_kernel_is_the_servers_child_in_its_own_session_and_can_be_killed(tmp_path):
    forks = forkserver.KernelForks(TEST_FORKS)
    try:
        assert forks.launch(["R", "--slave"], dict(os.environ), tmp_path) is None  # not ipykernel
        cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "kernel.json")]
        kernel = forks.launch(cmd, {**os.environ, "PYTHONSAFEPATH": "1", "X_TEST": "1"}, tmp_path)
        assert kernel is not None and forks.launched == 1
        assert kernel.poll() is None
        (server,) = forks.server_pids()
        assert _wait_until(lambda: _stat(kernel.pid)[1] == kernel.pid)  # setsid done
        parent, group, session = _stat(kernel.pid)
        assert parent == server and group == session == kernel.pid
        # it answers as a kernel, with the environment and import path it was given
        said = _run_in_kernel(
            tmp_path / "kernel.json",
            "import gc, os, sys; print(os.environ['X_TEST'], os.environ['JPY_PARENT_PID'],"
            " sys.flags.safe_path, os.getcwd() in sys.path, 'pandas' in sys.modules,"
            " gc.isenabled(), gc.get_freeze_count() > 0)",
        )
        # ... and the collector on, the server's imports frozen (collablib.build.importing)
        assert said.split() == ["1", str(server), "True", "False", "True", "True", "True"]
        assert os.readlink(f"/proc/{kernel.pid}/cwd") == str(tmp_path)  # (set before it ran)
        # its command line names the server, so a search for a build's processes finds it
        assert TEST_FORKS.encode() in Path(f"/proc/{kernel.pid}/cmdline").read_bytes()
        with pytest.raises(subprocess.TimeoutExpired):
            kernel.wait(timeout=0.2)
        kernel.kill()
        assert kernel.wait(timeout=10) == -signal.SIGKILL
        assert _wait_until(lambda: not Path(f"/proc/{kernel.pid}").exists())  # reaped: no zombie
    finally:
        forks.close()
    assert not forks.usable
    assert _processes_mentioning(TEST_FORKS) == []
    assert forks.launch(cmd, dict(os.environ), tmp_path) is None  # closed: start the usual way


#: Run in a kernel: what it inherited of its inputs, how ``load_cpes("data")`` got its result
#: (parsed or remembered), whether that result and the kernel's record of what it read equal
#: a parse of the files as they are now and what that parse reads, and that nothing changed.
CPES_PROBE = """
from collablib.data.cpes import load_cpes
from collablib.data.inputs import INPUT_LOG, recording
inherited, before = len(INPUT_LOG.hashes), dict(load_cpes.stats)
got = load_cpes("data")
read = dict(INPUT_LOG.hashes)
runs, remembered = (load_cpes.stats[k] - before[k] for k in ("runs", "remembered"))
with recording() as log:
    fresh = load_cpes.__wrapped__("data")
same = all(getattr(got, f).equals(getattr(fresh, f))
           for f in ("results", "questions", "years", "breakdowns", "successors"))
same = same and all(getattr(got, f) == getattr(fresh, f) for f in ("files", "listing", "warnings"))
print(inherited, runs, remembered, same, read == log.hashes and not INPUT_LOG.changed)
"""


def test_kernels_forked_after_a_warm_up_take_its_cpes_extract_only_while_its_files_are_unchanged(
    tmp_path,
):
    """The server reads the CPES extract once for a build (``planned`` with the data folder);
    a kernel forked afterwards starts with no inherited reads, records exactly what a parse
    reads, gets what a parse gives, and parses again when a file changed after the server
    read it."""
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA, data)
    interpreter = forkserver._interpreter("collab")
    assert interpreter is not None
    env = {**os.environ, "PYTHONSAFEPATH": "1"}
    forks = forkserver.KernelForks(TEST_FORKS)

    def kernel_says(name: str) -> list[str]:
        connection = tmp_path / f"{name}.json"
        cmd = [*interpreter, "-m", "ipykernel_launcher", "-f", str(connection)]
        kernel = forks.launch(cmd, env, data.parent)
        assert kernel is not None
        try:
            return _run_in_kernel(connection, CPES_PROBE).split()
        finally:
            kernel.kill()
            kernel.wait(timeout=10)

    try:
        forks.planned(2, "collab", env, data_dir=data)
        assert len(forks.server_pids()) == 1
        # no reads inherited; the extract remembered (not parsed), equal to a parse of the files
        assert kernel_says("first") == ["0", "0", "1", "True", "True"]
        # a file edited after the server read it: the kernel parses the files as they are now
        results = sorted((data / "cpes").glob("*.csv"))[0]
        results.write_bytes(results.read_bytes() + b"\n")
        assert kernel_says("edited") == ["0", "1", "0", "True", "True"]
    finally:
        forks.close()
    assert _processes_mentioning(TEST_FORKS) == []


def test_a_build_forks_its_kernels_in_the_kernels_folder_with_the_kernels_environment(
    tiny, tmp_path, monkeypatch
):
    data, out, notebook = tiny
    gate = Gate(tmp_path / "gate")
    monkeypatch.setenv("COLLAB_TEST_GATE", str(gate.folder))
    result = {}

    def build() -> None:
        result["summary"] = build_reports(
            ["alpha"], data_dir=data, output_dir=out, notebook=notebook, jobs=1, force=True
        )

    thread = threading.Thread(target=build)
    thread.start()
    try:
        gate.wait_ready("alpha")
        tag = f"collab-{os.getpid()}-forks"
        found = _processes_mentioning(tag)
        servers = [p for p in found if _stat(p)[0] == os.getpid()]  # one per kernel interpreter
        kernels = [p for p in found if p not in servers]
        assert len(kernels) == 1, found
        (kernel,) = kernels
        assert _stat(kernel)[0] in servers
        # (it reached the gate, so it read COLLAB_TEST_GATE from the environment it was given)
        assert os.readlink(f"/proc/{kernel}/cwd") == str(data.parent)
    finally:
        gate.release("alpha")
        thread.join(timeout=120)
    summary = result["summary"]
    assert summary.exit_code == 0 and summary.with_status("built"), summary.text()
    # the kernel has ended and been collected; the server waits for the next build
    assert _wait_until(lambda: not Path(f"/proc/{kernel}").exists())


def test_a_build_whose_fork_server_cannot_start_starts_its_kernels_the_usual_way(tiny, monkeypatch):
    data, out, notebook = tiny
    forkserver.close_shared()

    def cannot_start(self, interpreter, env, tag):
        raise OSError("no fork server today")

    monkeypatch.setattr(forkserver._Server, "__init__", cannot_start)
    summary = build_reports(
        ["alpha", "beta"], data_dir=data, output_dir=out, notebook=notebook, jobs=2, force=True
    )
    assert summary.exit_code == 0, summary.text()
    assert [r.status for r in summary.results] == ["built", "built"]
    assert forkserver._shared is not None and forkserver._shared.launched == 0  # none forked
    forkserver.close_shared()


def test_a_new_server_serves_changed_code_and_replaces_a_stopped_one():
    forkserver.close_shared()
    try:
        first = forkserver.shared("code-a")
        assert forkserver.shared("code-a") is first
        second = forkserver.shared("code-b")  # collablib or the lock file changed
        assert second is not first and not first.usable
        second.kill()  # an interrupted build stops its server
        third = forkserver.shared("code-b")
        assert third is not second and third.usable
    finally:
        forkserver.close_shared()


@pytest.mark.parametrize("early", [False, True], ids=["server first", "early kernel first"])
def test_killing_collab_takes_its_fork_server_and_forked_kernels_with_it(tiny, tmp_path, early):
    data, out, notebook = tiny
    gate = Gate(tmp_path / "gate")
    proc = _collab(data, out, notebook, gate.folder, "--force", "-j", "2", early=early)
    try:
        gate.wait_ready("alpha")
        gate.wait_ready("beta")
        tag = f"collab-{proc.pid}-"
        forked = _processes_mentioning(f"{tag}forks")
        if early:  # the server, started for the second kernel, and that kernel
            assert len(forked) == 2
            (first,) = [p for p in _processes_mentioning(tag) if p not in forked]
            assert _stat(first)[0] == proc.pid  # the early kernel (earlykernel): collab's child
        else:
            assert len(forked) == 3  # the server and two kernels
        proc.kill()  # SIGKILL: collab can clean nothing up
        proc.wait(timeout=30)
        # the server reads end-of-file and exits; every kernel sees its parent go
        assert _wait_until(lambda: _processes_mentioning(tag) == [], timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        gate.release("alpha", "beta", "gamma")


def test_fresh_kernels_start_as_new_processes_of_collab(tiny, tmp_path):
    data, out, notebook = tiny
    gate = Gate(tmp_path / "gate")
    proc = _collab(
        data, out, notebook, gate.folder, "--force", "--fresh-kernels", "--cohort", "alpha"
    )
    try:
        gate.wait_ready("alpha")
        kernels = _processes_mentioning(f"collab-{proc.pid}-")
        assert len(kernels) == 1 and _stat(kernels[0])[0] == proc.pid  # collab's own child
        assert _processes_mentioning(f"collab-{proc.pid}-forks") == []  # no fork server
        gate.release("alpha")
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "1 built" in stdout
