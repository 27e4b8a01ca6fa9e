"""The first kernel of ``collab reports``, started before validation and taken by the first report.

That it is started early, taken only when it is the kernel a report would start, left with
no trace of its silent imports, used by the CLI's first report (also with ``--fresh-kernels``,
pages byte-identical to forked kernels'), taken down with a killed ``collab``
(test_forkserver.py's kill test), and stopped, with its files, when no report takes it.
The rest of the suite runs with it off (``COLLAB_EARLY_KERNEL=0``, tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from collablib.build import earlykernel, forkserver
from collablib.build.kernels import kernel_manager_class, runtime_dir
from tests.conftest import DEMO_DATA, assert_no_ipython_history, read_rows, write_rows
from tests.test_faults import Gate, _collab, _processes_mentioning
from tests.test_forkserver import TEST_FORKS, _stat, _wait_until

pytestmark = pytest.mark.skipif(not forkserver.available(), reason="needs Linux pidfds")


def _started_by(parent: int) -> dict[int, bytes]:
    """The processes ``collab`` (pid ``parent``) started for its build, by pid: its kernels
    and fork server, whose command lines name its files. (A kernel's own short-lived child,
    such as a library looking up a shared library, shows the kernel's command line until it
    runs its program; it is the kernel's child, not collab's, so it is not counted. One that
    ended between the two reads, a zombie with an empty command line, is left for a later look
    or an earlier one: callers merge what they see.)"""
    found = {}
    for pid in _processes_mentioning(f"collab-{parent}-"):
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if cmdline and _stat(pid)[0] == parent:
                found[pid] = cmdline
    return found


def _kernel_start(kernel_name: str, cwd: Path) -> tuple[list[str], dict, str]:
    """(command, environment, connection file) of a report kernel's start, as nbclient asks."""
    km = kernel_manager_class()(kernel_name=kernel_name)
    extra = list(earlykernel.EXTRA_ARGUMENTS) if km.ipykernel else []
    start = km._async_pre_start_kernel(cwd=str(cwd), extra_arguments=extra)
    with ThreadPoolExecutor(1) as pool:  # this thread may be inside Playwright's event loop
        cmd, kw = pool.submit(asyncio.run, start).result()
    km.cleanup_connection_file()
    return cmd, kw["env"], km.connection_file


def test_the_early_kernel_is_taken_once_and_only_by_the_same_kernel_start(tmp_path):
    early = earlykernel.start("python3", str(tmp_path))
    assert early is not None
    try:
        cmd, env, connection_file = _kernel_start("python3", tmp_path)
        other_cmd, _, other_file = _kernel_start("collab", tmp_path)  # -Xfrozen_modules=off
        assert early.take(other_cmd, env, str(tmp_path), other_file) is None
        assert early.take(cmd, {**env, "X_OTHER": "1"}, str(tmp_path), connection_file) is None
        assert early.take(cmd, env, str(tmp_path.parent), connection_file) is None
        assert early.warmed.wait(120)  # (its silent imports are done)
        taken = early.take(cmd, env, str(tmp_path), connection_file)
        assert taken is not None and taken.process is early.process and early.taken
        assert early.take(cmd, env, str(tmp_path), connection_file) is None  # once only
        early.kill()  # taken: the report's to stop, not the early kernel's
        assert taken.process.poll() is None
        # what a report's first cell finds: the imports done, no trace of them, and its
        # execution counted as the kernel's first (the silent imports were not counted)
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient(connection_file=taken.connection_file)
        client.load_connection_file()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=30)
            printed: list[str] = []
            reply = client.execute_interactive(
                "import gc, sys; print('collablib.analysis' in sys.modules,"
                " [n for n in globals() if 'warm' in n], gc.isenabled(),"
                " gc.get_freeze_count() > 0)",
                timeout=30,
                output_hook=lambda m: printed.append(m["content"].get("text", "")),
            )
        finally:
            client.stop_channels()
        assert reply["content"]["status"] == "ok", reply["content"]
        # (and the collector on, what the imports made frozen: collablib.build.importing)
        assert "".join(printed).split() == ["True", "[]", "True", "True"]
        assert reply["content"]["execution_count"] == 1
    finally:
        early.process.kill()
        early.process.wait(timeout=10)
        Path(early._km.connection_file).unlink(missing_ok=True)
        for socket_file in runtime_dir().glob(f"{Path(early._km.ip).name}-*"):
            socket_file.unlink()


def test_an_early_kernel_no_report_takes_is_stopped_with_its_files(tmp_path):
    forks = forkserver.KernelForks(TEST_FORKS)
    try:
        forks.start_early("python3", str(tmp_path))
        early = forks.early
        assert early is not None
        pid, connection_file = early.pid, early._km.connection_file
        assert Path(connection_file).exists() and Path(connection_file).parent == runtime_dir()
        forks.stop_early()  # the end of a build that did not use it
        assert forks.early is None and early.process.poll() is not None
        assert not Path(connection_file).exists()
        assert not list(runtime_dir().glob(f"{Path(early._km.ip).name}-*"))  # its sockets
        assert _wait_until(lambda: not Path(f"/proc/{pid}").exists())
        cmd, env, other = _kernel_start("python3", tmp_path)
        assert early.take(cmd, env, str(tmp_path), other) is None  # stopped: never handed over
        # a process whose fork server for that kernel runs already forks it instead
        forks.prestart("python3", forkserver.kernel_environment())
        forks.start_early("python3", str(tmp_path))
        assert forks.early is None
    finally:
        forks.close()
    assert _processes_mentioning(TEST_FORKS) == []


@pytest.mark.parametrize("fresh", [[], ["--fresh-kernels"]], ids=["forked", "fresh"])
def test_collab_reports_runs_its_first_report_in_the_kernel_it_started_first(tiny, tmp_path, fresh):
    data, out, notebook = tiny
    gate = Gate(tmp_path / "gate")
    args = ("--force", "--cohort", "alpha", *fresh)
    proc = _collab(data, out, notebook, gate.folder, *args, early=True)
    try:
        gate.wait_ready("alpha")
        # the report's kernel is the one kernel collab started, its own child; a report of
        # one needs no fork server, and no other kernel was started beside it
        kernels = _processes_mentioning(f"collab-{proc.pid}-")
        assert len(kernels) == 1 and _stat(kernels[0])[0] == proc.pid
        cmdline = Path(f"/proc/{kernels[0]}/cmdline").read_bytes()
        assert b"ipykernel_launcher" in cmdline and f"collab-{proc.pid}-early-".encode() in cmdline
        assert os.readlink(f"/proc/{kernels[0]}/cwd") == str(data.parent)
        gate.release("alpha")
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "1 built" in stdout
    assert _processes_mentioning(f"collab-{proc.pid}-") == []
    assert list(runtime_dir().glob(f"collab-{proc.pid}-*")) == []


def test_a_build_whose_cohorts_all_fail_validation_stops_the_early_kernel(tiny, tmp_path):
    data, out, notebook = tiny
    survey = data / "raw" / "alpha" / "final_survey.csv"
    rows = read_rows(survey)
    write_rows(survey, [{**rows[0], "team_working": "7"}, *rows[1:]])
    proc = _collab(
        data, out, notebook, tmp_path / "no-gate", "--force", "--cohort", "alpha", early=True
    )
    seen: dict[int, bytes] = {}
    while proc.poll() is None:  # the kernel lives from about 0.2 s until validation fails
        seen.update(_started_by(proc.pid))
        time.sleep(0.01)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2, stdout + stderr
    assert "final_survey.csv" in stderr and "Traceback" not in stderr
    # the early kernel, and no fork server: nothing was to be built
    assert len(seen) == 1, seen
    (cmdline,) = seen.values()
    assert f"collab-{proc.pid}-early-".encode() in cmdline
    assert _wait_until(lambda: _processes_mentioning(f"collab-{proc.pid}-") == [])
    assert list(runtime_dir().glob(f"collab-{proc.pid}-*")) == []


def test_a_forced_rebuild_in_new_kernels_the_first_started_early_gives_the_same_bytes(
    built, tmp_path
):
    """The real notebook, charts and all, is byte-reproducible whichever way its kernel starts.

    The shared demo build forked its kernels from the fork server. This rebuild (``collab
    reports --force --fresh-kernels`` of the two 2020/21 cohorts) starts them as new
    processes: the first report's is the kernel collab started before validating, with its
    silent imports (the early kernel), and the other cohort's and the programme year's are
    started the usual way. Every page, index included, is the same.
    """
    previous, _ = built
    out = tmp_path / "reports"
    shutil.copytree(previous, out)
    before = {p.name: p.read_bytes() for p in sorted(out.glob("*.html"))}
    command = [
        str(Path(sys.executable).with_name("collab")),
        *("--data-dir", str(DEMO_DATA), "reports", "--output-dir", str(out)),
        *("--cohort", "cohort-2", "--cohort", "rare-cancers"),
        *("--force", "--fresh-kernels", "-j", "1"),
    ]
    with (tmp_path / "out.txt").open("w") as stdout, (tmp_path / "err.txt").open("w") as stderr:
        ipython = tmp_path / "ipython"  # the kernels' IPython folder, checked below
        env = {**os.environ, "COLLAB_EARLY_KERNEL": "1", "IPYTHONDIR": str(ipython)}
        proc = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env)
        kernels: dict[int, bytes] = {}  # pid: command line
        try:
            while proc.poll() is None:
                kernels.update(_started_by(proc.pid))
                time.sleep(0.1)
        finally:
            if proc.poll() is None:
                proc.kill()
    done_out, done_err = (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()
    assert proc.returncode == 0, done_err
    assert "cohort-2: built" in done_err and "rare-cancers: built" in done_err
    assert "3 built" in done_out
    # three kernels, all collab's own children, and no fork server (so none forked): the
    # early kernel, taken by the first report (had it not been, a fourth would have started),
    # and the other cohort's and the programme year's, started the usual way
    assert len(kernels) == 3, kernels
    assert all(b"ipykernel_launcher" in cmdline for cmdline in kernels.values())
    assert sum(f"collab-{proc.pid}-early-".encode() in c for c in kernels.values()) == 1
    after = {p.name: p.read_bytes() for p in sorted(out.glob("*.html"))}
    assert after.keys() == before.keys()
    assert [name for name in after if after[name] != before[name]] == []  # index included
    # none of the three kept its input history on disk (the injected parameters included)
    assert_no_ipython_history(ipython)
