"""Did the teams improve? Statistical process control applied to each team's measures.

For each team and measure (see :mod:`collablib.data.measures`):

1. **Chart choice** (:func:`collablib.spc.choose_chart`): a proportion gets a p
   chart, any other measure an XmR chart; with fewer than 12 points, a run chart.
2. **Limits**: taken from the **baseline**, the points before the team's first
   change, and extended forward, so that points after the change are judged
   against how the process behaved before it (Making Data Count's advice to
   fix limits on a baseline); this needs at least 12 baseline points, otherwise
   the limits come from all the points. Limits are recalculated from each
   change marked ``rebase = yes`` in ``changes.csv`` (from the period that
   contains its date), once a new level has been shown to hold.
3. **Improvement after the change**: any point of special-cause improvement in
   or after the period of the team's first change (its first change to that
   measure; if none, to any measure; if none at all, the cohort's start date).
   For a monthly measure, a change on 5 March counts from March, and the
   baseline ends with February. Exactly what the chart shows: the same points
   are coloured blue.
4. **Sustained**: improvement after the change, and the latest 7 points are all
   on the improving side of the baseline mean (the mean before the first
   recalculation). Seven points is the Making Data Count run length.
5. **Variation and assurance icons**: :func:`collablib.spc.assurance`.

Measures with no direction of improvement (``neutral``) and run charts are not
judged; the report says so in plain English. Proportions are shown in percent
(their targets in ``measures.csv`` are percentages too).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from collablib import spc
from collablib.data.measures import MeasuresData
from collablib.spc.summary import ImprovementHeadline
from collablib.spc.vocabulary import (
    CONCERN,
    IMPROVED_NOT_SUSTAINED,
    IMPROVED_SUSTAINED,
    NO_CHANGE,
    NOT_JUDGED,
    STATUS_ORDER,
)

__all__ = [
    "DETAIL_CHART_LIMIT",
    "SMALL_MULTIPLES_LIMIT",
    "SUSTAIN_POINTS",
    "MeasureAnalysis",
    "analyse_cohort",
    "analyse_measure",
    "detail_selection",
    "format_value",
    "headline_sentence",
    "status",
    "status_counts",
]

SUSTAIN_POINTS = spc.RUN_LENGTH


@dataclass
class MeasureAnalysis:
    """Everything the report shows about one team's measure."""

    team_id: str
    team_name: str
    measure_id: str
    measure_name: str
    unit: str
    direction: str
    target: float
    is_proportion: bool
    primary: bool
    chart: str
    reason: str
    points: int
    missing_periods: int
    frame: pd.DataFrame  # x, y, centre, lower, upper, point_type, group, missing (display units)
    changes: pd.DataFrame
    variation: str | None = None
    variation_icon: str = "common_cause"
    assurance: str = "none"
    baseline_mean: float = math.nan
    latest_value: float = math.nan
    latest_date: pd.Timestamp | None = None
    first_change: pd.Timestamp | None = None
    improved_after_change: bool | None = None
    sustained: bool | None = None
    runs_signal: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def judged(self) -> bool:
        """Whether SPC could judge this measure (enough points, a direction)."""
        return self.improved_after_change is not None


def _period_start(periods: pd.Series, when: pd.Timestamp) -> pd.Timestamp:
    """The start of the period containing ``when``: its month for a monthly measure."""
    if len(periods) and (periods.dt.day == 1).all():
        return when.to_period("M").to_timestamp()
    return when


def _first_on_or_after(periods: pd.Series, when: pd.Timestamp) -> pd.Timestamp | None:
    later = periods[periods >= _period_start(periods, when)]
    return later.min() if len(later) else None


def analyse_measure(
    rows: pd.DataFrame,
    changes: pd.DataFrame,
    team_name: str,
    fallback_change: pd.Timestamp | None = None,
) -> MeasureAnalysis:
    """Run the right chart for one team's measure and judge improvement (module rules)."""
    rows = rows.sort_values("period").reset_index(drop=True)
    first = rows.iloc[0]
    direction = str(first["improvement_direction"])
    proportion = bool(first["is_proportion"])
    scale = 100.0 if proportion else 1.0
    target = float(first["target"])
    observed = int((~rows["missing"]).sum())
    chart, reason = spc.choose_chart(observed, proportion)
    rebase_periods = [
        p
        for p in (
            _first_on_or_after(rows["period"], d) for d in changes.loc[changes["rebase"], "date"]
        )
        if p is not None and p != rows["period"].min()
    ]
    analysis = MeasureAnalysis(
        team_id=str(first["team_id"]),
        team_name=team_name,
        measure_id=str(first["measure_id"]),
        measure_name=str(first["measure_name"]),
        unit=str(first["unit"]),
        direction=direction,
        target=target,
        is_proportion=proportion,
        primary=bool(first["primary"]),
        chart=chart,
        reason=reason,
        points=observed,
        missing_periods=int(rows["missing"].sum()),
        frame=pd.DataFrame(),
        changes=changes.reset_index(drop=True),
    )
    first_change = changes["date"].min() if len(changes) else fallback_change
    analysis.first_change = (
        None if first_change is None else _period_start(rows["period"], first_change)
    )
    before = rows if analysis.first_change is None else rows[rows["period"] < analysis.first_change]
    baseline = int((~before["missing"]).sum())
    fix = baseline if spc.MIN_FIX_POINTS <= baseline < observed else None
    if chart == "run":
        result = spc.run_chart(rows, "value", "period")
        frame = pd.DataFrame(
            {
                "x": result["x"],
                "y": result["y"] * scale,
                "centre": result["median"] * scale,
                "lower": np.nan,
                "upper": np.nan,
                "point_type": pd.NA,
                "group": 0,
                "missing": rows["missing"].to_numpy(),
                "rule": pd.NA,
                "rules": pd.NA,
            }
        )
        analysis.runs_signal = bool(result["runs_signal"].iloc[0])
    else:
        if chart == "p":
            result = _p_chart_with_baseline(
                rows,
                rebase_periods,
                fix,
                direction,
                None if math.isnan(target) else target / scale,
            )
            centre, lower, upper, group = "cl", "lcl", "ucl", "part"
        else:
            result = spc.xmr(
                rows,
                "value",
                "period",
                rebase=rebase_periods,
                fix_after_n_points=fix,
                improvement_direction=direction,
                target=None if math.isnan(target) else target,
            )
            centre, lower, upper, group = "mean", "lpl", "upl", "rebase_group"
        frame = pd.DataFrame(
            {
                "x": result["x"],
                "y": result["y"] * scale,
                "centre": result[centre] * scale,
                "lower": result[lower] * scale,
                "upper": result[upper] * scale,
                "point_type": result["point_type"],
                "group": result[group] - result[group].min(),
                "missing": rows["missing"].to_numpy(),
                # the rule that flagged the point, as NHSRplotthedots names it
                "rule": result["special_cause_type"].where(
                    result["special_cause_type"] != "Common Cause"
                ),
                # every rule that flagged it (a point can be outside the limits and in a shift)
                "rules": result["special_cause_rules"].where(result["special_cause_rules"] != ""),
            }
        )
        summary = spc.assurance(result).iloc[0]
        analysis.variation = summary["variation"]
        analysis.variation_icon = summary["variation_icon"]
        analysis.assurance = summary["assurance"]
    analysis.frame = frame.reset_index(drop=True)
    observed_frame = frame[~frame["missing"]]
    if len(observed_frame):
        analysis.latest_value = float(observed_frame["y"].iloc[-1])
        analysis.latest_date = observed_frame["x"].iloc[-1]
    analysis.baseline_mean = float(frame.loc[frame["group"] == 0, "centre"].iloc[0])
    _judge(analysis)
    return analysis


def _p_chart_with_baseline(
    rows: pd.DataFrame,
    rebase_periods: list[pd.Timestamp],
    fix: int | None,
    direction: str,
    target: float | None,
) -> pd.DataFrame:
    """A p chart whose first segment is frozen on the baseline, recalculated at each rebase.

    qicharts2 lets ``part`` override ``freeze``; here each segment between
    rebase dates is its own p chart, and only the first is frozen.
    """
    cuts = [rows["period"].min(), *sorted(rebase_periods), pd.Timestamp.max]
    pieces = []
    for number, (begin, end) in enumerate(itertools.pairwise(cuts), start=1):
        segment = rows[(rows["period"] >= begin) & (rows["period"] < end)]
        freeze = None
        if number == 1 and fix is not None:
            observed = np.cumsum((~segment["missing"]).to_numpy())
            freeze = int(np.searchsorted(observed, fix) + 1)
        piece = spc.p_chart(
            segment,
            "numerator",
            "denominator",
            "period",
            freeze=freeze,
            improvement_direction=direction,
            target=target,
        )
        piece["part"] = number
        pieces.append(piece)
    return pd.concat(pieces)


def _judge(a: MeasureAnalysis) -> None:
    frame = a.frame
    if a.chart == "run":
        a.notes.append(a.reason)
    if a.missing_periods:
        a.notes.append(
            f"{a.missing_periods} period{'s have' if a.missing_periods > 1 else ' has'} no data; "
            "shown as a gap, and no run is counted across it."
        )
    if a.chart == "run" or a.direction == "neutral":
        if a.direction == "neutral" and a.chart != "run":
            a.notes.append("This measure has no direction of improvement, so it is not judged.")
        return
    since = a.first_change
    after = frame[(frame["x"] >= since)] if since is not None else frame
    a.improved_after_change = bool((after["point_type"] == "special_cause_improvement").any())
    sign = 1 if a.direction == "increase" else -1
    recent = frame.loc[~frame["missing"], "y"].tail(SUSTAIN_POINTS)
    better = (sign * (recent - a.baseline_mean) > 0).all() and len(recent) == SUSTAIN_POINTS
    a.sustained = bool(a.improved_after_change and better)
    if a.improved_after_change:
        a.notes.append(
            "Special-cause improvement after the first change"
            + (f" ({since:%B %Y})" if since is not None else "")
            + (
                "; sustained: the latest 7 points are all better than the baseline average."
                if a.sustained
                else "; not yet sustained over the latest 7 points."
            )
        )
    else:
        a.notes.append("No special-cause improvement after the first change.")
    if (frame["point_type"] == "special_cause_concern").any():
        latest = frame.loc[~frame["missing"], "point_type"].iloc[-1]
        a.notes.append(
            "Special-cause concern: the measure has moved the wrong way"
            + (
                ", and the latest point is part of it."
                if latest == "special_cause_concern"
                else " at some point."
            )
        )
    if a.assurance == "fail":
        a.notes.append(
            f"The target ({format_value(a.target, a.unit)}) lies outside the process limits: "
            "the current process will not meet it without further change."
        )


def analyse_cohort(
    data: MeasuresData | None, teams: pd.DataFrame, start: date | None = None
) -> list[MeasureAnalysis]:
    """Analyse every team's measures, in the order of ``measures.csv``."""
    if data is None:
        return []
    names = dict(zip(teams["team_id"], teams["team_name"], strict=True))
    out = []
    for team, measure in data.measure_keys():
        rows = data.measures[
            (data.measures["team_id"] == team) & (data.measures["measure_id"] == measure)
        ]
        team_changes = data.changes[data.changes["team_id"] == team]
        own = team_changes[team_changes["measure_id"] == measure]
        fallback = (
            team_changes["date"].min()
            if len(team_changes)
            else (pd.Timestamp(start) if start else None)
        )
        out.append(analyse_measure(rows, own, names.get(team, team), fallback))
    return out


def headline_sentence(head: ImprovementHeadline) -> str:
    """ "N of M teams showed special-cause improvement in their primary measure", with caveats."""
    if head.teams == 0:
        return "No improvement measures were provided for this cohort."
    text = (
        f"{head.improved} of {head.teams} teams showed special-cause improvement in "
        f"their primary measure"
    )
    if head.improved:
        text += f" ({head.sustained} sustained)"
    text += "."
    if head.not_judged:
        many = head.not_judged > 1
        text += (
            f" {head.not_judged} team{'s’' if many else '’s'} primary "
            f"measure{'s' if many else ''} could not be judged (too few points, or no "
            "direction of improvement)."
        )
    return text


def format_value(value: float, unit: str, digits: int = 1) -> str:
    """A measure's value with its unit: ``72.4%``, ``18.0 days``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "%":
        return f"{value:.{digits}f}%"
    return f"{value:.{digits}f} {unit}"


#: At most this many measures get a full chart each; larger cohorts show a selection.
DETAIL_CHART_LIMIT = 40
#: At most this many primary measures are drawn as small multiples; beyond, a status chart.
SMALL_MULTIPLES_LIMIT = 60


def status(a: MeasureAnalysis) -> str:
    """One word-group per measure for summaries: improved, no change, concern or not judged."""
    if not a.judged:
        return NOT_JUDGED
    if a.improved_after_change:
        return IMPROVED_SUSTAINED if a.sustained else IMPROVED_NOT_SUSTAINED
    if a.variation == "special_cause_concern":
        return CONCERN
    return NO_CHANGE


def status_counts(analyses: Sequence[MeasureAnalysis]) -> pd.Series:
    """How many primary measures are in each status (all statuses, in a fixed order)."""
    counts = pd.Series([status(a) for a in analyses if a.primary], dtype="object").value_counts()
    return counts.reindex(list(STATUS_ORDER), fill_value=0)


def detail_selection(
    analyses: Sequence[MeasureAnalysis], limit: int = DETAIL_CHART_LIMIT
) -> tuple[list[MeasureAnalysis], str | None]:
    """Which measures get a full chart, and a note when not all of them do.

    Up to ``limit`` measures: all. Beyond: primary measures needing attention
    first (concern, then a target the process misses), then those that
    improved, then the rest, in the order of ``measures.csv`` within each group.
    """
    if len(analyses) <= limit:
        return list(analyses), None

    def priority(a: MeasureAnalysis) -> int:
        state = status(a)
        if state == CONCERN:
            return 0
        if a.assurance == "fail":
            return 1
        if state.startswith("Improved"):
            return 2
        return 3 if state == NO_CHANGE else 4

    chosen = sorted((a for a in analyses if a.primary), key=priority)[:limit]
    note = (
        f"This cohort has {len(analyses)} measures, too many to chart one by one here. The "
        f"{len(chosen)} shown in full are primary measures, those needing most attention first "
        "(special-cause concern, then a target the process will miss), then those that "
        "improved. Every measure is in the table above."
    )
    return chosen, note
