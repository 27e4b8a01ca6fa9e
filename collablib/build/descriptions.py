"""What each published tidy table holds, and what each of its columns means (units included).

The single source for the tables' Frictionless descriptions (``datapackage.json``),
their column order and the data dictionary's list of columns (``data/README.md``,
checked by a test).
"""

from __future__ import annotations

__all__ = ["DESCRIPTIONS", "PROGRAMME_DESCRIPTIONS"]

#: What each table holds, and what each column means (units included).
DESCRIPTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "overview": (
        "The cohort: who it is and how many took part.",
        {
            "cohort_id": "Cohort id, as in data/cohorts.csv",
            "name": "Cohort name",
            "programme_year": "Programme year, YYYY/YY",
            "start_date": "First day of the cohort",
            "end_date": "Last day of the cohort",
            "teams": "Project teams in the cohort",
            "teams_responding": "Teams with at least one survey respondent",
            "respondents": "People who answered the end-of-collaborative survey",
            "data_as_of": "Latest date in the data itself",
        },
    ),
    "survey_items": (
        "End-of-collaborative survey: each rated item (positive = 3 or 4 of 4) and recommending"
        " (positive = yes), for the whole cohort.",
        {
            "item": "team_working, patient_carer_experience, staff_experience or recommend",
            "n": "People who answered the question",
            "positive": "People who answered positively",
            "pct": "Percentage positive (0-100)",
            "ci_low": "Lower end of the 95% Wilson interval of pct (0-100)",
            "ci_high": "Upper end of the 95% Wilson interval of pct (0-100)",
        },
    ),
    "survey_by_role": (
        "The survey by role group after disclosure control: a hidden count is empty and"
        " flagged; a percentage is given only where both its counts are shown and n is"
        " {first_shown} or more.",
        {
            "role": "Role group (as data/disclosure.toml groups roles)",
            "roles": "The roles in the group, separated by '; '",
            "measure": "team_working, patient_carer_experience, staff_experience or recommend",
            "respondents": "People in the group who answered the survey (empty if hidden)",
            "respondents_suppressed": "Whether respondents is hidden",
            "n": "People in the group who answered the question (empty if hidden)",
            "n_suppressed": "Whether n is hidden",
            "positive": "People in the group who answered positively (empty if hidden)",
            "positive_suppressed": "Whether positive is hidden",
            "pct": "Percentage positive (0-100), where it may be shown",
            "ci_low": "Lower end of the 95% Wilson interval of pct (0-100)",
            "ci_high": "Upper end of the 95% Wilson interval of pct (0-100)",
        },
    ),
    "comparisons": (
        "This cohort against each other cohort and its pooled programme year. On programme-year"
        " rows, other_* describe the whole pooled year (this cohort included), while diff, its"
        " interval and p_value come from comparing this cohort with the rest of the year (diff"
        " and interval scaled exactly to the pooled year, as the report explains).",
        {
            "comparator": "The other cohort, or the pooled programme year",
            "comparator_id": "The other cohort's id, or the programme year (YYYY/YY)",
            "kind": "cohort or programme year",
            "measure": "team_working, patient_carer_experience, staff_experience or recommend",
            "label": "The question in words",
            "this_positive": "Positive answers in this cohort",
            "this_n": "Answers in this cohort",
            "this_pct": "Percentage positive in this cohort (0-100)",
            "other_positive": "Positive answers in the comparator",
            "other_n": "Answers in the comparator",
            "other_pct": "Percentage positive in the comparator (0-100)",
            "diff": "This cohort minus the comparator, in percentage points",
            "ci_low": "Lower end of the 95% Newcombe interval of diff (points)",
            "ci_high": "Upper end of the 95% Newcombe interval of diff (points)",
            "p_value": "Fisher's exact test, two-sided (against the rest of the year on"
            " programme-year rows)",
            "significant": "Whether the interval excludes zero",
            "small_numbers": "Whether a group has fewer than 30 answers or an expected count < 5",
        },
    ),
    "spc_points": (
        "Each improvement measure's points on its SPC chart (Making Data Count). These are the"
        " teams' own improvement measures, exactly as the report's charts show them: small-number"
        " control applies to people's survey answers, not to these values.",
        {
            "team_id": "Team id, as in teams.csv",
            "measure_id": "Measure id, as in measures.csv",
            "period": "The period (month) of the point",
            "value": "The value, in the measure's unit (percent for proportions)",
            "centre": "Centre line: the mean (XmR, p chart) or median (run chart)",
            "lower_limit": "Lower process limit (empty for run charts)",
            "upper_limit": "Upper process limit (empty for run charts)",
            "point_type": "common_cause, special_cause_improvement, special_cause_concern,"
            " special_cause_neutral_high or special_cause_neutral_low",
            "rule": "The special-cause rule that flagged the point, as NHSRplotthedots names the"
            " first that applies (empty if none)",
            "rules": "Every rule that flagged the point, in order of precedence: outside limits,"
            " trend, two of three, shift (empty if none)",
            "missing": "Whether the period has no data",
        },
    ),
    "spc_summary": (
        "Each improvement measure's SPC result: the Making Data Count icons and the headline.",
        {
            "team_id": "Team id, as in teams.csv",
            "team_name": "Team name",
            "measure_id": "Measure id, as in measures.csv",
            "measure_name": "Measure name",
            "unit": "Unit of the values",
            "direction": "increase, decrease or neutral: which way is better",
            "primary": "Whether this is the team's primary measure",
            "chart": "xmr, p or run",
            "points": "Periods with data",
            "variation": "Variation of the latest point: common_cause, special_cause_improvement,"
            " special_cause_concern, special_cause_neutral_high or special_cause_neutral_low"
            " (empty for run charts)",
            "variation_icon": "Making Data Count variation icon shown for the latest point",
            "assurance": "Assurance icon state: pass, fail, inconsistent or none",
            "improved_after_change": "Special-cause improvement on or after the first change",
            "sustained": "Improved after the change, and the latest 7 points all better than"
            " the baseline centre line",
            "judged": "Whether SPC could judge the measure (enough points, a direction)",
            "target": "The target, in the measure's unit (empty if none)",
        },
    ),
    "cpes": (
        "Each team's targeted CPES question at its trust: baseline and follow-up survey.",
        {
            "team_id": "Team id",
            "org_code": "The trust's ODS code",
            "question": "Question key (followed across renumbering)",
            "baseline_year": "Last CPES year before the cohort",
            "baseline_score": "Trust score at baseline (percent positive, or a mean out of 10:"
            " see score_type)",
            "baseline_n": "Responses at baseline",
            "followup_year": "First CPES year after the cohort",
            "followup_score": "Trust score at follow-up (percent positive, or a mean out of 10)",
            "followup_n": "Responses at follow-up",
            "change": "Follow-up minus baseline, in percentage points (or on the 0 to 10 scale"
            " for a mean)",
            "change_ci_low": "Lower end of the 95% interval of change (see interval_method)",
            "change_ci_high": "Upper end of the 95% interval of change (see interval_method)",
            "score_type": "percent (share of positive answers) or mean_0_10 (mean out of 10)",
            "interval_method": "newcombe_hybrid_score (percent: from the counts),"
            " published_ci_root_sum_of_squares (mean: from the two published intervals),"
            " or empty when there is no interval",
            "no_interval_reason": "Why the change has no interval (empty when it has one)",
            "followup_org_code": "The trust whose follow-up result is shown: the team's trust, or"
            " its successor after a merger",
            "trust_merged": "The team's trust merged between baseline and follow-up: compare"
            " with care",
            "baseline_flag": "above, within or below the trust's expected range at baseline",
            "followup_flag": "above, within or below the trust's expected range at follow-up",
            "baseline_unadjusted": "The baseline result is unadjusted: no case-mix-adjusted"
            " result was published for it",
            "followup_unadjusted": "The follow-up result is unadjusted: no case-mix-adjusted"
            " result was published for it",
            "method_change": "Whether the survey method changed between the two years",
        },
    ),
    "quotes": (
        "Consented comments as the report shows them: redacted, with their role group only.",
        {
            "role": "Role group of the respondent",
            "quote": "The comment, with personal details removed",
        },
    ),
    "progress": (
        "IHI progress scores as given in progress.csv: one row per team, month and assessor"
        " (empty when the cohort has no progress.csv).",
        {
            "team_id": "Team id, as in teams.csv",
            "team_name": "Team name, as in teams.csv",
            "month": "The month scored, YYYY-MM",
            "assessed_by": "Who scored it: team (self-assessment) or faculty",
            "score": "Score on the IHI assessment scale, 0.5 to 5.0 in steps of 0.5",
            "counted": "This is the month's counted score: the faculty's where a month has both",
            "latest": "This is the team's result: its counted score at its latest scored month",
        },
    ),
    "data_quality": (
        "From survey export to analysis: what arrived, what was left out and why.",
        {
            "step": "The cleaning step",
            "rows": "Rows it concerns",
            "spreadsheet_rows": "Their row numbers as a spreadsheet shows them",
        },
    ),
}

#: The tables published beside a programme-year report (``data/programme-<yyyy-yy>/``).
PROGRAMME_DESCRIPTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "cohorts": (
        "The programme year cohort by cohort: who took part, the survey headline, the"
        " improvement measures and the IHI progress scores (one row per cohort).",
        {
            "cohort_id": "Cohort id, as in data/cohorts.csv",
            "name": "Cohort name",
            "teams": "Project teams in the cohort",
            "teams_responding": "Teams with at least one survey respondent",
            "respondents": "People who answered the end-of-collaborative survey",
            "recommend_pct": "Percentage who would recommend taking part (0-100)",
            "team_working_pct": "Percentage rating team working 3 or 4 of 4 (0-100)",
            "patient_carer_experience_pct": "Percentage rating patient/carer experience 3 or 4"
            " of 4 (0-100)",
            "staff_experience_pct": "Percentage rating staff experience 3 or 4 of 4 (0-100)",
            "primary_measures": "Teams with a primary improvement measure",
            "teams_improved": "Of those, teams whose primary measure showed special-cause"
            " improvement after their first change",
            "teams_sustained": "Of those, teams whose improvement was sustained",
            "teams_scored": "Teams with IHI progress scores (empty when the cohort has none)",
            "n_ge_4": "Teams whose latest IHI score was 4.0 or more",
            "pct_ge_4": "Percentage of the teams scored whose latest IHI score was 4.0 or more"
            " (0-100)",
        },
    ),
    "survey_items": (
        "End-of-collaborative survey for the whole programme year: each rated item (positive ="
        " 3 or 4 of 4) and recommending (positive = yes), every respondent of every cohort"
        " counted once.",
        DESCRIPTIONS["survey_items"][1],
    ),
    "progress": (
        "IHI progress scores of every team in the programme year: one row per cohort, team,"
        " month and assessor (empty when no cohort has a progress.csv).",
        {"cohort_id": "Cohort id, as in data/cohorts.csv", **DESCRIPTIONS["progress"][1]},
    ),
    "quotes": (
        "The consented comments the cohort reports show (redacted, with their role group only),"
        " with their cohort.",
        {
            "cohort": "Cohort name",
            **DESCRIPTIONS["quotes"][1],
            "roles": "The roles in that role group, separated by semicolons",
        },
    ),
}
