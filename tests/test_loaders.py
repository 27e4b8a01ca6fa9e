import shutil

import pandas as pd
import pytest

from collablib.data.loaders import load_cohort, load_data_notice, load_programme_year, pool
from collablib.errors import CollabError
from tests.conftest import read_rows, write_canonical_survey, write_rows


def teams_path(data, cohort="cohort-2"):
    return data / "raw" / cohort / "teams.csv"


@pytest.fixture
def canonical(data_copy):
    """A data copy whose cohort-2 survey is a canonical final_survey.csv."""
    return data_copy, write_canonical_survey(data_copy, "cohort-2")


def corrupt(path, row_number, **changes):
    """Change one row of a CSV, addressed by its spreadsheet row number (header = 1)."""
    rows = read_rows(path)
    rows[row_number - 2].update(changes)
    write_rows(path, rows)


def test_demo_cohort_loads_with_types(demo_data):
    data = load_cohort("cohort-2", demo_data)
    assert len(data.teams) == 15
    assert data.teams["team_id"].is_unique
    survey = data.survey
    assert str(survey["team_working"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(survey["submitted_at"])
    assert set(survey["recommend"].dropna()) <= {"Yes", "No"}
    assert (survey["cohort_id"] == "cohort-2").all()
    assert set(data.files) == {"teams", "final_survey", "measures", "changes", "progress"}
    assert data.files["final_survey"].suffix == ".xlsx"
    assert data.survey_log.rows_used == len(survey) == 39
    assert survey["row"].min() >= 2  # the spreadsheet row of every response is kept


@pytest.mark.parametrize(
    ("cohort", "source"),
    [
        ("cohort-1", "CSV text, Windows-1252 encoding"),
        ("cohort-2", "Excel workbook (XLSX), sheet \u201cSheet1\u201d"),
        ("rare-cancers", "CSV text, UTF-8 with BOM encoding"),
        ("cohort-3", "CSV text, UTF-8 encoding"),
    ],
)
def test_demo_exports_arrive_in_realistic_forms(demo_data, cohort, source):
    data = load_cohort(cohort, demo_data)
    assert data.survey_log.source.describe() == source


def test_windows_1252_export_keeps_accented_names_for_redaction(demo_data):
    names = load_cohort("cohort-1", demo_data).names
    assert any("ë" in n or "â" in n or "é" in n for n in names)


def test_canonical_file_takes_precedence_over_an_export(canonical):
    data, path = canonical
    loaded = load_cohort("cohort-2", data)
    assert loaded.files["final_survey"] == path
    assert len(loaded.survey) == 39


@pytest.mark.parametrize(
    ("column", "value", "allowed_fragment"),
    [
        ("recommend", "Maybe", "Yes or No"),
        ("role", "Nurse", "Lived experience partner"),
        ("team_working", "5", "a rating from 1 to 4"),
        ("staff_experience", "three", "a rating from 1 to 4"),
        ("submitted_at", "31/04/2021", "YYYY-MM-DD"),
        ("team_id", "C2-99", "teams.csv"),
        ("consent_to_quote", "Sure", "Yes or No"),
    ],
)
def test_bad_survey_value_names_file_row_column_value_allowed(
    canonical, column, value, allowed_fragment
):
    data, path = canonical
    corrupt(path, 7, **{column: value})
    with pytest.raises(CollabError) as info:
        load_cohort("cohort-2", data)
    err = info.value
    assert err.file.endswith("final_survey.csv")
    assert err.row == 7
    assert err.column == column
    assert err.value == value
    assert allowed_fragment in err.allowed
    message = str(err)
    assert "row 7" in message and f'"{column}"' in message and value in message


def test_all_problems_in_a_file_are_reported_in_row_order(canonical):
    data, path = canonical
    corrupt(path, 9, recommend="Maybe")
    corrupt(path, 4, role="Nurse")
    with pytest.raises(CollabError) as info:
        load_cohort("cohort-2", data)
    assert info.value.row == 4
    assert [e.row for e in info.value.others] == [9]


def test_duplicate_response_id_keeps_the_latest_submission(canonical):
    data, path = canonical
    rows = read_rows(path)
    later = rows[3]["submitted_at"] > rows[2]["submitted_at"]
    rows[3]["response_id"] = rows[2]["response_id"]
    write_rows(path, rows)
    loaded = load_cohort("cohort-2", data)
    assert len(loaded.survey) == 38
    assert loaded.survey_log.duplicate_rows == [4 if later else 5]


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


def test_missing_required_column(canonical):
    data, path = canonical
    rows = read_rows(path)
    for row in rows:
        del row["role"]
    write_rows(path, rows)
    with pytest.raises(CollabError, match="no column found for the required field role"):
        load_cohort("cohort-2", data)


def test_missing_survey(data_copy):
    for path in (data_copy / "raw" / "cohort-2").glob("*urvey*.xlsx"):
        path.unlink()
    with pytest.raises(CollabError, match="no survey file found"):
        load_cohort("cohort-2", data_copy)


def test_missing_teams_file(data_copy):
    teams_path(data_copy).unlink()
    with pytest.raises(CollabError, match=r"teams\.csv not found"):
        load_cohort("cohort-2", data_copy)


def test_missing_cohort_folder(data_copy):
    shutil.rmtree(data_copy / "raw" / "cohort-2")
    with pytest.raises(CollabError, match=r"data folder .*cohort-2/ does not exist") as info:
        load_cohort("cohort-2", data_copy)
    err = info.value  # named at its cohorts.csv row, where the id is written
    assert (err.file, err.row, err.column, err.value) == (
        str(data_copy / "cohorts.csv"),
        3,
        "cohort_id",
        "cohort-2",
    )


def test_empty_survey(canonical):
    data, path = canonical
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(header + "\n", encoding="utf-8")
    with pytest.raises(CollabError, match="no responses left"):
        load_cohort("cohort-2", data)


def test_blank_rows_are_ignored_and_row_numbers_kept(canonical):
    data, path = canonical
    text = path.read_text(encoding="utf-8").splitlines()
    text.insert(3, ",,,,,,,,,")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    loaded = load_cohort("cohort-2", data)
    assert len(loaded.survey) == 39
    assert 4 not in set(loaded.survey["row"])
    assert loaded.survey_log.blank_rows == [4]


def test_blank_rating_is_not_answered_and_blank_consent_is_no(canonical):
    data, path = canonical
    corrupt(path, 2, team_working="", consent_to_quote="")
    loaded = load_cohort("cohort-2", data)
    first = loaded.survey[loaded.survey["row"] == 2].iloc[0]
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
