"""XmR (individuals) chart as NHS England's Making Data Count (MDC) and NHSRplotthedots compute it.

Follows NHSRplotthedots 0.2.2: ``R/ptd_spc.R`` (the steps),
``R/ptd_add_rebase_column.R`` and ``R/ptd_add_target_column.R`` (rebase groups
and targets per facet), ``R/ptd_spc_standard.R`` (mean, moving ranges, limits)
and ``R/ptd_add_short_group_warnings.R``. Output column names are
NHSRplotthedots' (``mean``, ``lpl``, ``upl``, ``outside_limits``,
``relative_to_mean``, ``close_to_limits``, ``point_type`` ...), so NHS-R users
feel at home. For each facet, in date order, split into rebase groups:

- centre line: the mean of the group's values (of its first
  ``fix_after_n_points`` values when the limits are fixed); the mean is never
  screened;
- moving range: |y[i] - y[i-1]|; with ``screen_outliers`` (the default, as in
  NHSRplotthedots; the MDC Excel tool does not screen) ranges of 3.267 x the
  average moving range or more are dropped and the average recomputed;
- process limits: mean +/- 2.66 x average moving range; "2 sigma" lines
  (``nlpl``/``nupl``, NHSRplotthedots' near process limits): mean +/- (2 x 2.66 / 3) x AMR;
- special cause and ``point_type``: the four rules of :mod:`collablib.spc.rules`.

**Missing periods.** A row with no value is a period with no data. It is kept
(one row per input row) with a missing ``point_type``; no moving range is
taken across it, and it breaks trends, shifts and two-of-three runs, so a gap
can never join two stretches of data into a false run. NHSRplotthedots
requires complete series and has no rule for gaps; this is collab's extension.

Bad input raises :class:`~collablib.errors.CollabError`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from collablib.spc._common import allocate, finish, prepare, segments
from collablib.spc.options import (
    LIMIT,
    LIMIT_CLOSE,
    SCREEN_MULTIPLE,
    SHORT_GROUP_THRESHOLD,
    validate_options,
)
from collablib.spc.rules import allocate_rules, apply_rules, store_results

__all__ = ["xmr"]


def _xmr_group(y: np.ndarray, fix: int | None, screen: bool) -> dict[str, Any]:
    observed = ~np.isnan(y)
    use = observed.copy()
    if fix is not None:
        use &= np.cumsum(observed) <= fix
    fixed = np.where(use, y, np.nan)
    mean = float(np.nanmean(fixed)) if use.any() else math.nan
    moving = np.full(len(y), np.nan)
    if len(y) > 1:
        moving[1:] = np.abs(np.diff(fixed))
    amr = float(np.nanmean(moving)) if np.isfinite(moving).any() else math.nan
    if screen and np.isfinite(amr):
        moving = np.where(moving < SCREEN_MULTIPLE * amr, moving, np.nan)
        amr = float(np.nanmean(moving)) if np.isfinite(moving).any() else math.nan
    return {"mean": mean, "amr": amr}


def xmr(
    data: pd.DataFrame,
    value_field: str,
    date_field: str,
    facet_field: str | None = None,
    rebase: Any = None,
    fix_after_n_points: int | None = None,
    improvement_direction: Any = "increase",
    target: Any = None,
    screen_outliers: bool = True,
) -> pd.DataFrame:
    """Making Data Count XmR chart: limits, special-cause rules and point types per row.

    ``rebase`` is a list of dates (or, with ``facet_field``, a mapping of facet
    to dates): each date starts a new group with its own mean and limits. Each
    must be one of the periods in ``date_field`` (text as YYYY-MM-DD); any other
    date raises :class:`~collablib.errors.CollabError`, where NHSRplotthedots
    would ignore it. ``fix_after_n_points`` (>= 12) computes each group's limits
    from its first n points and extends them. ``improvement_direction`` is
    ``"increase"``, ``"decrease"`` or ``"neutral"``; it and ``target`` may be
    single values or mappings of facet to value. Pass only the columns you need:
    input columns are kept, and any named like an output column are replaced.

    Returns one row per input row, in input order, with the input columns plus
    ``x`` (date), ``y`` (value), ``facet``, ``rebase_group``, ``mean``, ``lpl``,
    ``upl``, ``nlpl``, ``nupl`` (2-sigma lines), ``outside_limits``, ``relative_to_mean``,
    ``close_to_limits``, ``special_cause_type``, ``special_cause_flag``,
    ``point_type``, ``short_group_warning``, ``improvement_direction`` and
    ``target``.
    """
    options = validate_options(
        data,
        value_field,
        date_field,
        facet_field,
        rebase,
        fix_after_n_points,
        improvement_direction,
        target,
        screen_outliers,
    )
    frame, order, facets, bounds = prepare(data, value_field, date_field, facet_field)
    y = frame["_y"].to_numpy()
    x = frame["_x"].to_numpy()
    n = len(frame)
    group = np.zeros(n, dtype=int)
    direction = np.empty(n, dtype=object)
    targets = np.full(n, np.nan)
    for facet, (begin, end) in zip(facets, bounds, strict=True):
        starts = np.array(options.rebase_for(facet), dtype="datetime64[ns]")
        group[begin:end] = np.cumsum(np.isin(x[begin:end], starts))
        direction[begin:end] = options.direction_for(facet)
        targets[begin:end] = options.target_for(facet)
    columns = allocate(n, ("mean", "lpl", "upl", "nlpl", "nupl"))
    flags = allocate_rules(n)
    short = np.zeros(n, dtype=bool)
    for begin, end in segments(bounds, group):
        stats = _xmr_group(y[begin:end], options.fix_after_n_points, options.screen_outliers)
        mean, amr = stats["mean"], stats["amr"]
        columns["mean"][begin:end] = mean
        columns["lpl"][begin:end] = mean - LIMIT * amr
        columns["upl"][begin:end] = mean + LIMIT * amr
        columns["nlpl"][begin:end] = mean - LIMIT_CLOSE * amr
        columns["nupl"][begin:end] = mean + LIMIT_CLOSE * amr
        apply_rules(
            flags,
            begin,
            end,
            y,
            columns["mean"],
            columns["lpl"],
            columns["upl"],
            columns["nlpl"],
            columns["nupl"],
        )
        short[begin:end] = int(np.isfinite(y[begin:end]).sum()) < SHORT_GROUP_THRESHOLD
    frame["rebase_group"] = group
    store_results(frame, columns, flags, direction=direction, short=short, targets=targets)
    return finish(frame.iloc[np.argsort(order, kind="stable")])
