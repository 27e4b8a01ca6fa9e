"""Disclosure control: primary and secondary suppression, checked by the LP audit.

The property tests generate random role tables and check that after
suppression (1) no shown count below cohort level is between 1 and 7, (2) no
suppressed count can be recovered by subtraction from anything published,
and (3) a percentage is shown only when both its counts are.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collablib.disclosure import (
    DisclosurePolicy,
    SuppressionTable,
    audit,
    load_policy,
    protect_role_breakdown,
    suppress,
)
from collablib.errors import CollabError
from collablib.loaders import load_cohort
from collablib.metrics import role_breakdown
from collablib.schemas import ROLES

POLICY = DisclosurePolicy()
MEASURES = ("team_working", "patient_carer_experience", "staff_experience", "recommend")


def test_policy_defaults_follow_the_nhs_convention():
    assert not POLICY.is_small(0)
    assert all(POLICY.is_small(v) for v in range(1, 8))
    assert not POLICY.is_small(8)
    assert POLICY.symbol == "*"


def test_policy_is_read_from_the_settings_file(tmp_path, demo_data):
    assert load_policy(demo_data) == DisclosurePolicy()
    (tmp_path / "disclosure.toml").write_text(
        '[disclosure]\nlargest_suppressed = 9\nsymbol = "[c]"\n', encoding="utf-8"
    )
    policy = load_policy(tmp_path)
    assert policy.largest_suppressed == 9 and policy.symbol == "[c]"
    (tmp_path / "disclosure.toml").write_text("[disclosure]\nthreshold = 5\n", encoding="utf-8")
    with pytest.raises(CollabError, match="unknown setting"):
        load_policy(tmp_path)


def test_one_hidden_cell_beside_a_total_is_recoverable_and_gets_a_complement():
    table = SuppressionTable()
    cells = [table.add_cell(k, v) for k, v in (("a", 20), ("b", 3), ("c", 12))]
    for c in cells:
        table.add(("cell", c), [c])
    table.add("total", cells, total=True)
    without_secondary = suppress(table, DisclosurePolicy(secondary=False))
    assert table.get(("cell", 1)).suppressed
    assert audit(without_secondary, POLICY) == [("cell", 1)]  # 35 - 20 - 12 = 3
    suppress(table, POLICY)
    assert audit(table, POLICY) == []
    assert table.get(("cell", 2)).suppressed  # the smallest other cell hides it
    assert not table.get(("cell", 0)).suppressed
    assert table.feasible_range(table.get(("cell", 1))) == (0.0, 15.0)


def by_role_frame(counts: dict[str, dict[str, tuple[int, int, int]]]) -> pd.DataFrame:
    """role -> measure -> (respondents, answered, positive) as role_breakdown output."""
    rows = []
    for role, measures in counts.items():
        for measure, (respondents, n, positive) in measures.items():
            rows.append((role, measure, measure, respondents, n, positive))
    frame = pd.DataFrame(rows, columns=["role", "measure", "label", "respondents", "n", "positive"])
    frame["pct"] = 100 * frame["positive"] / frame["n"].where(frame["n"] > 0)
    return frame


@st.composite
def role_tables(draw):
    counts = {}
    for role in ROLES:
        respondents = draw(st.integers(0, 40))
        measures = {}
        for m in MEASURES:
            n = draw(st.integers(0, respondents))
            measures[m] = (respondents, n, draw(st.integers(0, n)))
        counts[role] = measures
    return by_role_frame(counts)


def check_protected(out: pd.DataFrame) -> None:
    table = out.attrs["suppression_table"]
    assert audit(table, POLICY) == []
    for q in table.quantities:
        if q.shown and not q.total and not q.suppressed:
            assert not POLICY.is_small(q.value), q.key
    for r in out.itertuples():
        if r.pct_shown:
            assert r.n_shown != "*" and r.positive_shown != "*" and r.n >= 8
        for shown, true in (
            (r.n_shown, r.n),
            (r.positive_shown, r.positive),
            (r.respondents_shown, r.respondents),
        ):
            assert shown == "*" or int(shown) == true


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(role_tables())
def test_no_suppressed_small_count_can_be_recovered_from_the_published_table(frame):
    check_protected(protect_role_breakdown(frame, POLICY))


@pytest.mark.parametrize("cohort", ["cohort-1", "cohort-2", "rare-cancers", "cohort-3"])
def test_demo_role_tables_are_protected(demo_data, cohort):
    survey = load_cohort(cohort, demo_data).survey
    out = protect_role_breakdown(role_breakdown(survey), POLICY)
    check_protected(out)
    assert (out.loc[out["role"] == "Executive sponsor", "respondents_shown"] == "*").all()


def test_large_groups_are_shown_in_full():
    counts = {role: {m: (50, 45, 40) for m in MEASURES} for role in ROLES}
    out = protect_role_breakdown(by_role_frame(counts), POLICY)
    assert (out["n_shown"] == "45").all() and out["pct_shown"].all()


def test_zero_is_shown_not_suppressed():
    counts = {
        "Project team member": {m: (30, 20, 15) for m in MEASURES},
        "Lived experience partner": {m: (20, 20, 12) for m in MEASURES},
        "Executive sponsor": {m: (0, 0, 0) for m in MEASURES},
    }
    out = protect_role_breakdown(by_role_frame(counts), POLICY)
    execs = out[out["role"] == "Executive sponsor"]
    assert (execs["respondents_shown"] == "0").all() and (execs["n_shown"] == "0").all()
