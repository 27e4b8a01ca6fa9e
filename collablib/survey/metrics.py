"""End-of-collaborative survey metrics.

All percentages are 0-100 and unrounded; rounding is for display only (see
:mod:`collablib.report.formatting`). Confidence intervals for a proportion are the
95% Wilson score interval (Wilson, 1927), computed by
``statsmodels.stats.proportion.proportion_confint(method="wilson")``. Wilson is
preferred to the normal ("Wald") interval because it stays inside 0-100% and
behaves well for the small numbers and extreme proportions (0%, 100%) that
cohort surveys produce. The interval for a *difference* of two proportions,
:func:`newcombe_interval`, is built from the two Wilson intervals: the one method
behind both the cohort comparisons and the CPES changes.

A rating is *positive* when it is 3 or 4 on the 1-4 scale, as in the
published NHS England summary ("positive rating of 3 and 4"). Blank answers
are left out of the denominator.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from collablib.data.schemas import RATING_COLUMNS, ROLES

__all__ = [
    "CONFIDENCE",
    "POSITIVE_FROM",
    "RATING_ITEMS",
    "Headline",
    "Share",
    "add_proportion_columns",
    "headline",
    "item_summary",
    "newcombe_interval",
    "percent",
    "pool_headlines",
    "rating_counts",
    "recommend_summary",
    "role_breakdown",
    "team_coverage",
    "wilson_interval",
]

#: Reviewer-facing labels of the rating items, in report order.
RATING_ITEMS: dict[str, str] = {
    "team_working": "Team working",
    "patient_carer_experience": "Patient/carer experience of cancer care",
    "staff_experience": "Staff experience of delivering cancer care",
}
assert tuple(RATING_ITEMS) == RATING_COLUMNS

#: The lowest rating that counts as positive.
POSITIVE_FROM = 3

#: Confidence level of every interval in the reports.
CONFIDENCE = 0.95


def wilson_interval(
    positive: int | np.ndarray | pd.Series, n: int | np.ndarray | pd.Series
) -> tuple[Any, Any]:
    """95% Wilson score interval for ``positive`` out of ``n``, in percent.

    Accepts scalars or arrays. Where ``n`` is 0 the proportion is undefined and
    both limits are NaN.
    """
    k = np.asarray(positive, dtype=float)
    nobs = np.asarray(n, dtype=float)
    safe_n = np.where(nobs > 0, nobs, 1.0)
    low, high = proportion_confint(k, safe_n, alpha=1 - CONFIDENCE, method="wilson")
    low = np.asarray(low, dtype=float) * 100
    high = np.asarray(high, dtype=float) * 100
    # At 0% and 100% the Wilson limit is exactly 0 or 100; floating point gives
    # 99.99999999999997, which would put the estimate outside its own interval.
    low = np.where(k <= 0, 0.0, low)
    high = np.where(k >= nobs, 100.0, high)
    low = np.where(nobs > 0, low, np.nan)
    high = np.where(nobs > 0, high, np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def newcombe_interval(
    positive1: float, n1: float, positive2: float, n2: float
) -> tuple[float, float]:
    """95% interval for p1 - p2 in percentage points, p = positive / n: Newcombe's hybrid score.

    Newcombe (1998), method 10, built from each proportion's :func:`wilson_interval`
    (l, u): d - sqrt((p1 - l1)^2 + (u2 - p2)^2) to d + sqrt((u1 - p1)^2 + (p2 - l2)^2),
    with d = p1 - p2. The same limits as statsmodels'
    ``confint_proportions_2indep(method="newcomb", compare="diff")`` (tested), written out
    because the CPES changes need it for published percentages, whose positive counts
    (score x responses) need not be whole numbers. NaN where either ``n`` is 0.
    """
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan
    p1, p2 = 100 * positive1 / n1, 100 * positive2 / n2
    l1, u1 = wilson_interval(positive1, n1)
    l2, u2 = wilson_interval(positive2, n2)
    d = p1 - p2
    return d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def percent(positive: Any, n: Any) -> Any:
    """``100 * positive / n``, NaN where ``n`` is 0 (scalar or array)."""
    k = np.asarray(positive, dtype=float)
    nobs = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(nobs > 0, 100 * k / np.where(nobs > 0, nobs, 1), np.nan)
    return float(out) if out.ndim == 0 else out


def add_proportion_columns(
    frame: pd.DataFrame, positive: str = "positive", n: str = "n"
) -> pd.DataFrame:
    """Return ``frame`` with ``pct``, ``ci_low`` and ``ci_high`` computed from two count columns."""
    out = frame.copy()
    out["pct"] = percent(out[positive].to_numpy(), out[n].to_numpy())
    low, high = wilson_interval(out[positive].to_numpy(), out[n].to_numpy())
    out["ci_low"] = low
    out["ci_high"] = high
    return out


def rating_counts(survey: pd.DataFrame) -> pd.DataFrame:
    """Tidy counts of each answer (1-4, and not answered) for each rating item.

    Columns: ``item``, ``label``, ``rating`` (1-4, or ``<NA>`` for not
    answered), ``count``. Every combination appears, with 0 where nobody chose
    it, so charts and tables always show the full scale.
    """
    rows = []
    for item, label in RATING_ITEMS.items():
        values = survey[item]
        for rating in (1, 2, 3, 4):
            rows.append((item, label, rating, int((values == rating).sum())))
        rows.append((item, label, pd.NA, int(values.isna().sum())))
    out = pd.DataFrame(rows, columns=["item", "label", "rating", "count"])
    out["rating"] = out["rating"].astype("Int64")
    out["item"] = out["item"].astype("string")
    out["label"] = out["label"].astype("string")
    return out


def item_summary(survey: pd.DataFrame) -> pd.DataFrame:
    """One row per rating item: answered, positive (3 or 4), % positive and Wilson 95% CI.

    Columns: ``item``, ``label``, ``n`` (answered), ``positive``,
    ``not_answered``, ``pct``, ``ci_low``, ``ci_high``.
    """
    rows = []
    for item, label in RATING_ITEMS.items():
        values = survey[item]
        answered = int(values.notna().sum())
        positive = int((values >= POSITIVE_FROM).fillna(False).sum())
        rows.append((item, label, answered, positive, int(values.isna().sum())))
    out = pd.DataFrame(rows, columns=["item", "label", "n", "positive", "not_answered"])
    out = out.astype({"item": "string", "label": "string"})
    return add_proportion_columns(out)


def recommend_summary(survey: pd.DataFrame) -> dict[str, Any]:
    """Would respondents recommend taking part? ``n`` answered, ``yes``, ``pct`` and Wilson CI."""
    answers = survey["recommend"]
    n = int(answers.notna().sum())
    yes = int((answers == "Yes").fillna(False).sum())
    low, high = wilson_interval(yes, n)
    return {
        "n": n,
        "yes": yes,
        "pct": percent(yes, n),
        "ci_low": low,
        "ci_high": high,
        "not_answered": int(answers.isna().sum()),
    }


def team_coverage(teams: pd.DataFrame, survey: pd.DataFrame) -> dict[str, Any]:
    """How many teams had at least one respondent, out of all teams.

    Teams are matched on ``team_id`` within ``cohort_id`` when both tables
    carry a ``cohort_id`` column (pooled data), else on ``team_id`` alone.
    """
    keys = (
        ["cohort_id", "team_id"] if "cohort_id" in teams and "cohort_id" in survey else ["team_id"]
    )
    all_teams = teams[keys].drop_duplicates()
    responding = survey[keys].drop_duplicates().merge(all_teams, on=keys, how="inner")
    total = len(all_teams)
    return {
        "teams": total,
        "responding": len(responding),
        "pct": percent(len(responding), total),
    }


def role_breakdown(survey: pd.DataFrame) -> pd.DataFrame:
    """Tidy breakdown by respondent role: one row per role and measure.

    Measures are the three rating items (positive = 3 or 4) and ``recommend``
    (positive = "Yes"). Columns: ``role``, ``measure``, ``label``,
    ``respondents`` (in that role), ``n`` (answered), ``positive``, ``pct``,
    ``ci_low``, ``ci_high``. Every role in the data dictionary appears, with
    zero counts if nobody in that role responded.
    """
    labels = {**RATING_ITEMS, "recommend": "Would recommend"}
    rows = []
    for role in ROLES:
        sub = survey[survey["role"] == role]
        for measure, label in labels.items():
            values = sub[measure]
            if measure == "recommend":
                positive = int((values == "Yes").fillna(False).sum())
            else:
                positive = int((values >= POSITIVE_FROM).fillna(False).sum())
            rows.append((role, measure, label, len(sub), int(values.notna().sum()), positive))
    out = pd.DataFrame(
        rows, columns=["role", "measure", "label", "respondents", "n", "positive"]
    ).astype({"role": "string", "measure": "string", "label": "string"})
    return add_proportion_columns(out)


@dataclass(frozen=True)
class Share:
    """How many answered a question (``n``) and how many positively, in percent with a CI."""

    n: int
    positive: int
    pct: float | None
    ci_low: float | None
    ci_high: float | None

    @classmethod
    def of(cls, positive: int, n: int) -> Share:
        """The share ``positive`` of ``n``, with its 95% Wilson interval (``None`` if n is 0)."""
        low, high = wilson_interval(positive, n)
        return cls(int(n), int(positive), _clean(percent(positive, n)), _clean(low), _clean(high))


@dataclass(frozen=True)
class Headline:
    """The headline figures of a cohort, or of several pooled.

    Every figure is a count or follows from counts, so headlines of separate
    cohorts pool exactly (:func:`pool_headlines`). :meth:`as_json` is the
    structure ``collab summary --json`` prints.
    """

    teams: int
    respondents: int
    teams_responding: int
    recommend: Share
    items: Mapping[str, Share] = field(default_factory=dict)

    @property
    def team_coverage_pct(self) -> float | None:
        """Teams with at least one respondent, as a percentage of all teams."""
        return _clean(percent(self.teams_responding, self.teams))

    def share(self, measure: str) -> Share:
        """The share for a rating item, or for ``"recommend"``."""
        return self.recommend if measure == "recommend" else self.items[measure]

    def as_json(self) -> dict[str, Any]:
        """Plain values, as ``collab summary --json`` prints them (recommend counts ``yes``)."""

        def share(value: Share, positive: str) -> dict[str, Any]:
            return {
                "n": value.n,
                positive: value.positive,
                "pct": value.pct,
                "ci_low": value.ci_low,
                "ci_high": value.ci_high,
            }

        return {
            "teams": self.teams,
            "respondents": self.respondents,
            "teams_responding": self.teams_responding,
            "team_coverage_pct": self.team_coverage_pct,
            "recommend": share(self.recommend, "yes"),
            "items": {item: share(v, "positive") for item, v in self.items.items()},
        }


def headline(teams: pd.DataFrame, survey: pd.DataFrame) -> Headline:
    """The headline figures of a cohort, or of a pool of cohorts' teams and survey.

    Percentages are 0-100 and unrounded; with no answers they are ``None``.
    """
    rec = recommend_summary(survey)
    items = item_summary(survey)
    coverage = team_coverage(teams, survey)
    return Headline(
        teams=len(teams),
        respondents=len(survey),
        teams_responding=coverage["responding"],
        recommend=Share.of(rec["yes"], rec["n"]),
        items={str(r.item): Share.of(int(r.positive), int(r.n)) for r in items.itertuples()},
    )


def pool_headlines(heads: Sequence[Headline]) -> Headline:
    """The headline of several cohorts taken together, from their own headlines.

    The same figures as :func:`headline` of the pooled teams and survey
    (every respondent counted once; teams are distinct by cohort), because
    every figure is a sum of counts or follows from sums of counts.
    """
    return Headline(
        teams=sum(h.teams for h in heads),
        respondents=sum(h.respondents for h in heads),
        teams_responding=sum(h.teams_responding for h in heads),
        recommend=Share.of(
            sum(h.recommend.positive for h in heads), sum(h.recommend.n for h in heads)
        ),
        items={
            item: Share.of(
                sum(h.items[item].positive for h in heads), sum(h.items[item].n for h in heads)
            )
            for item in heads[0].items
        },
    )


def _clean(value: Any) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value
