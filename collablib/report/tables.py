"""Display-ready tables: the metrics reshaped, renamed and formatted for reviewers.

Calculations live in :mod:`collablib.survey.metrics`; this module only chooses
columns, gives them plain-English headers and formats numbers as text, so
the notebook cells stay one line each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from collablib.cpes.analysis import CpesSummary
from collablib.data.cleaning import CleaningLog
from collablib.ihi.scores import ProgressHeadline
from collablib.report.formatting import (
    fmt_ci,
    fmt_cpes_score,
    fmt_int,
    fmt_p,
    fmt_pct,
    fmt_points,
)
from collablib.spc.summary import ImprovementHeadline
from collablib.spc.vocabulary import ASSURANCE, CHARTS, VARIATION_LABELS, after_change
from collablib.survey.metrics import RATING_ITEMS, Headline

__all__ = [
    "FLAG_WORDS",
    "SHORT_LABELS",
    "cleaning_table",
    "cohort_headline_row",
    "comparison_table",
    "cpes_cell",
    "cpes_files_table",
    "cpes_key_figures",
    "cpes_team_table",
    "cpes_tumour_table",
    "fmt_cpes_change",
    "headline_table",
    "improvement_key_figures",
    "key_figures",
    "measures_table",
    "not_answered_table",
    "progress_cell_text",
    "provenance_inputs",
    "provenance_summary",
    "role_table",
    "teams_table",
]


def key_figures(head: Headline) -> list[tuple[str, str]]:
    """The four headline numbers shown at the top of the survey section, as (value, label)."""
    return [
        (fmt_int(head.teams), "project teams"),
        (fmt_int(head.respondents), "people answered the survey"),
        (f"{head.teams_responding} of {head.teams}", "teams with at least one answer"),
        (fmt_pct(head.recommend.pct), "would recommend taking part"),
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


def headline_table(head: Headline) -> pd.DataFrame:
    """The survey's headline table: one row per question, counts and % with 95% CI, as text."""
    questions = {"recommend": "Would recommend taking part"} | {
        item: f"Improved: {label.lower()}" for item, label in RATING_ITEMS.items()
    }
    rows = []
    for measure, question in questions.items():
        v = head.share(measure)
        rows.append(
            (
                question,
                fmt_int(v.n),
                fmt_int(v.positive),
                fmt_pct(v.pct),
                fmt_ci(v.ci_low, v.ci_high),
            )
        )
    return pd.DataFrame(
        rows,
        columns=["Question", "Answered", "Positive", "% positive", "95% confidence interval"],
    )


def role_table(protected: pd.DataFrame, head: Headline) -> pd.DataFrame:
    """Wide table by role (group) after disclosure control, with the cohort total as the last row.

    ``protected`` is :func:`collablib.survey.disclosure.protect_role_breakdown`
    output. Cells read "82% (18 of 22)"; where disclosure control hides a
    number it shows the policy's symbol, and the percentage is left out. "no
    answers" appears only where the number who answered is published and is 0:
    a hidden zero reads "* of *" like any other hidden count.
    """
    measures = list(dict.fromkeys(protected["measure"]))
    labels = dict(zip(protected["measure"], protected["label"], strict=False))
    rows = []
    for role, sub in protected.groupby("role", sort=False):
        sub = sub.set_index("measure")
        cells = []
        for m in measures:
            r = sub.loc[m]
            counts = f"{r['positive_shown']} of {r['n_shown']}"
            if r["pct_shown"]:
                cells.append(f"{fmt_pct(r['pct'])} ({counts})")
            elif str(r["n_shown"]) == "0":
                cells.append("no answers")
            else:
                cells.append(counts)
        rows.append((role, str(sub["respondents_shown"].iloc[0]), *cells))
    total_cells = []
    for m in measures:
        v = head.share(m)
        total_cells.append(f"{fmt_pct(v.pct)} ({v.positive} of {v.n})" if v.n else "no answers")
    rows.append(("All respondents", str(head.respondents), *total_cells))
    return pd.DataFrame(rows, columns=["Role", "Respondents", *[labels[m] for m in measures]])


def cleaning_table(log: CleaningLog) -> pd.DataFrame:
    """The data-quality steps: what arrived, what was excluded and why, what was used."""
    steps = log.steps()
    return pd.DataFrame(
        {
            "Step": steps["step"],
            "Rows": [str(abs(v)) for v in steps["rows"]],
            "Spreadsheet rows": steps["spreadsheet_rows"].replace("", "–"),
        }
    )


def not_answered_table(log: CleaningLog) -> pd.DataFrame:
    """Answers such as "Prefer not to say", counted per question, treated as not answered."""
    table = log.not_answered_table()
    labels = {
        **RATING_ITEMS,
        "recommend": "Would recommend",
        "role": "Role",
        "consent_to_quote": "Consent to quote",
    }
    return pd.DataFrame(
        {
            "Question": [labels.get(f, f) for f in table["field"]],
            "Answer given": table["label"],
            "Count": table["count"].astype(str),
        }
    )


def comparison_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    """Comparisons as text: one row per comparison and question."""
    rows = []
    for r in comparisons.itertuples():
        rows.append(
            (
                r.comparator + (" \u2020" if r.small_numbers else ""),
                r.label,
                f"{fmt_pct(r.this_pct)} ({r.this_positive} of {r.this_n})",
                f"{fmt_pct(r.other_pct)} ({r.other_positive} of {r.other_n})",
                fmt_points(r.diff, 1),
                f"{fmt_points(r.ci_low, 1)} to {fmt_points(r.ci_high, 1)}",
                fmt_p(r.p_value),
                "Yes" if r.significant else "No",
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "Compared with",
            "Question",
            "This cohort",
            "Comparison",
            "Difference",
            "95% confidence interval",
            "Fisher's exact p",
            "Significant?",
        ],
    )


#: Column headers for the rating items where space is tight (the index table).
SHORT_LABELS: dict[str, str] = {
    "team_working": "Team working",
    "patient_carer_experience": "Patient/carer experience",
    "staff_experience": "Staff experience",
}


def cohort_headline_row(name: str, head: Headline) -> dict[str, str]:
    """One formatted row of the cross-cohort table on the index page."""
    row = {
        "Cohort": name,
        "Teams": fmt_int(head.teams),
        "Teams responding": fmt_int(head.teams_responding),
        "Respondents": fmt_int(head.respondents),
        "Would recommend": fmt_pct(head.recommend.pct),
    }
    for item, label in SHORT_LABELS.items():
        row[label] = fmt_pct(head.items[item].pct)
    return row


def measures_table(analyses) -> pd.DataFrame:
    """One row per team and measure: the improvement-measures summary for reviewers."""
    from collablib.spc.improvement import format_value

    rows = []
    for a in analyses:
        rows.append(
            (
                a.team_name,
                a.measure_name + (" (primary)" if a.primary else ""),
                CHARTS[a.chart].label,
                f"{a.points}" + (f" ({a.missing_periods} missing)" if a.missing_periods else ""),
                format_value(a.baseline_mean, a.unit),
                format_value(a.latest_value, a.unit),
                "–" if a.chart == "run" else VARIATION_LABELS.get(a.variation or "", "–"),
                ASSURANCE[a.assurance].label,
                after_change(a.improved_after_change, a.sustained),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "Team",
            "Measure",
            "Chart",
            "Points",
            "Baseline mean",
            "Latest value",
            "Variation (latest point)",
            "Assurance",
            "Improvement after first change",
        ],
    )


def improvement_key_figures(head: ImprovementHeadline) -> list[tuple[str, str]]:
    """Headline numbers for the improvement-measures section."""

    def measures(n: int) -> str:
        return "primary measure" + ("" if n == 1 else "s")

    return [
        (f"{head.improved} of {head.teams}", "teams improved their primary measure"),
        (str(head.sustained), "of them sustained the improvement"),
        (str(head.concern), f"{measures(head.concern)} showing concern"),
        (
            str(head.not_judged),
            f"{measures(head.not_judged)} too short or without direction to judge",
        ),
    ]


def provenance_summary(facts: dict[str, Any], as_of: str | None) -> pd.DataFrame:
    """The provenance facts as a two-column table."""
    git = facts["git"]
    if git.get("commit"):
        commit = git["commit"]
        dirty = (
            "yes: uncommitted changes to the data, notebook or code" if git.get("dirty") else "no"
        )
    else:
        commit, dirty = "–", git.get("note") or "unknown"
    versions = facts["versions"]
    rows = [
        ("Data as of (latest date in the data)", as_of or "–"),
        ("Latest git commit changing the data, notebook or code", commit),
        ("Changed since that commit", dirty),
        ("collablib version", versions.get("collablib", "–")),
        ("Notebook", f"{facts['notebook']['file']} (SHA-256 {facts['notebook']['sha256']})"),
        ("collablib source (SHA-256 of all files)", facts["code_sha256"]),
        ("Locked dependencies (requirements.lock SHA-256)", facts["lock_sha256"]),
        ("Key packages", ", ".join(f"{k} {v}" for k, v in versions.items() if k != "collablib")),
    ]
    if git.get("note") and git.get("commit"):
        rows.append(("Note", git["note"]))
    return pd.DataFrame(rows, columns=["Item", "Value"])


def provenance_inputs(facts: dict[str, Any]) -> pd.DataFrame:
    """Input files (relative to the data folder) with their SHA-256."""
    return pd.DataFrame(
        [(row["file"], row["sha256"]) for row in facts["inputs"]],
        columns=["File (in the data folder)", "SHA-256"],
    )


FLAG_WORDS = {"above": "above expected", "within": "within expected", "below": "below expected"}


def fmt_cpes_change(row: Any) -> str:
    """A CPES change with its interval, in the score's own units, or why it has none."""
    if row.change != row.change:
        return "\u2013"
    mean = getattr(row, "score_type", "percent") == "mean_0_10"
    digits, unit = (2, " on the 0 to 10 scale") if mean else (1, " points")
    text = f"{fmt_points(row.change, digits)}{unit}"
    if row.change_ci_low == row.change_ci_low:
        text += (
            f" (95% CI {fmt_points(row.change_ci_low, digits)}"
            f" to {fmt_points(row.change_ci_high, digits)})"
        )
    else:
        reason = getattr(row, "no_interval_reason", "") or "no interval"
        text += f" ({reason})"
    return text


def cpes_cell(
    score: float,
    n: float,
    flag: str | None,
    missing: bool,
    suppressed: bool,
    score_type: str = "percent",
    unadjusted: bool = False,
) -> str:
    """A CPES result as text: "82.1% (n = 312), within expected", "8.83 out of 10 (n = 312)";
    never a number if suppressed. ``unadjusted``: the published file had no case-mix-adjusted
    result, so the unadjusted one is shown (and it has no expected range)."""
    if missing:
        return "trust not in the survey"
    if suppressed:
        return "suppressed (too few responses)"
    if score is None or score != score:
        return "\u2013"
    text = f"{fmt_cpes_score(score, score_type)} (n = {int(n):,})"
    text += f", {FLAG_WORDS[flag]}" if flag in FLAG_WORDS else ""
    return text + (", unadjusted (no case-mix-adjusted result published)" if unadjusted else "")


def cpes_team_table(rows: pd.DataFrame, min_responses: int | None = None) -> pd.DataFrame:
    """One team's targeted questions: baseline, follow-up and the change with its interval.

    A result from a merged trust's successor says "trust merged: compare with care". With
    ``min_responses``, a suppressed result that rests on at least that many responses (the
    publisher left its score out) reads "not published" rather than "too few responses".
    """
    out = []
    for r in rows.itertuples():
        score_type = getattr(r, "score_type", "percent")
        cells = []
        for when in ("baseline", "followup"):
            n = getattr(r, f"{when}_n")
            suppressed = getattr(r, f"{when}_suppressed")
            if suppressed and min_responses is not None and n == n and n >= min_responses:
                text = "not published (no score in the published results)"
            else:
                text = cpes_cell(
                    getattr(r, f"{when}_score"),
                    n,
                    getattr(r, f"{when}_flag"),
                    getattr(r, f"{when}_missing"),
                    suppressed,
                    score_type,
                    bool(getattr(r, f"{when}_unadjusted", False)),
                )
            cells.append(text)
        if getattr(r, "trust_merged", False):
            cells[1] += (
                f"; trust merged: compare with care (the result of {r.followup_org_code}, "
                f"which {r.org_code} merged into)"
            )
        out.append((f"{r.question}: {r.question_text}", *cells, fmt_cpes_change(r)))
    first = rows.iloc[0]
    return pd.DataFrame(
        out,
        columns=[
            "Question (baseline numbering)",
            f"Baseline ({first['baseline_year']})",
            f"Follow-up ({first['followup_year']})",
            "Change",
        ],
    )


def cpes_files_table(files: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Every file of data/cpes/ and what it was read as: layout, rows used and left out."""
    return pd.DataFrame(list(files), columns=["File in data/cpes/", "Read as"])


def cpes_tumour_table(rows: pd.DataFrame, min_responses: int) -> pd.DataFrame:
    """Context: the published results for a team's own tumour group at its trust, by year.

    These rows are unadjusted and rest on few patients, so any with fewer than
    ``min_responses`` responses show no score (and no count below 8 is shown).
    """
    out = []
    for r in rows.sort_values(["team_id", "question", "year"], kind="stable").itertuples():
        n = r.responses
        if n == n and n < min_responses:
            result = f"not shown (fewer than {min_responses} responses)"
        elif r.suppressed or r.score != r.score:
            result = "not published"
        else:
            result = f"{fmt_cpes_score(r.score, r.score_type)} (n = {int(n):,})"
        out.append((r.team_name, r.question, r.tumour_group, str(r.year), r.org_code, result))
    return pd.DataFrame(out, columns=["Team", "Question", "Cancer type", "Year", "Trust", "Result"])


def cpes_key_figures(summary: CpesSummary) -> list[tuple[str, str]]:
    """Headline numbers for the CPES section."""
    return [
        (str(summary.questions), "targeted questions (team and question)"),
        (
            str(summary.below_at_baseline),
            f"below the expected range at baseline ({summary.baseline_year})",
        ),
        (
            str(summary.below_at_followup),
            f"below the expected range at follow-up ({summary.followup_year})",
        ),
        (str(summary.significant_rises), "rose significantly (interval above zero)"),
    ]


def progress_cell_text(head: ProgressHeadline | None) -> str:
    """ "27% (4 of 15)": the teams whose latest IHI score was 4.0 or more; a dash with none."""
    if head is None:
        return "\u2013"
    return f"{fmt_pct(head.pct_ge_4)} ({head.n_ge_4} of {head.teams_scored})"
