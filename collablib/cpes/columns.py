"""The columns of the CPES analysis's tidy tables, and which of them ``summary --json`` carries.

Kept apart from :mod:`collablib.cpes.analysis` so that the calculation reads as steps,
and so that the JSON contract (:data:`JSON_KEYS`) is stated in one place.
"""

from __future__ import annotations

__all__ = [
    "CHANGE_COLUMNS",
    "JSON_DECIMALS",
    "JSON_KEYS",
    "TARGET_COLUMNS",
    "TRUST_FIELDS",
    "YEARLY_COLUMNS",
]

#: One row per team and targeted question (:func:`~collablib.cpes.analysis.targeted_questions`).
TARGET_COLUMNS = [
    "team_id",
    "team_name",
    "org_code",
    "tumour_group",
    "question",
    "question_key",
    "question_text",
    "score_type",
]

#: One row per team and question: baseline, follow-up and the change.
CHANGE_COLUMNS = [
    "team_id",
    "team_name",
    "org_code",
    "question",
    "question_key",
    "question_text",
    "baseline_year",
    "baseline_score",
    "baseline_n",
    "followup_year",
    "followup_score",
    "followup_n",
    "change",
    "change_ci_low",
    "change_ci_high",
    "score_type",
    "interval_method",
    "no_interval_reason",
    "followup_org_code",
    "trust_merged",
    "baseline_flag",
    "followup_flag",
    "baseline_missing",
    "followup_missing",
    "baseline_suppressed",
    "followup_suppressed",
    "baseline_unadjusted",
    "followup_unadjusted",
    "method_change",
]
#: The trust-level fields carried from the CPES extract into each team's year-by-year rows.
TRUST_FIELDS = [
    "question_number",
    "unadjusted",
    "suppressed",
    "responses",
    "score",
    "ci_low",
    "ci_high",
    "expected_low",
    "expected_high",
]
YEARLY_COLUMNS = [
    "team_id",
    "org_code",
    "question",
    "question_key",
    "score_type",
    "year",
    "source_org_code",
    "merged",
    "present",
    *TRUST_FIELDS,
    "flag",
    "national",
]

#: Decimal places kept in ``collab summary --json`` CPES values: far below any published
#: precision, enough to drop binary floating-point noise from differences.
JSON_DECIMALS = 9
#: The :data:`CHANGE_COLUMNS` that ``collab summary --json`` carries, in that order.
JSON_KEYS = frozenset(CHANGE_COLUMNS) - {
    "team_name",
    "question_key",
    "question_text",
    "baseline_missing",
    "followup_missing",
    "baseline_suppressed",
    "followup_suppressed",
    "method_change",
}
