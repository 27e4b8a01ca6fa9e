"""Plumbing shared by the chart steps: errors, sorting into facets and groups, tidying the result.

Private to :mod:`collablib.spc`. NHSRplotthedots' ``ptd_spc_standard`` does the
same preparation inline (a pseudo-facet ``"no facet"``, rows ordered by facet and
date, grouped by rebase group); qicharts2's ``qic.agg`` splits by facet and part.
Here it is done once with NumPy so that :func:`~collablib.spc.xmr.xmr`,
:func:`~collablib.spc.p_chart.p_chart` and :func:`~collablib.spc.run_chart.run_chart`
return the same columns with the same dtypes, one row per input row, in input order.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from collablib.errors import CollabError

__all__ = ["allocate", "bad", "finish", "prepare", "row_label", "segments"]


def bad(problem: str, **where: Any) -> CollabError:
    """The :class:`~collablib.errors.CollabError` every SPC step raises for bad input."""
    return CollabError(problem, **where)


def row_label(index: Any) -> int | None:
    """A row index as a whole number for error messages, or ``None`` if it is not one."""
    try:
        return int(index)
    except (TypeError, ValueError):
        return None


def prepare(
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


def segments(bounds: list[tuple[int, int]], group: np.ndarray) -> list[tuple[int, int]]:
    """[begin, end) of each run of equal ``group`` within each facet."""
    out = []
    for begin, end in bounds:
        cuts = np.flatnonzero(np.diff(group[begin:end])) + 1 + begin
        edges = [begin, *cuts.tolist(), end]
        out += list(itertools.pairwise(edges))
    return out


def allocate(n: int, names: Sequence[str]) -> dict[str, np.ndarray]:
    """One all-NaN float column of length ``n`` per name."""
    return {name: np.full(n, np.nan) for name in names}


def finish(out: pd.DataFrame) -> pd.DataFrame:
    """Common tidy-up: ``x`` (date) and ``y`` (value) columns, helper columns dropped, dtypes."""
    if "_x" in out:
        out["x"] = out["_x"]
    if "_y" in out:
        out["y"] = out["_y"]
    out = out.drop(columns=[c for c in ("_y", "_x", "_order") if c in out])
    for col in ("outside_limits", "close_to_limits", "special_cause_flag", "short_group_warning"):
        if col in out:
            out[col] = out[col].astype(bool)
    for col in ("special_cause_type", "special_cause_rules", "point_type", "improvement_direction"):
        if col in out:
            out[col] = out[col].astype("string")
    return out
