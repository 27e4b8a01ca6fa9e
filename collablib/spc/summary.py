"""SPC results of a cohort's measures as tidy tables, and the headline counted from them.

:func:`summary_table` (one row per measure: the Making Data Count icon states,
whether it improved after the team's first change and whether that was
sustained) and :func:`points_table` (one row per period: value, centre line,
limits, point type and the rule that flagged it) are the ``spc_summary`` and
``spc_points`` tables collab publishes. :func:`headline` counts from
``spc_summary``, so the report, the index and the published data agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from collablib.spc.improvement import MeasureAnalysis

__all__ = ["ImprovementHeadline", "headline", "points_table", "summary_table"]


@dataclass(frozen=True)
class ImprovementHeadline:
    """How many teams showed special-cause improvement in their primary measure.

    ``teams`` counts teams with a primary measure; ``improved`` those whose
    primary measure showed improvement after the change; ``sustained`` those
    whose improvement is also sustained; ``not_judged`` those whose primary
    measure is too short or has no direction of improvement; ``concern`` and
    ``assurance_fail`` those whose latest point is special-cause concern, or
    whose process will consistently miss its target.
    """

    teams: int
    improved: int
    sustained: int
    not_judged: int
    concern: int
    assurance_fail: int


def headline(summary: pd.DataFrame) -> ImprovementHeadline:
    """The :class:`ImprovementHeadline` of a cohort, from its tidy SPC summary.

    ``summary`` is :func:`summary_table` (the ``spc_summary`` table the report
    publishes), so the report, the index and the published data all count
    from the same table.
    """

    def flag(column: str) -> pd.Series:  # a yes/no column, "not judged" counted as no
        return primary[column].astype("boolean").fillna(False).astype(bool)

    primary = summary[summary["primary"].astype(bool)]
    improved = flag("improved_after_change")
    return ImprovementHeadline(
        teams=len(primary),
        improved=int(improved.sum()),
        sustained=int((improved & flag("sustained")).sum()),
        not_judged=int((~flag("judged")).sum()),
        concern=int((primary["variation"] == "special_cause_concern").sum()),
        assurance_fail=int((primary["assurance"] == "fail").sum()),
    )


def summary_table(analyses: Sequence[MeasureAnalysis]) -> pd.DataFrame:
    """One row per measure: its SPC result as the Making Data Count icons show it (tidy).

    The ``spc_summary`` table collab publishes, and what :func:`headline` counts.
    """
    columns = {
        "team_id": "string",
        "team_name": "string",
        "measure_id": "string",
        "measure_name": "string",
        "unit": "string",
        "direction": "string",
        "primary": "bool",
        "chart": "string",
        "points": "int64",
        "variation": "string",
        "variation_icon": "string",
        "assurance": "string",
        "improved_after_change": "boolean",
        "sustained": "boolean",
        "judged": "bool",
        "target": "float64",
    }
    rows = [
        {
            "team_id": a.team_id,
            "team_name": a.team_name,
            "measure_id": a.measure_id,
            "measure_name": a.measure_name,
            "unit": a.unit,
            "direction": a.direction,
            "primary": a.primary,
            "chart": a.chart,
            "points": a.points,
            "variation": a.variation if a.variation is not None else pd.NA,
            "variation_icon": a.variation_icon if a.chart != "run" else pd.NA,
            "assurance": a.assurance,
            "improved_after_change": a.improved_after_change,
            "sustained": a.sustained,
            "judged": a.judged,
            "target": a.target,
        }
        for a in analyses
    ]
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def points_table(analyses: Sequence[MeasureAnalysis]) -> pd.DataFrame:
    """One row per period of every measure's chart: value, centre, limits, type, rule (tidy).

    The ``spc_points`` table collab publishes. Values are in the measure's
    display unit (percent for proportions), as the charts draw them.
    """
    columns = [
        "team_id",
        "measure_id",
        "period",
        "value",
        "centre",
        "lower_limit",
        "upper_limit",
        "point_type",
        "rule",
        "rules",
        "missing",
    ]
    frames = [
        pd.DataFrame(
            {
                "team_id": a.team_id,
                "measure_id": a.measure_id,
                "period": a.frame["x"],
                "value": a.frame["y"].where(~a.frame["missing"]),
                "centre": a.frame["centre"],
                "lower_limit": a.frame["lower"],
                "upper_limit": a.frame["upper"],
                "point_type": a.frame["point_type"],
                "rule": a.frame["rule"],
                "rules": a.frame["rules"],
                "missing": a.frame["missing"].astype(bool),
            }
        )
        for a in analyses
        if len(a.frame)
    ]
    if not frames:
        return pd.DataFrame(columns=columns).astype({"period": "datetime64[ns]"})
    out = pd.concat(frames, ignore_index=True)
    return out.astype(
        {"team_id": "string", "measure_id": "string", "point_type": "string", "rule": "string"}
    )
