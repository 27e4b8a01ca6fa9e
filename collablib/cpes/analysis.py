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
- the **change** from baseline to follow-up in percentage points, with a 95% interval for
  the difference of two proportions (Newcombe's hybrid score interval, from the two Wilson
  intervals computed from each score and its number of responses), where both are known and
  not suppressed.

Questions are followed across renumbering through ``question_map.csv``. A comparison across
the 2019-2021 method change is flagged. CPES covers the whole trust, so a change cannot be
attributed to the project; the report says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from collablib.data.cpes import CpesData
from collablib.errors import CollabError
from collablib.survey.metrics import wilson_interval

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
    "difference_interval",
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
                    "question": number,
                    "question_key": match["question_key"].iloc[0],
                    "question_text": match["question_text"].iloc[0],
                }
            )
    return pd.DataFrame(
        rows,
        columns=["team_id", "team_name", "org_code", "question", "question_key", "question_text"],
    )


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

    A year in which the trust has no row gets ``present`` False (the trust took no part).
    """
    if targets.empty:
        return pd.DataFrame(columns=YEARLY_COLUMNS)
    grid = targets[["team_id", "org_code", "question", "question_key"]].merge(
        pd.DataFrame({"year": cpes.years["year"].astype(int)}), how="cross"
    )
    trusts = cpes.trusts()[["org_code", "year", "question_key", *TRUST_FIELDS, "performance"]]
    national = cpes.national()[["year", "question_key", "score"]].rename(
        columns={"score": "national"}
    )
    out = grid.merge(trusts, on=["org_code", "year", "question_key"], how="left", indicator=True)
    out["present"] = out.pop("_merge") == "both"
    out = out.merge(national, on=["year", "question_key"], how="left")
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    out["flag"] = [
        _flag(row) if present else None
        for row, present in zip(out.to_dict("records"), out["present"], strict=True)
    ]
    out["question_number"] = out["question_number"].where(out["present"], None)
    return out[YEARLY_COLUMNS].reset_index(drop=True)


def difference_interval(p1: float, n1: float, p2: float, n2: float) -> tuple[float, float]:
    """95% interval for p2 - p1 (percent, percentage points): Newcombe's hybrid score method.

    Built from each proportion's Wilson interval (Newcombe 1998, method 10): with l, u the
    Wilson limits, the interval is d - sqrt((p2 - l2)^2 + (u1 - p1)^2) to
    d + sqrt((u2 - p2)^2 + (p1 - l1)^2), where d = p2 - p1.
    """
    l1, u1 = wilson_interval(p1 / 100 * n1, n1)
    l2, u2 = wilson_interval(p2 / 100 * n2, n2)
    d = p2 - p1
    return d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt(
        (u2 - p2) ** 2 + (p1 - l1) ** 2
    )


CHANGE_COLUMNS = [
    "team_id",
    "team_name",
    "org_code",
    "question",
    "question_key",
    "question_text",
    "baseline_year",
    "baseline_score",
    "baseline_n",
    "followup_year",
    "followup_score",
    "followup_n",
    "change",
    "change_ci_low",
    "change_ci_high",
    "baseline_flag",
    "followup_flag",
    "baseline_missing",
    "followup_missing",
    "baseline_suppressed",
    "followup_suppressed",
    "method_change",
]
#: The trust-level fields carried from the CPES extract into each team's year-by-year rows.
TRUST_FIELDS = [
    "question_number",
    "suppressed",
    "responses",
    "score",
    "ci_low",
    "ci_high",
    "expected_low",
    "expected_high",
]
YEARLY_COLUMNS = [
    "team_id",
    "org_code",
    "question",
    "question_key",
    "year",
    "present",
    *TRUST_FIELDS,
    "flag",
    "national",
]


def changes(targets: pd.DataFrame, yearly: pd.DataFrame, years: SurveyYears) -> pd.DataFrame:
    """One row per team and question: baseline and follow-up, the change and its interval.

    Suppressed or missing scores are ``NaN`` (``null`` in JSON), never zero.
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
        if not (math.isnan(change) or math.isnan(b_n) or math.isnan(f_n)):
            low, high = difference_interval(b_score, b_n, f_score, f_n)
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
                "baseline_flag": b["flag"] if b is not None else None,
                "followup_flag": f["flag"] if f is not None else None,
                "baseline_missing": b is None or not b["present"],
                "followup_missing": f is None or not f["present"],
                "baseline_suppressed": bool(b is not None and b["suppressed"]),
                "followup_suppressed": bool(f is not None and f["suppressed"]),
                "method_change": years.method_change,
            }
        )
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


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


#: Decimal places kept in ``collab summary --json`` CPES values: far below any published
#: precision, enough to drop binary floating-point noise from differences.
JSON_DECIMALS = 9
#: The :data:`CHANGE_COLUMNS` that ``collab summary --json`` carries, in that order.
JSON_KEYS = frozenset(CHANGE_COLUMNS) - {
    "team_name",
    "question_key",
    "question_text",
    "baseline_missing",
    "followup_missing",
    "baseline_suppressed",
    "followup_suppressed",
    "method_change",
}


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
            elif isinstance(v, (np.integer,)):
                v = int(v)
            elif isinstance(v, (np.floating,)):
                v = float(v)
            if k in ("baseline_n", "followup_n") and v is not None:
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
    )
