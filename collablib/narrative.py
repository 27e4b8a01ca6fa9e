"""Plain-English sentences and chart alt text, generated from the metrics.

Reviewers read the reports without help, so every headline number is also
written out as a sentence, and every chart has alt text that states what it
shows (for screen readers and for anyone whose images are blocked).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from collablib.formatting import fmt_ci, fmt_pct
from collablib.registry import Cohort


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 team"``, ``"2 teams"``."""
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{n} {word}"


def report_subtitle(cohort: Cohort) -> str:
    """``"Programme year 2020/21 · 1 June 2020 to 31 March 2021"``."""
    return (
        f"Programme year {cohort.programme_year} \u00b7 "
        f"{long_date(cohort.start_date)} to {long_date(cohort.end_date)}"
    )


def long_date(day: date) -> str:
    """``date(2021, 3, 31) -> "31 March 2021"`` (no leading zero, as in NHS style)."""
    return f"{day.day} {day:%B %Y}"


def quotes_sentence(counts: dict[str, int]) -> str:
    """How many comments there were and how many may be quoted."""
    if counts["comments"] == 0:
        return "Nobody left a comment."
    return (
        f"{plural(counts['comments'], 'respondent')} left a comment; "
        f"{counts['quotable']} of them agreed to be quoted and are shown below."
    )


def overview_sentence(teams: pd.DataFrame) -> str:
    """Who took part: teams, organisations, Cancer Alliances, regions and tumour groups."""
    n_teams = len(teams)
    return (
        f"{plural(n_teams, 'project team')} from "
        f"{plural(teams['organisation'].nunique(), 'organisation')} in "
        f"{plural(teams['cancer_alliance'].nunique(), 'Cancer Alliance')} across "
        f"{plural(teams['region'].nunique(), 'NHS England region')} took part, "
        f"working on {plural(teams['tumour_group'].nunique(), 'tumour group')}."
    )


def survey_findings(head: dict[str, Any], labels: dict[str, str]) -> list[str]:
    """Bullet points summarising the end-of-collaborative survey, ending with team coverage."""
    points = [
        f"{plural(head['respondents'], 'person', 'people')} answered the survey, from "
        f"{head['teams_responding']} of the {plural(head['teams'], 'project team')}.",
    ]
    rec = head["recommend"]
    if rec["n"]:
        points.append(
            f"{fmt_pct(rec['pct'])} would recommend taking part in the collaborative "
            f"({rec['yes']} of {rec['n']} who answered)."
        )
    for item, values in head["items"].items():
        if not values["n"]:
            points.append(f"Nobody answered the question on {labels[item].lower()}.")
            continue
        points.append(
            f"{fmt_pct(values['pct'])} said {labels[item].lower()} had improved as a result "
            f"(rated 3 or 4 out of 4; {values['positive']} of {values['n']}; "
            f"95% confidence interval {fmt_ci(values['ci_low'], values['ci_high'])})."
        )
    points.append(coverage_sentence(head))
    return points


def coverage_sentence(head: dict[str, Any]) -> str:
    """How complete the survey is across teams."""
    missing = head["teams"] - head["teams_responding"]
    if missing == 0:
        return "Every project team had at least one person answer the survey."
    return (
        f"{plural(missing, 'team')} had nobody answer the survey, so "
        f"{'its' if missing == 1 else 'their'} views are not reflected below."
    )


def alt_pct_positive(items: pd.DataFrame) -> str:
    """Alt text for :func:`collablib.plots.pct_positive_chart`."""
    parts = [
        f"{r.label}: {fmt_pct(r.pct)} ({r.positive} of {r.n}; 95% CI {fmt_ci(r.ci_low, r.ci_high)})"
        if r.n
        else f"{r.label}: no answers"
        for r in items.itertuples()
    ]
    return (
        "Horizontal bar chart of the percentage of respondents who rated each area 3 or 4 "
        "out of 4, with 95% confidence intervals. " + "; ".join(parts) + "."
    )


def alt_likert(counts: pd.DataFrame) -> str:
    """Alt text for :func:`collablib.plots.likert_chart`."""
    parts = []
    answered = counts[counts["rating"].notna()]
    for label, sub in answered.groupby("label", sort=False):
        by = dict(zip(sub["rating"].astype(int), sub["count"], strict=True))
        parts.append(f"{label}: " + ", ".join(f"{by.get(r, 0)} rated {r}" for r in (1, 2, 3, 4)))
    return (
        "Diverging stacked bar chart of all answers on the 1 to 4 scale, ratings 1 and 2 to "
        "the left of zero and 3 and 4 to the right. " + "; ".join(parts) + "."
    )


def alt_recommend(by_role: pd.DataFrame, overall: dict[str, Any]) -> str:
    """Alt text for :func:`collablib.plots.recommend_chart`."""
    rec = by_role[by_role["measure"] == "recommend"]
    parts = [f"all respondents: {overall['yes']} yes of {overall['n']} who answered"]
    parts += [f"{r.role}: {r.positive} yes of {r.n}" for r in rec.itertuples()]
    return (
        "Stacked bar chart of answers to whether respondents would recommend taking part, "
        "overall and by role. " + "; ".join(parts) + "."
    )


def alt_roles(by_role: pd.DataFrame) -> str:
    """Alt text for :func:`collablib.plots.role_chart`."""
    parts = []
    for label, sub in by_role.groupby("label", sort=False):
        entries = [
            f"{r.role} {fmt_pct(r.pct)} of {r.n}" if r.n else f"{r.role} no answers"
            for r in sub.itertuples()
        ]
        parts.append(f"{label}: " + ", ".join(entries))
    return (
        "Dot chart of the percentage positive for each question by respondent role, with 95% "
        "confidence intervals. " + "; ".join(parts) + "."
    )


def alt_counts(counts: pd.Series, what: str) -> str:
    """Alt text for :func:`collablib.plots.count_chart`."""
    ordered = counts.sort_values(ascending=False, kind="stable")
    return f"Bar chart of {what}: " + "; ".join(f"{k} {v}" for k, v in ordered.items()) + "."
