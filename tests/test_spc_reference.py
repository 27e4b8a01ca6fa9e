"""Cross-check collab's SPC against the reference implementations' own outputs.

``tests/reference/expected/*.csv`` were produced by running NHSRplotthedots
0.2.2 and qicharts2 0.8.1 (R) on the scenarios in ``tests/reference/`` with
``generate_expected.R``; see ``tests/reference/README.md``. Numbers must agree
to 1e-9, and every flag and label exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from collablib import spc

HERE = Path(__file__).resolve().parent / "reference"
MANIFEST = json.loads((HERE / "scenarios.json").read_text(encoding="utf-8"))
TOL = 1e-9


def scenarios(kind: str) -> list[dict]:
    return [s for s in MANIFEST["scenarios"] if s["kind"] == kind]


def load(sid: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = pd.read_csv(HERE / "scenarios" / f"{sid}.csv")
    expected = pd.read_csv(HERE / "expected" / f"{sid}.csv", keep_default_na=True)
    return data, expected


def assert_close(got, want, what: str) -> None:
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    both_nan = np.isnan(got) & np.isnan(want)
    assert np.all(both_nan | (np.abs(got - want) <= TOL)), (what, got, want)


def assert_same(got, want, what: str) -> None:
    assert list(got) == list(want), what


@pytest.mark.parametrize("scenario", scenarios("xmr"), ids=lambda s: s["id"])
def test_xmr_matches_nhsrplotthedots(scenario):
    data, expected = load(scenario["id"])
    o = scenario["options"]
    result = spc.xmr(
        data,
        "value",
        "date",
        facet_field="facet" if o.get("facet") else None,
        rebase=o.get("rebase"),
        fix_after_n_points=o.get("fix_after_n_points"),
        improvement_direction=o.get("improvement_direction", "increase"),
        target=o.get("target"),
        screen_outliers=o.get("screen_outliers", True),
    )
    if not o.get("facet"):
        expected["f"] = "no facet"
    result = result.sort_values(["facet", "x"]).reset_index(drop=True)
    expected = expected.sort_values(["f", "x"]).reset_index(drop=True)
    assert len(result) == len(expected)
    assert_same(result["x"].dt.strftime("%Y-%m-%d"), expected["x"], "dates")
    assert_close(result["y"], expected["y"], "y")
    assert_same(result["rebase_group"], expected["rebase_group"], "rebase_group")
    assert_same(result["short_group_warning"], expected["short_group_warning"], "short groups")
    for ours, theirs in [
        ("mean", "mean_col"),
        ("lpl", "lpl"),
        ("upl", "upl"),
        ("relative_to_mean", "relative_to_mean"),
        ("target", "target"),
    ]:
        assert_close(result[ours], expected[theirs], ours)
    assert_same(result["outside_limits"], expected["outside_limits"], "outside_limits")
    assert_same(result["close_to_limits"], expected["close_to_limits"], "close_to_limits")
    assert_same(result["special_cause_type"], expected["special_cause_type"], "rule")
    assert_same(result["point_type"], expected["point_type"], "point_type")
    ours = spc.assurance(result).set_index("facet")["assurance_type"]
    theirs = expected.groupby("f")["assurance_type"].first()
    for facet, kind in theirs.items():
        assert (ours[facet] if ours[facet] is not None else np.nan) == kind or (
            pd.isna(kind) and ours[facet] is None
        ), (facet, ours[facet], kind)


@pytest.mark.parametrize("scenario", scenarios("run"), ids=lambda s: s["id"])
def test_run_chart_matches_qicharts2(scenario):
    data, expected = load(scenario["id"])
    facet = "facet" if scenario["options"].get("facet") else None
    result = spc.run_chart(data, "value", "date", facet)
    expected["facet1"] = expected["facet1"] if facet else "no facet"
    result = result.sort_values(["facet", "x"]).reset_index(drop=True)
    expected = expected.sort_values(["facet1", "x"]).reset_index(drop=True)
    assert_close(result["y"], expected["y"], "y")
    assert_close(result["median"], expected["cl"], "median")
    for ours, theirs in [
        ("n_useful", "n.useful"),
        ("longest_run", "longest.run"),
        ("longest_run_max", "longest.run.max"),
        ("n_crossings", "n.crossings"),
        ("n_crossings_min", "n.crossings.min"),
    ]:
        assert_close(result[ours], expected[theirs], ours)
    assert_same(result["runs_signal"], expected["runs.signal"], "runs_signal")


@pytest.mark.parametrize("scenario", scenarios("p"), ids=lambda s: s["id"])
def test_p_chart_matches_qicharts2(scenario):
    data, expected = load(scenario["id"])
    o = scenario["options"]
    result = spc.p_chart(
        data, "numerator", "denominator", "date", freeze=o.get("freeze"), part=o.get("part")
    ).reset_index(drop=True)
    assert_close(result["y"], expected["y"], "y")
    assert_same(result["part"], expected["part"], "part")
    assert_same(result["baseline"], expected["baseline"], "baseline")
    for ours, theirs in [
        ("cl", "cl"),
        ("lcl", "lcl"),
        ("ucl", "ucl"),
        ("lcl_95", "lcl.95"),
        ("ucl_95", "ucl.95"),
    ]:
        assert_close(result[ours], expected[theirs], ours)
    assert_same(result["outside_limits"], expected["sigma.signal"], "sigma signal")
    assert_same(result["runs_signal"], expected["runs.signal"], "runs signal")


def test_run_chart_limits_for_n_10_to_100_match_qicharts2_formulas():
    expected = pd.read_csv(HERE / "expected" / "run_limits.csv")
    assert list(expected["n"]) == list(range(10, 101))
    for row in expected.itertuples():
        assert spc.longest_run_max(row.n) == row.longest_run_max, row.n
        assert spc.crossings_min(row.n) == row.n_crossings_min, row.n


def test_every_kind_of_scenario_is_covered():
    ids = {s["id"] for s in MANIFEST["scenarios"]}
    for needed in (
        "xmr_rebase",
        "xmr_fix_after_12",
        "xmr_outliers_screened",
        "xmr_outliers_not_screened",
        "xmr_target_above_increase",
        "xmr_two_facets",
        "p_freeze_12",
        "p_part_15",
        "run_two_facets",
    ):
        assert needed in ids
