"""Run chart with the Anhøj rules, as qicharts2 computes it.

Follows qicharts2 0.8.1 (``R/helper.functions.R``: ``qic.run`` and
``runs.analysis``): the centre line is the median; points on the centre line
are not useful observations and are ignored; a **runs signal** when the longest
run exceeds round(log2(n)) + 3 (Schilling) or the number of crossings is fewer
than qbinom(0.05, n - 1, 0.5) (Chen), n being the number of useful points.
:func:`runs_analysis` is also used by :func:`collablib.spc.p_chart.p_chart`,
about its centre line, as qicharts2 does for every chart.

A missing value is a period without data: a run never continues across it
(collab's extension; qicharts2 drops missing values first, so its runs do).

Bad input raises :class:`~collablib.errors.CollabError`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from collablib.spc._common import finish
from collablib.spc.options import validate_options

__all__ = ["crossings_min", "longest_run_max", "run_chart", "runs_analysis"]


def longest_run_max(n_useful: int) -> int:
    """Anhøj/Schilling limit: a run longer than round(log2(n)) + 3 is a signal."""
    return round(math.log2(n_useful)) + 3


def crossings_min(n_useful: int) -> int:
    """Anhøj/Chen limit: fewer crossings than the 5th percentile of Binomial(n - 1, 0.5)."""
    return int(binom.ppf(0.05, max(n_useful - 1, 0), 0.5))


def runs_analysis(y: np.ndarray, centre: float) -> dict[str, Any]:
    """Anhøj runs analysis of values in time order about a centre line.

    Points on the centre line and missing values are not useful observations.
    A run never continues across a missing period. Crossings count the changes
    of side between successive useful points.
    """
    side = np.sign(y - centre)
    useful = ~np.isnan(side) & (side != 0)
    n_useful = int(useful.sum())
    if n_useful == 0:
        return {
            "n_useful": 0,
            "longest_run": math.nan,
            "longest_run_max": math.nan,
            "n_crossings": math.nan,
            "n_crossings_min": math.nan,
            "runs_signal": False,
        }
    sides = side[useful]
    crossings = int((sides[1:] != sides[:-1]).sum())
    longest = current = 0
    previous = 0.0
    for value in side:
        if np.isnan(value):  # a missing period ends the run
            current, previous = 0, 0.0
            continue
        if value == 0:
            continue
        current = current + 1 if value == previous else 1
        previous = value
        longest = max(longest, current)
    limit = longest_run_max(n_useful)
    minimum = crossings_min(n_useful)
    return {
        "n_useful": n_useful,
        "longest_run": longest,
        "longest_run_max": limit,
        "n_crossings": crossings,
        "n_crossings_min": minimum,
        "runs_signal": bool(longest > limit or crossings < minimum),
    }


def run_chart(
    data: pd.DataFrame, value_field: str, date_field: str, facet_field: str | None = None
) -> pd.DataFrame:
    """Run chart with qicharts2's Anhøj rules: per row, the facet's median and runs analysis.

    Adds ``x``, ``y``, ``facet``, ``median``, ``n_useful``, ``longest_run``,
    ``longest_run_max``, ``n_crossings``, ``n_crossings_min`` and ``runs_signal``.
    """
    validate_options(data, value_field, date_field, facet_field)
    frame = data.copy()
    frame["_y"] = pd.to_numeric(frame[value_field], errors="coerce").astype(float)
    frame["_x"] = pd.to_datetime(frame[date_field])
    frame["facet"] = frame[facet_field] if facet_field else "no facet"
    frame["_order"] = np.arange(len(frame))
    pieces = []
    for _, group in frame.sort_values("_x", kind="stable").groupby(
        "facet", sort=False, dropna=False
    ):
        group = group.copy()
        y = group["_y"].to_numpy()
        median = float(np.nanmedian(y)) if np.isfinite(y).any() else math.nan
        group["median"] = median
        for key, value in runs_analysis(y, median).items():
            group[key] = value
        pieces.append(group)
    out = pd.concat(pieces).sort_values("_order")
    out["runs_signal"] = out["runs_signal"].astype(bool)
    return finish(out)
