"""Hand-computed cases and the edge of every rule for collablib.spc."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collablib import spc
from collablib.errors import CollabError


def series(values, start="2020-01-01", facet=None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"date": pd.date_range(start, periods=len(values), freq="MS"), "value": values}
    )
    if facet is not None:
        frame["team"] = facet
    return frame


def types(values, **kw) -> list:
    return spc.xmr(series(values), "value", "date", **kw)["special_cause_type"].tolist()


def test_hand_computed_limits():
    result = spc.xmr(series([1.0, 2, 3, 4, 5]), "value", "date")
    assert result["mean"].iloc[0] == 3.0
    # moving ranges 1, 1, 1, 1: average 1, none screened
    assert result["lpl"].iloc[0] == pytest.approx(3 - 2.66)
    assert result["upl"].iloc[0] == pytest.approx(3 + 2.66)
    assert result["nupl"].iloc[0] == pytest.approx(3 + 2 * 2.66 / 3)
    assert result["nlpl"].iloc[0] == pytest.approx(3 - 2 * 2.66 / 3)
    assert result["short_group_warning"].all()


def test_screening_drops_large_moving_ranges():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 40, 11]
    # moving ranges: nine 1s, then 29 and 29 -> average 67/11; 29 >= 3.267 * 67/11 -> dropped
    screened = spc.xmr(series(values), "value", "date")
    raw = spc.xmr(series(values), "value", "date", screen_outliers=False)
    mean = np.mean(values)
    assert raw["upl"].iloc[0] == pytest.approx(mean + 2.66 * 67 / 11)
    assert screened["upl"].iloc[0] == pytest.approx(mean + 2.66 * 1.0)
    assert screened["mean"].iloc[0] == raw["mean"].iloc[0] == pytest.approx(mean)  # not screened


def test_point_exactly_on_a_limit_is_not_outside():
    base = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13]
    first = spc.xmr(series([*base, 11]), "value", "date", fix_after_n_points=12)
    upl, nupl = first["upl"].iloc[0], first["nupl"].iloc[0]
    on_limit = spc.xmr(series([*base, upl]), "value", "date", fix_after_n_points=12)
    last = on_limit.iloc[-1]
    assert last["upl"] == upl and last["y"] == upl
    assert not last["outside_limits"] and last["close_to_limits"]
    above = spc.xmr(
        series([*base, np.nextafter(upl, 99)]), "value", "date", fix_after_n_points=12
    ).iloc[-1]
    assert above["outside_limits"] and above["point_type"] == "special_cause_improvement"
    on_close = spc.xmr(series([*base, nupl]), "value", "date", fix_after_n_points=12).iloc[-1]
    assert not on_close["close_to_limits"]  # strictly beyond the 2-sigma line


def test_trend_needs_seven_points_and_a_tie_breaks_it():
    before, after = [50, 48, 52, 49, 51], [20, 52, 49, 51, 48]  # a fall on each side
    seven = [*before, 40, 41, 42, 43, 44, 45, 46, *after]
    six = [*before, 40, 41, 42, 43, 44, 45, *after]
    tied = [*before, 40, 41, 42, 43, 43, 44, 45, 46, *after]
    assert types(seven, screen_outliers=False)[5:12] == ["7 Point Trend (Increasing)"] * 7
    assert "7 Point Trend (Increasing)" not in types(six, screen_outliers=False)
    assert "7 Point Trend (Increasing)" not in types(tied, screen_outliers=False)


def test_shift_of_exactly_seven_signals_and_six_does_not():
    # both series have a mean of exactly 10
    six = [8, 12, 8, 12, 8, 11, 11, 11, 11, 11, 11, 8, 12, 8, 9, 9]
    seven = [8, 12, 8, 12, 8, 11, 11, 11, 11, 11, 11, 11, 9, 5, 12, 9]
    assert spc.xmr(series(six), "value", "date")["mean"].iloc[0] == 10
    assert spc.xmr(series(seven), "value", "date")["mean"].iloc[0] == 10
    assert set(types(six)) == {"Common Cause"}
    assert types(seven) == ["Common Cause"] * 5 + ["7 Points Above CL"] * 7 + ["Common Cause"] * 4


def test_a_point_exactly_on_the_mean_breaks_a_shift():
    values = [9, 7, 9, 6, 8, 11, 13, 11, 13, 10, 13, 11, 13, 11, 8, 7]  # mean exactly 10
    result = spc.xmr(series(values), "value", "date")
    assert result["mean"].iloc[0] == 10.0
    assert result["relative_to_mean"].iloc[9] == 0
    assert not result["special_cause_type"].str.startswith("7 Points").any()
    joined = [9, 7, 9, 6, 7, 11, 13, 11, 13, 11, 13, 11, 13, 11, 8, 7]  # the 10 becomes 11
    assert types(joined)[5:14] == ["7 Points Above CL"] * 9


def test_two_of_three_beyond_two_sigma_on_the_same_side():
    base = [10.0, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9]
    fixed = spc.xmr(series([*base, 10]), "value", "date", fix_after_n_points=12).iloc[0]
    close_high = (fixed["nupl"] + fixed["upl"]) / 2
    close_low = (fixed["nlpl"] + fixed["lpl"]) / 2
    # two close high points with a point above the mean between them: signal
    hit = types([*base, close_high, 10.5, close_high, 10], fix_after_n_points=12)
    assert hit[12:15] == ["2 in 3 Above CL", "Common Cause", "2 in 3 Above CL"]
    # the middle point below the mean: all three not on one side, no signal
    miss = types([*base, close_high, 9.5, close_high, 10], fix_after_n_points=12)
    assert "2 in 3 Above CL" not in miss
    # two close points on opposite sides: no signal
    across = types([*base, close_high, close_low, 10, 10], fix_after_n_points=12)
    assert not any(str(t).startswith("2 in 3") for t in across)


def test_precedence_outside_limits_beats_other_rules():
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 12, 13, 14, 15, 16, 17, 30]
    result = spc.xmr(series(values), "value", "date", fix_after_n_points=12)
    assert result["special_cause_type"].iloc[-1] == "Above UCL"


@pytest.mark.parametrize(
    ("direction", "high", "low"),
    [
        ("increase", "special_cause_improvement", "special_cause_concern"),
        ("decrease", "special_cause_concern", "special_cause_improvement"),
        ("neutral", "special_cause_neutral_high", "special_cause_neutral_low"),
    ],
)
def test_point_type_follows_the_improvement_direction(direction, high, low):
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 30, -10]
    result = spc.xmr(
        series(values), "value", "date", fix_after_n_points=12, improvement_direction=direction
    )
    assert result["point_type"].iloc[-2] == high
    assert result["point_type"].iloc[-1] == low
    assert set(result["point_type"]) <= set(spc.POINT_TYPES)


def test_rebase_starts_a_new_group_with_its_own_limits():
    values = [10, 11, 9, 10, 11, 9, 20, 21, 19, 20, 21, 19]
    result = spc.xmr(series(values), "value", "date", rebase=["2020-07-01"])
    assert result["rebase_group"].tolist() == [0] * 6 + [1] * 6
    assert result["mean"].iloc[0] == 10 and result["mean"].iloc[-1] == 20
    assert result["upl"].iloc[0] == pytest.approx(10 + 2.66 * 1.4)  # ranges 1, 2, 1, 1, 2
    assert not result["outside_limits"].any()


def test_rebase_per_facet():
    data = pd.concat(
        [series([1.0] * 4 + [5.0] * 4, facet="a"), series([1.0] * 4 + [5.0] * 4, facet="b")]
    )
    result = spc.xmr(data, "value", "date", facet_field="team", rebase={"a": ["2020-05-01"]})
    assert result.loc[result["team"] == "a", "rebase_group"].max() == 1
    assert result.loc[result["team"] == "b", "rebase_group"].max() == 0


def test_fix_after_n_points_uses_the_first_n_points_and_extends_the_limits():
    values = [*list(range(1, 13)), 100, 100, 100]
    result = spc.xmr(series(values), "value", "date", fix_after_n_points=12)
    assert result["mean"].iloc[-1] == pytest.approx(6.5)
    assert result["upl"].iloc[-1] == pytest.approx(6.5 + 2.66)
    assert result["outside_limits"].iloc[-3:].all()


def test_missing_periods_are_visible_and_never_make_a_false_run():
    values = [10, 11, 9, 10, 11, 9, 12, 12.5, 12.2, np.nan, 12.4, 12.1, 12.3, 12.2, 9, 10]
    result = spc.xmr(series(values), "value", "date")
    assert len(result) == len(values)
    assert pd.isna(result["point_type"].iloc[9]) and pd.isna(result["special_cause_type"].iloc[9])
    assert not result["special_cause_type"].fillna("").str.startswith("7 Points").any()
    filled = values.copy()
    filled[9] = 12.35
    assert "7 Points Above CL" in types(filled)
    # a trend across the gap does not count either
    rising = [5, 6, 7, np.nan, 8, 9, 10, 11, 4, 5]
    assert (
        not spc.xmr(series(rising), "value", "date")["special_cause_type"]
        .fillna("")
        .str.contains("Trend")
        .any()
    )


def test_no_moving_range_is_taken_across_a_gap():
    with_gap = spc.xmr(series([10.0, 12, np.nan, 30, 32]), "value", "date", screen_outliers=False)
    # ranges: |12-10| = 2 and |32-30| = 2 only; not |30-12|
    assert with_gap["upl"].iloc[0] == pytest.approx(with_gap["mean"].iloc[0] + 2.66 * 2)


def test_assurance_uses_the_last_groups_limits_strictly():
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 10]
    result = spc.xmr(series(values), "value", "date", fix_after_n_points=12)
    upl = result["upl"].iloc[-1]
    for target, direction, expected in [
        (upl + 1, "increase", "fail"),
        (upl + 1, "decrease", "pass"),
        (0, "increase", "pass"),
        (0, "decrease", "fail"),
        (10, "increase", "inconsistent"),
        (upl, "increase", "inconsistent"),
        (upl + 1, "neutral", "none"),
        (None, "increase", "none"),
    ]:
        r = spc.xmr(
            series(values),
            "value",
            "date",
            fix_after_n_points=12,
            target=target,
            improvement_direction=direction,
        )
        assert spc.assurance(r)["assurance"].iloc[0] == expected, (target, direction)


def test_variation_icon_uses_the_last_observed_point():
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 30, np.nan]
    summary = spc.assurance(spc.xmr(series(values), "value", "date", fix_after_n_points=12))
    row = summary.iloc[0]
    assert row["variation"] == "special_cause_improvement"
    assert row["variation_icon"] == "improvement_high"
    assert row["last_value"] == 30 and row["points"] == 13


def test_p_chart_hand_computed_with_varying_denominators():
    data = pd.DataFrame(
        {
            "date": pd.date_range("2021-01-01", periods=3, freq="MS"),
            "num": [10, 30, 20],
            "den": [20, 50, 80],
        }
    )
    result = spc.p_chart(data, "num", "den", "date")
    cl = 60 / 150
    assert result["cl"].tolist() == pytest.approx([cl] * 3)
    for den, ucl, lcl in zip([20, 50, 80], result["ucl"], result["lcl"], strict=True):
        sd = np.sqrt(cl * (1 - cl) / den)
        assert ucl == pytest.approx(min(cl + 3 * sd, 1))
        assert lcl == pytest.approx(max(cl - 3 * sd, 0))
    assert result["y"].tolist() == pytest.approx([0.5, 0.6, 0.25])
    assert result["ucl"].iloc[0] > result["ucl"].iloc[2]  # smaller n, wider limits


def test_p_chart_freeze_and_part():
    data = pd.DataFrame(
        {
            "date": pd.date_range("2021-01-01", periods=6, freq="MS"),
            "num": [1, 2, 3, 8, 9, 10],
            "den": [10] * 6,
        }
    )
    frozen = spc.p_chart(data, "num", "den", "date", freeze=3)
    assert frozen["cl"].tolist() == pytest.approx([0.2] * 6)
    split = spc.p_chart(data, "num", "den", "date", part=[3], freeze=2)  # part overrides freeze
    assert split["cl"].tolist() == pytest.approx([0.2] * 3 + [0.9] * 3)
    assert split["part"].tolist() == [1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"den": [10, 0, 10]}, "denominator is zero"),
        ({"num": [1, 12, 3]}, "numerator is larger than its denominator"),
        ({"num": [1, "two", 3]}, "values must be numbers"),
        ({"date": ["2021-01-01", "2021-01-01", "2021-03-01"]}, "duplicate period"),
        ({"num": [1, None, 3]}, "needs a denominator"),
    ],
)
def test_p_chart_bad_input(change, message):
    data = pd.DataFrame(
        {"date": ["2021-01-01", "2021-02-01", "2021-03-01"], "num": [1, 2, 3], "den": [10, 10, 10]}
    )
    for key, value in change.items():
        data[key] = value
    with pytest.raises(CollabError, match=message):
        spc.p_chart(data, "num", "den", "date")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"improvement_direction": "up"}, "unknown improvement direction"),
        ({"fix_after_n_points": 6}, "at least 12"),
        ({"value_field": "nope"}, "not a column"),
        ({"rebase": {"a": ["2020-01-01"]}}, "no facet_field"),
        ({"target": "high"}, "target must be a number"),
    ],
)
def test_xmr_bad_options(kwargs, message):
    data = series([1.0, 2, 3])
    args = {"value_field": "value", "date_field": "date", **kwargs}
    with pytest.raises(CollabError, match=message):
        spc.xmr(data, **args)


def test_a_rebase_date_that_is_not_a_period_is_refused_not_ignored():
    """NHSRplotthedots ignores such a date, so the chart would silently not rebase."""
    with pytest.raises(CollabError, match="not one of the periods in the data") as info:
        spc.xmr(series([1.0, 2, 3, 4]), "value", "date", rebase=["2020-02-15"])
    assert info.value.value == "2020-02-15"
    assert "the nearest are 2020-02-01 and 2020-03-01" in info.value.allowed
    data = pd.concat([series([1.0, 2, 3], facet="a"), series([1.0, 2, 3], "2021-01-01", "b")])
    with pytest.raises(CollabError, match="periods of facet b"):
        spc.xmr(data, "value", "date", facet_field="team", rebase={"b": ["2020-02-01"]})
    result = spc.xmr(data, "value", "date", facet_field="team", rebase={"b": ["2021-02-01"]})
    assert result.loc[result["team"] == "b", "rebase_group"].tolist() == [0, 1, 1]


def test_dates_written_as_text_must_be_unambiguous():
    with pytest.raises(CollabError, match="YYYY-MM-DD"):  # 1 August, or 8 January?
        spc.xmr(series([1.0, 2, 3, 4]), "value", "date", rebase=["01/02/2020"])


def test_p_chart_refuses_a_target_in_percent_and_dates_for_part():
    data = pd.DataFrame(
        {"date": pd.date_range("2021-01-01", periods=4, freq="MS"), "num": [1, 2, 3, 4]}
    ).assign(den=10)
    with pytest.raises(CollabError, match="proportion") as info:
        spc.p_chart(data, "num", "den", "date", target=75)
    assert "0.75" in info.value.allowed
    with pytest.raises(CollabError, match="counts points"):
        spc.p_chart(data, "num", "den", "date", part=["2021-02-01"])
    with pytest.raises(CollabError, match="counts points"):
        spc.p_chart(data, "num", "den", "date", freeze=2.5)
    assert spc.p_chart(data, "num", "den", "date", target=0.75, part=[2])["part"].tolist() == [
        1,
        1,
        2,
        2,
    ]


def test_xmr_rejects_text_values_and_duplicate_periods():
    with pytest.raises(CollabError, match="values must be numbers"):
        spc.xmr(series(["1", "x", "3"]), "value", "date")
    data = series([1.0, 2, 3])
    data.loc[2, "date"] = data.loc[1, "date"]
    with pytest.raises(CollabError, match="duplicate period"):
        spc.xmr(data, "value", "date")


def test_run_chart_hand_computed():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]  # median 6.5, one crossing, runs of 6
    result = spc.run_chart(series(values), "value", "date").iloc[0]
    assert result["median"] == 6.5
    assert result["longest_run"] == 6 and result["longest_run_max"] == round(np.log2(12)) + 3
    assert result["n_crossings"] == 1 and result["n_crossings_min"] == 3
    assert result["runs_signal"]


def test_run_chart_ignores_points_on_the_median_and_gaps_end_runs():
    values = [4, 8, 6, 4, 8, 8, np.nan, 8, 8, 4, 4, 6, 2]
    result = spc.run_chart(series(values), "value", "date").iloc[0]
    assert result["median"] == 6
    assert result["n_useful"] == 10  # the two 6s sit on the median
    assert result["longest_run"] == 3  # 8 8 | gap | 8 8 are two runs; 4 4 (6) 2 is one
    assert result["n_crossings"] == 4


def test_choose_chart():
    assert spc.choose_chart(11, True)[0] == "run"
    assert "at least 12" in spc.choose_chart(11, False)[1]
    assert spc.choose_chart(12, True)[0] == "p"
    assert spc.choose_chart(30, False)[0] == "xmr"


# --- properties ---------------------------------------------------------------------------

values_strategy = st.lists(
    st.floats(min_value=-1000, max_value=1000, allow_nan=False).map(lambda v: round(v, 3)),
    min_size=2,
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(values_strategy, st.floats(min_value=-500, max_value=500).map(lambda v: round(v, 2)))
def test_adding_a_constant_shifts_mean_and_limits(values, constant):
    base = spc.xmr(series(values), "value", "date")
    moved = spc.xmr(series([v + constant for v in values]), "value", "date")
    for col in ("mean", "lpl", "upl", "nlpl", "nupl"):
        np.testing.assert_allclose(moved[col], base[col] + constant, rtol=1e-9, atol=1e-6)


@settings(max_examples=80, deadline=None)
@given(values_strategy, st.sampled_from([0.5, 2.0, 4.0, 10.0]))
def test_scaling_scales_mean_and_limits_and_keeps_point_types(values, factor):
    base = spc.xmr(series(values), "value", "date")
    scaled = spc.xmr(series([v * factor for v in values]), "value", "date")
    for col in ("mean", "lpl", "upl"):
        np.testing.assert_allclose(scaled[col], base[col] * factor, rtol=1e-9, atol=1e-9)
    assert scaled["point_type"].tolist() == base["point_type"].tolist()


@settings(max_examples=40, deadline=None)
@given(st.lists(values_strategy, min_size=2, max_size=4), st.randoms(use_true_random=False))
def test_the_order_of_facets_and_rows_does_not_matter(groups, rnd):
    data = pd.concat([series(v, facet=f"f{i}") for i, v in enumerate(groups)], ignore_index=True)
    shuffled = data.sample(frac=1, random_state=rnd.randint(0, 10**6))
    one = spc.xmr(data, "value", "date", facet_field="team").sort_values(["team", "date"])
    two = spc.xmr(shuffled, "value", "date", facet_field="team").sort_values(["team", "date"])
    cols = ["team", "date", "mean", "lpl", "upl", "point_type", "special_cause_type"]
    pd.testing.assert_frame_equal(
        one[cols].reset_index(drop=True), two[cols].reset_index(drop=True)
    )
    alone = spc.xmr(series(groups[0]), "value", "date")
    np.testing.assert_allclose(one.loc[one["team"] == "f0", "upl"], alone["upl"])


def test_output_is_one_row_per_input_row_in_input_order():
    data = series([3.0, 1, 2, 5, 4]).iloc[[4, 2, 0, 1, 3]]
    result = spc.xmr(data, "value", "date")
    assert list(result.index) == list(data.index)
    assert result["value"].tolist() == data["value"].tolist()


def test_every_rule_that_flags_a_point_is_listed_not_only_the_first():
    # 7 points above the mean of a long flat baseline, the last far outside the limits:
    # NHSRplotthedots names only "Above UCL" for it; the list also has the shift.
    values = [11.0, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 12, 12, 12, 12, 12, 12, 30]
    result = spc.xmr(series(values), "value", "date", fix_after_n_points=12)
    last = result.iloc[-1]
    assert last["special_cause_type"] == "Above UCL"
    assert last["special_cause_rules"] == "outside limits; shift"
    shift = result["special_cause_rules"].iloc[12:18]
    assert (shift == "shift").all()  # the shift's other points: only that rule
    assert (result["special_cause_rules"].iloc[:12] == "").all()  # common cause: none


def test_the_first_listed_rule_is_the_one_nhsrplotthedots_names():
    rng = np.random.default_rng(11)
    values = np.cumsum(rng.normal(0, 1, 200)) + rng.normal(0, 3, 200)
    result = spc.xmr(series(values), "value", "date")
    first = result["special_cause_rules"].str.split("; ").str[0]
    named = {
        "Above UCL": "outside limits",
        "Below LCL": "outside limits",
        "7 Point Trend (Increasing)": "trend",
        "7 Point Trend (Decreasing)": "trend",
        "2 in 3 Above CL": "two of three",
        "2 in 3 Below CL": "two of three",
        "7 Points Above CL": "shift",
        "7 Points Below CL": "shift",
        "Common Cause": "",
    }
    assert result["special_cause_type"].map(named).tolist() == first.tolist()
    assert set(result["special_cause_type"]) - {"Common Cause"}  # the series flags something
