"""CPES changes by score type, merged trusts and tumour-group context, as analysed and shown."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import confint_proportions_2indep

from collablib.cpes import analysis as cpes_analysis
from collablib.cpes.intervals import mean_difference_interval
from collablib.data.cpes import load_cpes
from collablib.errors import CollabError
from collablib.report import cpes_plots, narrative, tables
from tests.test_cpes_files import ADJUSTED_WITHIN, PLAIN, cpes_folder, write_csv

CHANGES_BY_YEAR = {
    # year: {(code, question): (n, score, ci_low, ci_high)}
    2019: {
        ("RD3", "Q13"): (300, 70.0, 64.6, 75.0),
        ("RD3", "Q59"): (310, 8.80, 8.70, 8.90),
        ("RAA", "Q59"): (200, 8.60, "", ""),
    },
    2021: {
        ("R0D", "Q13"): (800, 74.0, 70.9, 76.9),
        ("R0D", "Q59"): (820, 9.00, 8.90, 9.10),
        ("RAA", "Q59"): (210, 8.70, 8.55, 8.85),
    },
}


def project(root: Path, successors: str | None = None) -> Path:
    cpes_folder(root)
    for year, results in CHANGES_BY_YEAR.items():
        rows = [
            ["National", "", "England", year, "Q13", "Side effects", 60000, 72.0, 71.6, 72.4],
            ["National", "", "England", year, "Q59", "Overall", 60000, 8.88, 8.87, 8.89],
        ]
        rows = [[*r, "", "", ""] for r in rows]
        for (code, q), (n, score, lo, hi) in results.items():
            rows.append(
                ["Trust", code, code, year, q, "text", n, score, lo, hi, "", "", ADJUSTED_WITHIN]
            )
        write_csv(root / "cpes" / f"cpes_{year}_results.csv", PLAIN, rows)
    if successors is not None:
        (root / "cpes" / "trust_successors.csv").write_text(successors, encoding="utf-8")
    return root


def teams(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team_id": [f"T{i}" for i in range(len(rows))],
            "team_name": [r[0] for r in rows],
            "org_code": [r[1] for r in rows],
            "cpes_questions": [r[2] for r in rows],
            "row": list(range(2, 2 + len(rows))),
        }
    )


def analyse(root: Path, frame: pd.DataFrame):
    return cpes_analysis.analyse_cohort(load_cpes(root), frame, date(2020, 6, 1), date(2021, 3, 31))


def test_a_mean_change_has_an_interval_from_the_published_intervals(tmp_path):
    root = project(tmp_path, "old_code,new_code,from_year\nRD3,R0D,2021\n")
    result = analyse(root, teams(("Dorset", "RD3", "Q59")))
    row = result.table.iloc[0]
    assert row["score_type"] == "mean_0_10"
    assert (row["baseline_score"], row["followup_score"]) == (8.80, 9.00)
    # The standard error of each mean from its interval's half-width, then the root sum of
    # squares; computed here independently with SciPy's normal quantile.
    z = norm.ppf(0.975)
    se = math.sqrt(((8.90 - 8.70) / (2 * z)) ** 2 + ((9.10 - 8.90) / (2 * z)) ** 2)
    assert row["change"] == pytest.approx(0.20)
    assert row["change_ci_low"] == pytest.approx(0.20 - z * se)
    assert row["change_ci_high"] == pytest.approx(0.20 + z * se)
    assert row["interval_method"] == "published_ci_root_sum_of_squares"
    # Not a difference of proportions: its width is on the 0-10 scale.
    assert row["change_ci_high"] - row["change_ci_low"] < 1


def test_mean_difference_interval_is_symmetric_and_widens_with_either_interval():
    low, high = mean_difference_interval(8.0, 7.9, 8.1, 8.5, 8.4, 8.6)
    assert (low + high) / 2 == pytest.approx(0.5)
    wider = mean_difference_interval(8.0, 7.8, 8.2, 8.5, 8.4, 8.6)
    assert wider[0] < low and wider[1] > high


def test_a_mean_without_published_intervals_has_no_interval_and_says_why(tmp_path):
    result = analyse(project(tmp_path), teams(("Alpha", "RAA", "Q59")))
    row = result.table.iloc[0]
    assert row["change"] == pytest.approx(0.10)
    assert math.isnan(row["change_ci_low"]) and math.isnan(row["change_ci_high"])
    assert "no confidence interval" in row["no_interval_reason"]
    item = cpes_analysis.as_json(result.table)[0]
    assert item["change_ci_low"] is None and item["interval_method"] is None
    text = tables.cpes_team_table(result.table)["Change"].iloc[0]
    assert text.startswith("+0.10 on the 0 to 10 scale (no interval:")


def test_a_mean_is_shown_out_of_10_and_never_as_a_percentage(tmp_path):
    root = project(tmp_path, "old_code,new_code,from_year\nRD3,R0D,2021\n")
    result = analyse(root, teams(("Dorset", "RD3", "Q59")))
    table = tables.cpes_team_table(result.table)
    baseline = table["Baseline (2019)"].iloc[0]
    assert baseline.startswith("8.80 out of 10 (n = 310)") and "%" not in baseline
    change = table["Change"].iloc[0]
    assert change.startswith("+0.20 on the 0 to 10 scale (95% CI +0.06 to +0.34)")
    assert "%" not in change.replace("95% CI", "") and "points" not in change
    (title, yearly), *_ = result.charts()
    alt = cpes_plots.question_alt_text(yearly, title)
    assert "8.80 out of 10 (England 8.88 out of 10" in alt and "%" not in alt
    fig = cpes_plots.question_chart(yearly, title, 2019, 2021)
    axis = fig.axes[0]
    assert axis.get_ylabel() == "Mean score (out of 10)" and axis.get_ylim()[1] <= 10
    caveats = " ".join(
        narrative.cpes_caveats(result.summary, 21, table=result.table, missing_years=())
    )
    assert "mean score out of 10" in caveats and "half-width" in caveats


def test_a_merged_trust_is_followed_to_its_successor_and_flagged(tmp_path):
    successors = "old_code,new_code,from_year\nRD3,R0D,2021\n"
    result = analyse(project(tmp_path, successors), teams(("Dorset", "RD3", "Q13")))
    row = result.table.iloc[0]
    assert not row["followup_missing"] and row["followup_score"] == 74.0
    assert row["trust_merged"] and row["followup_org_code"] == "R0D"
    assert row["interval_method"] == "newcombe_hybrid_score"
    follow = tables.cpes_team_table(result.table)["Follow-up (2021)"].iloc[0]
    assert "the result of R0D" in follow and "trust merged: compare with care" in follow
    caveats = narrative.cpes_caveats(result.summary, 21, table=result.table)
    assert any("trust merged: compare with care" in c for c in caveats)
    yearly = result.yearly.set_index("year")
    assert yearly.loc[2019, "source_org_code"] == "RD3" and not yearly.loc[2019, "merged"]
    assert yearly.loc[2021, "source_org_code"] == "R0D" and yearly.loc[2021, "merged"]
    # Without the successors file the same team's follow-up trust is not in the survey.
    plain = analyse(project(tmp_path / "plain"), teams(("Dorset", "RD3", "Q13")))
    assert plain.table.iloc[0]["followup_missing"] and not plain.table.iloc[0]["trust_merged"]


def test_successor_chains_are_followed_from_each_merger_year(tmp_path):
    chain = "old_code,new_code,from_year\nRXA,RD3,2018\nRD3,R0D,2021\n"
    cpes = load_cpes(project(tmp_path, chain))
    assert [cpes.successor("RXA", y) for y in (2017, 2019, 2021)] == ["RXA", "RD3", "R0D"]


@pytest.mark.parametrize(
    ("text", "row", "column", "why"),
    [
        ("RD3,R0D,2021\nRD3,RAA,2022\n", 3, "old_code", "two successors"),
        ("RD3,R0D,2021\nR0D,RD3,2022\n", 2, "new_code", "circle"),
        ("RD3,RD3,2021\n", 2, "old_code", "itself"),
        ("rd3,R0D,2021\n", 2, "old_code", "ODS code"),
        ("RD3,R0D,21\n", 2, "from_year", "year"),
    ],
)
def test_bad_trust_successors_are_clear_errors(tmp_path, text, row, column, why):
    root = project(tmp_path, "old_code,new_code,from_year\n" + text)
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert info.value.row == row and info.value.column == column
    assert why in str(info.value) and info.value.file.endswith("trust_successors.csv")


def test_a_percentage_question_keeps_newcombe_and_percent_points(tmp_path):
    successors = "old_code,new_code,from_year\nRD3,R0D,2021\n"
    result = analyse(project(tmp_path, successors), teams(("Dorset", "RD3", "Q13")))
    row = result.table.iloc[0]
    # Newcombe's interval as statsmodels computes it, from the counts the scores imply.
    lib = confint_proportions_2indep(0.74 * 800, 800, 0.70 * 300, 300, method="newcomb")
    assert row["change_ci_low"] == pytest.approx(100 * lib[0], abs=1e-9)
    assert row["change_ci_high"] == pytest.approx(100 * lib[1], abs=1e-9)
    assert tables.cpes_team_table(result.table)["Change"].iloc[0].startswith("+4.0 points")


def test_a_question_cannot_change_score_type_between_years(tmp_path):
    root = project(tmp_path)
    path = root / "cpes" / "question_map.csv"
    text = path.read_text().replace(
        "overall_care_rating,2021,Q59,Overall rating of care,mean_0_10",
        "overall_care_rating,2021,Q59,Overall rating of care,percent",
    )
    path.write_text(text)
    with pytest.raises(CollabError) as info:
        load_cpes(root)
    assert info.value.column == "score_type" and "different score types" in str(info.value)


def test_the_demo_cohort_2_json_has_a_score_type_and_a_mean_entry_without_a_percent_interval(
    demo_data,
):
    from collablib.analysis import analyse as analyse_cohort
    from collablib.analysis import summary_json

    items = summary_json(analyse_cohort("cohort-2", demo_data))["cpes"]
    assert items and all(i["score_type"] in ("percent", "mean_0_10") for i in items)
    means = [i for i in items if i["score_type"] == "mean_0_10"]
    assert means, "the demo should exercise a mean-score question"
    for item in means:
        assert 0 <= item["baseline_score"] <= 10 and 0 <= item["followup_score"] <= 10
        assert item["interval_method"] != "newcombe_hybrid_score"
        if item["change_ci_low"] is not None:
            assert item["change_ci_high"] - item["change_ci_low"] < 2  # the 0-10 scale
    percents = [i for i in items if i["score_type"] == "percent" and i["change"] is not None]
    assert all(i["interval_method"] == "newcombe_hybrid_score" for i in percents)


def test_the_demo_dashboard_gives_each_team_its_tumour_group_context(demo_data):
    from collablib.data.loaders import load_cohort

    data = load_cohort("cohort-2", demo_data)
    cpes = load_cpes(demo_data)
    result = cpes_analysis.analyse_cohort(
        cpes, data.teams, data.cohort.start_date, data.cohort.end_date
    )
    context = result.tumour
    assert len(context), "the 2019 dashboard has cancer-type rows for the demo teams' trusts"
    groups = dict(zip(data.teams["team_id"], data.teams["tumour_group"], strict=True))
    assert all(
        groups[t] == g for t, g in zip(context["team_id"], context["tumour_group"], strict=True)
    )
    shown = tables.cpes_tumour_table(context, result.breakdown_min_responses)
    small = context["responses"] < result.breakdown_min_responses
    assert (shown.loc[small.to_numpy(), "Result"].str.startswith("not shown")).all()
    assert not shown["Result"].str.contains(r"\(n = [1-7]\)").any()


def test_the_caveats_state_the_2019_to_2021_change_and_list_years_with_no_data(demo_data):
    from collablib.data.loaders import load_cohort

    data = load_cohort("cohort-2", demo_data)
    result = cpes_analysis.analyse_cohort(
        load_cpes(demo_data), data.teams, data.cohort.start_date, data.cohort.end_date
    )
    assert result.years.method_change
    text = " ".join(
        narrative.cpes_caveats(result.summary, 21, table=result.table, missing_years=(2022,))
    )
    assert "questionnaire was reviewed" in text and "renumbered" in text
    assert "Picker" in text and "Quality Health" in text
    assert "online responses were added" not in text
    assert "No CPES results were provided for 2022" in text


def test_why_a_change_is_missing_says_whether_the_trust_is_absent_or_suppressed(tmp_path):
    result = analyse(project(tmp_path), teams(("Gone", "RZZ", "Q13"), ("Dorset", "RD3", "Q13")))
    reasons = dict(zip(result.table["org_code"], result.table["no_interval_reason"], strict=True))
    assert reasons["RZZ"] == "no change: the trust is not in the 2019 or 2021 results"
    assert reasons["RD3"] == "no change: the trust is not in the 2021 results"


def test_teams_whose_results_cannot_be_found_are_warned_of_before_a_build(tmp_path):
    from collablib.cpes.checks import coverage_warnings

    result = analyse(project(tmp_path), teams(("Gone", "RZZ", "Q13"), ("Dorset", "RD3", "Q13")))
    warnings = coverage_warnings(result, "cohort-x")
    assert len(warnings) == 1 and "team T0's trust (RZZ) is in no CPES results file" in warnings[0]


def test_a_successor_whose_old_code_still_has_results_is_warned_of(tmp_path):
    root = project(tmp_path, "old_code,new_code,from_year\nRAA,R0D,2021\n")
    warnings = " ".join(load_cpes(root).warnings)
    assert "says RAA became R0D from 2021, but the results still have RAA in 2021" in warnings
