"""SPC options: the Making Data Count constants, :class:`SpcOptions` and their validation.

The first step of every chart, as in NHSRplotthedots 0.2.2, whose ``ptd_spc``
first builds ``ptd_spc_options`` (``R/ptd_spc_options.R``) and checks them
(``R/ptd_validate_spc_options.R``) before any calculation. :func:`validate_options`
checks every option and the data they refer to (columns, numbers, dates, one row
per period and facet, ``fix_after_n_points`` >= 12, directions, rebase dates,
targets) and raises a :class:`~collablib.errors.CollabError` naming the first
problem; the chart steps then trust the :class:`SpcOptions` they get back.

The constants are Making Data Count's (MDC, NHS England) as NHSRplotthedots
uses them: process limits at 2.66 x the average moving range, moving ranges
screened at 3.267 x their average, runs of 7 points.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from collablib.spc._common import bad as _bad
from collablib.spc._common import row_label as _row_label

__all__ = [
    "DIRECTIONS",
    "LIMIT",
    "LIMIT_CLOSE",
    "MIN_FIX_POINTS",
    "MIN_SPC_POINTS",
    "POINT_TYPES",
    "RUN_LENGTH",
    "SCREEN_MULTIPLE",
    "SHORT_GROUP_THRESHOLD",
    "SpcOptions",
    "validate_options",
]

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


@dataclass(frozen=True)
class SpcOptions:
    """Validated options for :func:`~collablib.spc.xmr.xmr`.

    The analogue of NHSRplotthedots' ``ptd_spc_options``.
    """

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


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T].*)?$")


def _dates(values: Any, what: str) -> tuple[pd.Timestamp, ...]:
    if values is None:
        return ()
    if isinstance(values, (str, pd.Timestamp)) or not isinstance(
        values, Sequence | pd.Index | np.ndarray | pd.Series
    ):
        values = [values]
    for v in values:  # "01/08/2020" would be read as 8 January: only unambiguous text
        if isinstance(v, str) and not _ISO_DATE.match(v.strip()):
            raise _bad(
                f"{what} dates written as text must be YYYY-MM-DD",
                value=v,
                allowed="dates such as 2021-04-01 (or datetime values)",
            )
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


def _check_rebase(
    starts: tuple[pd.Timestamp, ...], dates: pd.Series, date_field: str, facet: Any = None
) -> None:
    """A rebase starts a new group at one of the data's periods; any other date would be
    silently ignored (as NHSRplotthedots ignores it), so it is refused here instead."""
    periods = sorted(set(dates))
    for start in starts:
        if start not in periods:
            where = f" of facet {facet}" if facet is not None else ""
            before = [d for d in periods if d < start][-1:]
            after = [d for d in periods if d > start][:1]
            nearest = " and ".join(str(d.date()) for d in (*before, *after))
            raise _bad(
                f"a rebase date is not one of the periods{where} in the data",
                column=date_field,
                value=str(start.date()),
                allowed=f"one of the {len(periods)} dates in {date_field}{where}, from "
                f"{periods[0].date()} to {periods[-1].date()}; the nearest are {nearest}",
            )


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
        for facet, starts in rebases.items():
            _check_rebase(starts, dates[data[facet_field] == facet], date_field, facet)
    else:
        rebases = _dates(rebase, "rebase")
        _check_rebase(rebases, dates, date_field)
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
