import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import hypergeom

from collablib.data.loaders import load_cohort, load_programme_year, pool
from collablib.survey.comparisons import compare_cohort, compare_proportions, recommend_context
from collablib.survey.metrics import wilson_interval


def newcombe_by_hand(k1, n1, k2, n2):
    """Newcombe (1998) method 10, written out from the two Wilson intervals (in points)."""
    p1, p2 = 100 * k1 / n1, 100 * k2 / n2
    l1, u1 = wilson_interval(k1, n1)
    l2, u2 = wilson_interval(k2, n2)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt(
        (u1 - p1) ** 2 + (p2 - l2) ** 2
    )


def fisher_by_hand(k1, n1, k2, n2):
    """Two-sided Fisher exact p: sum of hypergeometric tables no more likely than the one seen."""
    total, positives = n1 + n2, k1 + k2
    dist = hypergeom(total, positives, n1)
    seen = dist.pmf(k1)
    return sum(
        dist.pmf(x)
        for x in range(max(0, positives - n2), min(positives, n1) + 1)
        if dist.pmf(x) <= seen * (1 + 1e-7)
    )


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"), [(30, 38, 17, 20), (56, 70, 48, 80), (5, 5, 2, 9)]
)
def test_difference_interval_and_fisher_match_hand_computation(k1, n1, k2, n2):
    d = compare_proportions(k1, n1, k2, n2)
    assert d.diff == pytest.approx(100 * (k1 / n1 - k2 / n2))
    assert (d.ci_low, d.ci_high) == pytest.approx(newcombe_by_hand(k1, n1, k2, n2), abs=1e-9)
    assert d.p_value == pytest.approx(fisher_by_hand(k1, n1, k2, n2), rel=1e-9)


def test_newcombe_published_example():
    # Newcombe (1998) Table II example (a): 56/70 vs 48/80 -> -0.0524 to 0.3339 (as proportions)
    d = compare_proportions(56, 70, 48, 80)
    assert d.ci_low == pytest.approx(5.24, abs=0.01)
    assert d.ci_high == pytest.approx(33.39, abs=0.01)


def test_significant_only_when_interval_excludes_zero():
    clear = compare_proportions(90, 100, 40, 100)
    assert clear.ci_low > 0 and clear.significant
    unclear = compare_proportions(8, 10, 6, 10)
    assert unclear.ci_low < 0 < unclear.ci_high and not unclear.significant


def test_small_numbers_are_flagged():
    assert compare_proportions(8, 10, 6, 10).small_numbers
    assert compare_proportions(45, 100, 40, 100).small_numbers is False


def test_no_answers_gives_no_comparison():
    d = compare_proportions(0, 0, 3, 5)
    assert math.isnan(d.diff) and not d.significant


def test_cohort_comparisons_cover_every_other_cohort_and_the_programme_year(demo_data):
    target = load_cohort("cohort-2", demo_data)
    others = [load_cohort(c, demo_data) for c in ("cohort-1", "rare-cancers", "cohort-3")]
    table = compare_cohort(target, others)
    assert set(table["comparator"]) == {
        "Cohort 1",
        "Rare and less common cancers",
        "Cohort 3",
        "All cohorts in 2020/21 (pooled)",
    }
    assert len(table) == 4 * 4
    year = table[table["kind"] == "programme year"].set_index("measure")
    # the pooled year is the published 2020/21 figure
    assert round(year.loc["team_working", "other_pct"], 2) == 81.03
    # difference from the pooled year = w * (difference from the rest of the year)
    rest = table[(table["comparator"] == "Rare and less common cancers")].set_index("measure")
    for m in year.index:
        w = rest.loc[m, "other_n"] / (rest.loc[m, "other_n"] + year.loc[m, "this_n"])
        assert year.loc[m, "diff"] == pytest.approx(w * rest.loc[m, "diff"])
        assert year.loc[m, "diff"] == pytest.approx(
            year.loc[m, "this_pct"] - year.loc[m, "other_pct"]
        )
        assert year.loc[m, "p_value"] == rest.loc[m, "p_value"]


def test_cohort_alone_in_its_year_has_no_programme_year_comparison(demo_data):
    target = load_cohort("cohort-3", demo_data)
    others = [load_cohort(c, demo_data) for c in ("cohort-1", "cohort-2")]
    assert "programme year" not in set(compare_cohort(target, others)["kind"])


def test_recommend_context_rows(demo_data):
    year = load_programme_year("2020/21", demo_data)
    context = recommend_context(year[0], [year[1], load_cohort("cohort-1", demo_data)])
    assert context["label"].tolist() == [
        "Cohort 2",
        "All cohorts in 2020/21 (pooled)",
        "All cohorts, every year (pooled)",
    ]
    _, survey = pool(year)
    assert context.iloc[1]["yes"] == (survey["recommend"] == "Yes").sum()


@given(st.integers(0, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_percentage_always_lies_within_its_wilson_interval(kn):
    k, n = kn
    low, high = wilson_interval(k, n)
    if n == 0:
        assert math.isnan(low) and math.isnan(high)
    else:
        pct = 100 * k / n
        assert 0 <= low <= pct <= high <= 100
