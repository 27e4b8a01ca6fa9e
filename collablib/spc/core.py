"""Statistical process control for improvement measures: XmR, p and run charts.

No plotting here: see :mod:`collablib.report.spc_plots`. Output column names follow
the R package NHSRplotthedots (``mean``, ``lpl``, ``upl``,
``outside_limits``, ``relative_to_mean``, ``close_to_limits``,
``point_type``), so NHS-R users feel at home.

**XmR chart** (:func:`xmr`), as NHS England's *Making Data Count* (MDC) and
NHSRplotthedots v0.2.2 compute it. For each facet, in date order, split into
rebase groups:

- centre line: the mean of the group's values (of its first
  ``fix_after_n_points`` values when the limits are fixed); the mean is never
  screened;
- moving range: |y[i] - y[i-1]|; with ``screen_outliers`` (the default, as in
  NHSRplotthedots; the MDC Excel tool does not screen) ranges of 3.267 x the
  average moving range or more are dropped and the average recomputed;
- process limits: mean +/- 2.66 x average moving range; "2 sigma" lines
  (``nlpl``/``nupl``, NHSRplotthedots' near process limits): mean +/- (2 x 2.66 / 3) x AMR;
- special cause, in order of precedence: (1) a point outside a process limit
  (strictly); (2) a **trend**: 7 points, that is 6 consecutive differences of
  the same sign (a tie breaks it); (3) **two of three** consecutive points
  beyond the same 2-sigma line, all three on the same side of the mean (only the
  close points are flagged); (4) a **shift**: 7 consecutive points on the same
  side of the mean (a point exactly on the mean breaks it);
- ``point_type``: ``special_cause_improvement`` / ``special_cause_concern``
  by ``improvement_direction``, ``special_cause_neutral_high`` /
  ``special_cause_neutral_low`` when neutral, else ``common_cause``.

**Missing periods.** A row with no value is a period with no data. It is kept
(one row per input row) with a missing ``point_type``; no moving range is
taken across it, and it breaks trends, shifts and two-of-three runs, so a gap
can never join two stretches of data into a false run. NHSRplotthedots
requires complete series and has no rule for gaps; this is collab's extension.

**p chart** (:func:`p_chart`) follows qicharts2 v0.8.1: CL = sum of numerators
/ sum of denominators over the baseline; limits CL +/- 3 sqrt(CL(1 - CL) / n_i),
clamped to [0, 1]; ``freeze`` ends the baseline, ``part`` splits the chart
(and overrides ``freeze``). Points are then classified by the same four rules.

**Run chart** (:func:`run_chart`) applies qicharts2's Anhøj rules: centre =
median; points on the median are ignored; a signal when the longest run
exceeds round(log2(n)) + 3 or the crossings are fewer than qbinom(0.05, n - 1, 0.5).

Bad input raises :class:`~collablib.errors.CollabError`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from collablib.errors import CollabError

#: XmR process limits: mean +/- LIMIT x average moving range (3 / 1.128, rounded as in MDC).
LIMIT = 2.66
#: The "2 sigma" lines: two thirds of the way to the process limits.
LIMIT_CLOSE = 2 * LIMIT / 3
#: Moving ranges at or above this multiple of their average are screened out.
SCREEN_MULTIPLE = 3.267
#: Points in a trend or shift.
RUN_LENGTH = 7
#: ``fix_after_n_points`` must be at least this (NHSRplotthedots).
MIN_FIX_POINTS = 12
#: Groups with fewer points than this carry ``short_group_warning`` (NHSRplotthedots'
#: default ``ptd_spc.warning_threshold`` is 13, although its message says "n < 12").
SHORT_GROUP_THRESHOLD = 13
#: Fewer points than this and a measure gets a run chart rather than SPC limits.
MIN_SPC_POINTS = 12

DIRECTIONS = ("increase", "decrease", "neutral")
POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
_DIRECTION_SIGN = {"increase": 1, "decrease": -1, "neutral": 0}


# --- options: validated in one place ------------------------------------------------------


@dataclass(frozen=True)
class SpcOptions:
    """Validated options for :func:`xmr` (the analogue of NHSRplotthedots' ``ptd_spc_options``)."""

    value_field: str
    date_field: str
    facet_field: str | None
    rebase: Mapping[Hashable, tuple[pd.Timestamp, ...]] | tuple[pd.Timestamp, ...]
    fix_after_n_points: int | None
    improvement_direction: Mapping[Hashable, str] | str
    target: Mapping[Hashable, float] | float | None
    screen_outliers: bool

    def direction_for(self, facet: Hashable) -> str:
        if isinstance(self.improvement_direction, Mapping):
            return self.improvement_direction.get(facet, "increase")
        return self.improvement_direction

    def target_for(self, facet: Hashable) -> float:
        if self.target is None:
            return math.nan
        if isinstance(self.target, Mapping):
            value = self.target.get(facet)
            return math.nan if value is None else float(value)
        return float(self.target)

    def rebase_for(self, facet: Hashable) -> tuple[pd.Timestamp, ...]:
        if isinstance(self.rebase, Mapping):
            return self.rebase.get(facet, ())
        return self.rebase


def _bad(problem: str, **where: Any) -> CollabError:
    return CollabError(problem, **where)


def _dates(values: Any, what: str) -> tuple[pd.Timestamp, ...]:
    if values is None:
        return ()
    if isinstance(values, (str, pd.Timestamp)) or not isinstance(
        values, Sequence | pd.Index | np.ndarray | pd.Series
    ):
        values = [values]
    try:
        return tuple(pd.Timestamp(v) for v in values)
    except (ValueError, TypeError):
        raise _bad(
            f"{what} must be dates", value=values, allowed="dates such as 2021-04-01"
        ) from None


def _direction(value: Any, facet: Hashable | None = None) -> str:
    if value not in DIRECTIONS:
        raise _bad(
            "unknown improvement direction",
            column="improvement_direction",
            value=value,
            allowed=", ".join(DIRECTIONS) + (f" (facet {facet})" if facet is not None else ""),
        )
    return value


def validate_options(
    data: pd.DataFrame,
    value_field: str,
    date_field: str,
    facet_field: str | None = None,
    rebase: Any = None,
    fix_after_n_points: int | None = None,
    improvement_direction: Any = "increase",
    target: Any = None,
    screen_outliers: bool = True,
    *,
    numeric_fields: Sequence[str] | None = None,
) -> SpcOptions:
    """Check every option and the data they refer to; raise a clear error for the first problem."""
    if not isinstance(data, pd.DataFrame):
        raise _bad("data must be a pandas DataFrame", value=type(data).__name__)
    for name, field in (
        ("value_field", value_field),
        ("date_field", date_field),
        ("facet_field", facet_field),
    ):
        if field is not None and field not in data.columns:
            raise _bad(
                f"{name} is not a column of the data",
                column=field,
                value=field,
                allowed=", ".join(map(str, data.columns)),
            )
    for field in numeric_fields or [value_field]:
        column = data[field]
        if not (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)):
            converted = pd.to_numeric(column, errors="coerce")
            bad = column[converted.isna() & column.notna()]
            if len(bad):
                raise _bad(
                    "values must be numbers",
                    column=field,
                    value=bad.iloc[0],
                    row=_row_label(bad.index[0]),
                    allowed="numbers (blank = missing)",
                )
    try:
        dates = pd.to_datetime(data[date_field])
    except (ValueError, TypeError):
        raise _bad(
            "dates could not be read", column=date_field, allowed="dates such as 2021-04-01"
        ) from None
    if dates.isna().any():
        raise _bad(
            "a date is missing",
            column=date_field,
            row=_row_label(dates.index[dates.isna()][0]),
            allowed="a date on every row",
        )
    keys = [data[facet_field], dates] if facet_field else [dates]
    duplicated = pd.DataFrame({i: k for i, k in enumerate(keys)}).duplicated(keep=False)
    if duplicated.any():
        first = duplicated[duplicated].index[0]
        raise _bad(
            "duplicate period: each period may appear once" + (" per facet" if facet_field else ""),
            column=date_field,
            row=_row_label(first),
            value=str(dates.loc[first].date()),
            allowed="one row per period",
        )
    if fix_after_n_points is not None and (
        isinstance(fix_after_n_points, bool)
        or not float(fix_after_n_points).is_integer()
        or fix_after_n_points < MIN_FIX_POINTS
    ):
        raise _bad(
            "fix_after_n_points must be a whole number of at least 12",
            value=fix_after_n_points,
            allowed=f"an integer >= {MIN_FIX_POINTS}",
        )
    facets = set(data[facet_field]) if facet_field else set()
    if isinstance(improvement_direction, Mapping):
        directions = {k: _direction(v, k) for k, v in improvement_direction.items()}
    else:
        directions = _direction(improvement_direction)
    if isinstance(rebase, Mapping):
        if facet_field is None:
            raise _bad("rebase must be a list of dates when there is no facet_field", value=rebase)
        unknown = [k for k in rebase if k not in facets]
        if unknown:
            raise _bad(
                "rebase names a facet that is not in the data",
                value=unknown[0],
                allowed=", ".join(map(str, sorted(facets, key=str))),
            )
        rebases: Any = {k: _dates(v, "rebase") for k, v in rebase.items()}
    else:
        rebases = _dates(rebase, "rebase")
    if target is not None:
        if isinstance(target, Mapping):
            for k, v in target.items():
                if v is not None and not isinstance(v, int | float | np.number):
                    raise _bad("a target must be a number", value=v, allowed=f"facet {k}")
        elif not isinstance(target, int | float | np.number) or isinstance(target, bool):
            raise _bad("target must be a number or a mapping of facet to number", value=target)
    if not isinstance(screen_outliers, bool | np.bool_):
        raise _bad("screen_outliers must be True or False", value=screen_outliers)
    return SpcOptions(
        value_field,
        date_field,
        facet_field,
        rebases,
        int(fix_after_n_points) if fix_after_n_points is not None else None,
        directions,
        target,
        bool(screen_outliers),
    )


def _row_label(index: Any) -> int | None:
    try:
        return int(index)
    except (TypeError, ValueError):
        return None


# --- the rules (shared by XmR and p charts) -----------------------------------------------


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
    Returns ``outside_limits``, ``relative_to_mean``, ``close_to_limits`` and
    ``special_cause_type`` (text as in NHSRplotthedots, ``None`` for missing points).
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
    }


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


# --- XmR ----------------------------------------------------------------------------------


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
    to dates): each date starts a new group with its own mean and limits.
    ``fix_after_n_points`` (>= 12) computes each group's limits from its first n
    points and extends them. ``improvement_direction`` and ``target`` may be
    single values or mappings of facet to value.

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
    frame, order, facets, bounds = _prepare(data, value_field, date_field, facet_field)
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
    columns = _allocate(n, ("mean", "lpl", "upl", "nlpl", "nupl"))
    flags = _allocate_rules(n)
    short = np.zeros(n, dtype=bool)
    for begin, end in _segments(bounds, group):
        stats = _xmr_group(y[begin:end], options.fix_after_n_points, options.screen_outliers)
        mean, amr = stats["mean"], stats["amr"]
        columns["mean"][begin:end] = mean
        columns["lpl"][begin:end] = mean - LIMIT * amr
        columns["upl"][begin:end] = mean + LIMIT * amr
        columns["nlpl"][begin:end] = mean - LIMIT_CLOSE * amr
        columns["nupl"][begin:end] = mean + LIMIT_CLOSE * amr
        _apply_rules(
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
    for key, values in columns.items():
        frame[key] = values
    _store_rules(frame, flags, direction)
    frame["short_group_warning"] = short
    frame["improvement_direction"] = direction
    frame["target"] = targets
    return _finish(frame.iloc[np.argsort(order, kind="stable")])


def _prepare(
    data: pd.DataFrame,
    value_field: str,
    date_field: str,
    facet_field: str | None,
    value: pd.Series | None = None,
) -> tuple[pd.DataFrame, np.ndarray, list[Hashable], list[tuple[int, int]]]:
    """Sort by facet (first appearance) and date; return frame, original positions, facets and
    each facet's [begin, end) rows."""
    frame = data.copy()
    frame["_y"] = (
        (value if value is not None else pd.to_numeric(frame[value_field], errors="coerce"))
        .astype(float)
        .to_numpy()
    )
    frame["_x"] = pd.to_datetime(frame[date_field]).to_numpy()
    frame["facet"] = frame[facet_field] if facet_field else "no facet"
    codes, facets = pd.factorize(frame["facet"], sort=False)
    order = np.lexsort((frame["_x"].to_numpy(), codes))
    frame = frame.iloc[order]
    sorted_codes = codes[order]
    cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
    begins = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [len(frame)]])
    return frame, order, list(facets), list(zip(begins.tolist(), ends.tolist(), strict=True))


def _segments(bounds: list[tuple[int, int]], group: np.ndarray) -> list[tuple[int, int]]:
    """[begin, end) of each run of equal ``group`` within each facet."""
    out = []
    for begin, end in bounds:
        cuts = np.flatnonzero(np.diff(group[begin:end])) + 1 + begin
        edges = [begin, *cuts.tolist(), end]
        out += list(itertools.pairwise(edges))
    return out


def _allocate(n: int, names: Sequence[str]) -> dict[str, np.ndarray]:
    return {name: np.full(n, np.nan) for name in names}


def _allocate_rules(n: int) -> dict[str, np.ndarray]:
    return {
        "outside_limits": np.zeros(n, dtype=bool),
        "relative_to_mean": np.full(n, np.nan),
        "close_to_limits": np.zeros(n, dtype=bool),
        "special_cause_type": np.empty(n, dtype=object),
    }


def _apply_rules(flags, begin, end, y, centre, lower, upper, lower_close, upper_close) -> None:
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


def _store_rules(frame: pd.DataFrame, flags: dict[str, np.ndarray], direction: Any) -> None:
    for key, values in flags.items():
        frame[key] = values
    types = flags["special_cause_type"]
    frame["special_cause_flag"] = np.array(
        [t is not None and t != "Common Cause" for t in types], dtype=bool
    )
    frame["point_type"] = point_types(types, direction)


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    """Common tidy-up: ``x`` (date) and ``y`` (value) columns, helper columns dropped, dtypes."""
    if "_x" in out:
        out["x"] = out["_x"]
    if "_y" in out:
        out["y"] = out["_y"]
    out = out.drop(columns=[c for c in ("_y", "_x", "_order") if c in out])
    for col in ("outside_limits", "close_to_limits", "special_cause_flag", "short_group_warning"):
        if col in out:
            out[col] = out[col].astype(bool)
    for col in ("special_cause_type", "point_type", "improvement_direction"):
        if col in out:
            out[col] = out[col].astype("string")
    return out


# --- p chart ------------------------------------------------------------------------------


def _parts(n: int, part: Sequence[int] | None) -> np.ndarray:
    """qicharts2's makeparts: part numbers 1, 2, ... splitting after the given positions."""
    cuts = sorted({0, *[int(p) for p in (part or []) if 0 <= int(p) < n]})
    labels = np.zeros(n, dtype=int)
    for i, cut in enumerate(cuts, start=1):
        labels[cut:] = i
    return labels


def p_chart(
    data: pd.DataFrame,
    numerator_field: str,
    denominator_field: str,
    date_field: str,
    facet_field: str | None = None,
    freeze: Any = None,
    part: Any = None,
    improvement_direction: Any = "increase",
    target: Any = None,
) -> pd.DataFrame:
    """p chart (proportions with varying denominators) as in qicharts2, with MDC rules.

    ``freeze`` is the number of the last baseline point (1-based, per facet);
    ``part`` lists the points after which the chart splits and recalculates
    (and overrides ``freeze``). Either may be a mapping of facet to value.
    Returns the input columns plus ``facet``, ``x``, ``y`` (the proportion),
    ``part``, ``baseline``, ``cl``, ``lcl``, ``ucl``, ``lcl_95``, ``ucl_95``
    (2-sigma), the rule columns and ``point_type`` as in :func:`xmr`, and the
    Anhøj runs analysis about ``cl`` (``runs_signal`` ...), as qicharts2 gives.
    """
    options = validate_options(
        data,
        numerator_field,
        date_field,
        facet_field,
        None,
        None,
        improvement_direction,
        target,
        True,
        numeric_fields=[numerator_field, denominator_field],
    )
    num = pd.to_numeric(data[numerator_field], errors="coerce").astype(float)
    den = pd.to_numeric(data[denominator_field], errors="coerce").astype(float)
    _check_counts(num, den, numerator_field, denominator_field)
    with np.errstate(divide="ignore", invalid="ignore"):
        proportion = num / den
    frame, order, facets, bounds = _prepare(
        data, numerator_field, date_field, facet_field, value=proportion
    )
    numerators = num.to_numpy()[order]
    denominators = den.to_numpy()[order]
    y = frame["_y"].to_numpy()
    n = len(frame)
    part_no = np.zeros(n, dtype=int)
    baseline = np.zeros(n, dtype=bool)
    direction = np.empty(n, dtype=object)
    targets = np.full(n, np.nan)
    for facet, (begin, end) in zip(facets, bounds, strict=True):
        size = end - begin
        facet_part = part.get(facet) if isinstance(part, Mapping) else part
        facet_freeze = freeze.get(facet) if isinstance(freeze, Mapping) else freeze
        if facet_part is not None and not isinstance(facet_part, Sequence):
            facet_part = [facet_part]
        if facet_part:
            facet_freeze = None  # part overrides freeze, as in qicharts2
        part_no[begin:end] = _parts(size, facet_part)
        baseline[begin:end] = np.arange(1, size + 1) <= (
            facet_freeze if facet_freeze is not None else size
        )
        direction[begin:end] = options.direction_for(facet)
        targets[begin:end] = options.target_for(facet)
    columns = _allocate(n, ("cl", "lcl", "ucl", "lcl_95", "ucl_95"))
    flags = _allocate_rules(n)
    runs = {
        k: np.full(n, np.nan)
        for k in ("n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min")
    }
    runs_signal = np.zeros(n, dtype=bool)
    short = np.zeros(n, dtype=bool)
    for begin, end in _segments(bounds, part_no):
        base = (
            baseline[begin:end]
            & np.isfinite(numerators[begin:end])
            & np.isfinite(denominators[begin:end])
        )
        cl = (
            numerators[begin:end][base].sum() / denominators[begin:end][base].sum()
            if base.any()
            else math.nan
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.sqrt(cl * (1 - cl) / denominators[begin:end])
        columns["cl"][begin:end] = cl
        columns["ucl"][begin:end] = np.minimum(cl + 3 * sd, 1.0)
        columns["lcl"][begin:end] = np.maximum(cl - 3 * sd, 0.0)
        columns["ucl_95"][begin:end] = np.minimum(cl + 2 * sd, 1.0)
        columns["lcl_95"][begin:end] = np.maximum(cl - 2 * sd, 0.0)
        _apply_rules(
            flags,
            begin,
            end,
            y,
            columns["cl"],
            columns["lcl"],
            columns["ucl"],
            columns["lcl_95"],
            columns["ucl_95"],
        )
        analysis = runs_analysis(y[begin:end], cl)  # about CL, as qicharts2
        for key in runs:
            runs[key][begin:end] = analysis[key]
        runs_signal[begin:end] = analysis["runs_signal"]
        short[begin:end] = int(np.isfinite(y[begin:end]).sum()) < SHORT_GROUP_THRESHOLD
    frame["part"] = part_no
    frame["baseline"] = baseline
    for key, values in columns.items():
        frame[key] = values
    _store_rules(frame, flags, direction)
    frame["short_group_warning"] = short
    frame["improvement_direction"] = direction
    frame["target"] = targets
    for key, values in runs.items():
        frame[key] = values
    frame["runs_signal"] = runs_signal
    return _finish(frame.iloc[np.argsort(order, kind="stable")])


def _check_counts(num: pd.Series, den: pd.Series, num_field: str, den_field: str) -> None:
    zero = den == 0
    if zero.any():
        raise _bad(
            "a denominator is zero",
            column=den_field,
            row=_row_label(den.index[zero][0]),
            value=0,
            allowed="a count of at least 1 (leave both blank for a missing period)",
        )
    negative = (num < 0) | (den < 0)
    if negative.any():
        raise _bad(
            "counts cannot be negative",
            column=num_field,
            row=_row_label(num.index[negative][0]),
            allowed="counts of 0 or more",
        )
    over = num > den
    if over.any():
        first = num.index[over][0]
        raise _bad(
            "the numerator is larger than its denominator",
            column=num_field,
            row=_row_label(first),
            value=f"{num[first]:g} of {den[first]:g}",
            allowed="a numerator no larger than the denominator",
        )
    half = num.isna() != den.isna()
    if half.any():
        raise _bad(
            "a numerator needs a denominator, and the other way round",
            column=num_field if num.isna().any() else den_field,
            row=_row_label(num.index[half][0]),
            allowed="both counts, or neither",
        )


# --- run chart ----------------------------------------------------------------------------


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
    return _finish(out)


# --- summary: variation and assurance -----------------------------------------------------

VARIATION_TEXT = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause variation: improvement",
    "special_cause_concern": "Special cause variation: concern",
    "special_cause_neutral_high": "Special cause variation: higher (neutral)",
    "special_cause_neutral_low": "Special cause variation: lower (neutral)",
}
ASSURANCE_TEXT = {
    "pass": "Consistently passes the target",
    "fail": "Consistently fails the target",
    "inconsistent": "Hit and miss: sometimes passes, sometimes fails the target",
    "none": "No target",
}


def assurance(result: pd.DataFrame) -> pd.DataFrame:
    """One row per facet: the variation and assurance icons, decided as in NHSRplotthedots.

    The **variation** icon is the point type of the facet's last point (last
    observed point, if the latest periods are missing), with ``high`` or
    ``low`` from the side it is on. **Assurance** compares the target with the
    last group's process limits, strictly: a target above the upper limit is
    ``fail`` when improvement means increase (``pass`` when decrease); below the
    lower limit, the reverse; otherwise ``inconsistent``; ``none`` with no
    target or a neutral direction. Works for :func:`xmr` (``lpl``/``upl``) and
    :func:`p_chart` (``lcl``/``ucl``) results; ``assurance_type`` uses
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
