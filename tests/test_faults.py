"""Trust under faults: edits during a build, kills, interrupts, full or read-only disks, a second
build, damaged build state, and bad input in one cohort.

Most tests use the tiny project (``tests/conftest.py``): three small cohorts built with a notebook
that reads, validates and records provenance exactly as the report does but draws no charts, so a
kernel run takes seconds. The invariant behind all of them: a report that collab calls up to date
has a Provenance section matching the inputs on disk, byte for byte, and no failure changes a
report it did not mean to change.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import html
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from collablib.build import fileio, kernels
from collablib.build import state as buildstate
from collablib.build.descriptions import DESCRIPTIONS
from collablib.build.lock import BuildLock
from collablib.cli import main
from collablib.data.registry import load_registry
from collablib.errors import describe_os_error
from tests.conftest import read_rows, reports_args, write_rows
from tests.htmltools import provenance_matches_disk, table_by_caption

TINY = ["alpha", "beta", "gamma"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(out: Path) -> dict[str, str]:
    """SHA-256 of every cohort report (the index, rebuilt on every run, is left out)."""
    return {p.name: sha(p) for p in sorted(out.glob("*.html")) if p.name != "index.html"}


def run(data: Path, out: Path, notebook: Path, *extra: str) -> tuple[int, str]:
    """`collab reports` in-process with the mini notebook; the exit status and all it printed."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        status = main(reports_args(data, out, notebook, "-j", "2", *extra))
    return status, buffer.getvalue()


def headline_table(out: Path) -> list[list[str]]:
    page = (out / "index.html").read_text(encoding="utf-8")
    return table_by_caption(page, "End-of-collaborative survey: headline results")


def up_to_date(text: str) -> list[str]:
    return [c for c in TINY if f"{c}: up to date" in text]


def check_invariant(data: Path, out: Path, text: str) -> None:
    for cohort in up_to_date(text):
        assert provenance_matches_disk(out / f"{cohort}.html", data, cohort), cohort


def change_rating(data: Path, cohort: str, value: str, row: int = 0) -> None:
    path = data / "raw" / cohort / "final_survey.csv"
    rows = read_rows(path)
    rows[row]["team_working"] = value
    write_rows(path, rows)


class Gate:
    """Holds report kernels at the mini notebook's gate cell until the test lets them go."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(exist_ok=True)

    def wait_ready(self, cohort: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not (self.folder / f"{cohort}.ready").exists():
            assert time.monotonic() < deadline, f"{cohort}'s kernel never reached the gate"
            time.sleep(0.05)

    def release(self, *cohorts: str) -> None:
        for cohort in cohorts:
            (self.folder / f"{cohort}.go").touch()


# --- the build record is the truth -----------------------------------------------------------


def test_a_clean_build_is_up_to_date_and_matches_the_disk(tiny):
    data, out, notebook = tiny
    status, text = run(data, out, notebook)
    assert status == 0 and up_to_date(text) == TINY
    check_invariant(data, out, text)


def test_an_input_edited_while_its_kernel_runs_fails_that_build_and_keeps_the_report(
    tiny, tmp_path, monkeypatch
):
    data, out, notebook = tiny
    before = snapshot(out)
    gate = Gate(tmp_path / "gate")
    monkeypatch.setenv("COLLAB_TEST_GATE", str(gate.folder))
    survey = data / "raw" / "alpha" / "final_survey.csv"
    original = survey.read_bytes()

    def edit_during_build() -> None:
        gate.wait_ready("alpha")  # validated and keyed; the kernel has not read anything yet
        change_rating(data, "alpha", "1")
        gate.release("alpha")

    helper = threading.Thread(target=edit_during_build)
    helper.start()
    index_before = headline_table(out)
    status, text = run(data, out, notebook, "--force", "--cohort", "alpha")
    helper.join()
    assert status == 1, text
    assert "final_survey.csv changed while the report was being built" in text
    assert snapshot(out) == before
    assert not (out / ".build" / "state.json").exists()
    # The index still shows the figures of the report in place, not the edited data's.
    assert headline_table(out) == index_before

    # Reverted afterwards: the kept report is the one built from these bytes, so it is current.
    survey.write_bytes(original)
    monkeypatch.delenv("COLLAB_TEST_GATE")
    status, text = run(data, out, notebook)
    assert status == 0 and up_to_date(text) == TINY, text
    check_invariant(data, out, text)
    assert snapshot(out) == before

    # Left edited: the report is rebuilt from the new bytes, and then says so.
    change_rating(data, "alpha", "1")
    status, text = run(data, out, notebook)
    assert status == 0 and "alpha: built" in text, text
    status, text = run(data, out, notebook)
    assert up_to_date(text) == TINY
    check_invariant(data, out, text)


def test_outputs_whose_bytes_differ_from_the_record_are_rebuilt(tiny):
    data, out, notebook = tiny
    before = snapshot(out)
    (out / "alpha.html").write_bytes(b"")
    with (out / "beta.code.html").open("a", encoding="utf-8") as fh:
        fh.write("<!-- edited by hand -->")
    status, text = run(data, out, notebook)
    assert status == 0, text
    assert "alpha: built" in text and "beta: built" in text and "gamma: up to date" in text
    assert "an output was missing or had been changed" in text
    assert snapshot(out) == before  # the same inputs give the same bytes


BAD_CONTENTS = [
    b"[1]",
    b'"x"',
    b"{not json",
    b"\xff\xfe\x00",
    f'{{"version": {buildstate.RECORD_VERSION}, "key": 5}}'.encode(),
]


@pytest.mark.parametrize(
    "content", BAD_CONTENTS, ids=["list", "string", "broken", "binary", "shape"]
)
@pytest.mark.parametrize("name", ["state.json", "alpha.json", "figures/alpha.json"])
def test_unusable_build_state_is_set_aside_with_one_warning(tiny, name, content):
    data, out, notebook = tiny
    before = snapshot(out)
    (out / ".build" / name).write_bytes(content)
    status, text = run(data, out, notebook)
    assert status == 0, text
    assert "Traceback" not in text
    warnings = [line for line in text.splitlines() if line.startswith("collab: warning:")]
    assert len(warnings) == 1 and Path(name).name in warnings[0], text
    assert "set-aside/" in warnings[0]
    assert list((out / ".build" / "set-aside").iterdir())
    if name == "alpha.json":
        assert "alpha: built" in text  # its record was lost, so it is rebuilt
    if name.startswith("figures/"):
        assert up_to_date(text) == TINY  # only other reports use it: rewritten, no rebuild
        assert buildstate.read_figures(out, "alpha") is not None
    assert snapshot(out) == before
    status, text = run(data, out, notebook)
    assert up_to_date(text) == TINY and "warning" not in text


# --- both renderings, or neither -------------------------------------------------------------


def _fail_replace(monkeypatch, suffix: str, error: int) -> None:
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith(suffix) and str(src).endswith(fileio.TEMP_SUFFIX):
            raise OSError(error, os.strerror(error), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(fileio.os, "replace", replace)


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS])
def test_a_failure_between_the_two_renderings_restores_the_previous_pair(tiny, monkeypatch, error):
    data, out, notebook = tiny
    change_rating(data, "alpha", "1")
    before = snapshot(out)
    record = (out / ".build" / "alpha.json").read_bytes()
    _fail_replace(monkeypatch, "alpha.code.html", error)  # alpha.html is already in place
    status, text = run(data, out, notebook, "--cohort", "alpha")
    assert status == 1, text
    reason = describe_os_error(OSError(error, ""))
    assert f"alpha.code.html in place: {reason}" in text
    assert "The previous files were restored unchanged." in text
    assert "left unchanged" not in text and "Traceback" not in text
    assert snapshot(out) == before
    assert (out / ".build" / "alpha.json").read_bytes() == record
    leftovers = [p.name for p in out.rglob(".*") if p.is_file()]
    assert leftovers == [], leftovers


def test_a_disk_that_fills_while_writing_replaces_nothing(tiny, monkeypatch):
    data, out, notebook = tiny
    change_rating(data, "alpha", "1")
    before = snapshot(out)
    real = fileio._write_temp

    def write_temp(path, data_bytes):
        if path.name == "alpha.code.html":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data_bytes)

    monkeypatch.setattr(fileio, "_write_temp", write_temp)
    status, text = run(data, out, notebook, "--cohort", "alpha")
    assert status == 1 and "the disk is full" in text and "Nothing was replaced" in text
    assert snapshot(out) == before
    assert not [p for p in out.rglob(".*.tmp")]


def test_a_commit_killed_half_way_is_rolled_back_by_the_next_run(tiny, monkeypatch):
    data, out, notebook = tiny
    before = snapshot(out)
    record = (out / ".build" / "alpha.json").read_bytes()
    real = os.replace

    class Killed(BaseException):
        pass

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("alpha.code.html") and str(src).endswith(fileio.TEMP_SUFFIX):
            raise Killed()  # the process dies between the two renames
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(fileio.os, "replace", replace)
    with pytest.raises(Killed):
        fileio.commit_files(
            {
                out / "alpha.html": b"new reviewer page",
                out / "alpha.code.html": b"new analyst page",
                out / ".build" / "alpha.json": b"{}",
            },
            buildstate.journal_path(out, "alpha"),
            out,
        )
    monkeypatch.undo()
    assert (out / "alpha.html").read_bytes() == b"new reviewer page"  # half done
    status, text = run(data, out, notebook)
    assert status == 0 and up_to_date(text) == TINY, text
    assert snapshot(out) == before
    assert (out / ".build" / "alpha.json").read_bytes() == record
    assert not list((out / ".build").glob("*.journal"))
    assert not [p for p in out.rglob(".*") if p.is_file()]


@pytest.mark.parametrize("error", [errno.EROFS, errno.ENOSPC, errno.EACCES])
def test_an_unwritable_output_folder_gives_one_message_and_exit_1(tiny, monkeypatch, error):
    data, out, notebook = tiny
    real = os.open

    def refuse(path, flags, *args, **kwargs):
        if str(path).startswith(str(out)) and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(error, os.strerror(error), str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    status, text = run(data, out, notebook)
    monkeypatch.undo()
    assert status == 1
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("collab: cannot write to the output folder")
    assert describe_os_error(OSError(error, "")) in lines[0]


def test_reports_that_cannot_be_put_in_place_fail_with_a_message_each(tiny, monkeypatch):
    data, out, notebook = tiny
    before = snapshot(out)
    for cohort in TINY:
        change_rating(data, cohort, "1")
    real = fileio._temp_path

    def read_only(path):
        if path.suffix == ".html":
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real(path)

    monkeypatch.setattr(fileio, "_temp_path", read_only)
    status, text = run(data, out, notebook)
    monkeypatch.setattr(fileio, "_temp_path", real)
    assert status == 1 and "Traceback" not in text
    for cohort in TINY:
        section = text[text.index(f"FAILED {cohort}:") :]
        assert (
            f"could not write {out / cohort}.html: the folder is on a read-only filesystem. "
            "Nothing was replaced" in section.splitlines()[1]
        )
    assert "The index was not updated" in text
    assert snapshot(out) == before


# --- one build at a time, and nothing left behind --------------------------------------------


def test_a_second_build_on_the_same_folder_is_refused_or_waits(tiny):
    data, out, notebook = tiny
    with BuildLock(out):
        status, text = run(data, out, notebook)
        assert status == 1
        assert f"another build (process {os.getpid()}" in text and "--wait" in text
        assert len(text.strip().splitlines()) == 1

    holder = BuildLock(out)
    holder.__enter__()
    timer = threading.Timer(1.0, holder.__exit__, args=(None, None, None))
    timer.start()
    status, text = run(data, out, notebook, "--wait")
    timer.join()
    assert status == 0 and "waiting for another build" in text and up_to_date(text) == TINY


def test_leftovers_of_a_killed_run_are_removed_even_when_nothing_changed(tiny):
    data, out, notebook = tiny
    before = snapshot(out)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    runtime = kernels.runtime_dir()
    stale = [
        out / ".alpha.html.x1y2.tmp",
        out / ".alpha.html.bak",
        out / ".build" / ".alpha.json.x1y2.tmp",
        out / ".build" / "alpha.4242-77.ipynb",
        runtime / f"collab-{dead.pid}-0123456789abcdef.json",
        runtime / f"collab-{dead.pid}-0123456789abcdef-ipc-1",
    ]
    alive = runtime / f"collab-{os.getppid()}-fedcba9876543210.json"  # a live process's kernel
    for path in [*stale, alive]:
        path.write_text('{"key": "secret"}', encoding="utf-8")
    try:
        status, text = run(data, out, notebook)
        assert status == 0 and up_to_date(text) == TINY, text
        assert [p for p in stale if p.exists()] == []
        assert alive.exists()
        assert snapshot(out) == before
    finally:
        alive.unlink(missing_ok=True)


# --- interrupts ------------------------------------------------------------------------------


def _collab(
    data: Path, out: Path, notebook: Path, gate: Path, *extra: str, early: bool = False
) -> subprocess.Popen:
    """Start ``collab reports`` as a user at a terminal would, Ctrl-C (SIGINT) included.

    A shell starts a background job with SIGINT ignored, and a child inherits that: run
    from ``make test &`` or a CI runner that does so, collab would rightly ignore the
    test's SIGINT, as any background command does. The child is therefore started with
    SIGINT at its default, whatever this test process has. ``early`` starts the report's
    first kernel before validating, as ``collab reports`` does outside the test suite.
    """
    env = {**os.environ, "COLLAB_TEST_GATE": str(gate), "COLLAB_EARLY_KERNEL": str(int(early))}
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            [
                str(Path(sys.executable).with_name("collab")),
                *reports_args(data, out, notebook, *extra),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    finally:
        signal.signal(signal.SIGINT, previous)


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_stops_the_build_keeps_finished_reports_and_starts_nothing_new(
    tiny, tmp_path, signum
):
    data, out, notebook = tiny
    before = snapshot(out)
    registry = data / "cohorts.csv"
    rows = read_rows(registry)
    for row in rows:
        row["name"] += " (renamed)"
    write_rows(registry, rows)
    gate = Gate(tmp_path / "gate")
    proc = _collab(data, out, notebook, gate.folder, "-j", "1")
    try:
        gate.wait_ready("alpha")
        gate.release("alpha")
        gate.wait_ready("beta")  # alpha is finished; beta's kernel is running
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("collab:")]
    assert len(lines) == 1 and "Traceback" not in stderr
    name = signal.Signals(signum).name
    assert lines[0].startswith(f"collab: interrupted by {name}")
    assert "1 built (alpha)" in lines[0] and "2 not finished (beta, gamma)" in lines[0]
    assert not (gate.folder / "gamma.ready").exists()  # gamma never started
    after = snapshot(out)
    assert "Alpha cohort (renamed)" in (out / "alpha.html").read_text(encoding="utf-8")
    assert {k: v for k, v in after.items() if not k.startswith("alpha")} == {
        k: v for k, v in before.items() if not k.startswith("alpha")
    }
    assert not (out / ".build" / "state.json").exists()
    assert _processes_mentioning(f"collab-{proc.pid}-") == []  # its kernels are gone
    assert list(kernels.runtime_dir().glob(f"collab-{proc.pid}-*")) == []
    assert not [p for p in out.rglob(".*") if p.is_file()]

    status, text = run(data, out, notebook)
    assert status == 0 and "alpha: up to date" in text
    assert "beta: built" in text and "gamma: built" in text


# --- no cascade ------------------------------------------------------------------------------


def test_bad_input_in_one_cohort_leaves_every_other_report_byte_identical(tiny):
    data, out, notebook = tiny
    before = snapshot(out)
    survey = data / "raw" / "beta" / "final_survey.csv"
    original = survey.read_bytes()
    change_rating(data, "beta", "7")
    status, text = run(data, out, notebook)
    assert status == 2, text
    summary = next(line for line in text.splitlines() if line.startswith("Summary:"))
    assert "Failed: beta. The other reports were kept" in summary
    assert "alpha: up to date" in text and "gamma: up to date" in text
    assert snapshot(out) == before
    assert "Latest build problems" in (out / "index.html").read_text(encoding="utf-8")

    survey.write_bytes(original)  # fixed: nothing needs rebuilding
    status, text = run(data, out, notebook)
    assert status == 0 and up_to_date(text) == TINY, text


def test_others_compare_with_a_failed_cohorts_last_valid_figures(tiny):
    data, out, notebook = tiny
    change_rating(data, "beta", "4", row=1)  # valid: a 2 becomes a 4, so beta's counts change
    status, text = run(data, out, notebook)
    assert status == 0 and "alpha: built" in text and "other cohorts' survey counts" in text
    after_valid = snapshot(out)
    figures = json.loads((out / ".build" / "figures" / "beta.json").read_text(encoding="utf-8"))
    change_rating(data, "beta", "seven", row=2)  # now bad
    status, text = run(data, out, notebook)
    assert status == 2 and "alpha: up to date" in text and "gamma: up to date" in text
    assert snapshot(out) == after_valid
    page = html.unescape((out / "alpha.html").read_text(encoding="utf-8"))
    counts = figures["figures"]["counts"]["team_working"]
    beta = page[page.index("compared with: Beta cohort") : page.index(", Gamma cohort")]
    assert f"'team_working': ({counts[0]}, {counts[1]})" in beta


def test_a_new_cohort_that_never_validated_changes_no_other_report(tiny):
    data, out, notebook = tiny
    before = snapshot(out)
    registry = data / "cohorts.csv"
    rows = read_rows(registry)
    rows.append({**rows[0], "cohort_id": "delta", "name": "Delta cohort"})
    write_rows(registry, rows)
    (data / "raw" / "delta").mkdir()
    for name in ("teams.csv", "final_survey.csv"):
        (data / "raw" / "delta" / name).write_bytes((data / "raw" / "alpha" / name).read_bytes())
    change_rating(data, "delta", "7")
    status, text = run(data, out, notebook)
    assert status == 2 and "FAILED delta" in text
    assert up_to_date(text) == TINY, text
    assert snapshot(out) == before


# --- hardening -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cohort_id", ["index", "INDEX", "state", "State", "_failed", ".hidden", ".build", "ALPHA"]
)
def test_cohort_ids_that_would_overwrite_outputs_are_refused(tiny, capsys, cohort_id):
    data, _, _ = tiny
    registry = data / "cohorts.csv"
    rows = read_rows(registry)
    rows.append({**rows[0], "cohort_id": cohort_id})
    write_rows(registry, rows)
    status = main(["--data-dir", str(data), "validate"])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert "cohorts.csv, row 5" in err and '"cohort_id"' in err and f'"{cohort_id}"' in err
    if cohort_id == "ALPHA":
        assert "differs from alpha only in case" in err


def test_build_state_of_an_earlier_collab_is_replaced_without_a_warning(tiny):
    data, out, notebook = tiny
    record = json.loads((out / ".build" / "alpha.json").read_text(encoding="utf-8"))
    (out / ".build" / "alpha.json").write_text(json.dumps({**record, "version": 1}))
    status, text = run(data, out, notebook)
    assert status == 0 and "warning" not in text and "alpha: built" in text
    assert not (out / ".build" / "set-aside").exists()


def test_an_optional_input_missing_while_the_kernel_runs_fails_that_build(
    tiny, tmp_path, monkeypatch
):
    """A notice deleted and rewritten by an editor mid-build must not give a report without it."""
    data, out, notebook = tiny
    before = snapshot(out)
    notice = data / "NOTICE.txt"
    text_before = notice.read_bytes()
    gate = Gate(tmp_path / "gate")
    monkeypatch.setenv("COLLAB_TEST_GATE", str(gate.folder))
    mini = notebook.with_name("mini-with-notice.ipynb")
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    nb.cells[-1].source = "from collablib.data.loaders import load_data_notice\n" + (
        "show.paragraph(load_data_notice(data_dir) or 'no notice')\n" + nb.cells[-1].source
    )
    nbformat.write(nb, mini)

    def remove_notice_during_build() -> None:
        gate.wait_ready("alpha")
        notice.unlink()
        gate.release("alpha")

    helper = threading.Thread(target=remove_notice_during_build)
    helper.start()
    status, text = run(data, out, mini, "--force", "--cohort", "alpha")
    helper.join()
    notice.write_bytes(text_before)
    assert status == 1, text
    assert "NOTICE.txt was missing while the report was being built" in text
    assert snapshot(out) == before


def test_an_unreadable_input_fails_its_cohort_with_a_message(tiny, monkeypatch):
    import pathlib

    data, out, notebook = tiny
    before = snapshot(out)
    teams = data / "raw" / "beta" / "teams.csv"
    teams.write_text(teams.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    real = pathlib.Path.read_bytes

    def read_bytes(self):
        if self.name == "teams.csv" and self.parent.name == "beta":
            raise OSError(errno.EIO, "Input/output error", str(self))
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    status, text = run(data, out, notebook)
    monkeypatch.undo()
    assert status == 2 and "Traceback" not in text, text
    assert "beta/teams.csv: the file could not be read (Input/output error)" in text
    assert "alpha: up to date" in text and "gamma: up to date" in text
    assert snapshot(out) == before


def test_a_notice_that_is_not_utf8_is_bad_input_for_every_cohort(tiny):
    data, out, notebook = tiny
    before = snapshot(out)
    (data / "NOTICE.txt").write_bytes("Synthetic data \u2013 demo only".encode("cp1252"))
    status, text = run(data, out, notebook)
    assert status == 2 and "Traceback" not in text, text
    assert text.count("NOTICE.txt: the notice is not UTF-8 text") >= 3
    assert snapshot(out) == before


def test_sigterm_while_waiting_for_the_lock_stops_cleanly(tiny):
    data, out, notebook = tiny
    with BuildLock(out):
        proc = _collab(data, out, notebook, out / "no-gate", "--wait")
        try:
            line = proc.stderr.readline()
            assert "waiting for another build" in line
            proc.send_signal(signal.SIGTERM)
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 143 and "Traceback" not in stderr
    assert stderr.strip().splitlines() == [
        "collab: interrupted by SIGTERM before any report was built; the reports in place "
        "are complete."
    ]


def test_a_build_whose_lock_file_is_deleted_puts_nothing_in_place(tiny, tmp_path, monkeypatch):
    """`make clean-reports` (rm -rf reports/.build) during a build lets another build start."""
    import shutil

    data, out, notebook = tiny
    lock = BuildLock(out)
    with lock:
        shutil.rmtree(out / ".build")
        assert not lock.still_held()
        with BuildLock(out) as second:  # the folder is free for another build now
            assert second.still_held()

    change_rating(data, "alpha", "1")
    gate = Gate(tmp_path / "gate")
    monkeypatch.setenv("COLLAB_TEST_GATE", str(gate.folder))
    before = snapshot(out)

    def clean_reports_during_build() -> None:
        gate.wait_ready("alpha")
        (out / ".build" / "lock").unlink()
        gate.release("alpha")

    helper = threading.Thread(target=clean_reports_during_build)
    helper.start()
    status, text = run(data, out, notebook, "--cohort", "alpha")
    helper.join()
    assert status == 1 and "lock file was removed while the report was being built" in text
    assert snapshot(out) == before


def test_the_data_folders_name_is_part_of_every_report(tiny):
    import shutil

    data, out, notebook = tiny
    renamed = data.with_name("survey-data")
    shutil.copytree(data, renamed)
    status, text = run(renamed, out, notebook)
    assert status == 0 and "the data folder's name changed" in text
    assert all(f"{c}: built" in text for c in TINY)
    code = html.unescape((out / "alpha.code.html").read_text(encoding="utf-8"))
    assert "survey-data" in code
    status, text = run(renamed, out, notebook)
    assert up_to_date(text) == TINY


def test_the_report_of_a_cohort_removed_from_the_registry_is_deleted(tiny):
    data, out, notebook = tiny
    (out / "notes.html").write_text("not collab's", encoding="utf-8")
    registry = data / "cohorts.csv"
    write_rows(registry, [r for r in read_rows(registry) if r["cohort_id"] != "gamma"])
    status, text = run(data, out, notebook)
    assert status == 0 and "Removed the report of gamma" in text, text
    assert not (out / "gamma.html").exists() and not (out / "gamma.code.html").exists()
    assert not buildstate.record_path(out, "gamma").exists()
    assert not buildstate.figures_path(out, "gamma").exists()
    assert (out / "notes.html").exists()  # a file collab did not write is never touched
    status, text = run(data, out, notebook)
    assert status == 0 and "alpha: up to date" in text and "beta: up to date" in text


def test_a_journal_that_names_files_outside_the_output_folder_is_ignored(tiny, tmp_path):
    data, out, notebook = tiny
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    journal = buildstate.journal_path(out, "alpha")
    journal.write_text(json.dumps([{"target": str(precious), "backup": None, "tmp": None}]))
    status, text = run(data, out, notebook)
    assert status == 0, text
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert not journal.exists()


def test_the_quick_check_covers_what_the_full_check_covers(tiny, monkeypatch):
    """Package versions are in every cohort's key, so they are in the quick check's key too."""
    from collablib.build import provenance

    data, out, notebook = tiny
    status, text = run(data, out, notebook)
    assert up_to_date(text) == TINY
    real = provenance.package_versions
    monkeypatch.setattr(provenance, "package_versions", lambda: {**real(), "numpy": "0.0-upgraded"})
    status, text = run(data, out, notebook)
    assert status == 0 and all(f"{c}: built" in text for c in TINY), text
    assert "its provenance changed" in text


def test_a_commit_killed_half_way_is_rolled_back_even_after_the_folder_moved(tiny, monkeypatch):
    data, out, notebook = tiny
    before = snapshot(out)
    real = os.replace

    class Killed(BaseException):
        pass

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("beta.code.html") and str(src).endswith(fileio.TEMP_SUFFIX):
            raise Killed()
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(fileio.os, "replace", replace)
    with pytest.raises(Killed):
        fileio.commit_files(
            {out / "beta.html": b"new", out / "beta.code.html": b"new"},
            buildstate.journal_path(out, "beta"),
            out,
        )
    monkeypatch.undo()
    moved = out.with_name("reports-moved")
    out.rename(moved)
    status, text = run(data, moved, notebook)
    assert status == 0 and up_to_date(text) == TINY, text
    assert snapshot(moved) == before


def test_editor_lock_and_hidden_files_are_not_inputs(tiny):
    data, out, notebook = tiny
    before = snapshot(out)
    for name in ("~$final_survey.xlsx", ".DS_Store", ".~lock.teams.csv#", "notes.txt.swp"):
        (data / "raw" / "alpha" / name).write_bytes(b"\x00editor state")
    status, text = run(data, out, notebook)
    assert status == 0 and up_to_date(text) == TINY, text
    assert snapshot(out) == before


def test_a_cohort_folder_that_is_a_symbolic_link_is_watched_like_any_other(tiny, tmp_path):
    data, out, notebook = tiny
    elsewhere = tmp_path / "alpha-elsewhere"
    (data / "raw" / "alpha").rename(elsewhere)
    (data / "raw" / "alpha").symlink_to(elsewhere, target_is_directory=True)
    status, text = run(data, out, notebook)
    assert status == 0, text
    status, text = run(data, out, notebook)
    assert up_to_date(text) == TINY
    change_rating(data, "alpha", "1")  # edited through the link
    status, text = run(data, out, notebook)
    assert "alpha: built" in text and "its data changed" in text, text


def test_reports_of_removed_cohorts_go_whatever_their_record_says(tiny):
    data, out, notebook = tiny
    record = buildstate.record_path(out, "gamma")
    record.write_text(json.dumps({"version": 1}), encoding="utf-8")  # an older collab's record
    (out / "_failed").mkdir(exist_ok=True)
    (out / "_failed" / "gamma.ipynb").write_text("{}", encoding="utf-8")
    registry = data / "cohorts.csv"
    write_rows(registry, [r for r in read_rows(registry) if r["cohort_id"] != "gamma"])
    status, text = run(data, out, notebook)
    assert status == 0 and "Removed the report of gamma" in text, text
    leftovers = [p.name for p in out.rglob("*gamma*")]
    assert leftovers == [], leftovers


def test_published_figures_this_index_cannot_read_are_shown_as_no_report(tiny):
    data, out, _ = tiny
    (buildstate.data_folder(out, "beta") / "overview.csv").write_text("teams\nmany\n")
    from collablib.build.index_page import render_index

    page = render_index(load_registry(data), data_dir=data, output_dir=out)
    assert "Beta cohort – no report yet" in page


def test_a_stray_package_beside_the_data_folder_is_never_imported_by_the_kernel(tiny):
    """Kernels start in the data folder's parent, which must not come first on the import path."""
    data, out, notebook = tiny
    stray = data.parent / "collablib"
    stray.mkdir()
    (stray / "__init__.py").write_text("raise ImportError('the stray copy was imported')\n")
    try:
        status, text = run(data, out, notebook, "--force", "--cohort", "alpha")
    finally:
        (stray / "__init__.py").unlink()
        stray.rmdir()
    assert status == 0 and "alpha: built" in text, text


def test_a_notebook_that_leaves_no_analysis_fails_and_keeps_the_report_and_its_tables(tiny):
    """Without an ``analysis`` there are no tables: publishing the HTML alone would delete the
    previous tables and leave the index without figures for a report it links."""
    data, out, notebook = tiny

    def tables_now() -> dict[str, str]:
        return {str(p.relative_to(out)): sha(p) for p in (out / "data").rglob("*") if p.is_file()}

    tables = tables_now()
    # every table, datapackage.json and index.html, for each cohort
    assert len(tables) == (len(DESCRIPTIONS) + 2) * len(TINY)
    before, index = snapshot(out), headline_table(out)
    draft = notebook.with_name("draft.ipynb")
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell["source"] = "".join(cell["source"]).replace("analysis = analyse(", "draft = analyse(")
        cell["source"] = cell["source"].replace("analysis.", "draft.")
    draft.write_text(json.dumps(nb), encoding="utf-8")
    status, text = run(data, out, draft)
    assert status == 1, text
    for cohort in TINY:
        assert f"{cohort}: FAILED (the notebook left no `analysis`" in text, text
    assert snapshot(out) == before and headline_table(out) == index
    assert tables_now() == tables
