"""Improvement measures and change ideas: loading, validation and missing periods.

Each project team tracks one or more measures over time in
``data/raw/<cohort_id>/measures.csv`` (one row per team, measure and period)
and records its change ideas and PDSA cycles in ``changes.csv``. Both are
optional: a cohort without them simply has no "Improvement measures" analysis.

A measure is either a **value** (such as a waiting time in days) or a
**proportion** given as ``numerator`` and ``denominator`` (with ``value``
blank). A row with neither is a period without data. Periods absent from the
file are added as missing rows when the measure is monthly (every period is
the first of a month), so gaps are visible and never joined into false runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from collablib.data.ingest import drop_blank_rows, read_table
from collablib.data.inputs import input_exists
from collablib.data.measure_schemas import (
    CHANGES_COLUMNS,
    MEASURES_COLUMNS,
    changes_schema,
    measures_schema,
)
from collablib.data.schemas import require_columns, validate
from collablib.errors import CollabError

__all__ = [
    "CHANGES_FILE",
    "MEASURES_FILE",
    "MeasuresData",
    "complete_periods",
    "load_measures",
]

MEASURES_FILE = "measures.csv"
CHANGES_FILE = "changes.csv"


@dataclass
class MeasuresData:
    """A cohort's measures (tidy, typed, gaps filled) and change ideas."""

    measures: pd.DataFrame
    changes: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)

    def measure_keys(self) -> list[tuple[str, str]]:
        """(team_id, measure_id) pairs in file order."""
        return list(
            dict.fromkeys(zip(self.measures["team_id"], self.measures["measure_id"], strict=True))
        )


def load_measures(folder: str | os.PathLike[str], teams: pd.DataFrame) -> MeasuresData | None:
    """Read and validate ``measures.csv`` and ``changes.csv`` in a cohort folder.

    Returns ``None`` when the cohort has no ``measures.csv``. A ``changes.csv``
    without ``measures.csv`` is an error, as is any rule in data/README.md broken.
    """
    folder = Path(folder)
    path = folder / MEASURES_FILE
    changes_path = folder / CHANGES_FILE
    if not input_exists(path):
        if input_exists(changes_path):
            raise CollabError(
                "changes.csv is present but measures.csv is not",
                file=folder,
                allowed="both files, or neither",
            )
        return None
    raw, _ = read_table(path, what=MEASURES_FILE)
    raw = drop_blank_rows(raw)
    require_columns(raw, MEASURES_COLUMNS, path)
    if "primary" not in raw:
        raw["primary"] = ""
    if raw.empty:
        raise CollabError(
            "measures.csv has no rows", file=path, allowed="one row per team, measure and period"
        )
    validate(raw, measures_schema(teams["team_id"]), path)
    measures = _typed_measures(raw)
    keys = list(dict.fromkeys(zip(measures["team_id"], measures["measure_id"], strict=True)))
    changes = _load_changes(changes_path, keys)
    return MeasuresData(
        measures=complete_periods(measures),
        changes=changes,
        files={"measures": path, **({"changes": changes_path} if changes_path.is_file() else {})},
    )


def _typed_measures(raw: pd.DataFrame) -> pd.DataFrame:
    def number(column: str) -> pd.Series:
        return pd.to_numeric(raw[column].where(raw[column] != ""), errors="coerce").astype(float)

    out = pd.DataFrame(
        {
            "row": raw.index.to_numpy(),
            "team_id": raw["team_id"].to_numpy(),
            "measure_id": raw["measure_id"].to_numpy(),
            "measure_name": raw["measure_name"].to_numpy(),
            "period": pd.to_datetime(raw["period"]).to_numpy(),
            "numerator": number("numerator").to_numpy(),
            "denominator": number("denominator").to_numpy(),
            "unit": raw["unit"].to_numpy(),
            "improvement_direction": raw["improvement_direction"].to_numpy(),
            "target": number("target").to_numpy(),
        }
    )
    values = number("value").to_numpy()
    counts = out["denominator"].notna()
    out["is_proportion"] = counts.groupby([out["team_id"], out["measure_id"]]).transform("any")
    out["value"] = values
    out.loc[counts, "value"] = out.loc[counts, "numerator"] / out.loc[counts, "denominator"]
    out["missing"] = out["value"].isna()
    primary = raw["primary"].str.lower().to_numpy() == "yes"
    out["primary"] = _primary_flags(out, primary)
    for col in ("team_id", "measure_id", "measure_name", "unit", "improvement_direction"):
        out[col] = out[col].astype("string")
    return out


def _primary_flags(measures: pd.DataFrame, flagged) -> pd.Series:
    """Each team's primary measure: the one flagged ``primary = yes``, else its first listed."""
    keys = list(zip(measures["team_id"], measures["measure_id"], strict=True))
    chosen: dict[str, str] = {}
    for (team, measure), flag in zip(keys, flagged, strict=True):
        if flag:
            chosen[team] = measure
    for team, measure in keys:
        chosen.setdefault(team, measure)
    return pd.Series([chosen[t] == m for t, m in keys], index=measures.index)


def _load_changes(path: Path, keys: list[tuple[str, str]]) -> pd.DataFrame:
    columns = ["row", "team_id", "measure_id", "date", "description", "rebase"]
    if not input_exists(path):
        return pd.DataFrame(columns=columns).astype({"date": "datetime64[ns]", "rebase": bool})
    raw, _ = read_table(path, what=CHANGES_FILE)
    raw = drop_blank_rows(raw)
    require_columns(raw, CHANGES_COLUMNS, path)
    validate(raw, changes_schema(keys), path)
    return (
        pd.DataFrame(
            {
                "row": raw.index.to_numpy(),
                "team_id": raw["team_id"].astype("string").to_numpy(),
                "measure_id": raw["measure_id"].astype("string").to_numpy(),
                "date": pd.to_datetime(raw["date"]).to_numpy(),
                "description": raw["description"].astype("string").to_numpy(),
                "rebase": (raw["rebase"].str.lower() == "yes").to_numpy(),
            },
            columns=columns,
        )
        .sort_values(["team_id", "measure_id", "date", "row"], kind="stable")
        .reset_index(drop=True)
    )


def complete_periods(measures: pd.DataFrame) -> pd.DataFrame:
    """Add a missing row for every absent month of a monthly measure (all periods on the 1st).

    Added rows have no value and ``missing`` True; they inherit the measure's
    name, unit, direction, target and flags. Other measures are left as they are.
    """
    pieces = []
    for _, group in measures.groupby(["team_id", "measure_id"], sort=False):
        group = group.sort_values("period")
        if (group["period"].dt.day == 1).all() and len(group) > 1:
            full = pd.date_range(group["period"].min(), group["period"].max(), freq="MS")
            absent = full.difference(pd.DatetimeIndex(group["period"]))
            if len(absent):
                template = group.iloc[[0]]
                added = pd.concat([template] * len(absent), ignore_index=True)
                added["period"] = absent
                added[["value", "numerator", "denominator"]] = float("nan")
                added["missing"] = True
                added["row"] = pd.NA
                group = pd.concat([group, added]).sort_values("period", kind="stable")
        pieces.append(group)
    out = pd.concat(pieces, ignore_index=True)
    out["row"] = out["row"].astype("Int64")
    return out
