"""Plain-English sentences and chart alt text, generated from the metrics.

Reviewers read the reports without help, so every headline number is also
written out as a sentence, and every chart has alt text that states what it
shows (for screen readers and for anyone whose images are blocked).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from collablib.cpes.analysis import CpesSummary
from collablib.data.cleaning import CleaningLog
from collablib.data.policy import DisclosurePolicy
from collablib.data.registry import Cohort
from collablib.data.respondents import DERIVED_ID, field_words
from collablib.data.schemas import ROLES
from collablib.report.formatting import fmt_ci, fmt_pct, fmt_points
from collablib.survey.metrics import Headline
from collablib.survey.quotes import CommentCounts

__all__ = [
    "alt_comparisons",
    "alt_counts",
    "alt_likert",
    "alt_pct_positive",
    "alt_recommend",
    "alt_roles",
    "comparison_findings",
    "coverage_sentence",
    "cpes_caveats",
    "cpes_summary_sentence",
    "data_quality_sentence",
    "long_date",
    "measure_caption",
    "not_compared_note",
    "overview_sentence",
    "plural",
    "quotes_sentence",
    "report_subtitle",
    "suppression_note",
    "survey_findings",
]


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


def quotes_sentence(counts: CommentCounts, quotes: pd.DataFrame | None = None) -> str:
    """How many comments there were, how many may be quoted, and what was redacted."""
    if counts.comments == 0:
        return "Nobody left a comment."
    text = (
        f"{plural(counts.comments, 'respondent')} left a comment; "
        f"{counts.quotable} of them agreed to be quoted and are shown below."
    )
    if quotes is not None and quotes.attrs.get("selected_from"):
        text += (
            f" There are too many to show them all: {len(quotes)} of the "
            f"{quotes.attrs['selected_from']} quotable comments are shown, chosen by a fixed "
            "rule so that the same ones appear in every build."
        )
    if quotes is not None and len(quotes) and quotes["redacted"].any():
        removed = quotes.attrs.get("removed", {})
        kinds = {
            "name": "names",
            "email": "e-mail addresses",
            "phone": "phone numbers",
            "nhs_number": "NHS numbers",
            "postcode": "postcodes",
        }
        found = [kinds[k] for k in kinds if removed.get(k)]
        text += (
            f" Personal details ({', '.join(found)}) were removed from "
            f"{plural(int(quotes['redacted'].sum()), 'quote')} and are marked in square brackets."
        )
    return text


def suppression_note(protected: pd.DataFrame, policy: DisclosurePolicy) -> str | None:
    """The note under the role table: which roles are shown together, and what is hidden.

    Role groups with more than one member get a fixed sentence whenever they
    are configured (never only when a member role is small, which would give it
    away). The groups with hidden figures are named, as the stars show them
    anyway, but the note never says which hidden figure is the small one and
    which is hidden to protect it, nor whether a group has 1 to 7 people.
    """
    sentences = [
        f"{label}: {_and(_people(role) for role in members)}, shown together."
        for label, members in policy.groups().items()
        if len(members) > 1
    ]
    shown = protected[["respondents_shown", "n_shown", "positive_shown"]].astype(str)
    starred = protected.loc[(shown == policy.symbol).any(axis=1), "role"]
    hidden = [g for g in dict.fromkeys(protected["role"]) if g in set(starred)]
    if hidden:
        sentences.append(
            f"Some figures for {_and(_people(g) for g in hidden)} are hidden (shown as "
            f"\u201c{policy.symbol}\u201d) to protect individuals: some are small numbers and "
            "others are hidden so that the small ones cannot be worked out, and which is which "
            "is not said."
        )
        sentences.append(policy.describe())
    return " ".join(sentences) or None


def _people(label: str) -> str:
    """``"Executive sponsor" -> "executive sponsors"``; a group's own label is kept as written."""
    return f"{label.lower()}s" if label in ROLES else label


def _and(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def data_quality_sentence(log: CleaningLog) -> str:
    """One paragraph on where the survey came from and what cleaning did."""
    removed = []
    if log.blank_rows:
        removed.append(plural(len(log.blank_rows), "blank row"))
    if log.test_rows:
        removed.append(plural(len(log.test_rows), "test submission"))
    if log.duplicate_rows:
        removed.append(plural(len(log.duplicate_rows), "earlier duplicate submission"))
    if log.resubmission_rows:
        removed.append(
            plural(len(log.resubmission_rows), "earlier submission")
            + f" by someone who answered again (same {field_words(log.duplicate_key)})"
        )
    text = (
        f"The survey arrived as \u201c{log.source.path.name}\u201d ({log.source.describe()}) "
        f"with {plural(log.rows_in_file, 'row')} after the header. "
    )
    if removed:
        text += f"Cleaning removed {_and(removed)}, leaving "
    else:
        text += "Nothing needed removing, leaving "
    text += f"{plural(log.rows_used, 'response')} for this report."
    if log.ids_built_from == DERIVED_ID:
        text += (
            " The export has no response-id column, so each response was identified by its "
            "submission time and its row in the file."
        )
    elif log.ids_built_from:
        text += (
            " Responses were identified by their "
            + field_words(log.ids_built_from)
            + " (the survey mapping's id_columns)."
        )
    if log.duplicate_key_missing:
        text += (
            " Whether anyone answered twice could not be checked: the export has no "
            + field_words(log.duplicate_key_missing)
            + (" column." if len(log.duplicate_key_missing) == 1 else " columns.")
        )
    return text


def comparison_findings(comparisons: pd.DataFrame) -> list[str]:
    """Plain-English points about the comparisons, with the small-numbers caveat."""
    if comparisons.empty:
        return ["There is no other cohort to compare with."]
    points = []
    significant = comparisons[comparisons["significant"]]
    if significant.empty:
        points.append(
            "None of the differences is statistically significant: every 95% confidence "
            "interval includes zero, so the differences seen could be due to chance."
        )
    for r in significant.itertuples():
        direction = "higher" if r.diff > 0 else "lower"
        points.append(
            f"{r.label}: this cohort's {fmt_pct(r.this_pct)} is {direction} than "
            f"{r.comparator}'s {fmt_pct(r.other_pct)}; the 95% interval for the difference "
            f"({fmt_points(r.ci_low)} to {fmt_points(r.ci_high)} points) excludes zero."
        )
    if comparisons["small_numbers"].any():
        points.append(
            "Comparisons marked \u2020 rest on small numbers (fewer than 30 answers in a group, "
            "or very few people in one answer): their intervals are wide and a real difference "
            "could easily be missed, so read them with care."
        )
    return points


def alt_comparisons(comparisons: pd.DataFrame) -> str:
    """Alt text for :func:`collablib.report.survey_plots.comparison_chart`."""
    parts = [
        f"{r.label} vs {r.comparator}: {fmt_points(r.diff)} points "
        f"(95% CI {fmt_points(r.ci_low)} to {fmt_points(r.ci_high)})"
        + (", significant" if r.significant else "")
        for r in comparisons.dropna(subset=["diff"]).itertuples()
    ]
    return (
        "Chart of differences in percentage positive between this cohort and others, with 95% "
        "confidence intervals. " + "; ".join(parts) + "."
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


def survey_findings(head: Headline, labels: dict[str, str]) -> list[str]:
    """Bullet points summarising the end-of-collaborative survey, ending with team coverage."""
    points = [
        f"{plural(head.respondents, 'person', 'people')} answered the survey, from "
        f"{head.teams_responding} of the {plural(head.teams, 'project team')}.",
    ]
    rec = head.recommend
    if rec.n:
        points.append(
            f"{fmt_pct(rec.pct)} would recommend taking part in the collaborative "
            f"({rec.positive} of {rec.n} who answered)."
        )
    for item, values in head.items.items():
        if not values.n:
            points.append(f"Nobody answered the question on {labels[item].lower()}.")
            continue
        points.append(
            f"{fmt_pct(values.pct)} said {labels[item].lower()} had improved as a result "
            f"(rated 3 or 4 out of 4; {values.positive} of {values.n}; "
            f"95% confidence interval {fmt_ci(values.ci_low, values.ci_high)})."
        )
    points.append(coverage_sentence(head))
    return points


def coverage_sentence(head: Headline) -> str:
    """How complete the survey is across teams."""
    missing = head.teams - head.teams_responding
    if missing == 0:
        return "Every project team had at least one person answer the survey."
    return (
        f"{plural(missing, 'team')} had nobody answer the survey, so "
        f"{'its' if missing == 1 else 'their'} views are not reflected below."
    )


def alt_pct_positive(items: pd.DataFrame) -> str:
    """Alt text for :func:`collablib.report.survey_plots.pct_positive_chart`."""
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
    """Alt text for :func:`collablib.report.survey_plots.likert_chart`."""
    parts = []
    answered = counts[counts["rating"].notna()]
    for label, sub in answered.groupby("label", sort=False):
        by = dict(zip(sub["rating"].astype(int), sub["count"], strict=True))
        parts.append(f"{label}: " + ", ".join(f"{by.get(r, 0)} rated {r}" for r in (1, 2, 3, 4)))
    return (
        "Diverging stacked bar chart of all answers on the 1 to 4 scale, ratings 1 and 2 to "
        "the left of zero and 3 and 4 to the right. " + "; ".join(parts) + "."
    )


def alt_recommend(rows: pd.DataFrame) -> str:
    """Alt text for :func:`collablib.report.survey_plots.recommend_chart`."""
    parts = [
        f"{r.label}: {r.yes} yes, {r.no} no, {r.not_answered} not answered"
        for r in rows.itertuples()
    ]
    return (
        "Stacked bar chart of answers to whether respondents would recommend taking part. "
        + "; ".join(parts)
        + "."
    )


def alt_roles(by_role: pd.DataFrame) -> str:
    """Alt text for :func:`~collablib.report.survey_plots.role_chart` (the percentages it draws).

    With disclosure control (column ``pct_shown``) only published percentages
    and their published counts are read out; nothing hidden, not even a zero.
    """
    if "pct_shown" in by_role:
        by_role = by_role[by_role["pct_shown"]]
    by_role = by_role[by_role["n"] > 0]
    parts = []
    for label, sub in by_role.groupby("label", sort=False):
        entries = [f"{r.role} {fmt_pct(r.pct)} of {r.n}" for r in sub.itertuples()]
        parts.append(f"{label}: " + ", ".join(entries))
    return (
        "Dot chart of the percentage positive for each question by respondent role, with 95% "
        "confidence intervals. " + "; ".join(parts) + "."
    )


def alt_counts(counts: pd.Series, what: str) -> str:
    """Alt text for :func:`collablib.report.survey_plots.count_chart`."""
    ordered = counts.sort_values(ascending=False, kind="stable")
    return f"Bar chart of {what}: " + "; ".join(f"{k} {v}" for k, v in ordered.items()) + "."


def measure_caption(analysis) -> str:
    """Caption under an SPC chart: the numbered change ideas, then the plain-English verdict."""
    changes = "; ".join(
        f"{i}. {c.description} ({long_date(c.date.date())})"
        + (" [limits recalculated]" if c.rebase else "")
        for i, c in enumerate(analysis.changes.itertuples(), start=1)
    )
    text = " ".join(analysis.notes)
    if changes:
        text = f"Changes: {changes}. {text}"
    return text


def cpes_summary_sentence(summary: CpesSummary, teams_without: int) -> str:
    """The cohort's CPES picture in one paragraph."""
    if summary.questions == 0:
        return "No team in this cohort targeted a CPES question."
    questions = plural(summary.questions, "CPES question")
    text = (
        f"{plural(summary.teams, 'team')} targeted {questions} between them. "
        f"At baseline ({summary.baseline_year}), "
        f"{summary.below_at_baseline} of these results "
        f"{'was' if summary.below_at_baseline == 1 else 'were'} below the expected range "
        f"for the team's trust; at follow-up ({summary.followup_year}), "
        f"{summary.below_at_followup} {'was' if summary.below_at_followup == 1 else 'were'}."
    )
    if teams_without:
        text += f" {plural(teams_without, 'team')} did not target a CPES question."
    return text


def cpes_caveats(
    summary: CpesSummary,
    min_responses: int,
    *,
    table: pd.DataFrame | None = None,
    missing_years: Sequence[int] = (),
) -> list[str]:
    """The caveats every reader of the CPES section needs, in plain English.

    ``table`` (the cohort's CPES changes) adds the notes that apply to it: mean
    scores, merged trusts. ``missing_years`` are survey years with no results.
    """
    rows = table if table is not None else pd.DataFrame()
    points = [
        "CPES asks patients about their care across the whole trust, not only the part a "
        "project team changed. A change in a trust's score cannot be attributed to the project: "
        "many other things change in a trust over the same years.",
    ]
    if summary.method_change:
        points.append(
            "The survey changed between 2019 and 2021. The questionnaire was reviewed and its "
            "questions renumbered, and a new contractor (Picker, after Quality Health) ran it. "
            "Both surveys could be answered on paper or online, and there was no 2020 survey "
            "because of the pandemic. The baseline and follow-up here are on different sides "
            "of that change, so they are not directly comparable: treat any difference with "
            "caution."
        )
    if missing_years:
        years = ", ".join(str(y) for y in missing_years)
        points.append(
            f"No CPES results were provided for {years}, although "
            f"{'it is a survey year' if len(missing_years) == 1 else 'they are survey years'}"
            " in cpes_years.csv."
        )
    points.append(
        f"Results based on fewer than {min_responses} responses are suppressed in the published "
        "data (or by collab, applying the same rule). They are shown as \u201csuppressed\u201d, "
        "never as zero, and no change is calculated from them."
    )
    points.append(
        "The expected range is published with each trust\u2019s case-mix-adjusted score: the "
        "range the survey expects that trust\u2019s score to fall in. A score above or below it "
        "is unusually high or low. The published material consulted does not give the exact "
        "formula, so the published ranges and flags are shown as they are. A result marked "
        "\u201cunadjusted\u201d had no case-mix-adjusted result published, and has no expected "
        "range. For a percentage, the change\u2019s 95% interval is for the difference between "
        "two proportions (Newcombe\u2019s method) and ignores case-mix adjustment."
    )
    if len(rows) and (rows.get("score_type") == "mean_0_10").any():
        points.append(
            "The overall rating of care is a mean score out of 10, not a percentage. Its "
            "change is shown on the same 0 to 10 scale. The change\u2019s 95% interval is "
            "built from the two published intervals: the standard error of each year is its "
            "interval\u2019s half-width divided by 1.96, and the two are combined as the square "
            "root of the sum of their squares."
        )
    if len(rows) and rows.get("trust_merged", pd.Series(dtype=bool)).astype(bool).any():
        points.append(
            "Some teams\u2019 trusts merged. For years after a merger, their results are those "
            "of the merged trust (trust_successors.csv), which serves a different population: "
            "trust merged: compare with care."
        )
    return points


def not_compared_note(names: Sequence[str]) -> str:
    """The sentence after the comparisons table naming cohorts left out (interactive use)."""
    return f" Not compared (data problem): {', '.join(names)}." if names else ""
