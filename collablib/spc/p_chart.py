"""p chart (proportions with varying denominators) as qicharts2 computes it, with the MDC rules.

Follows qicharts2 0.8.1 (``R/helper.functions.R``: ``qic.p``, ``makeparts``,
``runs.analysis``; ``R/qic.R`` for ``freeze`` and ``part``). Per facet and part:

- centre line CL = sum of numerators / sum of denominators over the baseline
  (the points up to ``freeze``; all points when there is no ``freeze``);
- limits CL +/- 3 sqrt(CL(1 - CL) / n_i), clamped to [0, 1], and 2-sigma lines
  CL +/- 2 sqrt(...) likewise;
- ``part`` splits the chart after the given points and recalculates each part
  (and overrides ``freeze``, as in qicharts2).

Points are then classified by the same four Making Data Count rules as the XmR
chart (:mod:`collablib.spc.rules`), and each part also gets qicharts2's Anhøj
runs analysis about CL (:func:`collablib.spc.run_chart.runs_analysis`).
Counts are checked first: no zero denominators, no negative counts, no
numerator above its denominator, both counts or neither.

Bad input raises :class:`~collablib.errors.CollabError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from collablib.spc._common import allocate, finish, prepare, segments
from collablib.spc._common import bad as _bad
from collablib.spc._common import row_label as _row_label
from collablib.spc.options import SHORT_GROUP_THRESHOLD, validate_options
from collablib.spc.rules import allocate_rules, apply_rules, store_results
from collablib.spc.run_chart import runs_analysis

__all__ = ["p_chart"]


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
    (2-sigma), the rule columns and ``point_type`` as in :func:`~collablib.spc.xmr.xmr`, and the
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
    frame, order, facets, bounds = prepare(
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
        if facet_part is not None and (
            isinstance(facet_part, str) or not isinstance(facet_part, Sequence)
        ):
            facet_part = [facet_part]
        _check_positions(facet_part, "part")
        _check_positions([] if facet_freeze is None else [facet_freeze], "freeze")
        if facet_part:
            facet_freeze = None  # part overrides freeze, as in qicharts2
        part_no[begin:end] = _parts(size, facet_part)
        baseline[begin:end] = np.arange(1, size + 1) <= (
            facet_freeze if facet_freeze is not None else size
        )
        direction[begin:end] = options.direction_for(facet)
        targets[begin:end] = options.target_for(facet)
    outside = targets[~np.isnan(targets) & ((targets < 0) | (targets > 1))]
    if outside.size:
        raise _bad(
            "a p chart's target is a proportion, like its points",
            value=float(outside[0]),
            allowed=f"a number from 0 to 1 (for {outside[0]:g}%, {outside[0] / 100:g})",
        )
    columns = allocate(n, ("cl", "lcl", "ucl", "lcl_95", "ucl_95"))
    flags = allocate_rules(n)
    runs = {
        k: np.full(n, np.nan)
        for k in ("n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min")
    }
    runs_signal = np.zeros(n, dtype=bool)
    short = np.zeros(n, dtype=bool)
    for begin, end in segments(bounds, part_no):
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
        apply_rules(
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
    store_results(frame, columns, flags, direction=direction, short=short, targets=targets)
    for key, values in runs.items():
        frame[key] = values
    frame["runs_signal"] = runs_signal
    return finish(frame.iloc[np.argsort(order, kind="stable")])


def _check_positions(values: Sequence[Any] | None, what: str) -> None:
    """``part`` and ``freeze`` count points (1-based), as qicharts2 does, not dates."""
    for value in values or []:
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise _bad(
                f"{what} counts points (1 is the first point of the facet), not dates",
                value=value,
                allowed="whole numbers from 1, such as part=[12] to split after the 12th point",
            )


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
