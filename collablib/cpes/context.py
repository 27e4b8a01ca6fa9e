"""Tumour-group context: a team's own cancer type at its trust, from the dashboard breakdowns.

The public dashboard data break each trust's results down by cancer type. Where a team
works on one tumour group, those rows say what that group's patients reported. They
are unadjusted and rest on few patients, so they are context, never a comparison: they
follow their own small-numbers rule and no change is calculated from them.
"""

from __future__ import annotations

import pandas as pd

from collablib.data.cpes import CpesData

__all__ = ["TUMOUR_COLUMNS", "tumour_context"]


TUMOUR_COLUMNS = [
    "team_id",
    "team_name",
    "question",
    "tumour_group",
    "year",
    "org_code",
    "score_type",
    "responses",
    "score",
    "ci_low",
    "ci_high",
    "suppressed",
]


def tumour_context(targets: pd.DataFrame, yearly: pd.DataFrame, cpes: CpesData) -> pd.DataFrame:
    """The published results for each team's own tumour group at its trust, where there are any.

    Matched on the team's ``tumour_group`` and the breakdown's cancer type, compared
    after folding case and punctuation. Context only: these rows are unadjusted and
    small, so they follow their own small-numbers rule
    (``breakdown_min_responses``) and no change is calculated from them.
    """
    from collablib.data.matching import normalise_values

    table = cpes.breakdowns
    if targets.empty or table.empty:
        return pd.DataFrame(columns=TUMOUR_COLUMNS)
    # Three joins, in the order of a loop over targets, then each target's years, then the
    # breakdown rows: a team's target question, its years, and the rows of its own group.
    # A missing key never matches (as in an equality test), so rows with one are left out.
    wanted = targets.assign(group=normalise_values(targets["tumour_group"].astype(object)))
    wanted = wanted.assign(t_order=range(len(wanted)))[wanted["group"] != ""]
    years = yearly[["team_id", "question", "source_org_code", "year"]].dropna()
    pairs = wanted.drop(columns=["year", "source_org_code"], errors="ignore").merge(
        years.assign(y_order=range(len(years))), on=["team_id", "question"]
    )
    keys = ["org_code", "year", "question_key"]
    shown = ["cancer_type", "responses", "score", "ci_low", "ci_high", "suppressed"]
    rows_of = table.dropna(subset=keys)
    rows_of = rows_of[[*keys, *shown]].assign(
        group=normalise_values(rows_of["cancer_type"].astype(object)), h_order=range(len(rows_of))
    )
    hits = pairs.merge(
        rows_of.rename(columns={"org_code": "source_org_code"}),
        on=["source_org_code", "year", "question_key", "group"],
    ).sort_values(["t_order", "y_order", "h_order"], kind="stable")
    rows = [
        {
            "team_id": h.team_id,
            "team_name": h.team_name,
            "question": h.question,
            "tumour_group": h.cancer_type,
            "year": int(h.year),
            "org_code": h.source_org_code,
            "score_type": h.score_type,
            "responses": h.responses,
            "score": h.score,
            "ci_low": h.ci_low,
            "ci_high": h.ci_high,
            "suppressed": bool(h.suppressed),
        }
        for h in hits.itertuples()
    ]
    return pd.DataFrame(rows, columns=TUMOUR_COLUMNS)
