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
    from collablib.data.matching import normalise

    table = cpes.breakdowns
    if targets.empty or table.empty:
        return pd.DataFrame(columns=TUMOUR_COLUMNS)
    table = table.assign(group=table["cancer_type"].map(normalise))
    rows = []
    for t in targets.itertuples():
        group = normalise(t.tumour_group)
        if not group:
            continue
        mine = yearly[(yearly["team_id"] == t.team_id) & (yearly["question"] == t.question)]
        for y in mine.itertuples():
            hit = table[
                (table["org_code"] == y.source_org_code)
                & (table["year"] == y.year)
                & (table["question_key"] == t.question_key)
                & (table["group"] == group)
            ]
            for h in hit.itertuples():
                rows.append(
                    {
                        "team_id": t.team_id,
                        "team_name": t.team_name,
                        "question": t.question,
                        "tumour_group": h.cancer_type,
                        "year": int(y.year),
                        "org_code": h.org_code,
                        "score_type": t.score_type,
                        "responses": h.responses,
                        "score": h.score,
                        "ci_low": h.ci_low,
                        "ci_high": h.ci_high,
                        "suppressed": bool(h.suppressed),
                    }
                )
    return pd.DataFrame(rows, columns=TUMOUR_COLUMNS)
