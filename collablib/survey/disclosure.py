"""Small-number disclosure control for every figure below cohort level.

The policy follows the NHS Digital convention (as in its ``codonPython``
suppression code): **counts of 1 to 7 are shown as ``*``, and a percentage
whose denominator is 1 to 7 is not shown.** Cohort and programme totals are
shown as published.

Suppressing the small cells alone is not enough: a reader who knows the
totals and the rules can work hidden cells out. collab therefore:

1. **merges small roles into role groups** before anything is counted
   (``[disclosure.role_groups]``; for example executive sponsors are shown
   with project team members as "Staff"), so that the groups whose voice
   matters have enough people to be shown;
2. hides every count from 1 to 7 (**primary suppression**);
3. if anything is hidden, also hides every **zero** of the table (a group with
   no respondents, a question a group did not answer, and "0 of *"), because
   a published exact zero helps subtraction (and "0 of *" says that everyone
   in a hidden count answered negatively); a zero that the cohort total
   already implies (nobody in the cohort answered) stays shown;
4. adds **secondary suppression** (first the same column of the smallest other
   group, then whatever the audit asks for) until the **audit** of
   :mod:`collablib.survey.disclosure_audit` finds no hidden number that a reader could
   pin to a single value. The audit models everything the reader knows: every
   published number, whole non-negative counts, the quotes attributed to each
   group, and these rules.

The policy is read from one setting file (:mod:`collablib.data.policy`), ``data/disclosure.toml``::

    [disclosure]
    smallest_suppressed = 1   # counts from ...
    largest_suppressed = 7    # ... to this are shown as the symbol
    symbol = "*"
    secondary = true          # add and audit secondary suppression

    [disclosure.role_groups]  # optional; without it every role is its own group
    "Staff" = ["Project team member", "Executive sponsor"]
    "Lived experience partner" = ["Lived experience partner"]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import pandas as pd

from collablib.data.policy import UNATTRIBUTED, DisclosurePolicy
from collablib.survey.disclosure_audit import (
    Quantity,
    SuppressionTable,
    audit,
    audit_ranges,
    primary_suppression,
    suppress,
)
from collablib.survey.metrics import Headline, add_proportion_columns

__all__ = [
    "CATEGORIES",
    "Quantity",
    "SuppressionTable",
    "audit",
    "audit_ranges",
    "group_breakdown",
    "primary_suppression",
    "protect_role_breakdown",
    "role_suppression_table",
    "suppress",
]

CATEGORIES = ("positive", "negative", "blank")
COUNTS = ["respondents", "n", "positive"]


def group_breakdown(by_role: pd.DataFrame, policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """:func:`collablib.survey.metrics.role_breakdown` with the policy's role groups merged.

    Counts are summed over each group's roles and ``pct`` and the Wilson
    interval recomputed (:func:`collablib.survey.metrics.add_proportion_columns`).
    ``role`` holds the group label and ``members`` the tuple of its roles.
    """
    groups = (policy or DisclosurePolicy()).groups()
    owner = {role: label for label, members in groups.items() for role in members}
    unknown = sorted(set(by_role["role"]) - set(owner))
    if unknown:
        raise ValueError(f"roles in no role group: {', '.join(unknown)}")
    measures = list(dict.fromkeys(by_role["measure"]))
    labels = dict(zip(by_role["measure"], by_role["label"], strict=True))
    summed = (
        by_role.assign(role=by_role["role"].map(owner))
        .groupby(["role", "measure"], sort=False)[COUNTS]
        .sum()
    )
    rows = []
    for label, members in groups.items():
        for m in measures:
            counts = (
                summed.loc[(label, m)] if (label, m) in summed.index else {c: 0 for c in COUNTS}
            )
            rows.append((label, members, m, labels[m], *(int(counts[c]) for c in COUNTS)))
    out = pd.DataFrame(rows, columns=["role", "members", "measure", "label", *COUNTS])
    out = out.astype({"role": "string", "measure": "string", "label": "string"})
    return add_proportion_columns(out)


def _published_totals(head: Headline, measure: str) -> tuple[int, int]:
    share = head.share(measure)
    return share.n, share.positive


def role_suppression_table(
    grouped: pd.DataFrame,
    *,
    head: Headline | None = None,
    quotes_by_group: Mapping[str, int] | None = None,
) -> SuppressionTable:
    """The cells and quantities of the role table, before any suppression.

    Cells are, per group and question, the positive, negative and blank
    answers. Shown quantities: each group's ``("respondents", g)``, and
    ``("n", g, m)`` and ``("positive", g, m)``. Always published: the cohort
    totals, taken from ``head`` (:func:`collablib.survey.metrics.headline`) when given;
    respondents without a role are in the totals but in no group, so they form
    a never-shown group of cells whose size is taken as known. Hidden facts:
    everyone answers every question, if only with a blank. ``quotes_by_group``
    (label -> quotes shown) gives lower bounds on the groups' respondents.
    """
    groups = list(dict.fromkeys(grouped["role"]))
    measures = list(dict.fromkeys(grouped["measure"]))
    data = grouped.set_index(["role", "measure"])
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for g in groups:
        counts[g] = {}
        for m in measures:
            row = data.loc[(g, m)]
            counts[g][m] = {
                "positive": int(row["positive"]),
                "negative": int(row["n"] - row["positive"]),
                "blank": int(row["respondents"] - row["n"]),
            }
    everyone = sum(int(data.loc[(g, measures[0]), "respondents"]) for g in groups)
    if head is not None:
        rest = head.respondents - everyone
        other: dict[str, dict[str, int]] = {}
        for m in measures:
            n, positive = _published_totals(head, m)
            n -= sum(counts[g][m]["positive"] + counts[g][m]["negative"] for g in groups)
            positive -= sum(counts[g][m]["positive"] for g in groups)
            other[m] = {"positive": positive, "negative": n - positive, "blank": rest - n}
        if min(min(c.values()) for c in other.values()) < 0 or rest < 0:
            raise ValueError("the published totals (head) do not match the role breakdown")
        if rest:
            counts[UNATTRIBUTED] = other
    table = SuppressionTable()
    cell = {
        (g, m, c): table.add_cell((g, m, c), counts[g][m][c])
        for g in counts
        for m in measures
        for c in CATEGORIES
    }
    first = measures[0]
    for g in counts:
        people = [cell[(g, first, c)] for c in CATEGORIES]
        if g == UNATTRIBUTED:  # never shown; its size is taken as known (conservative)
            table.add(("respondents", g), people, shown=False, total=True)
        else:
            table.add(("respondents", g), people)
        for m in measures[1:]:  # every respondent answers every question, if only with a blank
            coefficients = {cell[(g, m, c)]: 1.0 for c in CATEGORIES}
            coefficients.update({cell[(g, first, c)]: -1.0 for c in CATEGORIES})
            table.add(("same people", g, m), coefficients, shown=False, total=True)
        if g != UNATTRIBUTED:
            for m in measures:
                table.add(("n", g, m), [cell[(g, m, "positive")], cell[(g, m, "negative")]])
                table.add(("positive", g, m), [cell[(g, m, "positive")]])
    total = table.add(
        ("respondents", "total"),
        [cell[(g, first, c)] for g in counts for c in CATEGORIES],
        total=True,
    )
    for m in measures:
        answered = [cell[(g, m, c)] for g in counts for c in ("positive", "negative")]
        table.add(("n", "total", m), answered, total=True)
        table.add(("positive", "total", m), [cell[(g, m, "positive")] for g in counts], total=True)
    table.bound = int(total.value)
    for label, quoted in (quotes_by_group or {}).items():
        if label not in counts and label != UNATTRIBUTED:
            raise ValueError(
                f"quotes are attributed to {label!r}, which is not a role group of the policy "
                f"({', '.join(groups)}); build them with quotes.consented_quotes(..., policy)"
            )
        people = [cell[(label, first, c)] for c in CATEGORIES] if label in counts else []
        size = sum(counts[label][first].values()) if label in counts else 0
        if int(quoted) > size:
            raise ValueError(f"{quoted} quotes attributed to {label!r}, but it has {size} people")
        if int(quoted) > 0:
            table.add_at_least(("quotes", label), people, int(quoted))
    return table


def protect_role_breakdown(
    by_role: pd.DataFrame,
    policy: DisclosurePolicy | None = None,
    *,
    quotes_by_group: Mapping[str, int] | None = None,
    head: Headline | None = None,
) -> pd.DataFrame:
    """Merge role groups and suppress small numbers in :func:`~.metrics.role_breakdown` output.

    The published table shows, per group, the respondents and, per question,
    the number who answered and the number positive, with cohort totals
    (always shown) for every column. ``quotes_by_group`` is
    :func:`collablib.survey.quotes.quote_counts` of the quotes the report shows, and
    ``head`` the cohort's :func:`collablib.survey.metrics.headline` (its totals count
    respondents who gave no role); both feed the audit.

    Returns the grouped breakdown (``role`` holds the group label, ``members``
    its roles) with extra columns ``respondents_shown``, ``n_shown``,
    ``positive_shown`` (text: the count or the symbol) and ``pct_shown``
    (bool: whether the percentage and its interval may be published: only when
    both its counts are published and the denominator is above the suppression
    range). ``attrs["suppression_table"]`` is the audited table and
    ``attrs["determined_by_totals"]`` the hidden numbers that the cohort totals
    and quotes determine on their own (normally empty).
    """
    policy = policy or DisclosurePolicy()
    grouped = by_role if "members" in by_role.columns else group_breakdown(by_role, policy)
    table = role_suppression_table(grouped, head=head, quotes_by_group=quotes_by_group)
    groups = list(dict.fromkeys(grouped["role"]))
    measures = list(dict.fromkeys(grouped["measure"]))
    primary_suppression(table, policy)
    if policy.secondary:
        _hide_zeros(table, groups, measures)
        _hide_complementary_rows(table, groups, measures)
        suppress(table, policy)
        while _hide_zero_positives(table, groups, measures):
            suppress(table, policy)  # audit the newly hidden zeros too

    out = grouped.copy()

    def shown(key: Hashable) -> str:
        q = table.get(key)
        return policy.symbol if q.suppressed else str(int(q.value))

    pairs = list(zip(out["role"], out["measure"], strict=True))
    out["respondents_shown"] = [shown(("respondents", g)) for g in out["role"]]
    out["n_shown"] = [shown(("n", g, m)) for g, m in pairs]
    out["positive_shown"] = [shown(("positive", g, m)) for g, m in pairs]
    out["pct_shown"] = [
        not table.get(("n", g, m)).suppressed
        and not table.get(("positive", g, m)).suppressed
        and table.get(("n", g, m)).value > policy.largest_suppressed
        for g, m in pairs
    ]
    out.attrs["suppression_table"] = table
    out.attrs["determined_by_totals"] = list(table.determined_by_totals)
    return out


def _hide_zeros(table: SuppressionTable, groups: list[str], measures: list[str]) -> None:
    """If anything is hidden, hide every zero too (unless the cohort total is itself 0)."""
    if not table.hidden():
        return
    for g in groups:
        if table.get(("respondents", g)).value == 0:
            table.get(("respondents", g)).suppressed = True
        for m in measures:
            if table.get(("n", g, m)).value == 0 and table.get(("n", "total", m)).value > 0:
                table.get(("n", g, m)).suppressed = True
                if table.get(("positive", "total", m)).value > 0:
                    table.get(("positive", g, m)).suppressed = True


def _hide_zero_positives(table: SuppressionTable, groups: list[str], measures: list[str]) -> int:
    """Hide "0 of *": a zero positive beside a hidden answered count says all were negative."""
    hidden = 0
    for g in groups:
        for m in measures:
            positive = table.get(("positive", g, m))
            if (
                positive.value == 0
                and not positive.suppressed
                and table.get(("n", g, m)).suppressed
                and table.get(("positive", "total", m)).value > 0
            ):
                positive.suppressed = True
                hidden += 1
    return hidden


def _hide_complementary_rows(
    table: SuppressionTable, groups: list[str], measures: list[str]
) -> None:
    """Classic row complement: where one group's cell in a column is hidden, hide another's.

    Each column of the role table adds up to a published total, so a single
    hidden cell in a column can be recovered by subtraction. The complement is
    the same cell of the smallest other group, so whole rows are hidden
    together rather than scattered cells, which keeps the rest of the table
    readable. The audit in :func:`suppress` then checks the result.
    """
    columns = [("respondents",)] + [(kind, m) for m in measures for kind in ("n", "positive")]

    def key(column: tuple, group: str) -> tuple:
        return (
            ("respondents", group) if column == ("respondents",) else (column[0], group, column[1])
        )

    size = {g: table.get(("respondents", g)).value for g in groups}
    for column in columns:
        hidden = [g for g in groups if table.get(key(column, g)).suppressed]
        others = [g for g in groups if g not in hidden]
        if len(hidden) != 1 or not others:
            continue
        partner = min(others, key=lambda g: (size[g] == 0, size[g], groups.index(g)))
        table.get(key(column, partner)).suppressed = True
