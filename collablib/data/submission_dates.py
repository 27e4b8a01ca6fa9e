"""Reading the submission time of a survey export, and saying how to fix it when it fails.

Exports write times in the layout of the tool and the computer's locale:
Microsoft Forms gives real Excel dates, SmartSurvey ``28/03/2020 16:02``, a
Google Sheet in a UK locale ``12/03/2021 09:15:02``. ``[survey] date_format``
(Python ``strptime`` codes) reads a layout that is not ISO 8601. When times
cannot be read, one message names the first row, counts the others, names the
setting and suggests a format that reads them all, warning when a day-first and
a month-first layout both do (03/04/2021 is 3 April or 4 March).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from collablib.errors import CollabError

__all__ = ["DATE_LAYOUTS", "check_dates", "recode_dates"]


def recode_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """Times written in ``date_format`` rewritten as ISO 8601; others are left as typed.

    Seconds are kept when the format has them, so that two submissions in the
    same minute keep their order. A value left as typed is either already ISO
    8601 (accepted too) or reported by :func:`check_dates`. Python's
    ``strptime`` defines the result. For speed the column is first parsed in one
    call, and a value is taken from it only when the time it gives, written back
    in ``date_format``, is exactly the text: pandas' parser is more lenient (it
    rolls second 60 over, say), and a value it reads differently never passes
    that check. Every other value, and every value of a format with a time
    zone, goes through ``strptime``.
    """
    if not date_format:
        return values
    timespec = "seconds" if "%S" in date_format else "minutes"

    def convert(text: str) -> str:
        try:
            return datetime.strptime(text, date_format).isoformat(sep=" ", timespec=timespec)
        except ValueError:
            return text  # left as typed: check_dates reports it

    if "%z" in date_format or "%Z" in date_format:
        return values.map(convert).astype("string")
    try:
        parsed = pd.to_datetime(values, format=date_format, errors="coerce")
    except ValueError:  # a format pandas cannot use: strptime decides, cell by cell
        return values.map(convert).astype("string")
    fast = parsed.notna() & (parsed.dt.year >= 1000)  # strftime pads years below 1000 oddly
    fast &= (parsed.dt.strftime(date_format) == values).fillna(False)
    layout = "%Y-%m-%d %H:%M:%S" if timespec == "seconds" else "%Y-%m-%d %H:%M"
    out = parsed.dt.strftime(layout).astype("string")
    slow = ~fast
    if slow.any():
        out[slow] = values[slow].map(convert).astype("string")
    return out.astype("string")


#: Layouts tried, in order, to suggest a ``date_format`` for dates that are not ISO 8601.
DATE_LAYOUTS: tuple[str, ...] = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
)


def _fits(values: pd.Series, layout: str) -> bool:
    """Whether ``layout`` reads every one of ``values`` (vectorised: large exports stay quick)."""
    return bool(pd.to_datetime(values, format=layout, errors="coerce").notna().all())


def check_dates(
    values: pd.Series, date_format: str | None, file: Path, headers: dict[str, str]
) -> pd.Series:
    """The submission times as timestamps, or one error for all that cannot be read.

    Blank times are left to validation (``NaT`` here). The message shows the
    first bad row, counts the others, names ``date_format`` and suggests one
    when a layout reads them all. The timestamps are returned so that cleaning
    orders duplicates by them without parsing the column again.
    """
    parsed = pd.to_datetime(values.where(values != ""), format="ISO8601", errors="coerce")
    text = values[values != ""]
    bad = text[parsed.loc[text.index].isna()]
    if bad.empty:
        return parsed
    row = int(bad.index[0])
    more = len(bad) - 1
    header = headers.get("submitted_at", "submitted_at")
    problem = f"the submission time (column \u201c{header}\u201d) is not a date collab can read" + (
        f" (nor are those in {more} other row{'s' if more != 1 else ''})" if more else ""
    )
    fitting = [layout for layout in DATE_LAYOUTS if _fits(pd.Series(bad.unique()), layout)]
    if date_format:
        allowed = (
            f"a date and time written like {datetime(2021, 4, 12, 14, 5).strftime(date_format)}, "
            f'as the survey mapping\'s [survey] date_format "{date_format}" says, or ISO 8601; '
            "correct date_format if the export writes dates another way"
        )
        if fitting:
            allowed += f', e.g. date_format = "{fitting[0]}", which reads all of them'
    else:
        allowed = (
            "a date and time written YYYY-MM-DD HH:MM, e.g. 2021-04-12 14:05; for an export "
            "that writes dates another way, set date_format under [survey] in the cohort's "
            "survey_mapping.toml"
        )
        us = [layout for layout in fitting if layout.startswith("%m/")]
        if fitting:
            allowed += f', e.g. date_format = "{fitting[0]}", which reads all of them'
            if us and fitting[0] not in us:  # 03/04/2021: 3 April or 4 March?
                allowed += f' (so would the US "{us[0]}": check which the survey tool used)'
        else:
            allowed += ', e.g. date_format = "%d/%m/%Y %H:%M" for 12/04/2021 14:05'
    raise CollabError(
        problem,
        file=file,
        row=row,
        column="submitted_at",
        value=bad.iloc[0],
        allowed=allowed,
    )
