"""95% intervals for the change in a CPES score between two surveys.

- A **percentage** (share of positive answers): Newcombe's hybrid score interval for the
  difference of two independent proportions (Newcombe 1998, method 10), from each
  year's score and number of responses: :func:`collablib.survey.metrics.newcombe_interval`,
  the one implementation the cohort comparisons also use.
- A **mean out of 10** (the overall rating of care): the counts alone cannot give a
  mean's spread, so the interval is built from the two published 95% intervals.
"""

from __future__ import annotations

import math

from collablib.survey.metrics import newcombe_interval

__all__ = [
    "FROM_PUBLISHED_CI",
    "NEWCOMBE",
    "Z95",
    "difference_interval",
    "mean_difference_interval",
]

#: ``interval_method`` values: how a change's 95% interval was found.
NEWCOMBE = "newcombe_hybrid_score"
FROM_PUBLISHED_CI = "published_ci_root_sum_of_squares"
#: The standard normal quantile for a two-sided 95% interval.
Z95 = 1.959963984540054


def difference_interval(p1: float, n1: float, p2: float, n2: float) -> tuple[float, float]:
    """95% interval for p2 - p1 (percent, percentage points): Newcombe's hybrid score method.

    :func:`collablib.survey.metrics.newcombe_interval` of the later year against the
    earlier, each year's positive count being its score times its responses.
    """
    return newcombe_interval(p2 / 100 * n2, n2, p1 / 100 * n1, n1)


def mean_difference_interval(
    m1: float, low1: float, high1: float, m2: float, low2: float, high2: float
) -> tuple[float, float]:
    """95% interval for m2 - m1, two means published with their 95% intervals.

    Each mean's standard error is taken from its interval's half-width,
    (high - low) / (2 x 1.96); the two surveys are independent samples, so the
    difference's standard error is the root sum of their squares, and the
    interval is d +/- 1.96 x that (the normal approximation the published intervals
    rest on; e.g. Altman and Bland, BMJ 2003;326:219).
    """
    se1 = (high1 - low1) / (2 * Z95)
    se2 = (high2 - low2) / (2 * Z95)
    half = Z95 * math.hypot(se1, se2)
    d = m2 - m1
    return d - half, d + half
