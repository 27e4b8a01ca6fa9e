"""Incremental, fail-safe and reproducible builds (issue: a report pipeline analysts can trust)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from collablib.build import state as buildstate
from collablib.cli import main
from tests.conftest import (
    DEMO_DATA,
    read_rows,
    reports_args,
    write_canonical_survey,
    write_mini_notebook,
    write_rows,
)

COHORTS = ["cohort-1", "rare-cancers"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(out: Path) -> dict[str, str]:
    return {p.name: sha(p) for p in sorted(out.glob("*.html"))}


def run(data: Path, out: Path, *extra: str) -> tuple[int, str]:
    """Run `collab reports` in-process with the mini notebook (``tests/conftest.py``); return
    the exit status and everything printed."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        status = main(reports_args(data, out, notebook_of(data), "-j", "2", *extra))
    return status, buffer.getvalue()


def notebook_of(data: Path) -> Path:
    return data.parent / "mini.ipynb"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A two-cohort copy of the demo data, built once with the mini notebook.

    What these tests check is the pipeline's decisions, which do not depend on the
    notebook; that the full report is byte-reproducible is checked on the demo build
    (``test_pipeline.py``).
    """
    root = tmp_path_factory.mktemp("incremental")
    write_mini_notebook(root / "mini.ipynb")
    data = root / "data"
    shutil.copytree(DEMO_DATA, data)
    rows = [r for r in read_rows(data / "cohorts.csv") if r["cohort_id"] in COHORTS]
    write_rows(data / "cohorts.csv", rows)
    for folder in (data / "raw").iterdir():
        if folder.name not in COHORTS:
            shutil.rmtree(folder)
    out = root / "reports"
    status, text = run(data, out)
    assert status == 0, text
    return data, out


def test_a_second_run_with_nothing_changed_says_up_to_date_and_writes_nothing(project):
    data, out = project
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")}
    status, text = run(data, out)
    assert status == 0
    for cohort in COHORTS:
        assert f"{cohort}: up to date" in text
    assert "0 built, 2 up to date" in text
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")} == before


def test_a_run_with_nothing_to_build_starts_no_kernel_machinery(project):
    """An up-to-date run only reads records and cleans up after killed runs: in a process of
    its own it imports neither jupyter_client nor nbconvert, nor any analysis library."""
    data, out = project
    code = (
        "import contextlib, io, sys\n"
        "from collablib.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as text:\n"
        f"    status = main({reports_args(data, out, notebook_of(data))!r})\n"
        "heavy = ('jupyter_client', 'nbconvert', 'nbclient', 'matplotlib', 'scipy',\n"
        "         'statsmodels')\n"
        "print(status, '0 built, 2 up to date' in text.getvalue(), sorted(\n"
        "    m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.split("\n")[0] == "0 True []", done.stdout + done.stderr


def test_touching_a_file_without_changing_it_changes_nothing(project):
    data, out = project
    teams = data / "raw" / "rare-cancers" / "teams.csv"
    os.utime(teams, ns=(time.time_ns(), time.time_ns()))
    status, text = run(data, out)
    assert status == 0 and "0 built, 2 up to date" in text


def test_decisions_are_recorded_beside_the_outputs(project):
    _, out = project
    record = buildstate.read_record(out, "rare-cancers")
    assert record is not None
    assert record["key"] == buildstate.digest(record["components"])
    assert {"files", "registry_row", "notebook", "code", "lock", "git", "others"} <= set(
        record["components"]
    )
    spc = pd.read_csv(out / "data" / "rare-cancers" / "spc_summary.csv")
    assert spc.loc[spc["primary"], "team_id"].nunique() == 8
    assert record["outputs"] == {
        str(p.relative_to(out)): sha(p)
        for p in [
            out / "rare-cancers.html",
            out / "rare-cancers.code.html",
            *sorted((out / "data" / "rare-cancers").iterdir()),
        ]
    }
    state = json.loads((out / ".build" / "state.json").read_text(encoding="utf-8"))
    assert state["cohorts"] == COHORTS


def test_changing_one_cohorts_data_rebuilds_only_what_depends_on_it(project):
    data, out = project
    before = snapshot(out)
    teams = data / "raw" / "rare-cancers" / "teams.csv"
    rows = read_rows(teams)
    rows[0]["project_title"] = rows[0]["project_title"] + " (phase 2)"
    write_rows(teams, rows)
    status, text = run(data, out)
    assert status == 0, text
    assert "rare-cancers: built" in text and "its data changed" in text
    assert "cohort-1: up to date" in text  # its comparisons use only survey counts
    after = snapshot(out)
    assert after["cohort-1.html"] == before["cohort-1.html"]
    assert after["rare-cancers.html"] != before["rare-cancers.html"]


def test_changing_survey_counts_also_rebuilds_the_cohorts_that_compare_with_it(project):
    data, out = project
    path = write_canonical_survey(data, "rare-cancers")
    rows = read_rows(path)
    rows[0]["recommend"] = "No" if rows[0]["recommend"] == "Yes" else "Yes"
    write_rows(path, rows)
    status, text = run(data, out)
    assert status == 0, text
    assert "rare-cancers: built" in text
    assert "cohort-1: built" in text and "other cohorts' survey counts changed" in text


def test_a_missing_output_is_rebuilt(project):
    data, out = project
    (out / "cohort-1.code.html").unlink()
    status, text = run(data, out)
    assert status == 0
    assert "cohort-1: built" in text and "an output was missing" in text
    assert "rare-cancers: up to date" in text
    assert (out / "cohort-1.code.html").exists()


def test_force_rebuilds_and_the_same_inputs_give_the_same_bytes(project):
    data, out = project
    before = snapshot(out)
    status, text = run(data, out, "--force", "--cohort", "rare-cancers")
    assert status == 0 and "rare-cancers: built" in text and "forced" in text
    after = snapshot(out)
    assert after == before  # byte-for-byte, index included


def test_an_interrupted_build_never_leaves_a_broken_report(project, tmp_path):
    data, out = project
    before = snapshot(out)
    gate = tmp_path / "gate"  # the mini notebook waits here, so the kill lands mid-notebook
    gate.mkdir()
    collab = Path(sys.executable).with_name("collab")
    proc = subprocess.Popen(
        [
            str(collab),
            *reports_args(data, out, notebook_of(data), "--force", "--cohort", "rare-cancers"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "COLLAB_TEST_GATE": str(gate)},
    )
    from collablib.build.kernels import runtime_dir

    deadline = time.time() + 120
    while time.time() < deadline and not (gate / "rare-cancers.ready").exists():
        time.sleep(0.05)
    assert (gate / "rare-cancers.ready").exists(), "the kernel never reached the notebook"
    assert list(runtime_dir().glob(f"collab-{proc.pid}-*.json")), "no kernel file"
    os.killpg(proc.pid, signal.SIGKILL)  # the kernel is part-way through the notebook
    proc.wait()
    assert snapshot(out) == before  # every report intact and unchanged
    status, text = run(data, out, "--cohort", "rare-cancers")  # cleans up what the kill left
    assert status == 0, text
    assert not list((out / ".build").glob("*.ipynb")) and not list(out.glob(".*.tmp"))
    assert not list(runtime_dir().glob(f"collab-{proc.pid}-*"))  # its kernel's key file too
    assert snapshot(out) == before


def test_registry_changes_rebuild_the_cohort(project):
    data, out = project
    registry = data / "cohorts.csv"
    rows = read_rows(registry)
    rows[1]["name"] = "Rare and less common cancers collaborative"
    write_rows(registry, rows)
    status, text = run(data, out)
    assert status == 0
    assert "rare-cancers: built" in text and "its registry row changed" in text
    page = (out / "rare-cancers.html").read_text(encoding="utf-8")
    assert "Rare and less common cancers collaborative: evaluation report" in page


def test_a_data_error_keeps_the_previous_report_and_forgets_the_complete_state(project):
    data, out = project
    before = snapshot(out)
    teams = data / "raw" / "cohort-1" / "teams.csv"
    rows = read_rows(teams)
    rows[1]["team_id"] = rows[0]["team_id"]
    write_rows(teams, rows)
    status, text = run(data, out)
    assert status == 2 and "FAILED cohort-1" in text and "duplicate" in text
    assert snapshot(out)["cohort-1.html"] == before["cohort-1.html"]
    assert not (out / ".build" / "state.json").exists()
    with (data / "cohorts.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 2
