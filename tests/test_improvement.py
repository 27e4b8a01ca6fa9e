"""Judging improvement: chart choice, baseline limits, 'after the change', 'sustained', headline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from collablib import spc
from collablib.data.loaders import load_cohort
from collablib.spc import improvement
from collablib.spc import summary as spc_summary


def rows(values, *, proportion=False, direction="increase", target=np.nan, start="2020-01-01"):
    periods = pd.date_range(start, periods=len(values), freq="MS")
    frame = pd.DataFrame(
        {
            "team_id": "T1",
            "measure_id": "m",
            "measure_name": "Measure",
            "period": periods,
            "unit": "%" if proportion else "days",
            "improvement_direction": direction,
            "target": target,
            "primary": True,
            "is_proportion": proportion,
        }
    )
    if proportion:
        frame["numerator"] = [v[0] for v in values]
        frame["denominator"] = [v[1] for v in values]
        frame["value"] = frame["numerator"] / frame["denominator"]
    else:
        frame["value"] = values
        frame["numerator"] = np.nan
        frame["denominator"] = np.nan
    frame["missing"] = frame["value"].isna()
    return frame


def changes(*dates, rebase=()):
    return pd.DataFrame(
        {
            "team_id": "T1",
            "measure_id": "m",
            "date": pd.to_datetime(list(dates)),
            "description": [f"Change {i}" for i in range(len(dates))],
            "rebase": [pd.Timestamp(d) in set(rebase) for d in dates],
        }
    )


BASE = [20, 21, 19, 20, 22, 18, 20, 21, 19, 20, 21, 19, 20, 21]  # 14 baseline months


def test_improvement_after_the_change_against_baseline_limits():
    values = [*BASE, 14, 13, 14, 12, 13, 14, 13, 12]  # waiting time falls after the change
    a = improvement.analyse_measure(
        rows(values, direction="decrease"), changes("2021-03-05"), "Team one"
    )
    assert a.chart == "xmr" and a.points == 22
    assert a.baseline_mean == pytest.approx(np.mean(BASE))  # limits fixed on the 14 baseline
    assert a.improved_after_change and a.sustained
    assert a.first_change == pd.Timestamp("2021-03-01")  # the month containing the change
    after = a.frame[a.frame["x"] >= a.first_change]
    assert (after["point_type"] == "special_cause_improvement").all()


def test_no_improvement_and_concern_are_reported():
    values = [*BASE, 22, 23, 24, 25, 26, 27, 28, 29]
    a = improvement.analyse_measure(
        rows(values, direction="decrease"), changes("2021-03-05"), "Team one"
    )
    assert a.improved_after_change is False and a.sustained is False
    assert a.variation == "special_cause_concern"
    assert any("wrong way" in n for n in a.notes)


def test_improvement_before_the_change_does_not_count():
    values = [20, 21, 19, 20, 22, 18, 20, 21, 19, 20, 21, 19, 5, 20, 21, 19, 20, 21]
    a = improvement.analyse_measure(
        rows(values, direction="decrease"), changes("2021-04-01"), "Team one"
    )
    assert (a.frame["point_type"] == "special_cause_improvement").any()
    assert a.improved_after_change is False


def test_improvement_that_fades_is_not_sustained():
    values = [*BASE, 14, 13, 14, 12, 13, 14, 13, 20, 21, 19, 20, 21, 19, 20]
    a = improvement.analyse_measure(
        rows(values, direction="decrease"), changes("2021-03-05"), "Team one"
    )
    assert a.improved_after_change and not a.sustained


def test_too_few_points_gives_a_run_chart_and_no_verdict():
    a = improvement.analyse_measure(
        rows([10, 12, 11, 13, 12, 14, 13, 15]), changes(), "Team one", pd.Timestamp("2020-01-01")
    )
    assert a.chart == "run" and a.improved_after_change is None and not a.judged
    assert "at least 12" in a.notes[0]
    assert a.frame["lower"].isna().all()


def test_proportions_get_a_p_chart_in_percent_with_rebase_as_a_new_part():
    counts = [(20, 40)] * 14 + [(30, 40)] * 14
    a = improvement.analyse_measure(
        rows(counts, proportion=True, target=97.0),
        changes("2021-03-05", "2021-09-10", rebase=(pd.Timestamp("2021-09-10"),)),
        "Team one",
    )
    assert a.chart == "p"
    assert a.frame["group"].tolist() == [0] * 20 + [1] * 8  # recalculated from Sep 2021
    assert a.baseline_mean == pytest.approx(50.0)
    assert a.frame["y"].iloc[-1] == pytest.approx(75.0)
    assert a.improved_after_change and a.sustained
    assert a.assurance == "fail"  # 97% is above the new upper limit (95.5%)


def test_neutral_measures_are_not_judged():
    a = improvement.analyse_measure(
        rows(BASE + BASE[:4], direction="neutral"), changes("2021-03-05"), "Team one"
    )
    assert a.improved_after_change is None
    assert any("no direction" in n for n in a.notes)


def test_missing_months_are_counted_and_noted():
    values = [*BASE, 14, np.nan, 13, 14, 12, 13, 14, 13]
    a = improvement.analyse_measure(
        rows(values, direction="decrease"), changes("2021-03-05"), "Team one"
    )
    assert a.missing_periods == 1 and a.points == 21
    assert any("no data" in n for n in a.notes)
    assert pd.isna(a.frame["point_type"].iloc[15])


@pytest.mark.parametrize("cohort", ["cohort-1", "cohort-2", "rare-cancers", "cohort-3"])
def test_headline_counts_match_what_the_charts_show(demo_data, cohort):
    data = load_cohort(cohort, demo_data)
    analyses = improvement.analyse_cohort(data.measures, data.teams, data.cohort.start_date)
    head = spc_summary.headline(spc_summary.summary_table(analyses))
    # recount from the plotted points: a blue point on or after the team's first change
    shown = 0
    for a in analyses:
        if not a.primary or not a.judged:
            continue
        frame = a.frame
        blue_after = frame[
            (frame["x"] >= a.first_change) & (frame["point_type"] == "special_cause_improvement")
        ]
        shown += len(blue_after) > 0
    assert head.improved == shown
    assert head.teams == data.teams["team_id"].nunique()
    sentence = improvement.headline_sentence(head)
    assert sentence.startswith(
        f"{head.improved} of {head.teams} teams showed "
        "special-cause improvement in their primary measure"
    )


def test_demo_covers_every_required_pattern(demo_data):
    data = load_cohort("cohort-2", demo_data)
    analyses = improvement.analyse_cohort(data.measures, data.teams, data.cohort.start_date)
    primary = [a for a in analyses if a.primary]
    assert any(a.improved_after_change and a.sustained for a in primary)
    assert any(
        a.judged and not a.improved_after_change and a.variation == "common_cause" for a in primary
    )
    assert any(a.variation == "special_cause_concern" for a in primary)
    assert any(a.chart == "run" for a in primary)
    assert any(a.missing_periods for a in primary)
    assert any(a.assurance == "fail" for a in primary)
    assert spc.MIN_SPC_POINTS == 12
