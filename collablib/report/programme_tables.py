"""Sentences and tables of the programme-year report (``notebooks/programme_report.ipynb``).

They format what :class:`collablib.programme.ProgrammeAnalysis` pooled from
the cohorts' own analyses; nothing is computed here. Percentages are whole
numbers with halves rounded up, as NHS England publishes them
(:func:`collablib.report.formatting.fmt_pct`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from collablib.report.formatting import fmt_ci, fmt_int, fmt_pct
from collablib.report.narrative import cpes_caveats, long_date, plural
from collablib.report.tables import SHORT_LABELS, cpes_cell, fmt_cpes_change, progress_cell_text

if TYPE_CHECKING:
    from collablib.ihi.scores import ProgressHeadline
    from collablib.programme import ProgrammeAnalysis
    from collablib.spc.summary import ImprovementHeadline
    from collablib.survey.metrics import Headline

__all__ = [
    "cohorts_table",
    "cpes_by_cohort_table",
    "cpes_caveats_for_year",
    "cpes_questions_table",
    "headline_intervals",
    "lead_paragraph",
    "quotes_with_attribution",
    "subtitle",
]

_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def subtitle(programme: ProgrammeAnalysis) -> str:
    """``"1 June 2020 to 31 March 2021 · 2 collaboratives"``."""
    start = min(a.cohort.start_date for a in programme.cohorts)
    end = max(a.cohort.end_date for a in programme.cohorts)
    n = len(programme.cohorts)
    return f"{long_date(start)} to {long_date(end)} \u00b7 {plural(n, 'collaborative')}"


def lead_paragraph(programme: ProgrammeAnalysis) -> str:
    """The first paragraph: who took part and the headline figures, as NHS England gives them.

    Names the cohorts, the teams, the share who would recommend taking part
    and the three items rated 3 or 4 out of 4 (each with its count, so a
    reader can check it).
    """
    head = programme.headline
    n = len(programme.cohorts)
    names = [a.cohort.name for a in programme.cohorts]
    listed = names[0] if n == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    groups = "one collaborative" if n == 1 else f"{_NUMBER_WORDS.get(n, str(n))} collaboratives"
    text = (
        f"In programme year {programme.programme_year}, {plural(head.teams, 'project team')} "
        f"took part in {groups} ({listed}). "
        f"{plural(head.respondents, 'person', 'people')} answered the end-of-collaborative survey."
    )
    rec = head.recommend
    if rec.n:
        text += f" {fmt_pct(rec.pct)} would recommend taking part ({rec.positive} of {rec.n})."
    rated = [
        f"{fmt_pct(share.pct)} {SHORT_LABELS[item].lower()} ({share.positive} of {share.n})"
        for item, share in head.items.items()
        if share.n
    ]
    if rated:
        text += (
            " Rating the improvement 3 or 4 out of 4: "
            + ", ".join(rated[:-1])
            + (" and " if len(rated) > 1 else "")
            + rated[-1]
            + "."
        )
    return text


def cohorts_table(programme: ProgrammeAnalysis) -> pd.DataFrame:
    """Cohort by cohort, then all together: teams, survey, improvement and IHI progress."""
    rows = []
    for a in programme.cohorts:
        rows.append(
            _row(
                a.cohort.name,
                f"{long_date(a.cohort.start_date)} to {long_date(a.cohort.end_date)}",
                a.survey.headline,
                a.improvement.headline,
                a.progress.headline if a.progress else None,
            )
        )
    progress = programme.progress.headline if programme.progress else None
    rows.append(_row("All cohorts", "", programme.headline, programme.improvement, progress))
    return pd.DataFrame(rows)


def _row(
    name: str,
    dates: str,
    head: Headline,
    spc: ImprovementHeadline,
    progress: ProgressHeadline | None,
) -> dict[str, str]:
    """One formatted row of :func:`cohorts_table`."""
    row = {
        "Cohort": name,
        "Dates": dates or "–",
        "Teams": fmt_int(head.teams),
        "Respondents": fmt_int(head.respondents),
        "Would recommend": fmt_pct(head.recommend.pct),
    }
    for item, label in SHORT_LABELS.items():
        row[label] = fmt_pct(head.items[item].pct)
    row["Primary measure improved"] = f"{spc.improved} of {spc.teams}" if spc.teams else "–"
    row["IHI score 4.0 or more"] = progress_cell_text(progress)
    return row


def headline_intervals(programme: ProgrammeAnalysis) -> pd.DataFrame:
    """The pooled headline with counts and 95% Wilson intervals."""
    head = programme.headline
    rows = [("Would recommend taking part", head.recommend)]
    rows += [(SHORT_LABELS[item], share) for item, share in head.items.items()]
    return pd.DataFrame(
        [
            {
                "Question": label,
                "Answered": fmt_int(share.n),
                "Positive": fmt_int(share.positive),
                "% positive": fmt_pct(share.pct),
                "95% confidence interval": fmt_ci(share.ci_low, share.ci_high),
            }
            for label, share in rows
        ]
    )


def quotes_with_attribution(programme: ProgrammeAnalysis) -> pd.DataFrame:
    """The quotes, attributed by role group and cohort, the group's roles spelt out.

    "Staff (project team member or executive sponsor), Cohort 2": the group's name as
    the cohort reports and the tidy tables give it, then its roles, as NHS England
    attributes quotes ("Project Team Member"). A group is never narrowed to one of
    its roles: the cohort reports show the same quotes under the group, so naming
    the role here would undo their disclosure control.
    """
    quotes = programme.quotes
    if quotes.empty:
        return pd.DataFrame({"role": [], "quote": []})

    def who(role: str, roles: str, cohort: str) -> str:
        parts = [r.strip().lower() for r in str(roles).split(";") if r.strip()]
        if parts == [str(role).lower()]:
            return f"{role}, {cohort}"
        spelt = ", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0]
        return f"{role} ({spelt}), {cohort}"

    return pd.DataFrame(
        {
            "role": [
                who(*values)
                for values in zip(quotes["role"], quotes["roles"], quotes["cohort"], strict=True)
            ],
            "quote": quotes["quote"].astype(str),
        }
    )


def cpes_by_cohort_table(programme: ProgrammeAnalysis) -> pd.DataFrame:
    """Per cohort: targeted CPES questions, below expected before and after, significant rises."""
    rows = []
    for cohort, s in programme.cpes_summaries():
        rows.append(
            {
                "Cohort": cohort.name,
                "Baseline year": str(s.baseline_year or "–"),
                "Follow-up year": str(s.followup_year or "–"),
                "Teams": str(s.teams),
                "Targeted questions": str(s.questions),
                "Below expected at baseline": str(s.below_at_baseline),
                "Below expected at follow-up": str(s.below_at_followup),
                "Significant rises": str(s.significant_rises),
            }
        )
    return pd.DataFrame(rows)


def cpes_caveats_for_year(programme: ProgrammeAnalysis) -> list[str]:
    """The cohort reports' CPES caveats for every cohort of the year, each said once."""
    points: list[str] = []
    for a in programme.cohorts:
        if a.cpes is None:
            continue
        for point in cpes_caveats(
            a.cpes.summary,
            a.cpes.min_responses,
            table=a.cpes.table,
            missing_years=a.cpes.missing_years,
        ):
            if point not in points:
                points.append(point)
    return points


def cpes_questions_table(programme: ProgrammeAnalysis) -> pd.DataFrame:
    """Every targeted question at every team's trust: baseline, follow-up and the change."""
    table = programme.cpes
    if table.empty:
        return pd.DataFrame()
    names = {
        (a.cohort.name, team): name
        for a in programme.cohorts
        for team, name in zip(a.teams["team_id"], a.teams["team_name"], strict=True)
    }
    rows = []
    for r in table.itertuples():
        score_type = getattr(r, "score_type", "percent")
        cells = [
            cpes_cell(
                getattr(r, f"{when}_score"),
                getattr(r, f"{when}_n"),
                getattr(r, f"{when}_flag"),
                getattr(r, f"{when}_missing"),
                getattr(r, f"{when}_suppressed"),
                score_type,
                bool(getattr(r, f"{when}_unadjusted", False)),
            )
            for when in ("baseline", "followup")
        ]
        rows.append(
            {
                "Cohort": r.cohort,
                "Team": names.get((r.cohort, r.team_id), r.team_id),
                "Question": f"{r.question}: {r.question_text}",
                "Baseline": cells[0],
                "Follow-up": cells[1],
                "Change": fmt_cpes_change(r),
            }
        )
    return pd.DataFrame(rows)
