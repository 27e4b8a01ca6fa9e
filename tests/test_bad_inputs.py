"""Every kind of bad input gives one clear paragraph, exit status 2, and leaves reports alone.

Each case corrupts a copy of the demo data, then runs ``collab reports`` for
cohort-2 into a folder that already holds a good cohort-2 report. The command
must exit 2, print the problem (file, row, column, value, what is allowed)
without a traceback, and leave the old report byte-for-byte as it was.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from collablib.cli import main
from tests.conftest import read_rows, write_canonical_survey, write_rows

COHORT = "cohort-2"


def folder(data: Path) -> Path:
    return data / "raw" / COHORT


def edit_canonical(
    data: Path, change: Callable[[list[dict]], list[dict]], columns: list[str] | None = None
) -> None:
    path = write_canonical_survey(data, COHORT)
    rows = change(read_rows(path))
    write_rows(path, rows, columns or list(read_rows(path)[0]))


def missing_file(data):
    (folder(data) / "teams.csv").unlink()


def missing_column(data):
    path = write_canonical_survey(data, COHORT)
    rows = read_rows(path)
    for row in rows:
        del row["role"]
    write_rows(path, rows)


def unknown_team(data):
    edit_canonical(data, lambda rows: [*rows[:4], {**rows[4], "team_id": "C2-99"}, *rows[5:]])


def unknown_label(data):
    export = next(folder(data).glob("*.xlsx"))
    book = openpyxl.load_workbook(export)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    column = header.index("Would you recommend taking part in the collaborative to others?") + 1
    sheet.cell(row=6, column=column, value="Absolutely")
    book.save(export)


def rating_out_of_range(data):
    edit_canonical(data, lambda rows: [*rows[:2], {**rows[2], "team_working": "5"}, *rows[3:]])


def bad_date(data):
    edit_canonical(data, lambda rows: [{**rows[0], "submitted_at": "31/04/2021 10:00"}, *rows[1:]])


def empty_survey(data):
    path = write_canonical_survey(data, COHORT)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(header + "\n", encoding="utf-8")


def duplicate_team_ids(data):
    path = folder(data) / "teams.csv"
    rows = read_rows(path)
    rows[3]["team_id"] = rows[2]["team_id"]
    write_rows(path, rows)


def unexpected_encoding(data):
    path = write_canonical_survey(data, COHORT)
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def not_csv_or_xlsx(data):
    (folder(data) / "final_survey.csv").write_bytes(b"%PDF-1.7\n1 0 obj << >> endobj\n")


CASES = {
    "missing file": (missing_file, ["teams.csv not found"]),
    "missing required column": (
        missing_column,
        ["final_survey.csv", "required field role", "Headers found"],
    ),
    "team not in teams.csv": (
        unknown_team,
        ["final_survey.csv", "row 6", '"team_id"', '"C2-99"', "teams.csv"],
    ),
    "unknown answer label": (
        unknown_label,
        ["Microsoft Forms).xlsx", "row 6", '"recommend"', '"Absolutely"', "Yes or No"],
    ),
    "rating out of range": (
        rating_out_of_range,
        ["final_survey.csv", "row 4", '"team_working"', '"5"', "1 to 4"],
    ),
    "unparseable date": (
        bad_date,
        ["final_survey.csv", "row 2", '"submitted_at"', '"31/04/2021 10:00"', "YYYY-MM-DD"],
    ),
    "empty survey": (empty_survey, ["final_survey.csv", "no responses left"]),
    "duplicate team ids": (duplicate_team_ids, ["teams.csv", "row", '"team_id"', "duplicate"]),
    "unexpected encoding": (
        unexpected_encoding,
        ["final_survey.csv", "not a CSV or XLSX", "UTF-16", "UTF-8"],
    ),
    "not a CSV or XLSX": (not_csv_or_xlsx, ["final_survey.csv", "PDF"]),
}


@pytest.fixture(scope="module")
def good_report(built):
    out, summary = built
    assert summary.exit_code == 0
    return out / f"{COHORT}.html", out / f"{COHORT}.code.html"


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_fails_clearly_with_status_2_and_keeps_the_old_report(
    case, tmp_path, data_copy, good_report, capsys
):
    corrupt, fragments = CASES[case]
    corrupt(data_copy)
    out = tmp_path / "reports"
    out.mkdir()
    for page in good_report:
        shutil.copy(page, out / page.name)
    before = {p.name: (out / p.name).read_bytes() for p in good_report}

    status = main(
        [
            "--data-dir",
            str(data_copy),
            "reports",
            "--cohort",
            COHORT,
            "--output-dir",
            str(out),
            "-j",
            "1",
        ]
    )
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert status == 2
    assert "Traceback" not in text
    for fragment in fragments:
        assert fragment in text, (case, fragment, text)
    for name, data in before.items():
        assert (out / name).read_bytes() == data
    assert not list(out.glob(".*.tmp"))


def test_each_bad_input_also_fails_collab_validate(data_copy, capsys):
    unknown_team(data_copy)
    assert main(["--data-dir", str(data_copy), "validate", "--cohort", COHORT]) == 2
    assert '"C2-99"' in capsys.readouterr().err
