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
   :mod:`collablib.disclosure_audit` finds no hidden number that a reader could
   pin to a single value. The audit models everything the reader knows: every
   published number, whole non-negative counts, the quotes attributed to each
   group, and these rules.

The policy lives here and in one setting file, ``data/disclosure.toml``::

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

import os
import tomllib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from collablib.disclosure_audit import (
    Quantity,
    SuppressionTable,
    audit,
    audit_ranges,
    primary_suppression,
    suppress,
)
from collablib.errors import CollabError
from collablib.fileio import input_exists, read_input_text
from collablib.metrics import add_proportion_columns
from collablib.paths import resolve_data_dir
from collablib.schemas import ROLES

__all__ = [
    "CATEGORIES",
    "POLICY_FILE",
    "UNATTRIBUTED",
    "DisclosurePolicy",
    "Quantity",
    "SuppressionTable",
    "audit",
    "audit_ranges",
    "group_breakdown",
    "load_policy",
    "primary_suppression",
    "protect_role_breakdown",
    "role_suppression_table",
    "suppress",
]

POLICY_FILE = "disclosure.toml"

#: How respondents who gave no role are attributed (quotes) and keyed (audit).
UNATTRIBUTED = "Respondent"

#: Labels the reports already use for other rows, so no role group may take them.
RESERVED_LABELS = ("All respondents", UNATTRIBUTED)

_GROUPS_KEY = "[disclosure.role_groups]"

RoleGroups = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class DisclosurePolicy:
    """Which counts are hidden, how they are shown, and which roles are shown together.

    ``role_groups`` is ``()`` (every role its own group) or pairs of group
    label and member roles, in report order; a mapping is accepted too.
    """

    smallest_suppressed: int = 1
    largest_suppressed: int = 7
    symbol: str = "*"
    secondary: bool = True
    role_groups: RoleGroups = ()

    def __post_init__(self) -> None:
        groups = self.role_groups
        if isinstance(groups, Mapping):
            groups = tuple(groups.items())
        object.__setattr__(self, "role_groups", check_role_groups(dict(groups)) if groups else ())

    def is_small(self, value: float) -> bool:
        """Whether a count must not be published (1 to 7 under the NHS convention)."""
        return self.smallest_suppressed <= value <= self.largest_suppressed

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Group label -> member roles, in report order (each role alone by default)."""
        if not self.role_groups:
            return {role: (role,) for role in ROLES}
        return dict(self.role_groups)

    def group_of(self, role: str) -> str:
        """The label of the group ``role`` belongs to."""
        for label, members in self.groups().items():
            if role in members:
                return label
        raise KeyError(role)

    def describe(self) -> str:
        """One sentence for report footnotes."""
        return (
            f"Counts from {self.smallest_suppressed} to {self.largest_suppressed} are shown as "
            f"\u201c{self.symbol}\u201d, and percentages of fewer than "
            f"{self.largest_suppressed + 1} people are not shown"
            + (
                "; further numbers are hidden where the hidden ones could otherwise be worked "
                "out by subtraction."
                if self.secondary
                else "."
            )
        )


def _or_list(values) -> str:
    values = list(values)
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else "".join(values)


def check_role_groups(groups: object, file: str | os.PathLike[str] | None = None) -> RoleGroups:
    """Validate role groups (label -> list of roles); every role in exactly one group."""
    roles = _or_list(ROLES)

    def fail(problem: str, value: object, allowed: str) -> CollabError:
        return CollabError(problem, file=file, value=value, allowed=allowed)

    if not isinstance(groups, Mapping):
        example = '"Staff" = ["Project team member", "Executive sponsor"]'
        raise fail(f"{_GROUPS_KEY} must be a table", groups, f"lines such as {example}")
    owner: dict[str, str] = {}
    labels: dict[str, str] = {}
    for label, members in groups.items():
        where = f'role group "{label}" in {_GROUPS_KEY}'
        if not isinstance(label, str) or not label.strip():
            raise fail(f"a role group in {_GROUPS_KEY} has a blank name", label, "a name")
        clash = labels.get(label.strip().casefold())
        if clash is not None or label in RESERVED_LABELS:
            raise fail(
                f"{where}: the name clashes with "
                + (f'group "{clash}"' if clash is not None else "a row the report already has"),
                label,
                f"a name no other group uses (ignoring case), not {_or_list(RESERVED_LABELS)}",
            )
        labels[label.strip().casefold()] = label
        if label in ROLES and list(members) != [label]:
            raise fail(
                f"{where}: a group named after a role must hold that role alone",
                members,
                f'["{label}"], or another name for the group',
            )
        if not isinstance(members, list | tuple) or not members:
            raise fail(f"{where}: the group is empty", members, f"one or more of {roles}")
        for role in members:
            if role not in ROLES:
                raise fail(f"{where} lists a role that does not exist", role, roles)
            if role in owner:
                raise fail(
                    f'{where} lists a role already in group "{owner[role]}"',
                    role,
                    "each role in exactly one group",
                )
            owner[role] = label
    missing = [role for role in ROLES if role not in owner]
    if missing:
        raise fail(
            f"{_GROUPS_KEY} leaves a role out of every group",
            missing[0],
            f"every one of {roles} in exactly one group",
        )
    return tuple((label, tuple(members)) for label, members in groups.items())


def load_policy(data_dir: str | os.PathLike[str] | None = None) -> DisclosurePolicy:
    """The policy in ``data/disclosure.toml`` (NHS defaults for any setting not given)."""
    path = resolve_data_dir(data_dir) / POLICY_FILE
    if not input_exists(path):
        return DisclosurePolicy()
    try:
        settings = dict(
            tomllib.loads(read_input_text(path, "disclosure policy")).get("disclosure", {})
        )
    except tomllib.TOMLDecodeError as exc:
        raise CollabError(f"not valid TOML ({exc})", file=path) from None
    known = {"smallest_suppressed", "largest_suppressed", "symbol", "secondary", "role_groups"}
    for key in settings:
        if key not in known:
            raise CollabError(
                "unknown setting in [disclosure]",
                file=path,
                value=key,
                allowed=", ".join(sorted(known)),
            )
    if "role_groups" in settings:
        settings["role_groups"] = check_role_groups(settings["role_groups"], path)
    policy = DisclosurePolicy(**settings)
    if not 1 <= policy.smallest_suppressed <= policy.largest_suppressed:
        raise CollabError(
            "the suppressed range must run from at least 1 upwards",
            file=path,
            value=f"{policy.smallest_suppressed} to {policy.largest_suppressed}",
            allowed="1 <= smallest_suppressed <= largest_suppressed",
        )
    return policy


# --- the role breakdown --------------------------------------------------------------------

CATEGORIES = ("positive", "negative", "blank")
COUNTS = ["respondents", "n", "positive"]


def group_breakdown(by_role: pd.DataFrame, policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """:func:`collablib.metrics.role_breakdown` with the policy's role groups merged.

    Counts are summed over each group's roles and ``pct`` and the Wilson
    interval recomputed (:func:`collablib.metrics.add_proportion_columns`).
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


def _published_totals(head: Mapping[str, Any], measure: str) -> tuple[int, int]:
    values = head["recommend"] if measure == "recommend" else head["items"][measure]
    return int(values["n"]), int(values["yes" if measure == "recommend" else "positive"])


def role_suppression_table(
    grouped: pd.DataFrame,
    *,
    head: Mapping[str, Any] | None = None,
    quotes_by_group: Mapping[str, int] | None = None,
) -> SuppressionTable:
    """The cells and quantities of the role table, before any suppression.

    Cells are, per group and question, the positive, negative and blank
    answers. Shown quantities: each group's ``("respondents", g)``, and
    ``("n", g, m)`` and ``("positive", g, m)``. Always published: the cohort
    totals, taken from ``head`` (:func:`collablib.metrics.headline`) when given;
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
        rest = int(head["respondents"]) - everyone
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
    head: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Merge role groups and suppress small numbers in :func:`collablib.metrics.role_breakdown`.

    The published table shows, per group, the respondents and, per question,
    the number who answered and the number positive, with cohort totals
    (always shown) for every column. ``quotes_by_group`` is
    :func:`collablib.quotes.quote_counts` of the quotes the report shows, and
    ``head`` the cohort's :func:`collablib.metrics.headline` (its totals count
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
