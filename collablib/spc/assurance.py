"""Summaries for a reader: the variation and assurance icons per facet, and which chart to draw.

:func:`assurance` is the last step of an XmR or p chart, as Making Data Count
summarises a chart with two icons. **Assurance** follows NHSRplotthedots 0.2.2
(``R/ptd_calculate_assurance_type.R``): the target against the last group's
process limits. The **variation** icon names are MDC's (NHSRplotthedots'
``R/geom_ptd_icon.R`` picks the icon from the last point's type); here ``high``
or ``low`` comes from the side of the mean the last point is on. The words for
every state are in :mod:`collablib.spc.vocabulary`.

:func:`choose_chart` is the step before any chart: proportions get a p chart,
other measures an XmR chart, and too few points a run chart. It lives here, with
the other plain-English summary of a measure, rather than with the options.
"""

from __future__ import annotations

import pandas as pd

from collablib.spc.options import MIN_SPC_POINTS

__all__ = ["assurance", "choose_chart"]


def assurance(result: pd.DataFrame) -> pd.DataFrame:
    """One row per facet: the variation and assurance icons, decided as in NHSRplotthedots.

    The **variation** icon is the point type of the facet's last point (last
    observed point, if the latest periods are missing), with ``high`` or
    ``low`` from the side it is on. **Assurance** compares the target with the
    last group's process limits, strictly: a target above the upper limit is
    ``fail`` when improvement means increase (``pass`` when decrease); below the
    lower limit, the reverse; otherwise ``inconsistent``; ``none`` with no
    target or a neutral direction. Works for :func:`~collablib.spc.xmr.xmr` (``lpl``/``upl``) and
    :func:`~collablib.spc.p_chart.p_chart` (``lcl``/``ucl``) results; ``assurance_type`` uses
    NHSRplotthedots' names (``consistent_pass`` ...).
    """
    lower, upper, centre = ("lpl", "upl", "mean") if "upl" in result else ("lcl", "ucl", "cl")
    rows = []
    for facet, group in result.groupby("facet", sort=False, dropna=False):
        ordered = group.loc[group.index]  # input order is date order within a facet
        observed = ordered[ordered["point_type"].notna()]
        last = observed.iloc[-1] if len(observed) else ordered.iloc[-1]
        final = ordered.iloc[-1]
        direction = str(final["improvement_direction"])
        point = last["point_type"]
        side = last["relative_to_mean"]
        icon = (
            "common_cause"
            if point == "common_cause" or pd.isna(point)
            else (
                point.replace("special_cause_", "")
                .replace("neutral_high", "neutral")
                .replace("neutral_low", "neutral")
                + ("_high" if side > 0 else "_low")
            )
        )
        target = final["target"]
        kind: str | None
        if pd.isna(target) or direction == "neutral":
            kind = None
        elif target > final[upper]:
            kind = "consistent_fail" if direction == "increase" else "consistent_pass"
        elif target < final[lower]:
            kind = "consistent_pass" if direction == "increase" else "consistent_fail"
        else:
            kind = "inconsistent"
        short = {
            "consistent_pass": "pass",
            "consistent_fail": "fail",
            "inconsistent": "inconsistent",
            None: "none",
        }[kind]
        rows.append(
            {
                "facet": facet,
                "points": int(observed.shape[0]),
                "improvement_direction": direction,
                "mean": final[centre],
                "lower_limit": final[lower],
                "upper_limit": final[upper],
                "target": target,
                "last_date": last["x"],
                "last_value": last["y"],
                "variation": point,
                "variation_icon": icon,
                "assurance_type": kind,
                "assurance": short,
            }
        )
    return pd.DataFrame(rows)


def choose_chart(points: int, is_proportion: bool) -> tuple[str, str]:
    """Which chart a measure gets, and why (plain English).

    Proportions (numerator and denominator) get a p chart, other measures an
    XmR chart; with fewer than 12 points there are too few to set reliable
    limits, so a run chart is used instead.
    """
    if points < MIN_SPC_POINTS:
        return "run", (
            f"Only {points} data point{'s' if points != 1 else ''}: at least {MIN_SPC_POINTS} "
            "are needed to set reliable process limits, so a run chart (median and runs "
            "rules) is shown instead."
        )
    if is_proportion:
        return "p", "A proportion with varying monthly numbers, so a p chart is used."
    return "xmr", "A measured value, so an XmR (individuals) chart is used."
