"""Reading submission times and the message when they cannot be read (submission_dates)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from collablib.data.submission_dates import check_dates, recode_dates
from collablib.errors import CollabError

FILE = Path("export.csv")
HEADERS = {"submitted_at": "Completion time"}


def text(values: list[str]) -> pd.Series:
    return pd.Series(values, index=range(2, 2 + len(values)), dtype="string")


def test_recode_keeps_seconds_only_when_the_format_has_them():
    assert recode_dates(text(["12/03/2021 09:15:02"]), "%d/%m/%Y %H:%M:%S").tolist() == [
        "2021-03-12 09:15:02"
    ]
    assert recode_dates(
        text(["12/03/2021 09:15", "2021-03-12 10:00", "soon"]), "%d/%m/%Y %H:%M"
    ).tolist() == ["2021-03-12 09:15", "2021-03-12 10:00", "soon"]
    assert recode_dates(text(["x"]), None).tolist() == ["x"]


def test_iso_dates_and_blanks_pass():
    check_dates(
        text(["2021-03-12 09:15", "2021-03-12T09:15:02", "2021-03-12", ""]), None, FILE, HEADERS
    )


def problem(values: list[str], date_format: str | None = None) -> CollabError:
    with pytest.raises(CollabError) as info:
        check_dates(text(values), date_format, FILE, HEADERS)
    return info.value


def test_one_message_names_the_first_row_counts_the_rest_and_the_header():
    err = problem(["2021-03-12 09:15", "13/03/2021 14:00", "", "14/03/2021 15:30"])
    assert (err.row, err.column, err.value) == (3, "submitted_at", "13/03/2021 14:00")
    assert err.problem == (
        "the submission time (column \u201cCompletion time\u201d) is not a date collab can read "
        "(nor are those in 1 other row)"
    )
    assert err.allowed.endswith('e.g. date_format = "%d/%m/%Y %H:%M", which reads all of them')
    assert not err.others


def test_a_us_only_layout_is_suggested_as_such():
    err = problem(["03/25/2021 2:05:31 PM"])
    assert err.allowed.endswith(
        'e.g. date_format = "%m/%d/%Y %I:%M:%S %p", which reads all of them'
    )


def test_no_known_layout_gives_the_general_example():
    err = problem(["yesterday", "last week"])
    assert err.problem.endswith("(nor are those in 1 other row)")
    assert err.allowed.endswith('e.g. date_format = "%d/%m/%Y %H:%M" for 12/04/2021 14:05')


def test_with_a_date_format_the_message_names_it():
    err = problem(["12.03.2021"], "%d/%m/%Y")
    assert 'as the survey mapping\'s [survey] date_format "%d/%m/%Y" says' in err.allowed
    assert "12/04/2021" in err.allowed


def test_the_one_call_parse_gives_exactly_what_strptime_gives():
    """recode_dates parses the column in one call; Python's strptime defines the answer."""
    import random
    from datetime import datetime

    rng = random.Random(7)
    layouts = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%d/%m/%Y"]
    odd = [
        "31/02/2021 10:00",
        "1/3/2021 9:05",
        "01/03/0999 09:05",
        "",
        "12/03/2021 9:5 ",
        "2021-03-12 09:15",
        "12-03-2021 09:15",
    ]
    for layout in layouts:
        values = []
        for _ in range(2000):
            when = datetime(
                rng.randint(1990, 2030),
                rng.randint(1, 12),
                rng.randint(1, 28),
                rng.randint(0, 23),
                rng.randint(0, 59),
                rng.randint(0, 59),
            )
            values.append(
                when.strftime(rng.choice(layouts)) if rng.random() > 0.1 else rng.choice(odd)
            )
        timespec = "seconds" if "%S" in layout else "minutes"

        def reference(text: str, layout: str = layout, timespec: str = timespec) -> str:
            try:
                return datetime.strptime(text, layout).isoformat(sep=" ", timespec=timespec)
            except ValueError:
                return text

        assert recode_dates(text(values), layout).tolist() == [reference(v) for v in values]
