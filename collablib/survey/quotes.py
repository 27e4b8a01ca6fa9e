"""Choosing which free-text comments may be quoted in a report, and making them safe to show.

A comment is quoted only when its respondent answered "Yes" to
``consent_to_quote``. Quotes are attributed by role only, never by team,
organisation or name, as in the published NHS England summary. With a
disclosure policy they are attributed by **role group** (for example "Staff"),
so that a role too small to be shown in the tables, such as a lone executive
sponsor, is never named; respondents who gave no role are attributed as
"Respondent". A quote attributed to a group shows that the group has at least
one respondent, so the number of quotes shown per group
(:func:`quote_counts`) feeds the disclosure audit. Before
display every quote passes through :func:`collablib.survey.privacy.redact`, which
removes e-mail addresses, phone numbers, NHS numbers, postcodes and names;
the HTML layer then escapes it (:mod:`collablib.report.display`), so nothing typed
into a comment box can become markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from collablib.data.policy import UNATTRIBUTED, DisclosurePolicy
from collablib.data.schemas import ROLES
from collablib.survey.metrics import Headline
from collablib.survey.privacy import redact

__all__ = [
    "QUOTE_LIMIT",
    "CommentCounts",
    "comment_counts",
    "consented_quotes",
    "protected_roles_and_quotes",
    "quote_counts",
    "select_for_display",
]


def consented_quotes(
    survey: pd.DataFrame, names: Iterable[str] = (), policy: DisclosurePolicy | None = None
) -> pd.DataFrame:
    """Redacted comments from respondents who consented to being quoted.

    Returns columns ``role``, ``quote`` and ``redacted`` (whether anything was
    removed). ``role`` is the respondent's role, or with ``policy`` the label of
    its role group; respondents with no role are attributed as "Respondent".
    Quotes are ordered by role (group) as in the data dictionary (or the
    policy), then by ``response_id``, so the order never changes between builds
    and never sorts the members of a group apart. ``names`` are extra names to
    remove (for example the export's respondent names).
    """
    has_text = survey["comment"].fillna("").str.strip() != ""
    consented = survey["consent_to_quote"] == "Yes"
    chosen = survey.loc[has_text & consented, ["role", "response_id", "comment"]].copy()
    if policy is None:
        attribution = {role: role for role in ROLES}
    else:
        attribution = {
            role: label for label, members in policy.groups().items() for role in members
        }
    labels = [*dict.fromkeys(attribution.values()), UNATTRIBUTED]
    chosen["_label"] = [
        UNATTRIBUTED if pd.isna(role) else attribution.get(role, UNATTRIBUTED)
        for role in chosen["role"]
    ]
    chosen["_order"] = chosen["_label"].map({label: i for i, label in enumerate(labels)})
    chosen = chosen.sort_values(["_order", "response_id"], kind="stable")
    names = list(names)
    redactions = [redact(str(text).strip(), names) for text in chosen["comment"]]
    out = pd.DataFrame(
        {
            "role": chosen["_label"].to_numpy(dtype=object),
            "quote": [r.text for r in redactions],
            "redacted": [r.changed for r in redactions],
        }
    )
    out.attrs["removed"] = sum((r.counts for r in redactions), Counter())
    return out.astype({"role": "string", "quote": "string"})


@dataclass(frozen=True)
class CommentCounts:
    """How many respondents left a comment, and how many of those consented to quotation."""

    comments: int
    quotable: int
    not_consented: int


def comment_counts(survey: pd.DataFrame) -> CommentCounts:
    """The :class:`CommentCounts` of a survey (cohort level)."""
    has_text = survey["comment"].fillna("").str.strip() != ""
    consented = survey["consent_to_quote"] == "Yes"
    return CommentCounts(
        comments=int(has_text.sum()),
        quotable=int((has_text & consented).sum()),
        not_consented=int((has_text & ~consented).sum()),
    )


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


def quote_counts(quotes: pd.DataFrame) -> dict[str, int]:
    """How many of the quotes shown are attributed to each role group (label -> count).

    Pass the quotes the report actually shows (after :func:`select_for_display`)
    to :func:`collablib.survey.disclosure.protect_role_breakdown` as ``quotes_by_group``.
    """
    counts = quotes["role"].value_counts(sort=False)
    return {str(label): int(n) for label, n in counts.items()}


def protected_roles_and_quotes(
    survey: pd.DataFrame,
    names: Iterable[str],
    policy: DisclosurePolicy,
    head: Headline | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The role breakdown after disclosure control, and the quotes to show beside it.

    The two are published together, and a quote attributed to a role group
    tells the reader that the group has at least one respondent, so the audit
    of the role table counts the quotes shown per group
    (:func:`collablib.survey.disclosure.protect_role_breakdown`). In a very small
    cohort those attributions, with the totals, can pin a hidden number however
    much more is hidden (for instance when every member of a group left a
    quote); then the quotes are attributed to "Respondent" only, and the table
    is protected again without them. ``head`` is :func:`collablib.survey.metrics.headline`.
    """
    from collablib.survey.disclosure import protect_role_breakdown
    from collablib.survey.metrics import role_breakdown

    by_role = role_breakdown(survey)
    voices = select_for_display(consented_quotes(survey, names, policy))
    protected = protect_role_breakdown(
        by_role, policy, quotes_by_group=quote_counts(voices), head=head
    )
    if protected.attrs.get("determined_by_totals"):
        voices = voices.assign(role=UNATTRIBUTED)
        protected = protect_role_breakdown(by_role, policy, head=head)
        if protected.attrs.get("determined_by_totals"):  # pragma: no cover - totals alone
            raise RuntimeError("disclosure control could not protect the role breakdown")
    return protected, voices
