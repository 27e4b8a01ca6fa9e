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

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from collablib.errors import CollabError

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

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
_ID_RULE = "letters, digits, hyphens and underscores, starting with a letter or digit"


def _or_list(values: Iterable[str]) -> str:
    values = list(values)
    if len(values) > 12:
        return ", ".join(values[:12]) + f", ... ({len(values)} values in all)"
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " or " + values[-1]


def one_of(values: Sequence[str], *, blank_ok: bool = False, hint: str = "") -> pa.Check:
    """A check that each value is in ``values`` (exact, case-sensitive)."""
    allowed = set(values) | ({""} if blank_ok else set())
    text = _or_list(values) + (" (or blank for not answered)" if blank_ok else "") + hint
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


def _text(*checks: pa.Check, unique: bool = False) -> pa.Column:
    return pa.Column("string", checks=list(checks), unique=unique, nullable=False)


REGISTRY_SCHEMA = pa.DataFrameSchema(
    {
        "cohort_id": _text(
            not_blank(), pa.Check.str_matches(_ID_PATTERN, error=_ID_RULE), unique=True
        ),
        "name": _text(not_blank()),
        "programme_year": _text(programme_year()),
        "start_date": _text(iso_date()),
        "end_date": _text(iso_date()),
    },
    strict=False,
    name="cohorts.csv",
)

TEAMS_SCHEMA = pa.DataFrameSchema(
    {
        "team_id": _text(
            not_blank(), pa.Check.str_matches(_ID_PATTERN, error=_ID_RULE), unique=True
        ),
        "team_name": _text(not_blank()),
        "organisation": _text(not_blank()),
        "cancer_alliance": _text(not_blank()),
        "region": _text(one_of(REGIONS)),
        "tumour_group": _text(not_blank()),
        "project_title": _text(not_blank()),
        "org_code": _text(
            pa.Check.str_matches(
                r"^([A-Z0-9]{3,5})?$",
                error="an ODS organisation code of 3 to 5 capital letters "
                "and digits, e.g. RXX, or blank",
            )
        ),
        "cpes_questions": _text(
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
            "response_id": _text(not_blank()),
            "submitted_at": _text(when),
            "team_id": _text(
                pa.Check(
                    lambda s: s.isin(teams),
                    error="a team_id or team_name listed in this cohort's teams.csv: "
                    + _or_list(teams),
                )
            ),
            "role": _text(one_of(ROLES, hint=with_hint("role", ""))),
            "recommend": _text(one_of(YES_NO, blank_ok=True, hint=with_hint("recommend", ""))),
            **{
                col: _text(
                    pa.Check(
                        lambda s: s.isin({*RATING_VALUES, ""}),
                        error="a rating from 1 to 4 (or blank for not answered)"
                        + with_hint(col, ""),
                    )
                )
                for col in RATING_COLUMNS
            },
            "comment": _text(),
            "consent_to_quote": _text(
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
            err = CollabError(
                "value is not allowed",
                file=file,
                row=row,
                column=column,
                value=value,
                allowed=check,
            )
        errors.append(((row if row is not None else 0, order.get(column, -1)), err))
    errors.sort(key=lambda pair: pair[0])
    return CollabError.combine([e for _, e in errors])


# --- improvement measures ------------------------------------------------------------------

MEASURES_COLUMNS: tuple[str, ...] = (
    "team_id",
    "measure_id",
    "measure_name",
    "period",
    "value",
    "numerator",
    "denominator",
    "unit",
    "improvement_direction",
    "target",
)
CHANGES_COLUMNS: tuple[str, ...] = ("team_id", "measure_id", "date", "description", "rebase")
DIRECTIONS: tuple[str, ...] = ("increase", "decrease", "neutral")
YES_NO_LOWER: tuple[str, ...] = ("yes", "no")


def number(blank_ok: bool = True) -> pa.Check:
    """A number (decimal point, no thousands separators), or blank."""

    def ok(series: pd.Series) -> pd.Series:
        parsed = pd.to_numeric(series.where(series != ""), errors="coerce")
        return parsed.notna() | ((series == "") & blank_ok)

    return pa.Check(ok, error="a number, such as 42 or 0.5" + (", or blank" if blank_ok else ""))


def count() -> pa.Check:
    """A whole number of 0 or more, or blank."""

    def ok(series: pd.Series) -> pd.Series:
        parsed = pd.to_numeric(series.where(series != ""), errors="coerce")
        whole = parsed.notna() & (parsed >= 0) & (parsed == parsed.round())
        return whole | (series == "")

    return pa.Check(ok, error="a whole number of 0 or more, or blank")


def _cell_flags(frame: pd.DataFrame, column: str, bad: pd.Series) -> pd.DataFrame:
    """A boolean frame, True everywhere except ``column`` on the rows in ``bad``."""
    flags = pd.DataFrame(True, index=frame.index, columns=frame.columns)
    flags[column] = ~bad.fillna(False).astype(bool)
    return flags


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column].where(frame[column] != ""), errors="coerce")


def measure_rules() -> list[pa.Check]:
    """Rules that look across columns of measures.csv, each reported at the offending cell."""

    def value_or_counts(frame: pd.DataFrame) -> pd.DataFrame:
        both = (frame["value"] != "") & ((frame["numerator"] != "") | (frame["denominator"] != ""))
        return _cell_flags(frame, "value", both)

    def counts_in_pairs(frame: pd.DataFrame) -> pd.DataFrame:
        half = (frame["numerator"] == "") != (frame["denominator"] == "")
        column = "denominator"
        return _cell_flags(frame, column, half)

    def denominator_positive(frame: pd.DataFrame) -> pd.DataFrame:
        return _cell_flags(frame, "denominator", _numbers(frame, "denominator") == 0)

    def numerator_within(frame: pd.DataFrame) -> pd.DataFrame:
        over = _numbers(frame, "numerator") > _numbers(frame, "denominator")
        return _cell_flags(frame, "numerator", over)

    def one_period_each(frame: pd.DataFrame) -> pd.DataFrame:
        dup = frame.duplicated(["team_id", "measure_id", "period"], keep="first")
        return _cell_flags(frame, "period", dup)

    def consistent(column: str):
        def check(frame: pd.DataFrame) -> pd.DataFrame:
            first = frame.groupby(["team_id", "measure_id"], sort=False)[column].transform("first")
            return _cell_flags(frame, column, frame[column] != first)

        return check

    def one_primary_per_team(frame: pd.DataFrame) -> pd.DataFrame:
        chosen = frame[frame["primary"].str.lower() == "yes"].drop_duplicates(
            ["team_id", "measure_id"]
        )
        second = chosen.index[chosen["team_id"].duplicated()]
        rows = (
            frame["team_id"].isin(chosen.loc[second, "team_id"])
            & frame["measure_id"].isin(chosen.loc[second, "measure_id"])
            & (frame["primary"].str.lower() == "yes")
        )
        return _cell_flags(frame, "primary", rows)

    def one_kind(frame: pd.DataFrame) -> pd.DataFrame:
        kind = pd.Series("", index=frame.index)
        kind[frame["value"] != ""] = "value"
        kind[frame["numerator"] != ""] = "counts"
        keys = frame["team_id"] + "\x00" + frame["measure_id"]
        kinds = kind[kind != ""].groupby(keys[kind != ""]).transform("first")
        mixed = (kind != "") & (kind != kinds.reindex(kind.index).fillna(kind))
        return _cell_flags(frame, "value", mixed)

    return [
        pa.Check(
            value_or_counts,
            error="a value and counts in the same row|either a value, "
            "or a numerator and denominator (for a proportion), not both",
        ),
        pa.Check(
            counts_in_pairs,
            error="a numerator needs a denominator, and the other way "
            "round|both counts, or neither (leave both blank for a missing period)",
        ),
        pa.Check(
            denominator_positive,
            error="the denominator is zero|a count of at least 1 "
            "(leave the row blank for a missing period)",
        ),
        pa.Check(
            numerator_within,
            error="the numerator is larger than its denominator|a "
            "numerator no larger than the denominator",
        ),
        pa.Check(
            one_period_each,
            error="duplicate period: this team and measure already has a "
            "row for this period|one row per team, measure and period",
        ),
        pa.Check(
            one_kind,
            error="this measure mixes values and counts|the same kind of data "
            "in every row of a measure: values, or numerator and denominator",
        ),
        *[
            pa.Check(
                consistent(column),
                error=f"{column} differs from the first row of this "
                f"measure|the same {column} in every row of a measure",
            )
            for column in ("measure_name", "unit", "improvement_direction", "target")
        ],
        pa.Check(
            one_primary_per_team,
            error="a second primary measure for this team|primary = yes on one measure per team",
        ),
    ]


def measures_schema(team_ids: Iterable[str]) -> pa.DataFrameSchema:
    """Rules for ``measures.csv`` (see data/README.md)."""
    teams = sorted(set(team_ids))
    return pa.DataFrameSchema(
        {
            "team_id": _text(
                pa.Check(
                    lambda s: s.isin(teams),
                    error="a team_id listed in this cohort's teams.csv: " + _or_list(teams),
                )
            ),
            "measure_id": _text(not_blank(), pa.Check.str_matches(_ID_PATTERN, error=_ID_RULE)),
            "measure_name": _text(not_blank()),
            "period": _text(iso_date()),
            "value": _text(number()),
            "numerator": _text(count()),
            "denominator": _text(count()),
            "unit": _text(not_blank()),
            "improvement_direction": _text(one_of(DIRECTIONS)),
            "target": _text(number()),
            "primary": _text(
                pa.Check(lambda s: s.str.lower().isin({"", "yes", "no"}), error="yes, no or blank")
            ),
        },
        checks=measure_rules(),
        strict=False,
        name="measures.csv",
    )


def changes_schema(measure_keys: Iterable[tuple[str, str]]) -> pa.DataFrameSchema:
    """Rules for ``changes.csv``: every change belongs to a team's measure in measures.csv."""
    known = {f"{t} / {m}" for t, m in measure_keys}

    def listed(frame: pd.DataFrame) -> pd.DataFrame:
        keys = frame["team_id"] + " / " + frame["measure_id"]
        return _cell_flags(frame, "measure_id", ~keys.isin(known))

    return pa.DataFrameSchema(
        {
            "team_id": _text(not_blank()),
            "measure_id": _text(not_blank()),
            "date": _text(iso_date()),
            "description": _text(not_blank()),
            "rebase": _text(
                pa.Check(lambda s: s.str.lower().isin({"yes", "no"}), error="yes or no")
            ),
        },
        checks=[
            pa.Check(
                listed,
                error="this team has no such measure in measures.csv|a "
                "team_id and measure_id pair from measures.csv: " + _or_list(sorted(known)),
            )
        ],
        strict=False,
        name="changes.csv",
    )
