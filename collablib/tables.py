"""Display-ready tables: the metrics reshaped, renamed and formatted for reviewers.

Calculations live in :mod:`collablib.metrics`; this module only chooses
columns, gives them plain-English headers and formats numbers as text, so
the notebook cells stay one line each.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from collablib.formatting import fmt_ci, fmt_int, fmt_pct
from collablib.metrics import RATING_ITEMS


def key_figures(head: dict[str, Any]) -> list[tuple[str, str]]:
    """The four headline numbers shown at the top of the survey section, as (value, label)."""
    return [
        (fmt_int(head["teams"]), "project teams"),
        (fmt_int(head["respondents"]), "people answered the survey"),
        (f"{head['teams_responding']} of {head['teams']}", "teams with at least one answer"),
        (fmt_pct(head["recommend"]["pct"]), "would recommend taking part"),
    ]


def teams_table(teams: pd.DataFrame) -> pd.DataFrame:
    """One row per project team, with plain-English headers, sorted by team id."""
    out = teams.sort_values("team_id", kind="stable")[
        ["team_name", "organisation", "cancer_alliance", "region", "tumour_group", "project_title"]
    ]
    return out.rename(
        columns={
            "team_name": "Team",
            "organisation": "Organisation",
            "cancer_alliance": "Cancer Alliance",
            "region": "Region",
            "tumour_group": "Tumour group",
            "project_title": "Project",
        }
    ).reset_index(drop=True)


def headline_table(head: dict[str, Any]) -> pd.DataFrame:
    """The survey's headline table: one row per question, counts and % with 95% CI, as text."""
    rows = []
    rec = head["recommend"]
    rows.append(
        (
            "Would recommend taking part",
            fmt_int(rec["n"]),
            fmt_int(rec["yes"]),
            fmt_pct(rec["pct"]),
            fmt_ci(rec["ci_low"], rec["ci_high"]),
        )
    )
    for item, label in RATING_ITEMS.items():
        v = head["items"][item]
        rows.append(
            (
                f"Improved: {label.lower()}",
                fmt_int(v["n"]),
                fmt_int(v["positive"]),
                fmt_pct(v["pct"]),
                fmt_ci(v["ci_low"], v["ci_high"]),
            )
        )
    return pd.DataFrame(
        rows,
        columns=["Question", "Answered", "Positive", "% positive", "95% confidence interval"],
    )


def role_table(by_role: pd.DataFrame) -> pd.DataFrame:
    """Wide table of % positive by role: one row per role, one column per question.

    Cells read "81% (47 of 58)", so the size of each group is always visible
    next to its percentage.
    """
    measures = list(dict.fromkeys(by_role["label"]))
    rows = []
    for role, sub in by_role.groupby("role", sort=False):
        sub = sub.set_index("label")
        cells = [
            f"{fmt_pct(sub.at[m, 'pct'])} ({sub.at[m, 'positive']} of {sub.at[m, 'n']})"
            if sub.at[m, "n"]
            else "no answers"
            for m in measures
        ]
        rows.append((role, str(int(sub["respondents"].max())), *cells))
    return pd.DataFrame(rows, columns=["Role", "Respondents", *measures])


#: Column headers for the rating items where space is tight (the index table).
SHORT_LABELS: dict[str, str] = {
    "team_working": "Team working",
    "patient_carer_experience": "Patient/carer experience",
    "staff_experience": "Staff experience",
}


def cohort_headline_row(name: str, head: dict[str, Any]) -> dict[str, str]:
    """One formatted row of the cross-cohort table on the index page."""
    row = {
        "Cohort": name,
        "Teams": fmt_int(head["teams"]),
        "Teams responding": fmt_int(head["teams_responding"]),
        "Respondents": fmt_int(head["respondents"]),
        "Would recommend": fmt_pct(head["recommend"]["pct"]),
    }
    for item, label in SHORT_LABELS.items():
        row[label] = fmt_pct(head["items"][item]["pct"])
    return row
