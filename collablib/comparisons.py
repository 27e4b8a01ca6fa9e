"""Comparing a cohort's survey results with other cohorts and with its programme year.

For each question, the difference in % positive between two independent
groups is given with a 95% confidence interval and Fisher's exact test:

- **Interval**: Newcombe's hybrid score interval for a difference of two
  proportions (Newcombe 1998, method 10), built from the two Wilson intervals,
  via ``statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")``.
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
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact
from statsmodels.stats.proportion import confint_proportions_2indep

from collablib.errors import CollabError
from collablib.loaders import CohortData, load_cohort, pool
from collablib.metrics import RATING_ITEMS, item_summary, recommend_summary
from collablib.registry import load_registry

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
    low, high = confint_proportions_2indep(
        k1, n1, k2, n2, method="newcomb", compare="diff", alpha=0.05
    )
    p_value = float(fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)
    total = n1 + n2
    positives = k1 + k2
    expected = [n * share / total for n in (n1, n2) for share in (positives, total - positives)]
    small = min(n1, n2) < SMALL_GROUP or min(expected) < SMALL_EXPECTED
    return Difference(
        100 * (k1 / n1 - k2 / n2), 100 * float(low), 100 * float(high), p_value, small
    )


def measure_counts(survey: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """(positive, answered) for each rating item and for recommending."""
    counts = {r.item: (int(r.positive), int(r.n)) for r in item_summary(survey).itertuples()}
    rec = recommend_summary(survey)
    counts["recommend"] = (rec["yes"], rec["n"])
    return counts


def _row(
    comparator: str,
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


def compare_cohort(target: CohortData, others: Sequence[CohortData]) -> pd.DataFrame:
    """Tidy comparisons of ``target`` with each other cohort and with its pooled programme year.

    One row per comparator and measure. ``kind`` is ``"cohort"`` or
    ``"programme year"``; for the latter, ``other_*`` describe the pooled year
    (including the target) while the difference, interval and p-value follow
    the module's rule (exact scaling of the comparison with the rest of the year).
    """
    mine = measure_counts(target.survey)
    rows: list[dict[str, Any]] = []
    for other in others:
        if other.cohort.cohort_id == target.cohort.cohort_id:
            continue
        theirs = measure_counts(other.survey)
        for m in MEASURE_LABELS:
            d = compare_proportions(*mine[m], *theirs[m])
            rows.append(_row(other.cohort.name, "cohort", m, mine[m], theirs[m], d))
    year = target.cohort.programme_year
    rest = [
        o
        for o in others
        if o.cohort.programme_year == year and o.cohort.cohort_id != target.cohort.cohort_id
    ]
    if rest:
        _, rest_survey = pool(rest)
        rest_counts = measure_counts(rest_survey)
        _, pooled_survey = pool([target, *rest])
        pooled = measure_counts(pooled_survey)
        for m in MEASURE_LABELS:
            n_c, n_r = mine[m][1], rest_counts[m][1]
            d = compare_proportions(*mine[m], *rest_counts[m])
            weight = n_r / (n_c + n_r) if (n_c + n_r) else math.nan
            rows.append(
                _row(
                    f"All cohorts in {year} (pooled)",
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


def load_comparators(
    cohort_id: str, data_dir: str | os.PathLike[str] | None = None
) -> tuple[list[CohortData], list[str]]:
    """Every other cohort in the registry that loads cleanly, and the names of those that don't."""
    loaded: list[CohortData] = []
    skipped: list[str] = []
    for cohort in load_registry(data_dir):
        if cohort.cohort_id == cohort_id:
            continue
        try:
            loaded.append(load_cohort(cohort, data_dir))
        except CollabError:
            skipped.append(cohort.name)
    return loaded, skipped


def recommend_context(target: CohortData, others: Sequence[CohortData]) -> pd.DataFrame:
    """Yes / No / not answered to "would you recommend", for this cohort and the pools it sits in.

    Rows: this cohort; all cohorts in its programme year (when it has
    company); every cohort in every year. All are cohort level or above.
    """
    groups: list[tuple[str, list[CohortData]]] = [(target.cohort.name, [target])]
    year = target.cohort.programme_year
    same_year = [o for o in others if o.cohort.programme_year == year]
    if same_year:
        groups.append((f"All cohorts in {year} (pooled)", [target, *same_year]))
    if len(others) > len(same_year):
        groups.append(("All cohorts, every year (pooled)", [target, *others]))
    rows = []
    for label, members in groups:
        _, survey = pool(members)
        rec = recommend_summary(survey)
        rows.append((label, rec["yes"], rec["n"] - rec["yes"], rec["not_answered"]))
    return pd.DataFrame(rows, columns=["label", "yes", "no", "not_answered"])
