"""The CPES importer, analysis and the `cpes` JSON: as-published files, suppression, mapping."""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from collablib.cpes import analysis as cpes_analysis
from collablib.data.cpes import load_cpes, read_results
from collablib.data.loaders import load_cohort
from collablib.errors import CollabError
from collablib.report import tables

MANGLED = (
    "Geog,Trust.Code,Trust.Name,Year,Question.Number,Question.Text,Number.of.responses,"
    "scored.percentage,Lower.95..confidence.interval,Upper.95..confidence.interval,"
    "Expected.Range..lower.,Expected.Range..upper.,Performance\n"
)
ORIGINAL = (
    "Geog,Trust Code,Trust Name,Year,Question Number,Question Text,Number of responses,"
    "Scored percentage,Lower 95% confidence interval,Upper 95% confidence interval,"
    "Expected Range (lower),Expected Range (upper),Performance\n"
)
WITHIN = "Adjusted Score between Expected Upper and Lower Ranges"
BELOW = "Adjusted Score below Expected Lower Range"


def extract(tmp_path: Path, name: str, header: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_real_layout_extract_with_mangled_headers_mixed_scales_and_suppression(tmp_path):
    path = extract(
        tmp_path,
        "results.csv",
        MANGLED,
        [
            'National,,England,2018,Q17,Side effects,"61,268",72.4,72.0,72.8,,,',
            f'Trust,RAA,Alpha,2018,Q17,Side effects,"1,204",0.731,0.705,0.756,0.70,0.75,{WITHIN}',
            f"Trust,RBB,Beta,2018,Q17,Side effects,312,68.2,63.0,73.0,66.1,78.9,{WITHIN}",
            "Trust,RCC,Gamma,2018,Q17,Side effects,15,,,,66.0,79.0,",
            "Trust,RDD,Delta,2018,Q17,Side effects,40,*,*,*,65.0,80.0,",
            f"Trust,REE,Epsilon,2018,Q17,Side effects,18,0.50,0.30,0.70,0.65,0.80,{BELOW}",
        ],
    )
    raw = read_results(path, min_responses=21)
    national = raw[raw["national"]]
    assert len(national) == 1 and national["score"].iloc[0] == 72.4
    assert national["responses"].iloc[0] == 61268
    result = raw[~raw["national"]].set_index("org_code")
    alpha = result.loc["RAA"]
    assert alpha["responses"] == 1204  # thousands separator
    assert alpha["score"] == pytest.approx(73.1) and alpha["was_fraction"]  # fraction -> percent
    assert alpha["expected_high"] == pytest.approx(75.0)
    beta = result.loc["RBB"]
    assert beta["score"] == 68.2 and not beta["was_fraction"]  # already percent
    for code in ("RCC", "RDD", "REE"):  # blank, "*", and fewer than 21 responses
        assert result.loc[code, "suppressed"]
        assert math.isnan(result.loc[code, "score"])  # suppressed, never zero
    assert result.loc["REE", "responses"] == 18
    assert result.loc["RBB", "performance"] == "within"


def test_original_and_mangled_headers_read_the_same(tmp_path):
    row = f"Trust,RAA,Alpha,2021,Q19,Side effects,300,70.0,65.0,75.0,66.0,79.0,{WITHIN}"
    a = read_results(extract(tmp_path, "a_results.csv", MANGLED, [row]))
    b = read_results(extract(tmp_path, "b_results.csv", ORIGINAL, [row]))
    cols = ["org_code", "year", "question_number", "responses", "score", "ci_low", "ci_high"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        (f"Trust,RAA,Alpha,2021,Q19,Text,300,seventy,65,75,66,79,{WITHIN}", "score", "seventy"),
        (f"Trust,RAA,Alpha,21,Q19,Text,300,70,65,75,66,79,{WITHIN}", "year", "21"),
        (f"Trust,RAA,Alpha,2021,19,Text,300,70,65,75,66,79,{WITHIN}", "question_number", "19"),
        (f"Trust,raa!,Alpha,2021,Q19,Text,300,70,65,75,66,79,{WITHIN}", "Trust Code", "raa!"),
    ],
)
def test_bad_cpes_rows_are_clear_errors(tmp_path, row, column, value):
    path = extract(tmp_path, "results.csv", ORIGINAL, [row])
    with pytest.raises(CollabError) as info:
        read_results(path)
    assert info.value.row == 2 and info.value.column == column and info.value.value == value
    assert info.value.file.endswith("results.csv")


def test_a_missing_cpes_column_is_named(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("Trust Code,Year,Question Number,Score\nRAA,2021,Q1,70\n", encoding="utf-8")
    with pytest.raises(CollabError, match="no column found for responses"):
        read_results(path)


def test_demo_extract_question_map_and_years(demo_data):
    cpes = load_cpes(demo_data)
    assert set(cpes.years["year"]) == {2017, 2018, 2019, 2021, 2022, 2023}  # no 2020 survey
    qmap = cpes.questions
    side = qmap[qmap["question_key"] == "side_effects_explained"].set_index("year")
    assert side.loc["2019", "question_number"] == "Q13"  # the 2015-2019 questionnaire
    assert side.loc["2021", "question_number"] == "Q19"  # renumbered across years
    assert cpes.results["was_fraction"].any() and (~cpes.results["was_fraction"]).any()
    assert cpes.results["suppressed"].any()
    assert not (cpes.results.loc[cpes.results["suppressed"], "score"].notna()).any()


def test_survey_years_bracket_the_cohort_and_record_the_method_change(demo_data):
    years = load_cpes(demo_data).years
    c2 = cpes_analysis.survey_years(years, date(2020, 6, 1), date(2021, 3, 31))
    assert (c2.baseline, c2.followup, c2.method_change) == (2019, 2021, True)
    same = cpes_analysis.survey_years(years, date(2017, 9, 1), date(2018, 3, 31))
    assert (same.baseline, same.followup, same.method_change) == (2017, 2018, False)


def test_difference_interval_matches_hand_computed_newcombe():
    low, high = cpes_analysis.difference_interval(50.0, 100, 60.0, 100)
    # Wilson limits: 50/100 -> (40.38, 59.62); 60/100 -> (50.20, 69.06), in percent
    assert low == pytest.approx(10 - math.hypot(60 - 50.20, 59.62 - 50), abs=0.02)
    assert high == pytest.approx(10 + math.hypot(69.06 - 60, 50 - 40.38), abs=0.02)
    lib = confint_proportions_2indep(60, 100, 50, 100, method="newcomb", compare="diff")
    assert (low, high) == pytest.approx((100 * lib[0], 100 * lib[1]), abs=1e-9)


@pytest.fixture(scope="module")
def cohort2(demo_data):
    data = load_cohort("cohort-2", demo_data)
    cpes = load_cpes(demo_data)
    return (
        data,
        cpes,
        cpes_analysis.analyse_cohort(
            cpes, data.teams, data.cohort.start_date, data.cohort.end_date
        ),
    )


def test_each_team_and_question_has_baseline_followup_and_change(cohort2):
    data, _cpes, result = cohort2
    table = result.table
    expected = sum(len([q for q in str(v).split(";") if q]) for v in data.teams["cpes_questions"])
    assert len(table) == expected > 0
    row = table.iloc[0]
    assert row["baseline_year"] == 2019 and row["followup_year"] == 2021
    assert row["change"] == pytest.approx(row["followup_score"] - row["baseline_score"])
    assert row["change_ci_low"] < row["change"] < row["change_ci_high"]
    assert result.teams_without == int((data.teams["cpes_questions"] == "").sum())


def test_questions_are_followed_across_renumbering(cohort2):
    _, _, result = cohort2
    renumbered = result.yearly[
        (result.yearly["question"] == "Q13") & (result.yearly["year"] == 2021)
    ]
    assert not renumbered.empty and (renumbered["question_number"] == "Q19").all()


def test_a_trust_missing_from_a_year_is_shown_as_such(demo_data):
    cpes = load_cpes(demo_data)
    codes_2019 = set(cpes.trusts().loc[cpes.trusts()["year"] == 2019, "org_code"])
    codes_2018 = set(cpes.trusts().loc[cpes.trusts()["year"] == 2018, "org_code"])
    missing = sorted(codes_2018 - codes_2019)
    assert missing
    teams = pd.DataFrame(
        {
            "team_id": ["T1"],
            "team_name": ["Team"],
            "org_code": [missing[0]],
            "cpes_questions": ["Q17"],
            "row": [2],
        }
    )
    result = cpes_analysis.analyse_cohort(cpes, teams, date(2020, 6, 1), date(2021, 3, 31))
    row = result.table.iloc[0]
    assert row["baseline_missing"] and math.isnan(row["baseline_score"])
    assert math.isnan(row["change"])
    text = tables.cpes_team_table(result.table)["Baseline (2019)"].iloc[0]
    assert text == "trust not in the survey"


def test_suppressed_values_are_never_shown_as_numbers(demo_data):
    cpes = load_cpes(demo_data)
    small = cpes.trusts()[cpes.trusts()["suppressed"]].iloc[0]
    key = small["question_key"]
    baseline_number = cpes.questions[
        (cpes.questions["question_key"] == key) & (cpes.questions["year"] == "2019")
    ]["question_number"]
    teams = pd.DataFrame(
        {
            "team_id": ["T1"],
            "team_name": ["Team"],
            "org_code": [small["org_code"]],
            "cpes_questions": [baseline_number.iloc[0]],
            "row": [2],
        }
    )
    result = cpes_analysis.analyse_cohort(cpes, teams, date(2020, 6, 1), date(2021, 3, 31))
    yearly = result.yearly[result.yearly["suppressed"]]
    assert len(yearly) and yearly["score"].isna().all()
    item = cpes_analysis.as_json(result.table)[0]
    table = tables.cpes_team_table(result.table)
    for year_column, flag in (("Baseline (2019)", "baseline"), ("Follow-up (2021)", "followup")):
        if result.table.iloc[0][f"{flag}_suppressed"]:
            assert item[f"{flag}_score"] is None
            assert table[year_column].iloc[0] == "suppressed (too few responses)"
            assert item["change"] is None


def test_an_unknown_question_number_is_a_clear_error(demo_data):
    cpes = load_cpes(demo_data)
    teams = pd.DataFrame(
        {
            "team_id": ["T1"],
            "team_name": ["Team"],
            "org_code": ["XA1"],
            "cpes_questions": ["Q99"],
            "row": [5],
        }
    )
    with pytest.raises(CollabError) as info:
        cpes_analysis.analyse_cohort(cpes, teams, date(2020, 6, 1), date(2021, 3, 31))
    assert info.value.row == 5 and info.value.column == "cpes_questions"
    assert info.value.value == "Q99" and "Q17" in info.value.allowed


def test_teams_csv_cpes_columns_are_validated(data_copy):
    from tests.conftest import read_rows, write_rows

    path = data_copy / "raw" / "cohort-2" / "teams.csv"
    rows = read_rows(path)
    rows[2]["cpes_questions"] = "17 and 22"
    write_rows(path, rows)
    with pytest.raises(CollabError) as info:
        load_cohort("cohort-2", data_copy)
    assert info.value.column == "cpes_questions" and info.value.row == 4


def test_summary_json_has_the_cpes_list(demo_data):
    from collablib.analysis import analyse, summary_json

    result = summary_json(analyse("cohort-2", demo_data))
    items = result["cpes"]
    assert items and set(items[0]) == {
        "team_id",
        "org_code",
        "question",
        "baseline_year",
        "baseline_score",
        "baseline_n",
        "followup_year",
        "followup_score",
        "followup_n",
        "change",
        "change_ci_low",
        "change_ci_high",
        "score_type",
        "interval_method",
        "no_interval_reason",
        "followup_org_code",
        "trust_merged",
        "baseline_flag",
        "followup_flag",
        "baseline_unadjusted",
        "followup_unadjusted",
    }
    assert all(item["score_type"] in ("percent", "mean_0_10") for item in items)
    import json

    assert json.loads(json.dumps(result))["cpes"] == items
    first = items[0]
    assert first["change"] == round(first["followup_score"] - first["baseline_score"], 9)
    assert len(repr(first["change"]).split(".")[-1]) <= 9  # no binary floating-point noise


def test_without_a_cpes_folder_there_is_no_cpes_analysis(data_copy):
    shutil.rmtree(data_copy / "cpes")
    assert load_cpes(data_copy) is None
    from collablib.analysis import analyse, summary_json

    assert summary_json(analyse("cohort-2", data_copy))["cpes"] == []


def test_a_cohort_where_no_team_targets_a_question(demo_data):
    data = load_cohort("cohort-2", demo_data)
    teams = data.teams.assign(cpes_questions="")
    result = cpes_analysis.analyse_cohort(
        load_cpes(demo_data), teams, data.cohort.start_date, data.cohort.end_date
    )
    assert result.table.empty and result.teams() == [] and result.charts() == []
    assert result.summary.questions == 0 and result.teams_without == len(teams)
    from collablib.report import narrative

    assert narrative.cpes_summary_sentence(result.summary, result.teams_without) == (
        "No team in this cohort targeted a CPES question."
    )
