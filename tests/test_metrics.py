import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from collablib.survey import metrics
from tests.conftest import make_survey, make_teams

Z = 1.959963984540054  # 97.5th percentile of the standard normal


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score interval written out from the formula, in percent."""
    p = k / n
    centre = p + Z**2 / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    denom = 1 + Z**2 / n
    return 100 * (centre - half) / denom, 100 * (centre + half) / denom


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [  # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3
        (81, 263, 25.53, 36.62),
        (15, 148, 6.24, 16.05),
        (0, 20, 0.0, 16.11),
        (1, 29, 0.61, 17.18),
    ],
)
def test_wilson_matches_published_values(k, n, low, high):
    got_low, got_high = metrics.wilson_interval(k, n)
    assert got_low == pytest.approx(low, abs=0.005)
    assert got_high == pytest.approx(high, abs=0.005)


@pytest.mark.parametrize(("k", "n"), [(22, 27), (47, 58), (3, 7), (1, 2)])
def test_wilson_matches_the_formula(k, n):
    assert metrics.wilson_interval(k, n) == pytest.approx(wilson_by_hand(k, n), abs=1e-9)


def test_wilson_at_the_extremes_contains_the_estimate():
    assert metrics.wilson_interval(5, 5)[1] == 100.0
    assert metrics.wilson_interval(0, 5)[0] == 0.0
    assert metrics.wilson_interval(1, 1) == pytest.approx((20.6549, 100.0), abs=1e-4)


def test_wilson_with_no_answers_is_undefined():
    low, high = metrics.wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)
    lows, _highs = metrics.wilson_interval(np.array([0, 1]), np.array([0, 2]))
    assert math.isnan(lows[0]) and not math.isnan(lows[1])


def test_item_summary_hand_computed():
    survey = make_survey(
        [
            {"team_working": 4, "patient_carer_experience": 3, "staff_experience": 1},
            {"team_working": 3, "patient_carer_experience": 2, "staff_experience": None},
            {"team_working": 2, "patient_carer_experience": 4, "staff_experience": 3},
            {"team_working": None, "patient_carer_experience": 1, "staff_experience": 4},
        ]
    )
    items = metrics.item_summary(survey).set_index("item")
    assert items.loc["team_working", ["n", "positive", "not_answered"]].tolist() == [3, 2, 1]
    assert items.loc["team_working", "pct"] == pytest.approx(200 / 3)
    assert items.loc["patient_carer_experience", ["n", "positive"]].tolist() == [4, 2]
    assert items.loc["patient_carer_experience", "pct"] == 50.0
    assert items.loc["staff_experience", ["n", "positive"]].tolist() == [3, 2]
    low, high = wilson_by_hand(2, 4)
    assert items.loc["patient_carer_experience", "ci_low"] == pytest.approx(low)
    assert items.loc["patient_carer_experience", "ci_high"] == pytest.approx(high)


def test_all_answers_missing_gives_undefined_percentages_not_errors():
    survey = make_survey([{"recommend": None}, {"recommend": None}])
    items = metrics.item_summary(survey)
    assert (items["n"] == 0).all()
    assert items["pct"].isna().all() and items["ci_low"].isna().all()
    rec = metrics.recommend_summary(survey)
    assert rec["n"] == 0 and math.isnan(rec["pct"])
    head = metrics.headline(make_teams(["T1"]), survey).as_json()
    assert head["recommend"]["pct"] is None
    assert head["items"]["team_working"] == {
        "n": 0,
        "positive": 0,
        "pct": None,
        "ci_low": None,
        "ci_high": None,
    }


def test_single_respondent():
    survey = make_survey([{"team_working": 3, "recommend": "Yes"}])
    head = metrics.headline(make_teams(["T1"]), survey).as_json()
    assert head["respondents"] == 1
    assert head["items"]["team_working"]["pct"] == 100.0
    assert head["items"]["team_working"]["ci_low"] == pytest.approx(20.6549, abs=1e-4)
    assert head["recommend"] == {
        "n": 1,
        "yes": 1,
        "pct": 100.0,
        "ci_low": pytest.approx(20.6549, abs=1e-4),
        "ci_high": 100.0,
    }


def test_zero_and_hundred_percent():
    survey = make_survey([{"team_working": 1, "staff_experience": 4} for _ in range(6)])
    items = metrics.item_summary(survey).set_index("item")
    assert items.loc["team_working", "pct"] == 0.0
    assert items.loc["team_working", "ci_low"] == 0.0
    assert items.loc["staff_experience", "pct"] == 100.0
    assert items.loc["staff_experience", "ci_high"] == 100.0


def test_recommend_ignores_blanks():
    survey = make_survey([{"recommend": "Yes"}, {"recommend": "No"}, {"recommend": None}])
    rec = metrics.recommend_summary(survey)
    assert (rec["n"], rec["yes"], rec["not_answered"]) == (2, 1, 1)
    assert rec["pct"] == 50.0


def test_team_with_no_respondents_lowers_coverage():
    teams = make_teams(["T1", "T2", "T3"])
    survey = make_survey([{"team_id": "T1"}, {"team_id": "T1"}, {"team_id": "T3"}])
    assert metrics.team_coverage(teams, survey) == {
        "teams": 3,
        "responding": 2,
        "pct": pytest.approx(200 / 3),
    }


def test_coverage_matches_teams_within_their_cohort_when_pooled():
    teams = pd.concat(
        [make_teams(["T1"]).assign(cohort_id="a"), make_teams(["T1"]).assign(cohort_id="b")]
    )
    survey = make_survey([{"team_id": "T1"}]).assign(cohort_id="a")
    assert metrics.team_coverage(teams, survey)["responding"] == 1
    assert metrics.headline(teams, survey).teams == 2


def test_role_breakdown_includes_every_role_even_without_respondents():
    survey = make_survey(
        [
            {"role": "Project team member", "team_working": 4, "recommend": "Yes"},
            {"role": "Project team member", "team_working": 2, "recommend": "No"},
            {"role": "Lived experience partner", "team_working": 3, "recommend": "Yes"},
        ]
    )
    by_role = metrics.role_breakdown(survey)
    assert len(by_role) == 3 * 4
    ptm = by_role[(by_role["role"] == "Project team member")].set_index("measure")
    assert ptm.loc["team_working", ["respondents", "n", "positive", "pct"]].tolist() == [
        2,
        2,
        1,
        50.0,
    ]
    assert ptm.loc["recommend", "positive"] == 1
    execs = by_role[by_role["role"] == "Executive sponsor"]
    assert (execs["respondents"] == 0).all() and execs["pct"].isna().all()


def test_rating_counts_are_complete_and_tidy():
    survey = make_survey([{"team_working": 4}, {"team_working": 4}, {"team_working": None}])
    counts = metrics.rating_counts(survey)
    assert len(counts) == 3 * 5
    tw = counts[counts["item"] == "team_working"]
    assert tw.loc[tw["rating"] == 4, "count"].item() == 2
    assert tw.loc[tw["rating"].isna(), "count"].item() == 1
    assert tw.loc[tw["rating"] == 1, "count"].item() == 0
    assert counts.groupby("item")["count"].sum().eq(3).all()


def test_headline_is_json_serialisable(demo_data):
    import json

    from collablib.data.loaders import load_cohort

    data = load_cohort("cohort-1", demo_data)
    head = metrics.headline(data.teams, data.survey).as_json()
    assert json.loads(json.dumps(head)) == head


@given(
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_newcombe_interval_matches_statsmodels_reference(first, second):
    """The one Newcombe implementation (cohort comparisons and CPES changes) against
    statsmodels' ``confint_proportions_2indep(method="newcomb")``, 0% and 100% included."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    (k1, n1), (k2, n2) = first, second
    low, high = metrics.newcombe_interval(k1, n1, k2, n2)
    ref = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    assert (low, high) == pytest.approx((100 * ref[0], 100 * ref[1]), abs=1e-9)
    assert low <= 100 * (k1 / n1 - k2 / n2) <= high


def test_newcombe_interval_is_undefined_without_answers():
    assert all(math.isnan(x) for x in metrics.newcombe_interval(0, 0, 3, 5))
    assert all(math.isnan(x) for x in metrics.newcombe_interval(3, 5, 0, 0))
