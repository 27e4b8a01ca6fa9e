"""IHI progress scores: reading and validating ``progress.csv``.

In an IHI Breakthrough Series collaborative each project team is scored every
month on the IHI assessment scale (0.5 "intent to participate" to 5.0
"outstanding sustainable results"), by the team itself and by the faculty
(Institute for Healthcare Improvement, *The Breakthrough Series: IHI's
Collaborative Model for Achieving Breakthrough Improvement*, 2003, appendix
"Assessment scale"). A cohort records them in the optional
``data/raw/<cohort_id>/progress.csv``, one row per team, month and assessor::

    team_id,month,score,assessed_by
    T01,2020-06,1.0,team

The rules (data/README.md, "progress.csv"): a ``team_id`` from the cohort's
``teams.csv``; ``month`` written YYYY-MM, within the cohort's start and end
dates give or take :data:`MONTHS_AROUND` months; ``score`` one of 0.5, 1.0,
..., 5.0; ``assessed_by`` ``team`` or ``faculty``; one row per team, month and
assessor. A broken rule raises one :class:`~collablib.errors.CollabError`
naming the file, row, column, value and what is allowed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from collablib.data.ingest import drop_blank_rows, read_table
from collablib.data.inputs import input_exists
from collablib.data.registry import Cohort
from collablib.data.schemas import or_list, require_columns, text_column, validate
from collablib.errors import CollabError

__all__ = [
    "ASSESSORS",
    "MONTHS_AROUND",
    "PROGRESS_COLUMNS",
    "PROGRESS_FILE",
    "SCORES",
    "ProgressData",
    "load_progress",
    "progress_schema",
]

PROGRESS_FILE = "progress.csv"
PROGRESS_COLUMNS: tuple[str, ...] = ("team_id", "month", "score", "assessed_by")
#: Who gave a score: the team itself, or the collaborative's faculty.
ASSESSORS: tuple[str, ...] = ("team", "faculty")
#: The points of the IHI assessment scale: 0.5 to 5.0 in steps of 0.5.
SCORES: tuple[float, ...] = tuple(x / 2 for x in range(1, 11))
#: How many months before the cohort's start or after its end a score may be dated.
MONTHS_AROUND = 6


@dataclass(frozen=True)
class ProgressData:
    """A cohort's progress scores: one row per team, month and assessor.

    ``scores`` has ``row`` (the spreadsheet row), ``team_id``, ``month`` (a
    monthly :class:`pandas.Period`), ``score`` (float) and ``assessed_by``,
    sorted by team, month and assessor.
    """

    scores: pd.DataFrame
    file: Path


def _month_window(cohort: Cohort) -> tuple[pd.Period, pd.Period]:
    start = pd.Period(cohort.start_date, freq="M") - MONTHS_AROUND
    end = pd.Period(cohort.end_date, freq="M") + MONTHS_AROUND
    return start, end


def _month(value: str) -> pd.Period | None:
    if len(value) != 7 or value[4] != "-" or not (value[:4] + value[5:]).isdigit():
        return None
    if not 1 <= int(value[5:]) <= 12:
        return None
    return pd.Period(value, freq="M")


#: A score as written: a whole number or a half, such as 3, 3.0 or 3.5 (no signs or exponents).
_SCORE_TEXT = re.compile(r"\d(\.[05]0*)?")


def _score_ok(value: str) -> bool:
    return _SCORE_TEXT.fullmatch(value) is not None and float(value) in SCORES


def progress_schema(team_ids: Iterable[str], cohort: Cohort) -> pa.DataFrameSchema:
    """Rules for ``progress.csv`` of ``cohort`` (see data/README.md)."""
    teams = sorted(set(team_ids))
    first, last = _month_window(cohort)

    def in_window(value: str) -> bool:
        month = _month(value)
        return month is not None and first <= month <= last

    return pa.DataFrameSchema(
        {
            "team_id": text_column(
                pa.Check(
                    lambda s: s.isin(teams),
                    error="a team_id listed in this cohort's teams.csv: " + or_list(teams),
                )
            ),
            "month": text_column(
                pa.Check(
                    in_window,
                    element_wise=True,
                    error=f"a month written YYYY-MM from {first} to {last} (the cohort's "
                    f"{cohort.start_date:%Y-%m-%d} to {cohort.end_date:%Y-%m-%d}, give or take "
                    f"{MONTHS_AROUND} months)",
                )
            ),
            "score": text_column(
                pa.Check(
                    _score_ok,
                    element_wise=True,
                    error="a score on the IHI assessment scale: "
                    + or_list([f"{s:.1f}" for s in SCORES]),
                )
            ),
            "assessed_by": text_column(
                pa.Check(
                    lambda s: s.str.lower().isin(ASSESSORS),
                    error=or_list(ASSESSORS) + " (upper or lower case)",
                )
            ),
        },
        strict=False,
        name=PROGRESS_FILE,
    )


def _one_row_each(raw: pd.DataFrame, path: Path) -> None:
    """Refuse a second score from the same assessor for a team and month, naming the first."""
    key = ["team_id", "month", "assessed_by"]
    again = raw.duplicated(key)
    if not again.any():
        return
    row = raw.index[again][0]
    team, month, assessor = (raw.at[row, k] for k in key)
    first = raw.index[(raw[key] == raw.loc[row, key]).all(axis=1)][0]
    raise CollabError(
        f"a second {assessor} score for team {team} in {month} (the first is in row {first})",
        file=path,
        row=int(row),
        column="assessed_by",
        value=assessor,
        allowed="one row per team, month and assessor (team or faculty)",
    )


def load_progress(
    folder: str | os.PathLike[str], teams: pd.DataFrame, cohort: Cohort
) -> ProgressData | None:
    """Read and validate ``progress.csv`` in a cohort folder; ``None`` when there is none.

    The file is optional: a cohort whose collaborative did not use the IHI
    assessment scale simply has no "Progress" section.
    """
    path = Path(folder) / PROGRESS_FILE
    if not input_exists(path):
        return None
    raw, _ = read_table(path, what=PROGRESS_FILE)
    raw = drop_blank_rows(raw)
    require_columns(raw, PROGRESS_COLUMNS, path)
    if raw.empty:
        raise CollabError(
            "progress.csv has no rows",
            file=path,
            allowed="one row per team, month and assessor, or no progress.csv at all",
        )
    validate(raw, progress_schema(teams["team_id"], cohort), path)
    raw["assessed_by"] = raw["assessed_by"].str.lower()
    _one_row_each(raw, path)
    scores = pd.DataFrame(
        {
            "row": raw.index.to_numpy(),
            "team_id": raw["team_id"].to_numpy(),
            "month": pd.PeriodIndex([_month(m) for m in raw["month"]], freq="M"),
            "score": raw["score"].astype(float).to_numpy(),
            "assessed_by": raw["assessed_by"].to_numpy(),
        }
    )
    order = {a: i for i, a in enumerate(ASSESSORS)}
    scores = (
        scores.assign(_order=scores["assessed_by"].map(order))
        .sort_values(["team_id", "month", "_order"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    return ProgressData(scores=scores, file=path)
