"""Summaries of IHI progress scores: where the teams got to, month by month and at the end.

The IHI Breakthrough Series scores each team monthly on a 0.5 to 5.0 scale,
by the team itself and by the faculty, and reports the share of teams that
reach 4.0, "significant improvement" (Institute for Healthcare Improvement,
*The Breakthrough Series*, 2003). The rules used here:

- **One score per team and month.** Where a month has both a faculty and a
  team score, the faculty score counts: it is the external judgement the IHI
  reports. Otherwise the one score given counts.
- **A team's result** is its counted score at its latest scored month, so a
  team that stopped scoring early keeps its last score (and the report says
  which month that was).
- **Shares** at 4.0 or more and at 3.0 or more are of the teams scored, with
  95% Wilson intervals (:func:`collablib.survey.metrics.wilson_interval`, as
  for every other proportion in the reports).
- **Agreement** compares the two scores in the months that have both: the
  mean of team minus faculty, and the share of those months where they differ
  by 0.5 or less (one step of the scale). Months are repeated within teams,
  so no interval is given for these.
- **Month by month**, the median and interquartile range (pandas' linear
  quantiles, Hyndman and Fan type 7) of the counted scores of the teams
  scored that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from collablib.survey.metrics import wilson_interval

__all__ = [
    "LEVELS",
    "MODEST",
    "SIGNIFICANT",
    "ProgressHeadline",
    "ProgressSummary",
    "counted_scores",
    "progress_headline",
    "summarise_progress",
]

#: The IHI assessment scale: each score and what it means.
LEVELS: tuple[tuple[float, str], ...] = (
    (0.5, "Intent to participate; team not yet formed"),
    (1.0, "Team formed; aim and target being discussed; baseline begun"),
    (1.5, "Meeting regularly; aim set; measures aligned to it"),
    (2.0, "Activity, but no changes tested yet"),
    (2.5, "Changes tested, no improvement yet"),
    (3.0, "Modest improvement"),
    (3.5, "Improvement"),
    (4.0, "Significant improvement"),
    (4.5, "Key measures show the changes are sustained"),
    (5.0, "Outstanding sustainable results"),
)
#: "Significant improvement": the share of teams reaching it is the IHI's headline.
SIGNIFICANT = 4.0
#: "Modest improvement".
MODEST = 3.0
#: Team and faculty scores "agree" when they differ by at most one step of the scale.
AGREEMENT_STEP = 0.5


def counted_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """One score per team and month: the faculty's where a month has both, else the one given.

    ``scores`` is :attr:`collablib.data.progress.ProgressData.scores`. Returns
    ``team_id``, ``month``, ``score`` and ``assessed_by`` (whose score counted),
    sorted by team and month.
    """
    ranked = scores.assign(_faculty=scores["assessed_by"] == "faculty")
    ranked = ranked.sort_values(["team_id", "month", "_faculty"], kind="stable")
    counted = ranked.drop_duplicates(["team_id", "month"], keep="last")
    return counted.loc[:, ["team_id", "month", "score", "assessed_by"]].reset_index(drop=True)


@dataclass(frozen=True)
class ProgressHeadline:
    """Where the teams got to: their results (latest counted scores) summarised.

    Percentages are 0-100 and unrounded, of the ``teams_scored``; the
    intervals are 95% Wilson score intervals.
    """

    teams_scored: int
    final_median: float
    n_ge_4: int
    pct_ge_4: float
    ci_ge_4: tuple[float, float]
    n_ge_3: int
    pct_ge_3: float
    ci_ge_3: tuple[float, float]


def progress_headline(results: pd.Series) -> ProgressHeadline | None:
    """The headline of the teams' results (one score per team); ``None`` with no team.

    Used on a fresh analysis and on the published tidy table alike (the index),
    so both count the same way.
    """
    scores = pd.to_numeric(results).astype(float)
    n = len(scores)
    if n == 0:
        return None
    n4 = int((scores >= SIGNIFICANT).sum())
    n3 = int((scores >= MODEST).sum())
    pct4, ci4 = _share(n4, n)
    pct3, ci3 = _share(n3, n)
    return ProgressHeadline(
        teams_scored=n,
        final_median=float(scores.median()),
        n_ge_4=n4,
        pct_ge_4=pct4,
        ci_ge_4=ci4,
        n_ge_3=n3,
        pct_ge_3=pct3,
        ci_ge_3=ci3,
    )


@dataclass(frozen=True)
class ProgressSummary:
    """A cohort's (or a programme year's) progress scores, summarised.

    ``latest`` has one row per team scored: ``team_id`` (and ``cohort_id`` when
    pooled), ``month`` (its latest scored month), ``score``, ``assessed_by`` and
    ``stopped_early`` (its cohort went on scoring after that month). ``monthly`` has one row per
    month: ``teams``, ``median``, ``q1`` and ``q3``. ``scores`` keeps every
    row as given, with ``counted`` (this score is the month's counted score)
    and ``latest`` (it is the team's result).
    """

    teams: int
    headline: ProgressHeadline
    paired_months: int
    mean_difference: float | None
    n_within_half: int
    pct_within_half: float | None
    stopped_early: tuple[str, ...]
    latest: pd.DataFrame
    monthly: pd.DataFrame
    scores: pd.DataFrame

    def as_json(self) -> dict[str, Any]:
        """What ``collab summary --json`` prints under ``"progress"``."""
        head = self.headline
        return {
            "teams_scored": head.teams_scored,
            "final_median": head.final_median,
            "n_ge_4": head.n_ge_4,
            "pct_ge_4": head.pct_ge_4,
            "ci_low_ge_4": head.ci_ge_4[0],
            "ci_high_ge_4": head.ci_ge_4[1],
            "n_ge_3": head.n_ge_3,
            "pct_ge_3": head.pct_ge_3,
            "teams": self.teams,
            "paired_months": self.paired_months,
            "mean_difference": self.mean_difference,
            "pct_within_half": self.pct_within_half,
        }


def _share(k: int, n: int) -> tuple[float, tuple[float, float]]:
    low, high = wilson_interval(k, n)
    return 100.0 * k / n, (float(low), float(high))


def summarise_progress(scores: pd.DataFrame, teams: pd.DataFrame) -> ProgressSummary | None:
    """Summarise validated progress scores for the teams in ``teams``; ``None`` if none scored.

    ``teams`` needs ``team_id`` (and, for pooled cohorts, ``cohort_id`` on both
    frames, so that two cohorts may reuse a team id).
    """
    if scores.empty:
        return None
    keys = (
        ["cohort_id", "team_id"] if "cohort_id" in scores and "cohort_id" in teams else ["team_id"]
    )
    team_key = _key(scores, keys)
    counted = counted_scores(scores.assign(team_id=team_key)).rename(columns={"team_id": "key"})
    latest = counted.drop_duplicates("key", keep="last").reset_index(drop=True)
    head = progress_headline(latest["score"])
    if head is None:  # pragma: no cover - scores is not empty, so a team was scored
        return None
    # A team "stopped early" when its own cohort went on scoring after its latest month.
    cohort = scores["cohort_id"] if "cohort_id" in keys else pd.Series("", index=scores.index)
    group = dict(zip(team_key, cohort, strict=True))
    last_in_cohort = counted.groupby(counted["key"].map(group))["month"].max()
    stopped_mask = (
        latest["month"].to_numpy() < latest["key"].map(group).map(last_in_cohort).to_numpy()
    )
    stopped = tuple(latest.loc[stopped_mask, "key"])

    wide = scores.assign(key=team_key).pivot_table(
        index=["key", "month"], columns="assessed_by", values="score", aggfunc="first"
    )
    both = wide.dropna(subset=[c for c in ("team", "faculty") if c in wide]) if len(wide) else wide
    paired = len(both) if {"team", "faculty"} <= set(wide.columns) else 0
    if paired:
        diff = both["team"] - both["faculty"]
        mean_diff: float | None = float(diff.mean())
        within = int((diff.abs() <= AGREEMENT_STEP).sum())
        pct_within: float | None = 100.0 * within / paired
    else:
        mean_diff, within, pct_within = None, 0, None

    monthly = (
        counted.groupby("month")["score"]
        .agg(
            teams="count",
            median="median",
            q1=lambda s: s.quantile(0.25),
            q3=lambda s: s.quantile(0.75),
        )
        .reset_index()
    )
    counted_ix = set(zip(counted["key"], counted["month"], counted["assessed_by"], strict=True))
    latest_ix = set(zip(latest["key"], latest["month"], latest["assessed_by"], strict=True))
    marks = list(zip(team_key, scores["month"], scores["assessed_by"], strict=True))
    every = scores.assign(
        counted=[m in counted_ix for m in marks], latest=[m in latest_ix for m in marks]
    )
    back = dict(zip(team_key, scores["team_id"], strict=True))
    latest = latest.assign(team_id=latest["key"].map(back), stopped_early=stopped_mask)
    if "cohort_id" in keys:
        cohorts = dict(zip(team_key, scores["cohort_id"], strict=True))
        latest.insert(0, "cohort_id", latest["key"].map(cohorts))
    return ProgressSummary(
        teams=int(teams.drop_duplicates(keys).shape[0]),
        headline=head,
        paired_months=paired,
        mean_difference=mean_diff,
        n_within_half=within,
        pct_within_half=pct_within,
        stopped_early=tuple(back[k] for k in stopped),
        latest=latest.drop(columns="key"),
        monthly=monthly,
        scores=every,
    )


def _key(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    if keys == ["team_id"]:
        return frame["team_id"].astype(str)
    return frame["cohort_id"].astype(str) + "\x1f" + frame["team_id"].astype(str)
