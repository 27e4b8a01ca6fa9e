import shutil

import pandas as pd
import pytest

from collablib.errors import CollabError
from collablib.loaders import load_cohort, load_data_notice, load_programme_year, pool
from tests.conftest import read_rows, write_rows


def survey_path(data, cohort="cohort-2"):
    return data / "raw" / cohort / "final_survey.csv"


def teams_path(data, cohort="cohort-2"):
    return data / "raw" / cohort / "teams.csv"


def corrupt_survey(data, row_number, **changes):
    """Change one survey row, addressed by its spreadsheet row number (header = 1)."""
    rows = read_rows(survey_path(data))
    rows[row_number - 2].update(changes)
    write_rows(survey_path(data), rows)
    return rows[row_number - 2]


def test_demo_cohort_loads_with_types(demo_data):
    data = load_cohort("cohort-2", demo_data)
    assert len(data.teams) == 15
    assert data.teams["team_id"].is_unique
    survey = data.survey
    assert str(survey["team_working"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(survey["submitted_at"])
    assert set(survey["recommend"].dropna()) <= {"Yes", "No"}
    assert (survey["cohort_id"] == "cohort-2").all()
    assert set(data.files) == {"teams", "final_survey"}
    # the spreadsheet row of every response is kept for traceability
    assert survey["row"].min() == 2


@pytest.mark.parametrize(
    ("column", "value", "allowed_fragment"),
    [
        ("recommend", "Maybe", "Yes or No"),
        ("role", "Nurse", "Lived experience partner"),
        ("team_working", "5", "1, 2, 3 or 4"),
        ("staff_experience", "three", "1, 2, 3 or 4"),
        ("submitted_at", "31/04/2021", "YYYY-MM-DD"),
        ("team_id", "C2-99", "teams.csv"),
        ("consent_to_quote", "Sure", "Yes or No"),
    ],
)
def test_bad_survey_value_names_file_row_column_value_allowed(
    data_copy, column, value, allowed_fragment
):
    corrupt_survey(data_copy, 7, **{column: value})
    with pytest.raises(CollabError) as info:
        load_cohort("cohort-2", data_copy)
    err = info.value
    assert err.file.endswith("final_survey.csv")
    assert err.row == 7
    assert err.column == column
    assert err.value == value
    assert allowed_fragment in err.allowed
    message = str(err)
    assert "row 7" in message and f'"{column}"' in message and value in message


def test_all_problems_in_a_file_are_reported_in_row_order(data_copy):
    corrupt_survey(data_copy, 9, recommend="Maybe")
    corrupt_survey(data_copy, 4, role="Nurse")
    with pytest.raises(CollabError) as info:
        load_cohort("cohort-2", data_copy)
    assert info.value.row == 4
    assert [e.row for e in info.value.others] == [9]


def test_duplicate_response_id(data_copy):
    rows = read_rows(survey_path(data_copy))
    rows[3]["response_id"] = rows[2]["response_id"]
    write_rows(survey_path(data_copy), rows)
    with pytest.raises(CollabError, match="duplicate") as info:
        load_cohort("cohort-2", data_copy)
    assert info.value.column == "response_id"


def test_duplicate_team_ids(data_copy):
    rows = read_rows(teams_path(data_copy))
    rows[5]["team_id"] = rows[4]["team_id"]
    write_rows(teams_path(data_copy), rows)
    with pytest.raises(CollabError, match="duplicate") as info:
        load_cohort("cohort-2", data_copy)
    assert info.value.column == "team_id"
    assert info.value.file.endswith("teams.csv")
    assert info.value.row in (6, 7)


def test_unknown_region(data_copy):
    rows = read_rows(teams_path(data_copy))
    rows[0]["region"] = "Wales"
    write_rows(teams_path(data_copy), rows)
    with pytest.raises(CollabError) as info:
        load_cohort("cohort-2", data_copy)
    assert info.value.row == 2 and info.value.column == "region"
    assert "North West" in info.value.allowed


def test_missing_required_column(data_copy):
    rows = read_rows(survey_path(data_copy))
    for row in rows:
        del row["role"]
    write_rows(survey_path(data_copy), rows)
    with pytest.raises(CollabError, match="missing required column role"):
        load_cohort("cohort-2", data_copy)


def test_missing_file(data_copy):
    survey_path(data_copy).unlink()
    with pytest.raises(CollabError, match=r"final_survey\.csv not found"):
        load_cohort("cohort-2", data_copy)


def test_missing_cohort_folder(data_copy):
    shutil.rmtree(data_copy / "raw" / "cohort-2")
    with pytest.raises(CollabError, match="data folder does not exist"):
        load_cohort("cohort-2", data_copy)


def test_empty_survey(data_copy):
    header = survey_path(data_copy).read_text(encoding="utf-8").splitlines()[0]
    survey_path(data_copy).write_text(header + "\n", encoding="utf-8")
    with pytest.raises(CollabError, match="no responses"):
        load_cohort("cohort-2", data_copy)


def test_blank_rows_are_ignored_and_row_numbers_kept(data_copy):
    text = survey_path(data_copy).read_text(encoding="utf-8").splitlines()
    text.insert(3, ",,,,,,,,,")
    survey_path(data_copy).write_text("\n".join(text) + "\n", encoding="utf-8")
    data = load_cohort("cohort-2", data_copy)
    assert len(data.survey) == 39
    assert 4 not in set(data.survey["row"])


def test_blank_rating_is_not_answered_and_blank_consent_is_no(data_copy):
    corrupt_survey(data_copy, 2, team_working="", consent_to_quote="")
    data = load_cohort("cohort-2", data_copy)
    first = data.survey[data.survey["row"] == 2].iloc[0]
    assert pd.isna(first["team_working"])
    assert first["consent_to_quote"] == "No"


def test_programme_year_pools_cohorts_keeping_teams_distinct(demo_data):
    cohorts = load_programme_year("2020/21", demo_data)
    assert [c.cohort.cohort_id for c in cohorts] == ["cohort-2", "rare-cancers"]
    teams, survey = pool(cohorts)
    assert len(teams) == 23
    assert len(survey) == sum(len(c.survey) for c in cohorts)
    assert not teams.duplicated(["cohort_id", "team_id"]).any()


def test_unknown_programme_year(demo_data):
    with pytest.raises(CollabError) as info:
        load_programme_year("2030/31", demo_data)
    assert "2020/21" in info.value.allowed


def test_data_notice(demo_data, tmp_path):
    assert "synthetic" in load_data_notice(demo_data)
    assert load_data_notice(tmp_path) is None
