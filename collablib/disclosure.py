"""Small-number disclosure control for every figure below cohort level.

The policy follows the NHS Digital convention (as in its ``codonPython``
suppression code): **0 is shown, counts of 1 to 7 are shown as ``*``, and a
percentage whose denominator is 1 to 7 is not shown.** Cohort and programme
totals are shown as published.

Suppressing the small cells alone is not enough: if a table also shows the
total, a hidden cell can be recovered by subtraction. So collab adds
**secondary suppression** and checks it with an **audit**. Every published
number is a linear equation over the underlying counts (for example "the
answered count of lived experience partners is 13", or "the three roles'
positive answers add up to 30"). For each suppressed count, the audit solves
two small linear programmes (scipy's HiGHS): the smallest and the largest
value the count could take given everything published. If they are equal the
count is recoverable, and one more published cell next to it (the smallest
non-zero one sharing a total with it) is suppressed; the audit then runs
again, until no suppressed count can be pinned down. This is the standard
"cell suppression audit" of statistical disclosure control (see Hundepool et
al., *Statistical Disclosure Control*, Wiley 2012, chapter 5). The tables
here are sums over categories, whose linear programmes have whole-number
solutions, so the linear relaxation gives the same ranges as whole counts.

The policy lives here and in one setting file, ``data/disclosure.toml``::

    [disclosure]
    smallest_suppressed = 1   # counts from ...
    largest_suppressed = 7    # ... to this are shown as the symbol
    symbol = "*"
    secondary = true          # add and audit secondary suppression
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from collablib.errors import CollabError
from collablib.paths import resolve_data_dir

POLICY_FILE = "disclosure.toml"


@dataclass(frozen=True)
class DisclosurePolicy:
    """Which counts are hidden, and how they are shown."""

    smallest_suppressed: int = 1
    largest_suppressed: int = 7
    symbol: str = "*"
    secondary: bool = True

    def is_small(self, value: float) -> bool:
        """Whether a count must not be published (1 to 7 under the NHS convention)."""
        return self.smallest_suppressed <= value <= self.largest_suppressed

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


def load_policy(data_dir: str | os.PathLike[str] | None = None) -> DisclosurePolicy:
    """The policy in ``data/disclosure.toml`` (NHS defaults for any setting not given)."""
    path = resolve_data_dir(data_dir) / POLICY_FILE
    if not path.is_file():
        return DisclosurePolicy()
    try:
        with path.open("rb") as fh:
            settings = tomllib.load(fh).get("disclosure", {})
    except tomllib.TOMLDecodeError as exc:
        raise CollabError(f"not valid TOML ({exc})", file=path) from None
    known = {"smallest_suppressed", "largest_suppressed", "symbol", "secondary"}
    for key in settings:
        if key not in known:
            raise CollabError(
                "unknown setting in [disclosure]",
                file=path,
                value=key,
                allowed=", ".join(sorted(known)),
            )
    policy = DisclosurePolicy(**settings)
    if not 1 <= policy.smallest_suppressed <= policy.largest_suppressed:
        raise CollabError(
            "the suppressed range must run from at least 1 upwards",
            file=path,
            value=f"{policy.smallest_suppressed} to {policy.largest_suppressed}",
            allowed="1 <= smallest_suppressed <= largest_suppressed",
        )
    return policy


@dataclass
class Quantity:
    """A number a table could publish: a sum of underlying cell counts.

    ``shown`` quantities appear in a table (and may be suppressed); ``total``
    ones are cohort or programme totals, always published. Hidden structural
    facts (for example that everyone answers every question, if only with a
    blank) are totals that are not shown.
    """

    key: Hashable
    coefficients: dict[int, float]
    value: float
    shown: bool = True
    total: bool = False
    suppressed: bool = False

    @property
    def published(self) -> bool:
        return self.total or (self.shown and not self.suppressed)


@dataclass
class SuppressionTable:
    """Underlying cell counts and the quantities published about them."""

    cells: list[Hashable] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)

    def add_cell(self, key: Hashable, count: int) -> int:
        self.cells.append(key)
        self.counts.append(int(count))
        return len(self.cells) - 1

    def add(
        self,
        key: Hashable,
        cells: Sequence[int] | dict[int, float],
        *,
        shown: bool = True,
        total: bool = False,
    ) -> Quantity:
        coefficients = dict(cells) if isinstance(cells, dict) else {c: 1.0 for c in cells}
        value = sum(self.counts[c] * w for c, w in coefficients.items())
        quantity = Quantity(key, coefficients, value, shown=shown, total=total)
        self.quantities.append(quantity)
        return quantity

    def get(self, key: Hashable) -> Quantity:
        for q in self.quantities:
            if q.key == key:
                return q
        raise KeyError(key)

    def feasible_range(self, target: Quantity) -> tuple[float, float]:
        """Smallest and largest value ``target`` can take given every published quantity."""
        published = [q for q in self.quantities if q.published]
        n = len(self.cells)
        a_eq = np.zeros((len(published), n))
        b_eq = np.zeros(len(published))
        for i, q in enumerate(published):
            for c, w in q.coefficients.items():
                a_eq[i, c] = w
            b_eq[i] = q.value
        objective = np.zeros(n)
        for c, w in target.coefficients.items():
            objective[c] = w
        bounds = [(0, None)] * n
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        lo = low.fun if low.status == 0 else -np.inf
        hi = -high.fun if high.status == 0 else np.inf
        if high.status == 3:  # unbounded above
            hi = np.inf
        return float(lo), float(hi)

    def recoverable(self, target: Quantity) -> bool:
        """Whether the published quantities pin ``target`` to a single value."""
        lo, hi = self.feasible_range(target)
        return hi - lo < 0.5


def primary_suppression(table: SuppressionTable, policy: DisclosurePolicy) -> None:
    """Hide every shown count in the small range (totals excepted)."""
    for q in table.quantities:
        if q.shown and not q.total and policy.is_small(q.value):
            q.suppressed = True


def suppress(table: SuppressionTable, policy: DisclosurePolicy) -> SuppressionTable:
    """Apply primary and (audited) secondary suppression to ``table`` in place, and return it.

    Secondary suppressions already made by the caller (such as hiding a whole
    complementary row) are kept; the audit then adds cells one at a time until
    no small count can be recovered.
    """
    primary_suppression(table, policy)
    if not policy.secondary:
        return table
    while True:
        exposed = next(
            (
                q
                for q in table.quantities
                if q.suppressed and policy.is_small(q.value) and table.recoverable(q)
            ),
            None,
        )
        if exposed is None:
            return table
        complement = _choose_complement(table, exposed)
        if complement is None:  # nothing left to hide: cannot happen with shown totals only
            raise RuntimeError(f"cannot protect {exposed.key!r}: every cell is already hidden")
        complement.suppressed = True


def _choose_complement(table: SuppressionTable, exposed: Quantity) -> Quantity | None:
    """The next cell to hide so that ``exposed`` can no longer be recovered.

    Prefer the smallest non-zero published cell whose suppression alone
    protects ``exposed`` (tried one by one with the audit); failing that, the
    smallest cell that shares a published total with it, and the audit loop
    continues from there.
    """
    open_cells = [q for q in table.quantities if q.shown and not q.total and not q.suppressed]
    if not open_cells:
        return None
    exposed_cells = set(exposed.coefficients)
    linked_totals = [
        set(q.coefficients)
        for q in table.quantities
        if q.published and exposed_cells & set(q.coefficients)
    ]

    def linked(q: Quantity) -> bool:
        cells = set(q.coefficients)
        return bool(cells & exposed_cells) or any(cells & t for t in linked_totals)

    def order(q: Quantity) -> tuple[bool, float, str]:
        return (q.value == 0, q.value, str(q.key))

    candidates = sorted((q for q in open_cells if linked(q)), key=order) or sorted(
        open_cells, key=order
    )
    for candidate in candidates:
        candidate.suppressed = True
        fixes = not table.recoverable(exposed)
        candidate.suppressed = False
        if fixes:
            return candidate
    return candidates[0]


# --- the role breakdown --------------------------------------------------------------------

CATEGORIES = ("positive", "negative", "blank")


def protect_role_breakdown(
    by_role: pd.DataFrame, policy: DisclosurePolicy | None = None
) -> pd.DataFrame:
    """Suppress small numbers in :func:`collablib.metrics.role_breakdown` output.

    The published table shows, per role, the respondents and, per question,
    the number who answered and the number positive, with cohort totals
    (always shown) for every column. Returns ``by_role`` with extra columns
    ``respondents_shown``, ``n_shown``, ``positive_shown`` (text: the count
    or the symbol) and ``pct_shown`` (bool: whether the percentage and its
    interval may be published: only when both its counts are published and
    the denominator is above the suppression range).
    """
    policy = policy or DisclosurePolicy()
    table = SuppressionTable()
    roles = list(dict.fromkeys(by_role["role"]))
    measures = list(dict.fromkeys(by_role["measure"]))
    data = by_role.set_index(["role", "measure"])
    cell: dict[tuple[str, str, str], int] = {}
    for r in roles:
        for m in measures:
            row = data.loc[(r, m)]
            counts = {
                "positive": int(row["positive"]),
                "negative": int(row["n"] - row["positive"]),
                "blank": int(row["respondents"] - row["n"]),
            }
            for c in CATEGORIES:
                cell[(r, m, c)] = table.add_cell((r, m, c), counts[c])
    first = measures[0]
    for r in roles:
        table.add(("respondents", r), [cell[(r, first, c)] for c in CATEGORIES])
        for m in measures[1:]:  # every respondent answers every question, if only with a blank
            coefficients = {cell[(r, m, c)]: 1.0 for c in CATEGORIES}
            coefficients.update({cell[(r, first, c)]: -1.0 for c in CATEGORIES})
            table.add(("same people", r, m), coefficients, shown=False, total=True)
        for m in measures:
            table.add(("n", r, m), [cell[(r, m, "positive")], cell[(r, m, "negative")]])
            table.add(("positive", r, m), [cell[(r, m, "positive")]])
    table.add(
        ("respondents", "total"),
        [cell[(r, first, c)] for r in roles for c in CATEGORIES],
        total=True,
    )
    for m in measures:
        table.add(
            ("n", "total", m),
            [cell[(r, m, c)] for r in roles for c in ("positive", "negative")],
            total=True,
        )
        table.add(("positive", "total", m), [cell[(r, m, "positive")] for r in roles], total=True)
    if policy.secondary:
        _hide_complementary_rows(table, policy, roles, measures, data)
    suppress(table, policy)

    out = by_role.copy()

    def shown(key: Hashable) -> str:
        q = table.get(key)
        return policy.symbol if q.suppressed else str(int(q.value))

    out["respondents_shown"] = [shown(("respondents", r)) for r in out["role"]]
    out["n_shown"] = [shown(("n", r, m)) for r, m in zip(out["role"], out["measure"], strict=True)]
    out["positive_shown"] = [
        shown(("positive", r, m)) for r, m in zip(out["role"], out["measure"], strict=True)
    ]
    out["pct_shown"] = [
        not table.get(("n", r, m)).suppressed
        and not table.get(("positive", r, m)).suppressed
        and n > policy.largest_suppressed
        for r, m, n in zip(out["role"], out["measure"], out["n"], strict=True)
    ]
    out.attrs["suppression_table"] = table
    return out


def _hide_complementary_rows(
    table: SuppressionTable,
    policy: DisclosurePolicy,
    roles: list[str],
    measures: list[str],
    data: pd.DataFrame,
) -> None:
    """Classic row complement: where one role's cell in a column is hidden, hide another's.

    Each column of the role table adds up to a published total, so a single
    hidden cell in a column can be recovered by subtraction. The complement is
    the same cell of the smallest other role, so whole rows are hidden
    together rather than scattered cells, which keeps the rest of the table
    readable. The general audit in :func:`suppress` then checks the result.
    """
    primary_suppression(table, policy)
    columns = [("respondents",)] + [(kind, m) for m in measures for kind in ("n", "positive")]

    def key(column: tuple, role: str) -> tuple:
        return ("respondents", role) if column == ("respondents",) else (column[0], role, column[1])

    size = {r: int(data.loc[(r, measures[0]), "respondents"]) for r in roles}
    for column in columns:
        hidden = [r for r in roles if table.get(key(column, r)).suppressed]
        if len(hidden) != 1:
            continue
        others = [r for r in roles if r not in hidden]
        if not others:
            continue
        partner = min(others, key=lambda r: (size[r] == 0, size[r], roles.index(r)))
        table.get(key(column, partner)).suppressed = True


def audit(table: SuppressionTable, policy: DisclosurePolicy) -> list[Hashable]:
    """Keys of suppressed small counts that can still be recovered (should be empty)."""
    return [
        q.key
        for q in table.quantities
        if q.suppressed and policy.is_small(q.value) and table.recoverable(q)
    ]
