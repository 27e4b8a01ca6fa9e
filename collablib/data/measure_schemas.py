"""Data-dictionary rules for improvement measures: ``measures.csv`` and ``changes.csv``.

The same approach as :mod:`collablib.data.schemas` (pandera schemas over the
all-text table, failures turned into one :class:`~collablib.errors.CollabError`),
for the files of the "Improvement measures" section of ``data/README.md``.
Cross-column rules (a value or a numerator and denominator, never both;
numerator within denominator...) are reported at the offending cell.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa

from collablib.data.schemas import (
    ID_PATTERN,
    ID_RULE,
    iso_date,
    not_blank,
    one_of,
    or_list,
    text_column,
)

__all__ = [
    "CHANGES_COLUMNS",
    "DIRECTIONS",
    "MEASURES_COLUMNS",
    "YES_NO_LOWER",
    "changes_schema",
    "count",
    "measure_rules",
    "measures_schema",
    "number",
]


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


def _cell_flags(frame: pd.DataFrame, column: str, bad: pd.Series) -> pd.DataFrame | bool:
    """A boolean frame, True everywhere except ``column`` on the rows in ``bad``; just
    ``True`` when no row is bad. (pandera turns a frame into failure cases cell by cell,
    about 8 ms even when every cell passes; a rule that passes has none to report.)"""
    bad = bad.fillna(False).astype(bool)
    if not bad.any():
        return True
    flags = pd.DataFrame(True, index=frame.index, columns=frame.columns)
    flags[column] = ~bad
    return flags


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column].where(frame[column] != ""), errors="coerce")


def measure_rules() -> list[pa.Check]:
    """Rules that look across columns of measures.csv, each reported at the offending cell."""

    def value_or_counts(frame: pd.DataFrame) -> pd.DataFrame | bool:
        both = (frame["value"] != "") & ((frame["numerator"] != "") | (frame["denominator"] != ""))
        return _cell_flags(frame, "value", both)

    def counts_in_pairs(frame: pd.DataFrame) -> pd.DataFrame | bool:
        half = (frame["numerator"] == "") != (frame["denominator"] == "")
        column = "denominator"
        return _cell_flags(frame, column, half)

    def denominator_positive(frame: pd.DataFrame) -> pd.DataFrame | bool:
        return _cell_flags(frame, "denominator", _numbers(frame, "denominator") == 0)

    def numerator_within(frame: pd.DataFrame) -> pd.DataFrame | bool:
        over = _numbers(frame, "numerator") > _numbers(frame, "denominator")
        return _cell_flags(frame, "numerator", over)

    def one_period_each(frame: pd.DataFrame) -> pd.DataFrame | bool:
        dup = frame.duplicated(["team_id", "measure_id", "period"], keep="first")
        return _cell_flags(frame, "period", dup)

    def consistent(column: str):
        def check(frame: pd.DataFrame) -> pd.DataFrame | bool:
            first = frame.groupby(["team_id", "measure_id"], sort=False)[column].transform("first")
            return _cell_flags(frame, column, frame[column] != first)

        return check

    def one_primary_per_team(frame: pd.DataFrame) -> pd.DataFrame | bool:
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

    def one_kind(frame: pd.DataFrame) -> pd.DataFrame | bool:
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
            "team_id": text_column(
                pa.Check(
                    lambda s: s.isin(teams),
                    error="a team_id listed in this cohort's teams.csv: " + or_list(teams),
                )
            ),
            "measure_id": text_column(not_blank(), pa.Check.str_matches(ID_PATTERN, error=ID_RULE)),
            "measure_name": text_column(not_blank()),
            "period": text_column(iso_date()),
            "value": text_column(number()),
            "numerator": text_column(count()),
            "denominator": text_column(count()),
            "unit": text_column(not_blank()),
            "improvement_direction": text_column(one_of(DIRECTIONS)),
            "target": text_column(number()),
            "primary": text_column(
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

    def listed(frame: pd.DataFrame) -> pd.DataFrame | bool:
        keys = frame["team_id"] + " / " + frame["measure_id"]
        return _cell_flags(frame, "measure_id", ~keys.isin(known))

    return pa.DataFrameSchema(
        {
            "team_id": text_column(not_blank()),
            "measure_id": text_column(not_blank()),
            "date": text_column(iso_date()),
            "description": text_column(not_blank()),
            "rebase": text_column(
                pa.Check(lambda s: s.str.lower().isin({"yes", "no"}), error="yes or no")
            ),
        },
        checks=[
            pa.Check(
                listed,
                error="this team has no such measure in measures.csv|a "
                "team_id and measure_id pair from measures.csv: " + or_list(sorted(known)),
            )
        ],
        strict=False,
        name="changes.csv",
    )
