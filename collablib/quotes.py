"""Choosing which free-text comments may be quoted in a report.

A comment is quoted only when its respondent answered "Yes" to
``consent_to_quote``. Quotes are attributed by role only, never by team,
organisation or name, as in the published NHS England summary.
"""

from __future__ import annotations

import pandas as pd

from collablib.schemas import ROLES


def consented_quotes(survey: pd.DataFrame) -> pd.DataFrame:
    """Comments from respondents who consented to being quoted, attributed by role only.

    Returns columns ``role`` and ``quote``, ordered by role (as in the data
    dictionary) and then by ``response_id`` so the order never changes between
    builds. Empty comments are skipped.
    """
    has_text = survey["comment"].fillna("").str.strip() != ""
    consented = survey["consent_to_quote"] == "Yes"
    chosen = survey.loc[has_text & consented, ["role", "response_id", "comment"]].copy()
    role_order = {role: i for i, role in enumerate(ROLES)}
    chosen["_order"] = chosen["role"].map(role_order)
    chosen = chosen.sort_values(["_order", "response_id"], kind="stable")
    out = chosen.rename(columns={"comment": "quote"})[["role", "quote"]]
    out["quote"] = out["quote"].str.strip()
    return out.reset_index(drop=True)


def comment_counts(survey: pd.DataFrame) -> dict[str, int]:
    """How many respondents left a comment, and how many of those consented to quotation."""
    has_text = survey["comment"].fillna("").str.strip() != ""
    consented = survey["consent_to_quote"] == "Yes"
    return {
        "comments": int(has_text.sum()),
        "quotable": int((has_text & consented).sum()),
        "not_consented": int((has_text & ~consented).sum()),
    }
