"""Comparing a cohort's survey results with other cohorts and with its programme year.

For each question, the difference in % positive between two independent
groups is given with a 95% confidence interval and Fisher's exact test:

- **Interval**: Newcombe's hybrid score interval for a difference of two
  proportions (Newcombe 1998, method 10), built from the two Wilson intervals
  (:func:`collablib.survey.metrics.newcombe_interval`, which the CPES changes also use).
  It behaves well for small groups and for 0% or 100%, unlike the Wald interval.
- **Test**: Fisher's exact test (two-sided) on the 2x2 table of positive and
  not positive, ``scipy.stats.fisher_exact``, which is exact for small numbers.
- A difference is called **significant only when the interval excludes zero**.

**The programme year.** A cohort is part of its own programme year, so
comparing it with the pooled year would compare it partly with itself. The
difference from the pooled year is computed exactly from the independent
comparison with the *rest* of the year: if the cohort has n_c answers and the
rest n_r, then p_pooled = (n_c p_c + n_r p_r) / (n_c + n_r), so
p_c - p_pooled = w (p_c - p_r) with w = n_r / (n_c + n_r). Its interval is the
Newcombe interval for p_c - p_r scaled by w, and its p-value is Fisher's test
of the cohort against the rest. A cohort alone in its year has no such
comparison.

**Small numbers.** A comparison is flagged when either group has fewer than
30 answers or any expected count in the 2x2 table is below 5: the interval
is then wide and the result should be read with care.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact

from collablib.data.loaders import CohortData
from collablib.survey.metrics import (
    RATING_ITEMS,
    item_summary,
    newcombe_interval,
    recommend_summary,
)

__all__ = [
    "MEASURE_LABELS",
    "SMALL_EXPECTED",
    "SMALL_GROUP",
    "CohortFigures",
    "Difference",
    "cohort_figures",
    "compare_cohort",
    "compare_proportions",
    "measure_counts",
    "pooled_counts",
    "recommend_context",
]

#: Groups smaller than this get the small-numbers caveat.
SMALL_GROUP = 30
#: Expected 2x2 counts below this get the small-numbers caveat.
SMALL_EXPECTED = 5

MEASURE_LABELS: dict[str, str] = {**RATING_ITEMS, "recommend": "Would recommend"}


@dataclass(frozen=True)
class Difference:
    """The difference p1 - p2 in percentage points, with its interval and test."""

    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    small_numbers: bool

    @property
    def significant(self) -> bool:
        """True only when the 95% interval excludes zero."""
        return not (math.isnan(self.ci_low) or self.ci_low <= 0 <= self.ci_high)


def compare_proportions(k1: int, n1: int, k2: int, n2: int) -> Difference:
    """Compare k1/n1 with k2/n2: difference (points), Newcombe 95% CI, Fisher's exact p."""
    if n1 <= 0 or n2 <= 0:
        return Difference(math.nan, math.nan, math.nan, math.nan, True)
    low, high = newcombe_interval(k1, n1, k2, n2)
    p_value = float(fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)
    total = n1 + n2
    positives = k1 + k2
    expected = [n * share / total for n in (n1, n2) for share in (positives, total - positives)]
    small = min(n1, n2) < SMALL_GROUP or min(expected) < SMALL_EXPECTED
    return Difference(100 * (k1 / n1 - k2 / n2), low, high, p_value, small)


def measure_counts(survey: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """(positive, answered) for each rating item and for recommending."""
    counts = {r.item: (int(r.positive), int(r.n)) for r in item_summary(survey).itertuples()}
    rec = recommend_summary(survey)
    counts["recommend"] = (rec["yes"], rec["n"])
    return counts


@dataclass(frozen=True)
class CohortFigures:
    """What another cohort's report uses of a cohort: who it is and its survey counts.

    Everything a comparison needs is a count, and counts add up when cohorts
    are pooled, so the comparisons need only these figures, not the survey.
    The pipeline records them whenever a cohort's data validate
    (``reports/.build/figures/``): another cohort's report then compares with
    the last figures that validated, so a cohort whose new data are bad never
    changes another cohort's report.
    """

    cohort_id: str
    name: str
    programme_year: str
    #: measure -> (positive, answered), as :func:`measure_counts`
    counts: dict[str, tuple[int, int]]
    #: (yes, no, not answered) to "would you recommend"
    recommend: tuple[int, int, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "cohort_id": self.cohort_id,
            "name": self.name,
            "programme_year": self.programme_year,
            "counts": {k: list(v) for k, v in self.counts.items()},
            "recommend": list(self.recommend),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> CohortFigures:
        return cls(
            cohort_id=str(value["cohort_id"]),
            name=str(value["name"]),
            programme_year=str(value["programme_year"]),
            counts={str(k): (int(v[0]), int(v[1])) for k, v in value["counts"].items()},
            recommend=tuple(int(v) for v in value["recommend"]),  # type: ignore[arg-type]
        )


def cohort_figures(data: CohortData) -> CohortFigures:
    """The :class:`CohortFigures` of a loaded cohort."""
    rec = recommend_summary(data.survey)
    return CohortFigures(
        cohort_id=data.cohort.cohort_id,
        name=data.cohort.name,
        programme_year=data.cohort.programme_year,
        counts=measure_counts(data.survey),
        recommend=(rec["yes"], rec["n"] - rec["yes"], rec["not_answered"]),
    )


def _figures(cohort: CohortData | CohortFigures) -> CohortFigures:
    return cohort if isinstance(cohort, CohortFigures) else cohort_figures(cohort)


def pooled_counts(members: Sequence[CohortFigures]) -> dict[str, tuple[int, int]]:
    """Counts of several cohorts taken together (every respondent once)."""
    return {
        m: (sum(f.counts[m][0] for f in members), sum(f.counts[m][1] for f in members))
        for m in MEASURE_LABELS
    }


def _row(
    comparator: str,
    comparator_id: str,
    kind: str,
    measure: str,
    this: tuple[int, int],
    other: tuple[int, int],
    d: Difference,
    scale: float = 1.0,
) -> dict[str, Any]:
    k1, n1 = this
    k2, n2 = other
    return {
        "comparator": comparator,
        "comparator_id": comparator_id,
        "kind": kind,
        "measure": measure,
        "label": MEASURE_LABELS[measure],
        "this_positive": k1,
        "this_n": n1,
        "this_pct": 100 * k1 / n1 if n1 else np.nan,
        "other_positive": k2,
        "other_n": n2,
        "other_pct": 100 * k2 / n2 if n2 else np.nan,
        "diff": d.diff * scale,
        "ci_low": d.ci_low * scale,
        "ci_high": d.ci_high * scale,
        "p_value": d.p_value,
        "significant": d.significant,
        "small_numbers": d.small_numbers,
    }


def compare_cohort(
    target: CohortData | CohortFigures, others: Sequence[CohortData | CohortFigures]
) -> pd.DataFrame:
    """Tidy comparisons of ``target`` with each other cohort and with its pooled programme year.

    One row per comparator and measure. ``kind`` is ``"cohort"`` or
    ``"programme year"``; for the latter, ``other_*`` describe the pooled year
    (including the target) while the difference, interval and p-value follow
    the module's rule (exact scaling of the comparison with the rest of the year).
    ``others`` may be loaded cohorts or their recorded :class:`CohortFigures`.
    """
    me = _figures(target)
    mine = me.counts
    rows: list[dict[str, Any]] = []
    figures = [_figures(o) for o in others if _figures(o).cohort_id != me.cohort_id]
    for other in figures:
        for m in MEASURE_LABELS:
            d = compare_proportions(*mine[m], *other.counts[m])
            rows.append(_row(other.name, other.cohort_id, "cohort", m, mine[m], other.counts[m], d))
    year = me.programme_year
    rest = [o for o in figures if o.programme_year == year]
    if rest:
        rest_counts = pooled_counts(rest)
        pooled = pooled_counts([me, *rest])
        for m in MEASURE_LABELS:
            n_c, n_r = mine[m][1], rest_counts[m][1]
            d = compare_proportions(*mine[m], *rest_counts[m])
            weight = n_r / (n_c + n_r) if (n_c + n_r) else math.nan
            rows.append(
                _row(
                    f"All cohorts in {year} (pooled)",
                    year,
                    "programme year",
                    m,
                    mine[m],
                    pooled[m],
                    d,
                    scale=weight,
                )
            )
    columns = [
        "comparator",
        "comparator_id",
        "kind",
        "measure",
        "label",
        "this_positive",
        "this_n",
        "this_pct",
        "other_positive",
        "other_n",
        "other_pct",
        "diff",
        "ci_low",
        "ci_high",
        "p_value",
        "significant",
        "small_numbers",
    ]
    return pd.DataFrame(rows, columns=columns)


def recommend_context(
    target: CohortData | CohortFigures, others: Sequence[CohortData | CohortFigures]
) -> pd.DataFrame:
    """Yes / No / not answered to "would you recommend", for this cohort and the pools it sits in.

    Rows: this cohort; all cohorts in its programme year (when it has
    company); every cohort in every year. All are cohort level or above.
    """
    me = _figures(target)
    figures = [_figures(o) for o in others]
    groups: list[tuple[str, list[CohortFigures]]] = [(me.name, [me])]
    year = me.programme_year
    same_year = [o for o in figures if o.programme_year == year]
    if same_year:
        groups.append((f"All cohorts in {year} (pooled)", [me, *same_year]))
    if len(figures) > len(same_year):
        groups.append(("All cohorts, every year (pooled)", [me, *figures]))
    rows = []
    for label, members in groups:
        yes, no, missing = (sum(f.recommend[i] for f in members) for i in range(3))
        rows.append((label, yes, no, missing))
    return pd.DataFrame(rows, columns=["label", "yes", "no", "not_answered"])
