"""What patients said: CPES results for the questions each team targeted, before and after.

For each team and each question it targeted (``teams.csv`` ``cpes_questions``, numbered
as in the **baseline** survey, the one the team looked at when choosing what to improve):

- the trust's score by year with its 95% interval, the national score, the expected range
  and whether the trust was **above**, **within** or **below** it (the published performance
  category; if absent, the score against the expected range);
- the **baseline year**: the last survey whose patients were all treated before the cohort
  started (sample period ending before ``start_date``); the **follow-up year**: the first
  survey whose patients were all treated after it ended (sample period starting after
  ``end_date``), from ``cpes_years.csv``;
- the **change** from baseline to follow-up, where both are known and not suppressed:

  - for a **percentage** (``score_type`` ``percent``), in percentage points, with a 95%
    interval for the difference of two proportions (Newcombe's hybrid score interval, from
    the two Wilson intervals computed from each score and its number of responses);
  - for a **mean out of 10** (``mean_0_10``, the overall rating of care), on that scale,
    with a 95% interval built from the two published 95% intervals: each year's standard
    error is its interval's half-width over 1.96, and the difference's standard error is
    the root sum of their squares (the two surveys are independent samples). Where either
    year has no published interval, the change has no interval, and
    ``no_interval_reason`` says why.

Questions are followed across renumbering through ``question_map.csv``, and a trust that
merged is followed to its successor (``trust_successors.csv``) from the merger's year: such
a change is flagged "trust merged: compare with care". A comparison across the 2019-2021
change of questionnaire and contractor is flagged. CPES covers the whole trust, so a change
cannot be attributed to the project; the report says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from collablib.cpes.columns import (
    CHANGE_COLUMNS,
    JSON_DECIMALS,
    JSON_KEYS,
    TARGET_COLUMNS,
    TRUST_FIELDS,
    YEARLY_COLUMNS,
)
from collablib.cpes.context import TUMOUR_COLUMNS, tumour_context
from collablib.cpes.intervals import (
    FROM_PUBLISHED_CI,
    NEWCOMBE,
    difference_interval,
    mean_difference_interval,
)
from collablib.data.cpes import CpesData
from collablib.data.cpes_layout import MEAN
from collablib.errors import CollabError

__all__ = [
    "CHANGE_COLUMNS",
    "JSON_DECIMALS",
    "JSON_KEYS",
    "TRUST_FIELDS",
    "YEARLY_COLUMNS",
    "CohortCpes",
    "CpesSummary",
    "SurveyYears",
    "analyse_cohort",
    "as_json",
    "by_year",
    "changes",
    "summary",
    "survey_years",
    "targeted_questions",
]


@dataclass(frozen=True)
class SurveyYears:
    """The CPES years that bracket a cohort."""

    baseline: int | None
    followup: int | None
    method_change: bool  # baseline and follow-up used different survey methods


def survey_years(years: pd.DataFrame, start: date, end: date) -> SurveyYears:
    """The baseline (last survey sampled wholly before ``start``) and follow-up (first survey
    sampled wholly after ``end``) years."""
    before = years[years["sample_end"] < pd.Timestamp(start)]
    after = years[years["sample_start"] > pd.Timestamp(end)]
    baseline = int(before["year"].max()) if len(before) else None
    followup = int(after["year"].min()) if len(after) else None
    method = dict(zip(years["year"], years["method"], strict=True))
    change = baseline is not None and followup is not None and method[baseline] != method[followup]
    return SurveyYears(baseline, followup, bool(change))


def targeted_questions(
    teams: pd.DataFrame, cpes: CpesData, baseline: int | None, teams_file: str = "teams.csv"
) -> pd.DataFrame:
    """One row per team and targeted question, with the question's key and text.

    Question numbers are read in the numbering of the baseline year; a number the question
    map does not know for that year is an error naming the teams.csv row.
    """
    rows = []
    qmap = cpes.questions
    for team in teams.itertuples():
        codes = [
            q.strip()
            for q in str(getattr(team, "cpes_questions", "") or "").split(";")
            if q.strip()
        ]
        for number in codes:
            match = qmap[
                (qmap["year"].astype(int) == baseline) & (qmap["question_number"] == number)
            ]
            if match.empty:
                known = qmap.loc[qmap["year"].astype(int) == baseline, "question_number"]
                raise CollabError(
                    f"question {number} is not in the CPES question map for {baseline}, the "
                    "baseline year whose numbering cpes_questions uses",
                    file=teams_file,
                    row=int(team.row),
                    column="cpes_questions",
                    value=number,
                    allowed=", ".join(sorted(known, key=lambda q: int(q[1:]))),
                )
            rows.append(
                {
                    "team_id": team.team_id,
                    "team_name": team.team_name,
                    "org_code": team.org_code,
                    "tumour_group": str(getattr(team, "tumour_group", "") or ""),
                    "question": number,
                    "question_key": match["question_key"].iloc[0],
                    "question_text": match["question_text"].iloc[0],
                    "score_type": match["score_type"].iloc[0]
                    if "score_type" in match
                    else "percent",
                }
            )
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def _flag(row: Any) -> str | None:
    if row is None or row["suppressed"]:
        return None
    if row["performance"]:
        return row["performance"]
    if math.isnan(row["expected_low"]) or math.isnan(row["expected_high"]):
        return None
    if row["score"] > row["expected_high"]:
        return "above"
    if row["score"] < row["expected_low"]:
        return "below"
    return "within"


def by_year(targets: pd.DataFrame, cpes: CpesData) -> pd.DataFrame:
    """Tidy: one row per team, question and survey year: trust and national scores, flags.

    A team's trust is followed to its successor from the year it merged
    (``source_org_code`` is the trust whose results are shown; ``merged`` says it is
    not the team's own). A year in which that trust has no row gets ``present`` False.
    """
    if targets.empty:
        return pd.DataFrame(columns=YEARLY_COLUMNS)
    grid = targets[["team_id", "org_code", "question", "question_key", "score_type"]].merge(
        pd.DataFrame({"year": cpes.years["year"].astype(int)}), how="cross"
    )
    grid["source_org_code"] = [
        cpes.successor(code, int(year))
        for code, year in zip(grid["org_code"], grid["year"], strict=True)
    ]
    grid["merged"] = grid["source_org_code"] != grid["org_code"]
    trusts = cpes.trusts()[["org_code", "year", "question_key", *TRUST_FIELDS, "performance"]]
    trusts = trusts.rename(columns={"org_code": "source_org_code"})
    national = cpes.national()[["year", "question_key", "score"]].rename(
        columns={"score": "national"}
    )
    out = grid.merge(
        trusts, on=["source_org_code", "year", "question_key"], how="left", indicator=True
    )
    out["present"] = out.pop("_merge") == "both"
    out = out.merge(national, on=["year", "question_key"], how="left")
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    out["unadjusted"] = out["unadjusted"].fillna(False).astype(bool)
    out["flag"] = [
        _flag(row) if present else None
        for row, present in zip(out.to_dict("records"), out["present"], strict=True)
    ]
    out["question_number"] = out["question_number"].where(out["present"], None)
    return out[YEARLY_COLUMNS].reset_index(drop=True)


def changes(targets: pd.DataFrame, yearly: pd.DataFrame, years: SurveyYears) -> pd.DataFrame:
    """One row per team and question: baseline and follow-up, the change and its interval.

    Suppressed or missing scores are ``NaN`` (``null`` in JSON), never zero. The
    interval depends on the score type (see the module notes); ``interval_method``
    names the method and ``no_interval_reason`` says why a change has none.
    """
    rows = []
    for t in targets.itertuples():
        mine = yearly[(yearly["team_id"] == t.team_id) & (yearly["question"] == t.question)]
        base = mine[mine["year"] == years.baseline]
        follow = mine[mine["year"] == years.followup]
        b = base.iloc[0] if len(base) else None
        f = follow.iloc[0] if len(follow) else None

        def value(row, column):
            if row is None or row["suppressed"] or not row["present"]:
                return math.nan
            return float(row[column])

        b_score, f_score = value(b, "score"), value(f, "score")
        b_n = float(b["responses"]) if b is not None and b["present"] else math.nan
        f_n = float(f["responses"]) if f is not None and f["present"] else math.nan
        change = f_score - b_score
        low = high = math.nan
        method = reason = ""
        if math.isnan(change):
            reason = _why_no_change(years, {years.baseline: b, years.followup: f})
        elif t.score_type == MEAN:
            limits = [
                value(b, "ci_low"),
                value(b, "ci_high"),
                value(f, "ci_low"),
                value(f, "ci_high"),
            ]
            if any(math.isnan(v) for v in limits):
                reason = (
                    "no interval: the published results give no confidence interval for "
                    "one of the two years, and a mean's interval cannot be found from its "
                    "count alone"
                )
            else:
                low, high = mean_difference_interval(
                    b_score, limits[0], limits[1], f_score, limits[2], limits[3]
                )
                method = FROM_PUBLISHED_CI
        elif math.isnan(b_n) or math.isnan(f_n) or b_n <= 0 or f_n <= 0:
            reason = "no interval: a number of responses is missing"
        else:
            low, high = difference_interval(b_score, b_n, f_score, f_n)
            method = NEWCOMBE
        merged = bool((b is not None and b["merged"]) or (f is not None and f["merged"]))
        rows.append(
            {
                "team_id": t.team_id,
                "team_name": t.team_name,
                "org_code": t.org_code,
                "question": t.question,
                "question_key": t.question_key,
                "question_text": t.question_text,
                "baseline_year": years.baseline,
                "baseline_score": b_score,
                "baseline_n": b_n,
                "followup_year": years.followup,
                "followup_score": f_score,
                "followup_n": f_n,
                "change": change,
                "change_ci_low": low,
                "change_ci_high": high,
                "score_type": t.score_type,
                "interval_method": method,
                "no_interval_reason": reason if not method else "",
                "followup_org_code": f["source_org_code"] if f is not None else t.org_code,
                "trust_merged": merged,
                "baseline_flag": b["flag"] if b is not None else None,
                "followup_flag": f["flag"] if f is not None else None,
                "baseline_missing": b is None or not b["present"],
                "followup_missing": f is None or not f["present"],
                "baseline_suppressed": bool(b is not None and b["suppressed"]),
                "followup_suppressed": bool(f is not None and f["suppressed"]),
                "baseline_unadjusted": bool(b is not None and b["present"] and b["unadjusted"]),
                "followup_unadjusted": bool(f is not None and f["present"] and f["unadjusted"]),
                "method_change": years.method_change,
            }
        )
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def _why_no_change(years: SurveyYears, rows: dict[int | None, Any]) -> str:
    """Why a change cannot be calculated: no survey year, the trust absent, or suppressed."""
    if years.baseline is None or years.followup is None:
        which = "baseline" if years.baseline is None else "follow-up"
        return f"no change: the CPES years give this cohort no {which} survey"
    absent = [str(y) for y, row in rows.items() if row is None or not row["present"]]
    if absent:
        return f"no change: the trust is not in the {' or '.join(absent)} results"
    return "no change: a result is suppressed"


@dataclass(frozen=True)
class CpesSummary:
    """A cohort's targeted CPES questions, and how many were below expected before and after."""

    baseline_year: int | None
    followup_year: int | None
    questions: int
    teams: int
    below_at_baseline: int
    below_at_followup: int
    above_at_followup: int
    significant_rises: int
    method_change: bool


def summary(table: pd.DataFrame, years: SurveyYears) -> CpesSummary:
    """Cohort summary: targeted questions, and how many were below expected before and after."""
    return CpesSummary(
        baseline_year=years.baseline,
        followup_year=years.followup,
        questions=len(table),
        teams=int(table["team_id"].nunique()) if len(table) else 0,
        below_at_baseline=int((table["baseline_flag"] == "below").sum()) if len(table) else 0,
        below_at_followup=int((table["followup_flag"] == "below").sum()) if len(table) else 0,
        above_at_followup=int((table["followup_flag"] == "above").sum()) if len(table) else 0,
        significant_rises=int((table["change_ci_low"] > 0).sum()) if len(table) else 0,
        method_change=bool(years.method_change),
    )


def as_json(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The ``cpes`` list of ``collab summary --json``: suppressed or missing values are ``null``."""
    keys = [c for c in CHANGE_COLUMNS if c in JSON_KEYS]
    out = []
    for rec in table.to_dict("records"):
        item = {}
        for k in keys:
            v = rec[k]
            if isinstance(v, float) and math.isnan(v):
                v = None
            elif isinstance(v, np.generic):  # NumPy int, float or bool: the Python value
                v = v.item()
            if k in ("interval_method", "no_interval_reason") and not v:
                v = None  # an interval, or none: only one of the two is given
            elif k in ("baseline_n", "followup_n") and v is not None:
                v = int(v)
            elif isinstance(v, float):
                v = round(v, JSON_DECIMALS)  # 2.9, not 2.9000000000000057 (float noise)
            item[k] = v
        out.append(item)
    return out


@dataclass
class CohortCpes:
    """Everything the report's CPES section shows for one cohort."""

    years: SurveyYears
    targets: pd.DataFrame
    yearly: pd.DataFrame
    table: pd.DataFrame
    summary: CpesSummary
    teams_without: int
    min_responses: int
    #: each team's own tumour group at its trust, by year (context; see tumour_context)
    tumour: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TUMOUR_COLUMNS))
    breakdown_min_responses: int = 21
    #: survey years in cpes_years.csv with no trust results in any file
    missing_years: tuple[int, ...] = ()
    #: every file of data/cpes/ (by name) and what it was read as, for the data-quality log
    files: tuple[tuple[str, str], ...] = ()

    def teams(self) -> list[tuple[str, pd.DataFrame]]:
        """(team name, its rows of :attr:`table`) for every team with a targeted question."""
        return [
            (str(rows["team_name"].iloc[0]), rows)
            for _, rows in self.table.groupby("team_id", sort=True)
        ]

    def charts(self) -> list[tuple[str, pd.DataFrame]]:
        """(title, yearly rows) for each team's targeted question, in team order."""
        out = []
        for t in self.targets.sort_values(["team_id"], kind="stable").itertuples():
            rows = self.yearly[
                (self.yearly["team_id"] == t.team_id) & (self.yearly["question"] == t.question)
            ]
            numbers = [
                n
                for n in dict.fromkeys(rows.sort_values("year")["question_number"])
                if isinstance(n, str) and n != t.question
            ]
            renumbered = f" (numbered {', '.join(numbers)} in other years)" if numbers else ""
            out.append(
                (f"{t.team_name} ({t.org_code}): {t.question}{renumbered} {t.question_text}", rows)
            )
        return out


def analyse_cohort(
    cpes: CpesData | None,
    teams: pd.DataFrame,
    start: date,
    end: date,
    teams_file: str = "teams.csv",
) -> CohortCpes | None:
    """The CPES analysis for a cohort, or ``None`` when there is no CPES extract.

    Raises :class:`CollabError`, naming ``teams_file``, for a targeted question the
    question map does not know in the baseline year.
    """
    if cpes is None:
        return None
    years = survey_years(cpes.years, start, end)
    targets = targeted_questions(teams, cpes, years.baseline, teams_file)
    yearly = by_year(targets, cpes)
    table = changes(targets, yearly, years)
    targeted_teams = set(targets["team_id"])
    return CohortCpes(
        years,
        targets,
        yearly,
        table,
        summary(table, years),
        int(sum(1 for t in teams["team_id"] if t not in targeted_teams)),
        cpes.min_responses,
        tumour_context(targets, yearly, cpes),
        cpes.breakdown_min_responses,
        tuple(cpes.missing_years),
        tuple((f.path.name, f.read_as) for f in cpes.listing),
    )
