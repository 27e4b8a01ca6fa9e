"""The disclosure audit: what a reader who knows our rules can work out about a hidden number.

The threat model
----------------
The reader has everything we publish (both renderings of every report, the
index page, ``collab summary --json`` and ``data/disclosure.toml``) and knows
the rules in :mod:`collablib.survey.disclosure`. What they learn about the underlying
cell counts (whole numbers, never negative) is:

(a) every published number, as an equation over the cells: each shown count,
    the cohort totals (always shown) and the hidden structural facts, such as
    every respondent answering every question, if only with a blank;
(b) that cells are whole numbers from 0 to ``M``, the cohort's respondents;
(c) lower bounds such as "a quote is attributed to lived experience partners,
    so at least one of them responded" (:meth:`SuppressionTable.add_at_least`);
(d) the rules: every shown count is outside the suppressed range
    ``[smallest_suppressed, largest_suppressed]`` (it is published, so this
    adds nothing), every hidden number is 0, in that range or above it (with
    ``smallest_suppressed = 1`` that is every whole number; with a larger
    one, complements may be any count, so nothing more is assumed), and if
    anything is hidden, at least one hidden number is in the suppressed range;
(e) optionally, what a note might reveal: ``known_small`` and
    ``known_not_small`` keys (a number in, or outside, the suppressed range).

For each hidden number the audit finds the smallest and the largest value
consistent with all of this, as a mixed-integer programme (``scipy.optimize.milp``,
HiGHS) with one binary indicator per rule and big-M constraints (``M`` bounds
every quantity). A hidden number is **pinned** when the two are equal; the
suppression in :func:`suppress` hides more until nothing is pinned.

Stated limit: the reader is not assumed to rerun our exact choice of
complements (the tie-breaks in :func:`suppress`); only the rules in (d) are
assumed known. Numbers that the cohort-level figures and quotes determine on
their own (for example when every respondent left quotes) cannot be protected
by hiding anything in the table; :func:`suppress` lists them in
``table.determined_by_totals`` instead of hiding the whole table.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = [
    "TIME_LIMIT",
    "Bound",
    "Quantity",
    "ReaderModel",
    "SuppressionTable",
    "audit",
    "audit_ranges",
    "primary_suppression",
    "suppress",
]

if TYPE_CHECKING:
    from collablib.data.policy import DisclosurePolicy

#: Seconds HiGHS may spend on one programme. A programme that runs out of time
#: counts as "could not show the number differs", so the audit errs towards hiding more.
TIME_LIMIT = 30.0


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

    @property
    def hidden(self) -> bool:
        """Shown in a table but suppressed: a number the audit must protect."""
        return self.shown and not self.total and self.suppressed

    @property
    def open(self) -> bool:
        """Published in a table and not a total: a candidate for secondary suppression."""
        return self.shown and not self.total and not self.suppressed


@dataclass
class Bound:
    """A published lower bound: ``sum(coefficients * cells) >= at_least``."""

    key: Hashable
    coefficients: dict[int, float]
    at_least: int


@dataclass
class SuppressionTable:
    """Underlying cell counts, the quantities published about them and known lower bounds.

    ``bound`` is the big M: a number no quantity can exceed (the cohort's
    respondents). When not given, the largest total (or the sum of all cells).
    """

    cells: list[Hashable] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    lower_bounds: list[Bound] = field(default_factory=list)
    bound: int | None = None
    determined_by_totals: list[Hashable] = field(default_factory=list)
    _index: dict[Hashable, Quantity] = field(default_factory=dict, repr=False)

    def add_cell(self, key: Hashable, count: int) -> int:
        if int(count) < 0:
            raise ValueError(f"cell {key!r} has a negative count ({count})")
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
        self._index[key] = quantity
        return quantity

    def add_at_least(self, key: Hashable, cells: Sequence[int], at_least: int) -> Bound:
        """Record a published lower bound (such as quotes attributed to a group)."""
        bound = Bound(key, {c: 1.0 for c in cells}, int(at_least))
        self.lower_bounds.append(bound)
        return bound

    def get(self, key: Hashable) -> Quantity:
        if key not in self._index:
            raise KeyError(key)
        return self._index[key]

    @property
    def big_m(self) -> int:
        if self.bound is not None:
            return int(self.bound)
        totals = [q.value for q in self.quantities if q.total and q.shown]
        return int(max(totals)) if totals else int(sum(self.counts))

    def hidden(self) -> list[Quantity]:
        return [q for q in self.quantities if q.hidden]

    def feasible_range(
        self,
        target: Quantity,
        policy: DisclosurePolicy | None = None,
        *,
        known_small: Collection[Hashable] = (),
        known_not_small: Collection[Hashable] = (),
    ) -> tuple[float, float]:
        """Smallest and largest value ``target`` can take given what the reader knows.

        Without ``policy`` the reader knows only the published equations and
        lower bounds, and that cells are whole numbers from 0 to ``M``; with
        it, also the rules (d) and the notes' facts (e) of the module docstring.
        """
        model = ReaderModel(self, policy, known_small=known_small, known_not_small=known_not_small)
        return model.range(target)


class ReaderModel:
    """The mixed-integer programme of one state of a :class:`SuppressionTable`.

    ``witnesses`` is a shared list of solutions (cell vectors) already known to
    be consistent with what the reader knows; any hidden number that differs
    from its true value in one of them is not pinned, with no solve needed.
    Hiding more only ever adds solutions, so witnesses of an earlier state stay
    valid.
    """

    def __init__(
        self,
        table: SuppressionTable,
        policy: DisclosurePolicy | None = None,
        *,
        known_small: Collection[Hashable] = (),
        known_not_small: Collection[Hashable] = (),
        witnesses: list[np.ndarray] | None = None,
    ) -> None:
        self.table = table
        self.witnesses = [] if witnesses is None else witnesses
        self.n_cells = len(table.cells)
        big_m = float(table.big_m)
        rows: list[tuple[dict[int, float], float, float]] = []
        for q in table.quantities:
            if q.published:
                rows.append((q.coefficients, q.value, q.value))
        for b in table.lower_bounds:
            rows.append((b.coefficients, b.at_least, np.inf))
        n_vars = self.n_cells
        truth = np.asarray(table.counts, dtype=float)

        def value(coefficients: dict[int, float]) -> float:
            return sum(truth[c] * w for c, w in coefficients.items())

        def new_binary() -> int:
            nonlocal n_vars
            n_vars += 1
            return n_vars - 1

        if policy is not None:
            low, high = policy.smallest_suppressed, policy.largest_suppressed
            hidden = table.hidden()
            indicators = []
            for q in hidden:
                z = new_binary()  # z = 1: low <= q <= high
                indicators.append(z)
                rows.append(({**q.coefficients, z: -low}, 0.0, np.inf))
                rows.append(({**q.coefficients, z: big_m}, -np.inf, high + big_m))
            if indicators:
                if not any(policy.is_small(q.value) for q in hidden):
                    raise ValueError("numbers are hidden but none is in the suppressed range")
                rows.append(({z: 1.0 for z in indicators}, 1.0, np.inf))
            for key in known_small:
                q = table.get(key)
                if not policy.is_small(q.value):
                    raise ValueError(f"{key!r} = {q.value:g} is said to be small, but is not")
                rows.append((q.coefficients, low, high))
            for key in known_not_small:
                q = table.get(key)
                if policy.is_small(q.value):
                    raise ValueError(f"{key!r} = {q.value:g} is said not to be small, but is")
                w = new_binary()  # w = 0: q <= low - 1; w = 1: q >= high + 1
                rows.append(({**q.coefficients, w: -big_m}, -np.inf, low - 1))
                rows.append(({**q.coefficients, w: -(high + 1)}, 0.0, np.inf))
        elif known_small or known_not_small:
            raise ValueError("known_small and known_not_small need the policy's range")
        for b in table.lower_bounds:
            if value(b.coefficients) < b.at_least:
                raise ValueError(f"the true table breaks the lower bound {b.key!r}")
        self.n_vars = n_vars
        matrix = np.zeros((len(rows), n_vars))
        lower = np.empty(len(rows))
        upper = np.empty(len(rows))
        for i, (coefficients, lb, ub) in enumerate(rows):
            for var, w in coefficients.items():
                matrix[i, var] += w
            lower[i], upper[i] = lb, ub
        self.constraints = [LinearConstraint(matrix, lower, upper)] if rows else []
        self.integrality = np.ones(n_vars)
        ub_vars = np.full(n_vars, 1.0)
        ub_vars[: self.n_cells] = big_m
        self.bounds = Bounds(np.zeros(n_vars), ub_vars)

    def _solve(self, target: Quantity, sense: float) -> float | None:
        """Optimise ``sense * target`` (1: minimise, -1: maximise) and return the optimum.

        Every solution HiGHS returns is checked against the constraints before
        it is kept as a witness, and every optimum against the true table
        (which is always feasible). HiGHS's MIP presolve has been seen to cut
        off feasible solutions, so it runs without presolve; should an optimum
        still contradict the truth, it is retried with presolve, and if that
        fails too the result is None: unknown, which the audit treats as
        pinned (hiding more, never less).
        """
        objective = np.zeros(self.n_vars)
        for c, w in target.coefficients.items():
            objective[c] = sense * w
        truth = sense * target.value
        for presolve in (False, True):
            result = milp(
                objective,
                constraints=self.constraints,
                integrality=self.integrality,
                bounds=self.bounds,
                options={"mip_rel_gap": 0.0, "time_limit": TIME_LIMIT, "presolve": presolve},
            )
            if result.x is not None and self._feasible(result.x):
                self.witnesses.append(np.round(result.x[: self.n_cells]))
            if result.status == 0 and round(result.fun) <= truth + 0.5:
                return float(round(sense * result.fun))
        return None

    def _feasible(self, x: np.ndarray) -> bool:
        """Whether ``x``, rounded to whole numbers, satisfies every constraint."""
        x = np.round(x)
        if not self.constraints:
            return True
        values = self.constraints[0].A @ x
        return bool(
            np.all(values >= self.constraints[0].lb - 1e-6)
            and np.all(values <= self.constraints[0].ub + 1e-6)
            and np.all(x >= self.bounds.lb)
            and np.all(x <= self.bounds.ub)
        )

    def _witness_values(self, target: Quantity) -> list[float]:
        return [sum(x[c] * w for c, w in target.coefficients.items()) for x in self.witnesses]

    def range(self, target: Quantity) -> tuple[float, float]:
        """Smallest and largest value of ``target`` (exact unless HiGHS ran out of time).

        If HiGHS runs out of time, the range is the one spanned by the solutions
        found, which lies inside the true range.
        """
        lo = self._solve(target, 1.0)
        hi = self._solve(target, -1.0)
        seen = self._witness_values(target)
        if lo is None:
            lo = min(seen) if seen else target.value
        if hi is None:
            hi = max(seen) if seen else target.value
        return float(lo), float(hi)

    def differs(self, target: Quantity) -> bool:
        """Whether ``target`` could take a value other than its true one (it is not pinned).

        Only a checked solution (a witness) with another value counts as proof,
        so a solver error can make the audit hide more, never less.
        """
        for sense in (None, -1.0, 1.0):
            if sense is not None:
                self._solve(target, sense)
            if any(abs(v - target.value) > 0.5 for v in self._witness_values(target)):
                return True
        return False


def primary_suppression(table: SuppressionTable, policy: DisclosurePolicy) -> None:
    """Hide every shown count in the small range (totals excepted)."""
    for q in table.quantities:
        if q.shown and not q.total and policy.is_small(q.value):
            q.suppressed = True


def audit(
    table: SuppressionTable,
    policy: DisclosurePolicy,
    *,
    known_small: Collection[Hashable] = (),
    known_not_small: Collection[Hashable] = (),
) -> list[Hashable]:
    """Keys of hidden numbers that the reader can pin to one value (should be empty)."""
    model = ReaderModel(table, policy, known_small=known_small, known_not_small=known_not_small)
    return [q.key for q in table.hidden() if not model.differs(q)]


def audit_ranges(
    table: SuppressionTable,
    policy: DisclosurePolicy,
    *,
    known_small: Collection[Hashable] = (),
    known_not_small: Collection[Hashable] = (),
) -> dict[Hashable, tuple[float, float]]:
    """For every hidden number, the smallest and largest value the reader cannot rule out."""
    model = ReaderModel(table, policy, known_small=known_small, known_not_small=known_not_small)
    return {q.key: model.range(q) for q in table.hidden()}


def suppress(table: SuppressionTable, policy: DisclosurePolicy) -> SuppressionTable:
    """Apply primary and (audited) secondary suppression to ``table`` in place, and return it.

    Secondary suppressions already made by the caller (such as hiding a whole
    complementary row, or zeros) are kept. Then, while the audit finds a hidden
    number the reader can pin down, one more published number is hidden
    (:func:`_choose_complement`). Hiding more never pins anything, so numbers
    once shown to vary are not checked again. A number that stays pinned even
    with every other table number hidden is determined by the cohort-level
    figures and quotes alone; it is listed in ``table.determined_by_totals``.
    """
    primary_suppression(table, policy)
    if not policy.secondary:
        return table
    witnesses: list[np.ndarray] = []
    varies: set[Hashable] = set()
    determined: list[Hashable] = []
    while True:
        model = ReaderModel(table, policy, witnesses=witnesses)
        exposed = None
        for q in table.hidden():
            if q.key in varies or q.key in determined:
                continue
            if model.differs(q):
                varies.add(q.key)
            else:
                exposed = q
                break
        if exposed is None:
            table.determined_by_totals = [q.key for q in table.hidden() if q.key in determined]
            return table
        if not _fixable(table, policy, exposed):
            determined.append(exposed.key)
            continue
        complement = _choose_complement(table, policy, exposed)
        if complement is None:  # cannot happen: _fixable found a way
            raise RuntimeError(f"cannot protect {exposed.key!r}")
        complement.suppressed = True


def _differs_if_hidden(
    table: SuppressionTable, policy: DisclosurePolicy, exposed: Quantity, extra: list[Quantity]
) -> bool:
    """Whether ``exposed`` would vary if ``extra`` were hidden as well (the table is restored)."""
    for q in extra:
        q.suppressed = True
    try:
        return ReaderModel(table, policy).differs(exposed)
    finally:
        for q in extra:
            q.suppressed = False


def _fixable(table: SuppressionTable, policy: DisclosurePolicy, exposed: Quantity) -> bool:
    """Whether hiding every other published table number would stop ``exposed`` being pinned."""
    extra = [q for q in table.quantities if q.open]
    return bool(extra) and _differs_if_hidden(table, policy, exposed, extra)


def _choose_complement(
    table: SuppressionTable, policy: DisclosurePolicy, exposed: Quantity
) -> Quantity | None:
    """The next number to hide so that ``exposed`` can no longer be pinned down.

    Candidates are the published table numbers linked to ``exposed`` (sharing
    a cell with it or with a published equation that involves it), smallest
    non-zero first; the first whose hiding alone protects ``exposed`` is
    chosen, else the smallest linked one (and the audit loop continues). When
    nothing linked is left, the same applies to every published table number.
    """
    open_cells = [q for q in table.quantities if q.open]
    if not open_cells:
        return None
    exposed_cells = set(exposed.coefficients)
    linked_sets = (
        [exposed_cells]
        + [
            set(q.coefficients)
            for q in table.quantities
            if q.published and exposed_cells & set(q.coefficients)
        ]
        + [set(b.coefficients) for b in table.lower_bounds if exposed_cells & set(b.coefficients)]
    )

    def linked(q: Quantity) -> bool:
        cells = set(q.coefficients)
        return any(cells & s for s in linked_sets)

    position = {id(q): i for i, q in enumerate(table.quantities)}

    def order(q: Quantity) -> tuple[bool, float, int]:
        return (q.value == 0, q.value, position[id(q)])

    candidates = sorted((q for q in open_cells if linked(q)), key=order) or sorted(
        open_cells, key=order
    )
    for candidate in candidates:
        if _differs_if_hidden(table, policy, exposed, [candidate]):
            return candidate
    return candidates[0]
