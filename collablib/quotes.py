"""Choosing which free-text comments may be quoted in a report, and making them safe to show.

A comment is quoted only when its respondent answered "Yes" to
``consent_to_quote``. Quotes are attributed by role only, never by team,
organisation or name, as in the published NHS England summary. Before
display every quote passes through :func:`collablib.privacy.redact`, which
removes e-mail addresses, phone numbers, NHS numbers, postcodes and names;
the HTML layer then escapes it (:mod:`collablib.display`), so nothing typed
into a comment box can become markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pandas as pd

from collablib.privacy import redact
from collablib.schemas import ROLES


def consented_quotes(survey: pd.DataFrame, names: Iterable[str] = ()) -> pd.DataFrame:
    """Redacted comments from respondents who consented to being quoted.

    Returns columns ``role``, ``quote`` and ``redacted`` (whether anything was
    removed), ordered by role (as in the data dictionary) and then by
    ``response_id`` so the order never changes between builds. ``names`` are
    extra names to remove (for example the export's respondent names).
    """
    has_text = survey["comment"].fillna("").str.strip() != ""
    consented = survey["consent_to_quote"] == "Yes"
    chosen = survey.loc[has_text & consented, ["role", "response_id", "comment"]].copy()
    role_order = {role: i for i, role in enumerate(ROLES)}
    chosen["_order"] = chosen["role"].map(role_order)
    chosen = chosen.sort_values(["_order", "response_id"], kind="stable")
    names = list(names)
    redactions = [redact(str(text).strip(), names) for text in chosen["comment"]]
    out = pd.DataFrame(
        {
            "role": chosen["role"].to_numpy(),
            "quote": [r.text for r in redactions],
            "redacted": [r.changed for r in redactions],
        }
    )
    out.attrs["removed"] = sum((r.counts for r in redactions), Counter())
    return out.astype({"role": "string", "quote": "string"})


def comment_counts(survey: pd.DataFrame) -> dict[str, int]:
    """How many respondents left a comment, and how many of those consented to quotation."""
    has_text = survey["comment"].fillna("").str.strip() != ""
    consented = survey["consent_to_quote"] == "Yes"
    return {
        "comments": int(has_text.sum()),
        "quotable": int((has_text & consented).sum()),
        "not_consented": int((has_text & ~consented).sum()),
    }


#: A report quotes at most this many comments; more are sampled by a fixed rule.
QUOTE_LIMIT = 60


def select_for_display(quotes: pd.DataFrame, limit: int = QUOTE_LIMIT) -> pd.DataFrame:
    """At most ``limit`` quotes, chosen the same way on every build.

    Large cohorts can have thousands of quotable comments. The selection orders
    them by the SHA-256 of their text (a fixed, content-based shuffle that
    favours no role, length or date) and keeps the first ``limit``, then shows
    them in the usual role order.
    """
    if len(quotes) <= limit:
        return quotes
    import hashlib

    keys = quotes["quote"].map(lambda q: hashlib.sha256(str(q).encode()).hexdigest())
    chosen = quotes.loc[keys.sort_values(kind="stable").index[:limit]].sort_index()
    out = chosen.reset_index(drop=True)
    out.attrs = dict(quotes.attrs)
    out.attrs["selected_from"] = len(quotes)
    return out
