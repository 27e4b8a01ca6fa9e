import json
import subprocess
import sys
from pathlib import Path

from collablib.cli import main
from tests.conftest import read_rows, write_canonical_survey, write_rows


def collab(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("collab")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=False)


def test_bad_input_prints_one_paragraph_without_traceback_and_exits_2(data_copy):
    path = write_canonical_survey(data_copy, "cohort-1")
    rows = read_rows(path)
    rows[4]["recommend"] = "Maybe"
    write_rows(path, rows)
    proc = collab("--data-dir", str(data_copy), "summary", "--cohort", "cohort-1", "--json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    message = proc.stderr.strip()
    assert message.startswith("collab: ")
    for fragment in ("final_survey.csv", "row 6", '"recommend"', '"Maybe"', "Yes or No"):
        assert fragment in message


def test_unknown_cohort_exits_2(demo_data, capsys):
    """In this process: the exit status and message are main's; how the command turns them
    into a process's status, without a traceback, is the test above's."""
    assert main(["--data-dir", str(demo_data), "summary", "--cohort", "nope"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "cohort-2" in err and "Traceback" not in err


def test_validate_reports_each_cohort(data_copy, capsys):
    (data_copy / "raw" / "cohort-3" / "teams.csv").unlink()
    code = main(["--data-dir", str(data_copy), "validate"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "cohort-1: OK (12 teams, 31 responses)" in out
    assert "cohort-3: PROBLEM" in err and "teams.csv not found" in err
    assert "Traceback" not in err


def test_summary_text_output(demo_data, capsys):
    assert main(["--data-dir", str(demo_data), "summary", "--programme-year", "2020/21"]) == 0
    out = capsys.readouterr().out
    assert "Programme year 2020/21 (cohort-2, rare-cancers)" in out
    assert "Team working: 81% rated 3 or 4 (47 of 58" in out


def test_summary_requires_exactly_one_scope(capsys):
    try:
        main(["summary", "--json"])
    except SystemExit as exc:
        assert exc.code == 2
    else:  # pragma: no cover
        raise AssertionError("argparse should have refused")


def test_summary_json_is_valid(demo_data, capsys):
    main(["--data-dir", str(demo_data), "summary", "--cohort", "rare-cancers", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert result["teams"] == 8


def test_a_reader_that_stops_early_gets_no_traceback(demo_data):
    """``collab summary --json | head -1``: the pipe closes before collab writes."""
    exe = Path(sys.executable).with_name("collab")
    proc = subprocess.Popen(
        [str(exe), "--data-dir", str(demo_data), "summary", "--cohort", "cohort-2", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc.stdout.close()  # the reader is gone before collab has finished starting
    stderr = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait() == 141
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
