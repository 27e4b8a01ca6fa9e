"""Data-dictionary rules for every raw file, written as pandera schemas.

Each schema validates the all-text table produced by :mod:`collablib.data.ingest`
(index = spreadsheet row), so a failure can quote the value exactly as typed.
:func:`validate` runs a schema lazily (collecting every failure) and turns
pandera's failure table into one :class:`~collablib.errors.CollabError` that
names file, row, column, value and what is allowed.

The allowed values themselves are defined once, here, and documented in
``data/README.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine
from pandera.errors import SchemaError, SchemaErrors

from collablib.errors import CollabError

__all__ = [
    "ID_PATTERN",
    "ID_RULE",
    "RATING_COLUMNS",
    "RATING_VALUES",
    "REGIONS",
    "REGISTRY_COLUMNS",
    "REGISTRY_SCHEMA",
    "ROLES",
    "SURVEY_COLUMNS",
    "TEAMS_COLUMNS",
    "TEAMS_OPTIONAL_COLUMNS",
    "TEAMS_SCHEMA",
    "YES_NO",
    "iso_date",
    "iso_datetime",
    "not_blank",
    "one_of",
    "or_list",
    "programme_year",
    "require_columns",
    "row_error",
    "survey_schema",
    "text_column",
    "validate",
]

#: Roles a survey respondent can hold, as printed in reports.
ROLES: tuple[str, ...] = ("Project team member", "Lived experience partner", "Executive sponsor")

#: The seven NHS England regions.
REGIONS: tuple[str, ...] = (
    "East of England",
    "London",
    "Midlands",
    "North East and Yorkshire",
    "North West",
    "South East",
    "South West",
)

#: The three end-of-collaborative rating items (canonical column names).
RATING_COLUMNS: tuple[str, ...] = ("team_working", "patient_carer_experience", "staff_experience")

#: Ratings run from 1 (not improved) to 4 (improved the most); blank = not answered.
RATING_VALUES: tuple[str, ...] = ("1", "2", "3", "4")

YES_NO: tuple[str, ...] = ("Yes", "No")

REGISTRY_COLUMNS: tuple[str, ...] = (
    "cohort_id",
    "name",
    "programme_year",
    "start_date",
    "end_date",
)
TEAMS_COLUMNS: tuple[str, ...] = (
    "team_id",
    "team_name",
    "organisation",
    "cancer_alliance",
    "region",
    "tumour_group",
    "project_title",
)
SURVEY_COLUMNS: tuple[str, ...] = (
    "response_id",
    "submitted_at",
    "team_id",
    "role",
    "recommend",
    *RATING_COLUMNS,
    "comment",
    "consent_to_quote",
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
ID_RULE = "letters, digits, hyphens and underscores, starting with a letter or digit"


def or_list(values: Iterable[str]) -> str:
    values = list(values)
    if len(values) > 12:
        return ", ".join(values[:12]) + f", ... ({len(values)} values in all)"
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " or " + values[-1]


def one_of(values: Sequence[str], *, blank_ok: bool = False, hint: str = "") -> pa.Check:
    """A check that each value is in ``values`` (exact, case-sensitive)."""
    allowed = set(values) | ({""} if blank_ok else set())
    text = or_list(values) + (" (or blank for not answered)" if blank_ok else "") + hint
    return pa.Check(lambda s: s.isin(allowed), error=text)


def not_blank() -> pa.Check:
    return pa.Check(lambda s: s != "", error="any text, but not blank")


def iso_date() -> pa.Check:
    """A calendar date written YYYY-MM-DD (ISO 8601)."""

    def ok(value: str) -> bool:
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return len(value) == 10

    return pa.Check(ok, element_wise=True, error="a date written YYYY-MM-DD, e.g. 2021-03-31")


def iso_datetime(error: str | None = None) -> pa.Check:
    """A date, optionally with a time, in ISO 8601 form (YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS])."""

    def ok(series: pd.Series) -> pd.Series:
        parsed = pd.to_datetime(series, format="ISO8601", errors="coerce")
        return parsed.notna() & (series != "")

    return pa.Check(
        ok, error=error or "a date and time written YYYY-MM-DD HH:MM, e.g. 2021-04-12 14:05"
    )


def programme_year() -> pa.Check:
    """An NHS financial year written YYYY/YY, the second year following the first."""

    def ok(value: str) -> bool:
        if len(value) != 7 or value[4] != "/" or not (value[:4] + value[5:]).isdigit():
            return False
        return (int(value[:4]) + 1) % 100 == int(value[5:])

    return pa.Check(ok, element_wise=True, error="a financial year written YYYY/YY, e.g. 2020/21")


class _Text(pandas_engine.STRING):
    """pandera's ``"string"`` dtype, answering an exact match with one ``True``.

    pandera 0.35 answers a column whose dtype is exactly the string dtype with an array of
    ``True``, one per cell, and then builds an empty table of failure cases and prints it
    into a message nobody sees: about 0.3 ms for every text column of every file, half the
    validation of a small file such as ``teams.csv`` and a fifth of ``measures.csv``'s. The
    check itself is pandera's: any other answer (a column of another dtype, with the cells
    that are not text) is passed on unchanged and reported as before.
    """

    def check(
        self, pandera_dtype: Any, data_container: pd.Series | None = None
    ) -> bool | Iterable[bool]:
        result = super().check(pandera_dtype, data_container)
        if isinstance(result, np.ndarray) and result.dtype == bool and result.all():
            return True
        return result


def text_column(*checks: pa.Check, unique: bool = False) -> pa.Column:
    """A column of text (every file is read as text), never missing, passing ``checks``."""
    return pa.Column(_Text(), checks=list(checks), unique=unique, nullable=False)


REGISTRY_SCHEMA = pa.DataFrameSchema(
    {
        "cohort_id": text_column(
            not_blank(),
            pa.Check.str_matches(ID_PATTERN, error=ID_RULE),
            pa.Check(
                lambda s: ~s.str.lower().str.startswith("programme-"),
                error="an id that does not start with 'programme-' (the programme-year "
                "reports are named programme-<yyyy-yy>)",
            ),
            unique=True,
        ),
        "name": text_column(not_blank()),
        "programme_year": text_column(programme_year()),
        "start_date": text_column(iso_date()),
        "end_date": text_column(iso_date()),
    },
    strict=False,
    name="cohorts.csv",
)

TEAMS_SCHEMA = pa.DataFrameSchema(
    {
        "team_id": text_column(
            not_blank(), pa.Check.str_matches(ID_PATTERN, error=ID_RULE), unique=True
        ),
        "team_name": text_column(not_blank()),
        "organisation": text_column(not_blank()),
        "cancer_alliance": text_column(not_blank()),
        "region": text_column(one_of(REGIONS)),
        "tumour_group": text_column(not_blank()),
        "project_title": text_column(not_blank()),
        "org_code": text_column(
            pa.Check.str_matches(
                r"^([A-Z0-9]{3,5})?$",
                error="an ODS organisation code of 3 to 5 capital letters "
                "and digits, e.g. RXX, or blank",
            )
        ),
        "cpes_questions": text_column(
            pa.Check.str_matches(
                r"^(Q\d+(;\s*Q\d+)*)?$",
                error="CPES question numbers separated by semicolons, e.g. Q17;Q22, or blank",
            )
        ),
    },
    strict=False,
    name="teams.csv",
)

#: Optional teams.csv columns (blank when absent): the trust's ODS code, targeted CPES questions.
TEAMS_OPTIONAL_COLUMNS: tuple[str, ...] = ("org_code", "cpes_questions")


def survey_schema(
    team_ids: Iterable[str],
    *,
    date_format: str | None = None,
    label_hints: Mapping[str, Sequence[str]] | None = None,
) -> pa.DataFrameSchema:
    """The end-of-collaborative survey rules, applied after answer labels are recoded.

    ``team_ids`` are those in the cohort's teams.csv. ``date_format`` and
    ``label_hints`` only improve the messages: they name the date format and a
    few of the answer labels the survey mapping accepts. Duplicate response ids
    are not an error here: cleaning keeps the latest submission.
    """
    teams = sorted(set(team_ids))
    hints = label_hints or {}

    def with_hint(fld: str, text: str) -> str:
        examples = list(hints.get(fld, ()))
        if not examples:
            return text
        return (
            text
            + " (labels such as "
            + ", ".join(f"\u201c{e}\u201d" for e in examples)
            + " are recoded by survey_mapping.toml)"
        )

    when = iso_datetime()
    if date_format:
        sample = datetime(2021, 4, 12, 14, 5).strftime(date_format)
        when = iso_datetime(
            f"a date and time written like {sample} (the survey mapping's date_format "
            f"{date_format})"
        )
    return pa.DataFrameSchema(
        {
            "response_id": text_column(not_blank()),
            "submitted_at": text_column(when),
            "team_id": text_column(
                pa.Check(
                    lambda s: s.isin(teams),
                    error="a team_id or team_name listed in this cohort's teams.csv: "
                    + or_list(teams),
                )
            ),
            "role": text_column(one_of(ROLES, hint=with_hint("role", ""))),
            "recommend": text_column(
                one_of(YES_NO, blank_ok=True, hint=with_hint("recommend", ""))
            ),
            **{
                col: text_column(
                    pa.Check(
                        lambda s: s.isin({*RATING_VALUES, ""}),
                        error="a rating from 1 to 4 (or blank for not answered)"
                        + with_hint(col, ""),
                    )
                )
                for col in RATING_COLUMNS
            },
            "comment": text_column(),
            "consent_to_quote": text_column(
                one_of(YES_NO, blank_ok=True, hint=with_hint("consent_to_quote", ""))
            ),
        },
        strict=False,
        name="final_survey",
    )


def require_columns(
    frame: pd.DataFrame, columns: Sequence[str], file: str | os.PathLike[str]
) -> None:
    """Raise a clear error naming every required column that is missing from ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CollabError(
            "missing required column" + ("s " if len(missing) > 1 else " ") + ", ".join(missing),
            file=file,
            column=missing[0],
            allowed="a header row with the columns " + ", ".join(columns),
        )


def row_error(
    frame: pd.DataFrame,
    bad: pd.Series,
    problem: str,
    file: str | os.PathLike[str],
    column: str,
    allowed: str,
    *,
    field: str | None = None,
    last: bool = False,
) -> CollabError:
    """The error for the first (or ``last``) row of ``frame`` where ``bad`` holds.

    It names the spreadsheet row (the frame's index), the ``column`` as the user
    sees it, and the cell's value (in ``field``, the frame's own name for it, when
    that differs from ``column``).
    """
    row = frame.index[bad][-1 if last else 0]
    return CollabError(
        problem,
        file=file,
        row=int(row),
        column=column,
        value=frame.at[row, field or column],
        allowed=allowed,
    )


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, file: str | os.PathLike[str]) -> None:
    """Validate ``frame`` against ``schema``; raise one :class:`CollabError` listing the failures.

    Failures are ordered by spreadsheet row, then by the column order of the
    schema, so the first thing the user reads is the first problem in the file.
    """
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        raise _to_collab_error(exc.failure_cases, schema, file) from None
    except SchemaError as exc:  # pragma: no cover - only raised when lazy=False
        raise CollabError(str(exc), file=file) from None


def _to_collab_error(
    failures: pd.DataFrame, schema: pa.DataFrameSchema, file: str | os.PathLike[str]
) -> CollabError:
    order = {name: i for i, name in enumerate(schema.columns)}
    errors: list[tuple[tuple[int, int], CollabError]] = []
    for rec in failures.to_dict("records"):
        column = rec.get("column")
        check = str(rec.get("check"))
        value = rec.get("failure_case")
        if isinstance(value, dict) and len(value) == 1:  # a cross-column rule's cell
            column, value = next(iter(value.items()))
        index = rec.get("index")
        row = None if index is None or pd.isna(index) else int(index)
        if check == "column_in_dataframe":
            err = CollabError(
                f"missing required column {value}",
                file=file,
                column=str(value),
                allowed="a header row with the columns " + ", ".join(schema.columns),
            )
        elif check == "field_uniqueness":
            err = CollabError(
                "duplicate value: each row needs its own",
                file=file,
                row=row,
                column=column,
                value=value,
                allowed=f"a {column} that appears only once in the file",
            )
        else:
            # A rule may say what is wrong before "|", and what is allowed after it.
            problem, _, allowed = check.rpartition("|")
            err = CollabError(
                problem or "value is not allowed",
                file=file,
                row=row,
                column=column,
                value=value,
                allowed=allowed,
            )
        errors.append(((row if row is not None else 0, order.get(column, -1)), err))
    errors.sort(key=lambda pair: pair[0])
    return CollabError.combine([e for _, e in errors])
