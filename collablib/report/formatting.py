"""Number formatting for reports: whole percents with halves rounded up, as published.

Python's built-in :func:`round` rounds halves to even (``round(92.5) == 92``),
whereas NHS publications round halves up. All display rounding goes through
:func:`round_half_up` so that tables, charts and text agree.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "fmt_ci",
    "fmt_cpes_score",
    "fmt_int",
    "fmt_p",
    "fmt_pct",
    "fmt_points",
    "round_half_up",
]


def round_half_up(value: float, ndigits: int = 0) -> float:
    """Round ``value`` to ``ndigits`` decimals, halves away from zero (92.5 -> 93).

    Uses the shortest decimal representation of the float (``repr``), so a
    value printed as 92.5 rounds up even if its binary form is a hair below.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    quantum = Decimal(1).scaleb(-ndigits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def fmt_pct(value: float | None, ndigits: int = 0) -> str:
    """``81.03 -> "81%"``; a missing value (no answers) is shown as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    rounded = round_half_up(value, ndigits)
    return f"{rounded:.{ndigits}f}%"


def fmt_ci(low: float | None, high: float | None, ndigits: int = 0) -> str:
    """A 95% interval as ``"69% to 89%"`` (en dash when undefined)."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "–"
    return f"{fmt_pct(low, ndigits)} to {fmt_pct(high, ndigits)}"


def fmt_int(value: int | None) -> str:
    """Thousands-separated integer, en dash when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{int(value):,}"


def fmt_points(value: float | None, ndigits: int = 0) -> str:
    """A difference in percentage points with its sign: ``+5``, ``-12``, ``0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    rounded = round_half_up(value, ndigits)
    if rounded == 0:
        return f"{0:.{ndigits}f}"
    return f"{rounded:+.{ndigits}f}".replace("-", "\u2212")


def fmt_p(value: float | None) -> str:
    """A p-value to two significant decimals, or "< 0.001"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value < 0.001:
        return "< 0.001"
    return f"{round_half_up(value, 3):.3f}"


def fmt_cpes_score(score: float, score_type: str = "percent") -> str:
    """A CPES score as published: "82.1%" for a percentage, "8.83 out of 10" for a mean."""
    if score_type == "mean_0_10":
        return f"{round_half_up(score, 2):.2f} out of 10"
    return f"{round_half_up(score, 1):.1f}%"
