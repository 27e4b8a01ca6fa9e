"""The published CPES layouts: column names, geography levels, kinds of score, breakdowns.

The facts here come from the published files (``../shared/reference/``): the dashboard
data's ``Geog`` levels and its ``adjusted.unadjusted.yearonyear`` column, the three
performance texts, the markers of a suppressed cell. The functions classify the rows
of one results file and choose, for each trust, question and year, the one row that is
read (see :mod:`collablib.data.cpes_files`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from collablib.data.matching import normalise_values
from collablib.data.schemas import row_error
from collablib.errors import CollabError

__all__ = [
    "FIELDS",
    "GEOGRAPHIES",
    "KINDS",
    "MEAN",
    "NUMBERS",
    "PERCENT",
    "PERFORMANCE",
    "REQUIRED",
    "SCORE_TYPES",
    "SUPPRESSED_MARKERS",
    "WHOLE",
    "check_ranges",
    "choose",
    "is_suppressed_marker",
    "kinds",
    "levels",
    "numbers",
    "tumour_rows",
]

PERCENT = "percent"
MEAN = "mean_0_10"
#: Score types of ``question_map.csv``, with the largest score each allows.
SCORE_TYPES: dict[str, float] = {PERCENT: 100.0, MEAN: 10.0}

#: Canonical field -> header texts seen in published files (matched after normalising).
FIELDS: dict[str, tuple[str, ...]] = {
    "geog": ("Geog", "Geography", "Level", "Geography level"),
    "org_code": ("Trust Code", "Organisation code", "Org code", "ODS code", "Provider code"),
    "org_name": ("Trust Name", "Organisation name", "Org name", "Provider name"),
    "year": ("Year", "Survey year"),
    "question_number": ("Question Number", "Question number", "Question"),
    "question_text": ("Question Text",),
    "score_kind": ("adjusted.unadjusted.yearonyear", "Adjusted unadjusted", "Adjustment"),
    "cancer_type": ("Cancer.Type", "Cancer type", "Tumour type"),
    "gender": ("Gender", "Sex"),
    "imd": ("IMD", "IMD quintile", "Deprivation quintile"),
    "responses": ("Number of responses", "Responses", "Number of respondents", "Base"),
    "score": (
        "Scored percentage",
        "Score",
        "Case-mix adjusted score",
        "Adjusted score",
        "Mean score",
    ),
    "ci_low": ("Lower 95% confidence interval", "Lower 95 confidence interval", "Lower CI"),
    "ci_high": ("Upper 95% confidence interval", "Upper 95 confidence interval", "Upper CI"),
    "expected_low": ("Expected Range (lower)", "Expected range lower", "Lower expected range"),
    "expected_high": ("Expected Range (upper)", "Expected range upper", "Upper expected range"),
    "performance": ("Performance", "Performance category"),
}
#: Columns every results file must have (a one-year file may take its year from its name).
REQUIRED = ("org_code", "question_number", "responses", "score")
NUMBERS = ("score", "ci_low", "ci_high", "expected_low", "expected_high")
SUPPRESSED_MARKERS = {"", "*", "-", "n/a", "na", "s", "suppressed"}
PERFORMANCE = {
    "adjusted score above expected upper range": "above",
    "adjusted score between expected upper and lower ranges": "within",
    "adjusted score below expected lower range": "below",
}
#: ``Geog`` values (normalised) -> the level they are counted as. Only trust and national
#: rows are read; the others are left out and counted in the log.
GEOGRAPHIES: dict[str, str] = {
    "": "",
    "trust": "Trust",
    "provider": "Trust",
    "national": "National",
    "england": "National",
    "ccg": "CCG",
    "icb": "ICB",
    "sub icb": "ICB",
    "cancer alliance": "Cancer Alliance",
    "alliance": "Cancer Alliance",
    "stp": "STP",
    "region": "Region",
}
#: Kinds of score (normalised, spaces removed) -> preference: 0 the case-mix-adjusted
#: published score (blank in a plain trust table), 1 the unadjusted fallback, None not read.
KINDS: dict[str, int | None] = {
    "": 0,
    "adjusted": 0,
    "casemixadjusted": 0,
    "unadjusted": 1,
    "yearonyear": None,
}
#: A breakdown cell that means "the whole trust" (normalised).
WHOLE = frozenset({"", "all", "overall", "total", "all patients"})


def is_suppressed_marker(series: pd.Series) -> pd.Series:
    """Cells that mark a suppressed result: blank, ``*``, ``-``, "n/a"..."""
    return series.str.strip().str.lower().isin(SUPPRESSED_MARKERS)


def numbers(series: pd.Series) -> pd.Series:
    """Published numbers as floats (thousands separators and % allowed); NaN if suppressed or
    not a number.

    The rule: strip spaces, drop thousands separators and a % sign, then parse; a
    suppressed marker is NaN. Most published cells are plain numbers, so those are parsed
    in one call and only the rest go through the rule (a dashboard file has tens of
    thousands of cells; a test checks the two give the same result).
    """
    text = series.astype("string")
    direct = pd.to_numeric(text, errors="coerce").astype(float)
    rest = direct.isna().to_numpy() & (text.fillna("") != "").to_numpy()
    if rest.any():
        sub = text[rest]
        cleaned = (
            sub.str.strip()
            .str.replace(",", "", regex=False)
            .str.replace("%", "", regex=False)
            .str.strip()
        )
        parsed = pd.to_numeric(cleaned.where(~is_suppressed_marker(sub)), errors="coerce")
        direct[rest] = parsed.astype(float).to_numpy()
    return direct


def levels(frame: pd.DataFrame, path: Path, columns: dict[str, str]) -> pd.Series:
    """Each row's geography level: "Trust", "National" or a level that is not read."""
    geog = normalise_values(frame["geog"])
    unknown = ~geog.isin(GEOGRAPHIES)
    if unknown.any():
        raise row_error(
            frame,
            unknown,
            "unknown geography level",
            path,
            columns.get("geog", "Geog"),
            "Trust, National, CCG, ICB, Cancer Alliance, STP or Region",
            field="geog",
        )
    level = geog.map(GEOGRAPHIES)
    code = frame["org_code"].str.strip().str.lower()
    name = normalise_values(frame["org_name"])
    implied_national = (level == "") & (
        (code == "all") | ((code == "") & name.isin({"england", "national"}))
    )
    level = level.where(~implied_national, "National")
    return level.where(level != "", "Trust")


def kinds(frame: pd.DataFrame, path: Path, columns: dict[str, str]) -> pd.Series:
    kind = normalise_values(frame["score_kind"]).str.replace(" ", "", regex=False)
    unknown = ~kind.isin(KINDS)
    if unknown.any():
        raise row_error(
            frame,
            unknown,
            "unknown kind of score",
            path,
            columns.get("score_kind", "adjusted.unadjusted.yearonyear"),
            "adjusted, unadjusted or yearonyear",
            field="score_kind",
        )
    return kind


def check_ranges(
    frame: pd.DataFrame,
    values: dict[str, np.ndarray],
    score_type: np.ndarray,
    read: np.ndarray,
    path: Path,
    columns: dict[str, str],
) -> None:
    """A percentage above 100 or a mean above 10 (or any score below 0) is an error."""
    top = np.array([SCORE_TYPES[t] for t in score_type])
    for f in NUMBERS:
        v = values[f]
        with np.errstate(invalid="ignore"):
            bad = read & ~np.isnan(v) & ((v < 0) | (v > top))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            row = frame.index[i]
            mean = score_type[i] == MEAN
            raise CollabError(
                "score out of range for its question's score type "
                f"({score_type[i]} in question_map.csv)",
                file=path,
                row=int(row),
                column=columns.get(f, f),
                value=frame.at[row, f],
                allowed="a mean from 0 to 10"
                if mean
                else "a percentage from 0 to 100 (or a fraction from 0 to 1); if this "
                "question is a mean out of 10, set its score_type to mean_0_10",
            )
    # A score outside its own interval: most often one value of the row typed as a fraction
    # and another as a percentage. Published values are rounded, hence the small slack.
    slack = np.where(score_type == MEAN, 0.01, 0.1)
    score, low, high = values["score"], values["ci_low"], values["ci_high"]
    with np.errstate(invalid="ignore"):
        outside = read & ((low > score + slack) | (high < score - slack))
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        row = frame.index[i]
        raise CollabError(
            "the score is outside its own 95% confidence interval "
            f"({frame.at[row, 'ci_low']} to {frame.at[row, 'ci_high']})",
            file=path,
            row=int(row),
            column=columns.get("score", "score"),
            value=frame.at[row, "score"],
            allowed="a score between its interval's limits, all as fractions or all as "
            "percentages in one row",
        )


def choose(rows: pd.DataFrame, path: Path, columns: dict[str, str]) -> pd.DataFrame:
    """The one row read for each trust (and England), question and year.

    The case-mix-adjusted whole-trust row where there is one, else the unadjusted one.
    Two rows of the same kind for the same trust, question and year are an error.
    """
    key = ["national", "org_code", "year", "question_number"]
    rows = rows.assign(rank=rows["rank"].astype(int))
    best = rows.groupby(key, sort=False)["rank"].transform("min")
    chosen = rows[rows["rank"] == best]
    dup = chosen.duplicated(key, keep=False)
    if dup.any():
        first = chosen[dup].iloc[1]
        kind = first["kind"] or "published"
        raise CollabError(
            f"the same trust, year and question appears twice as a whole-trust {kind} score",
            file=path,
            row=int(first["row"]),
            column=columns.get("question_number", "question_number"),
            value=first["question_number"],
            allowed="one row per trust, question, year and kind of score",
        )
    return chosen


def tumour_rows(rows: pd.DataFrame, floor: int) -> pd.DataFrame:
    """Whole-trust rows for one cancer type: context, with their own small-numbers rule."""
    rows = rows.sort_values(["rank", "row"], kind="stable").drop_duplicates(
        ["org_code", "year", "question_number", "cancer_type"]
    )
    small = np.nan_to_num(rows["responses"].to_numpy(dtype=float), nan=0) < floor
    suppressed = rows["score"].isna().to_numpy() | small
    out = rows.assign(suppressed=suppressed)
    for f in ("score", "ci_low", "ci_high"):
        out[f] = out[f].where(~out["suppressed"])
    return out[
        [
            "file",
            "row",
            "org_code",
            "year",
            "question_number",
            "cancer_type",
            "score_type",
            "responses",
            "score",
            "ci_low",
            "ci_high",
            "suppressed",
        ]
    ].reset_index(drop=True)
