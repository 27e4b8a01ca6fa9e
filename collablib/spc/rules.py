"""The Making Data Count special-cause rules, shared by the XmR and p charts.

As NHSRplotthedots 0.2.2 applies them (``R/ptd_calculate_point_type.R``:
``ptd_special_cause_flag``, ``ptd_seven_point_one_side_mean``,
``ptd_seven_point_trend``, ``ptd_two_in_three``, ``ptd_part_of_seven_trend``),
vectorised with sliding windows. In order of precedence:

1. a point outside a process limit (strictly);
2. a **trend**: 7 points, that is 6 consecutive differences of the same sign
   (a tie breaks it);
3. **two of three** consecutive points beyond the same 2-sigma line, all three
   on the same side of the mean (only the close points are flagged);
4. a **shift**: 7 consecutive points on the same side of the mean (a point
   exactly on the mean breaks it).

:func:`special_cause_types` names the rule that flags each point, with
NHSRplotthedots' labels; :func:`point_types` orients it by the improvement
direction (``special_cause_improvement`` / ``special_cause_concern``, or
``special_cause_neutral_high`` / ``_low``). A missing value is a period without
data and breaks every run: NHSRplotthedots requires complete series, so this is
collab's extension. :func:`allocate_rules`, :func:`apply_rules` and
:func:`store_results` are the plumbing the chart steps share to run the rules per
group and store the rule columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from collablib.spc.options import RUN_LENGTH

__all__ = [
    "RULE_NAMES",
    "allocate_rules",
    "apply_rules",
    "point_types",
    "special_cause_types",
    "store_results",
]

_DIRECTION_SIGN = {"increase": 1, "decrease": -1, "neutral": 0}


def _windows_all(values: np.ndarray, length: int) -> np.ndarray:
    """For each i, whether values[i-length+1 .. i] are all True (False near the start)."""
    out = np.zeros(len(values), dtype=bool)
    if len(values) >= length:
        windows = np.lib.stride_tricks.sliding_window_view(values, length)
        out[length - 1 :] = windows.all(axis=1)
    return out


def _spread_back(ends: np.ndarray, length: int) -> np.ndarray:
    """Mark every point of a run of ``length`` that ends at a True in ``ends``."""
    out = np.zeros(len(ends), dtype=bool)
    for offset in range(min(length, len(ends))):
        out[: len(ends) - offset] |= ends[offset:]
    return out


def special_cause_types(
    y: np.ndarray,
    centre: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    lower_close: np.ndarray,
    upper_close: np.ndarray,
) -> dict[str, np.ndarray]:
    """Apply the four Making Data Count rules to one group of points in time order.

    Missing values (NaN) are periods without data: they break every run.
    Returns ``outside_limits``, ``relative_to_mean``, ``close_to_limits``,
    ``special_cause_type`` (text as in NHSRplotthedots, ``None`` for missing points) and
    ``special_cause_rules`` (every rule that flags the point: see :func:`_every_rule`).
    """
    n = len(y)
    missing = np.isnan(y)
    with np.errstate(invalid="ignore"):
        outside = ~missing & ((y > upper) | (y < lower))
        relative = np.where(missing, np.nan, np.sign(y - centre))
        close = ~missing & ~outside & ((y < lower_close) | (y > upper_close))
    rtm = np.nan_to_num(relative, nan=0.0)

    # 2. trend: 6 consecutive differences of the same sign (a tie or a gap breaks it)
    steps = np.full(n, np.nan)
    if n > 1:
        steps[1:] = np.sign(np.diff(y))
    up_end = _windows_all(steps == 1, RUN_LENGTH - 1)
    down_end = _windows_all(steps == -1, RUN_LENGTH - 1)
    trend = _spread_back(up_end | down_end, RUN_LENGTH)
    # direction of a trend point: the step to its right when the next point is also in a
    # trend, otherwise the step from its left (as NHSRplotthedots)
    right = np.append(steps[1:], steps[-1] if n > 1 else np.nan) if n else steps
    left = np.where(np.isnan(steps), 0.0, steps)
    left[0] = 0.0 if n else left[:0]
    next_in_trend = np.append(trend[1:], False) if n else trend
    trend_sign = np.where(next_in_trend & trend, right, left)

    # 3. two of three beyond the same 2-sigma line, all three on one side of the mean
    pc = np.concatenate([[0.0, 0.0], close.astype(float), [0.0, 0.0]])
    pr = np.concatenate([[0.0, 0.0], rtm, [0.0, 0.0]])
    ones = np.ones(3)
    # window k covers padded positions k..k+2; point i sits in windows i, i+1 and i+2
    window_ok = (np.convolve(pc, ones, "valid") >= 2) & (
        np.abs(np.convolve(pr, ones, "valid")) == 3
    )
    two_of_three = close & (window_ok[0:n] | window_ok[1 : n + 1] | window_ok[2 : n + 2])

    # 4. shift: 7 points on the same side of the mean (on the mean, or a gap, breaks it)
    above_end = _windows_all(rtm > 0, RUN_LENGTH)
    below_end = _windows_all(rtm < 0, RUN_LENGTH)
    shift = _spread_back(above_end | below_end, RUN_LENGTH)

    side = np.where(rtm > 0, "Above", "Below")
    types = np.full(n, "Common Cause", dtype=object)
    types = np.where(shift, np.char.add(np.char.add("7 Points ", side), " CL"), types)
    types = np.where(two_of_three, np.char.add(np.char.add("2 in 3 ", side), " CL"), types)
    types = np.where(
        trend,
        np.where(trend_sign == 1, "7 Point Trend (Increasing)", "7 Point Trend (Decreasing)"),
        types,
    )
    types = np.where(outside, np.where(rtm == 1, "Above UCL", "Below LCL"), types)
    types = np.where(missing, None, types)
    return {
        "outside_limits": outside,
        "relative_to_mean": relative,
        "close_to_limits": close,
        "special_cause_type": types,
        "special_cause_rules": _every_rule(
            missing,
            {
                "outside limits": outside,
                "trend": trend,
                "two of three": two_of_three,
                "shift": shift,
            },
        ),
    }


#: The rules' plain names, in order of precedence (as :data:`RULE_NAMES` lists them).
RULE_NAMES = ("outside limits", "trend", "two of three", "shift")


def _every_rule(missing: np.ndarray, masks: dict[str, np.ndarray]) -> np.ndarray:
    """Every rule that flags each point, "; "-joined in order of precedence.

    ``special_cause_type`` names only the first (as NHSRplotthedots does); a point in
    a shift can also be outside the limits, and a reader asking why it is special
    should see both. Empty for a common-cause point, ``None`` for a missing one.
    """
    out = np.empty(len(missing), dtype=object)
    for i in range(len(missing)):
        out[i] = None if missing[i] else "; ".join(n for n in RULE_NAMES if masks[n][i])
    return out


_TYPE_SIGN = {
    "Above UCL": 1,
    "Below LCL": -1,
    "7 Point Trend (Increasing)": 1,
    "7 Point Trend (Decreasing)": -1,
    "2 in 3 Above CL": 1,
    "2 in 3 Below CL": -1,
    "7 Points Above CL": 1,
    "7 Points Below CL": -1,
    "Common Cause": 0,
}


def point_types(special_cause_type: np.ndarray, direction: Any) -> np.ndarray:
    """Orient special-cause types as improvement or concern (or neutral high/low).

    ``direction`` is one improvement direction or an array of them, one per point.
    """
    types = np.asarray(special_cause_type, dtype=object)
    missing = pd.isna(types)
    side = np.array([0 if m else _TYPE_SIGN[t] for t, m in zip(types, missing, strict=True)])
    directions = np.broadcast_to(np.asarray(direction, dtype=object), types.shape)
    orient = np.array([_DIRECTION_SIGN[d] for d in directions]) if len(types) else side
    neutral = orient == 0
    oriented = side * np.where(neutral, 1, orient)
    out = np.where(
        neutral,
        np.where(
            oriented > 0,
            "special_cause_neutral_high",
            np.where(oriented < 0, "special_cause_neutral_low", "common_cause"),
        ),
        np.where(
            oriented > 0,
            "special_cause_improvement",
            np.where(oriented < 0, "special_cause_concern", "common_cause"),
        ),
    ).astype(object)
    out[missing] = None
    return out


def allocate_rules(n: int) -> dict[str, np.ndarray]:
    """Empty rule columns for ``n`` rows, filled group by group by :func:`apply_rules`."""
    return {
        "outside_limits": np.zeros(n, dtype=bool),
        "relative_to_mean": np.full(n, np.nan),
        "close_to_limits": np.zeros(n, dtype=bool),
        "special_cause_type": np.empty(n, dtype=object),
        "special_cause_rules": np.empty(n, dtype=object),
    }


def apply_rules(flags, begin, end, y, centre, lower, upper, lower_close, upper_close) -> None:
    """Run :func:`special_cause_types` on rows [begin, end) (one group) and fill ``flags``."""
    rules = special_cause_types(
        y[begin:end],
        centre[begin:end],
        lower[begin:end],
        upper[begin:end],
        lower_close[begin:end],
        upper_close[begin:end],
    )
    for key, values in rules.items():
        flags[key][begin:end] = values


def store_results(
    frame: pd.DataFrame,
    columns: dict[str, np.ndarray],
    flags: dict[str, np.ndarray],
    *,
    direction: np.ndarray,
    short: np.ndarray,
    targets: np.ndarray,
) -> None:
    """Add a chart step's results to ``frame``, in the order every chart step shares.

    The centre line and limit ``columns``, the rule columns, ``special_cause_flag``,
    ``point_type``, ``short_group_warning``, ``improvement_direction`` and ``target``.
    """
    for key, values in columns.items():
        frame[key] = values
    for key, values in flags.items():
        frame[key] = values
    types = flags["special_cause_type"]
    frame["special_cause_flag"] = np.array(
        [t is not None and t != "Common Cause" for t in types], dtype=bool
    )
    frame["point_type"] = point_types(types, direction)
    frame["short_group_warning"] = short
    frame["improvement_direction"] = direction
    frame["target"] = targets
