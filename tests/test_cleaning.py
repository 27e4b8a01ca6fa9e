"""Cleaning rules on small, hand-made exports: each rule applied, counted and reported."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from collablib.data.loaders import import_survey, load_teams
from collablib.data.survey_mapping import load_mapping
from collablib.errors import CollabError
from collablib.survey.metrics import item_summary
from tests.conftest import DEMO_DATA

HEADER = [
    "ID",
    "Completion time",
    "Name",
    "Which project team are you part of?",
    "Which best describes your role in the project team?",
    "How much has taking part improved your ability to work as a team?",
    "How much has taking part improved patient and carer experience of cancer care?",
    "How much has taking part improved staff experience of delivering cancer care?",
    "Would you recommend taking part in the collaborative to others?",
    "Is there anything else you would like to tell us about the collaborative?",
    "May we quote your comments anonymously in reports?",
]


def row(
    rid="1",
    when="2021-04-06 10:00",
    name="Amy Lee",
    team="T1",
    role="Team member",
    tw="4 - Greatly improved",
    pc="3 - Improved",
    se="2 - Slightly improved",
    rec="Yes",
    comment="",
    consent="No",
):
    return [rid, when, name, team, role, tw, pc, se, rec, comment, consent]


@pytest.fixture
def teams(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "teams.csv"
    path.write_text(
        "team_id,team_name,organisation,cancer_alliance,region,tumour_group,project_title\n"
        "T1,Northmoor lung team,Org A,Alliance,London,Lung,Project A\n"
        "T2,Eastmere breast team,Org B,Alliance,London,Breast,Project B\n",
        encoding="utf-8",
    )
    return load_teams(path)


def export(tmp_path: Path, rows: list[list[str]], header=HEADER) -> Path:
    path = tmp_path / "survey export.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def clean(tmp_path, rows, teams, header=HEADER, mapping=None):
    return import_survey(export(tmp_path, rows, header), teams, mapping or load_mapping(DEMO_DATA))


def test_labels_become_values(tmp_path, teams):
    survey, log, _ = clean(tmp_path, [row(rec=" yes "), row(rid="2", rec="N", team="T2")], teams)
    assert survey["team_working"].tolist() == [4, 4]
    assert survey["staff_experience"].tolist() == [2, 2]
    assert survey["recommend"].tolist() == ["Yes", "No"]
    assert survey["role"].tolist() == ["Project team member"] * 2
    assert log.columns_used["recommend"] == HEADER[8]
    # "Name" is mapped to the identity field name (for duplicate_key), never to the survey table.
    assert log.columns_used["name"] == "Name"
    assert log.columns_ignored == []
    assert "name" not in survey.columns


def test_team_can_be_given_by_name(tmp_path, teams):
    survey, _, _ = clean(tmp_path, [row(team="eastmere BREAST team")], teams)
    assert survey["team_id"].tolist() == ["T2"]


def test_blank_rows_are_dropped_and_counted(tmp_path, teams):
    survey, log, _ = clean(tmp_path, [row(), [""] * 11, row(rid="2"), [""] * 11], teams)
    assert len(survey) == 2
    assert log.blank_rows == [3, 5]
    assert log.rows_in_file == 4 and log.rows_used == 2


def test_test_submissions_are_excluded_by_whole_cell_rule(tmp_path, teams):
    rows = [
        row(rid="1", name="Test User"),
        row(rid="2", team="TEST"),
        row(rid="3", comment="Test - please ignore"),
        row(rid="4", comment="This was a test of our patience, but worth it."),
    ]
    survey, log, _ = clean(tmp_path, rows, teams)
    assert log.test_rows == [2, 3, 4]
    assert survey["response_id"].tolist() == ["4"]  # a comment mentioning a test is real


def test_duplicate_submissions_keep_the_latest(tmp_path, teams):
    rows = [
        row(rid="7", when="2021-04-06 12:00", tw="1 - Not improved"),
        row(rid="8"),
        row(rid="7", when="2021-04-06 09:00", tw="2 - Slightly improved"),
        row(rid="7", when="2021-04-06 15:30", tw="3 - Improved"),
    ]
    survey, log, _ = clean(tmp_path, rows, teams)
    assert sorted(survey["response_id"]) == ["7", "8"]
    assert survey.set_index("response_id").loc["7", "team_working"] == 3
    assert log.duplicate_rows == [2, 4]


def test_duplicate_tie_keeps_the_lower_row(tmp_path, teams):
    rows = [row(rid="7", tw="1 - Not improved"), row(rid="7", tw="4 - Greatly improved")]
    survey, log, _ = clean(tmp_path, rows, teams)
    assert survey["team_working"].tolist() == [4]
    assert log.duplicate_rows == [2]


def test_prefer_not_to_say_is_not_answered_and_counted(tmp_path, teams):
    rows = [
        row(rid="1", tw="Prefer not to say"),
        row(rid="2", tw="Don't know", pc="dont know"),
        row(rid="3", tw="4 - Greatly improved"),
    ]
    survey, log, _ = clean(tmp_path, rows, teams)
    items = item_summary(survey).set_index("item")
    assert items.loc["team_working", "n"] == 1  # left out of the denominator
    assert items.loc["team_working", "not_answered"] == 2
    assert log.not_answered == {
        "patient_carer_experience": {"Don't know": 1},
        "team_working": {"Don't know": 1, "Prefer not to say": 1},
    }


@pytest.mark.parametrize(
    ("change", "column", "value", "allowed"),
    [
        ({"tw": "Excellent"}, "team_working", "Excellent", "a rating from 1 to 4"),
        ({"se": "5"}, "staff_experience", "5", "a rating from 1 to 4"),
        ({"rec": "Maybe"}, "recommend", "Maybe", "Yes or No"),
        ({"role": "Nurse"}, "role", "Nurse", "Executive sponsor"),
        ({"team": "T9"}, "team_id", "T9", "team_id or team_name"),
        ({"when": "yesterday"}, "submitted_at", "yesterday", "YYYY-MM-DD"),
    ],
)
def test_unknown_labels_are_errors_with_row_column_value_and_allowed(
    tmp_path, teams, change, column, value, allowed
):
    with pytest.raises(CollabError) as info:
        clean(tmp_path, [row(), row(rid="2", **change)], teams)
    err = info.value
    assert (err.row, err.column, err.value) == (3, column, value)
    assert allowed in err.allowed
    assert err.file.endswith("survey export.csv")


def test_unknown_rating_label_error_mentions_the_mapping(tmp_path, teams):
    with pytest.raises(CollabError) as info:
        clean(tmp_path, [row(tw="Excellent")], teams)
    assert "survey_mapping.toml" in str(info.value)


def test_uk_dates_with_a_date_format(tmp_path, teams):
    mapping = load_mapping(DEMO_DATA)
    from dataclasses import replace

    uk = replace(mapping, date_format="%d/%m/%Y %H:%M")
    survey, _, _ = clean(tmp_path, [row(when="03/04/2021 14:05")], teams, mapping=uk)
    assert survey["submitted_at"].tolist() == [pd.Timestamp("2021-04-03 14:05")]  # 3 April
    with pytest.raises(CollabError) as info:
        clean(tmp_path, [row(when="31/04/2021 14:05")], teams, mapping=uk)  # no 31 April
    assert info.value.value == "31/04/2021 14:05"
    assert "12/04/2021 14:05" in info.value.allowed and "%d/%m/%Y" in info.value.allowed


def test_missing_required_column_lists_what_was_found(tmp_path, teams):
    header = [h for h in HEADER if not h.startswith("Which best describes")]
    rows = [[c for i, c in enumerate(row()) if i != 4]]
    with pytest.raises(CollabError, match="no column found for the required field role") as info:
        clean(tmp_path, rows, teams, header=header)
    assert "Headers found" in info.value.allowed and "Which best describes" in info.value.allowed


def test_optional_columns_may_be_absent(tmp_path, teams):
    header = HEADER[:-2]
    survey, _, _ = clean(tmp_path, [row()[:-2]], teams, header=header)
    assert survey["comment"].tolist() == [""]
    assert survey["consent_to_quote"].tolist() == ["No"]


def test_two_columns_for_one_field_is_an_error(tmp_path, teams):
    header = [*HEADER, "Team working"]
    with pytest.raises(CollabError, match="two columns both look like the field team_working"):
        clean(tmp_path, [[*row(), "4"]], teams, header=header)


def test_nothing_left_after_cleaning_is_an_error(tmp_path, teams):
    with pytest.raises(CollabError, match="no responses left") as info:
        clean(tmp_path, [row(name="test"), [""] * 11], teams)
    assert "1 blank, 1 test" in str(info.value)


def test_respondent_names_are_collected_for_redaction_but_not_from_test_rows(tmp_path, teams):
    rows = [row(name="Zoë Hartley"), row(rid="2", name="Test User"), row(rid="3", name="")]
    _, _, names = clean(tmp_path, rows, teams)
    assert names == {"Zoë Hartley"}


def test_the_raw_file_is_never_modified(tmp_path, teams):
    path = export(tmp_path, [row(), [""] * 11, row(rid="1", when="2021-04-05 09:00")])
    before = path.read_bytes()
    import_survey(path, teams, load_mapping(DEMO_DATA))
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("header", "cell"),
    [
        ("Respondent Name", "Søren Madsen"),
        ("NAME", "Søren Madsen"),
        (" Email ", "soren.madsen@example.org"),
        ("E-mail address", "Soren.Madsen@example.org"),
        ("respondent_name", "SØREN MADSEN"),
    ],
    ids=["Respondent Name", "NAME", "space Email space", "E-mail address", "respondent_name"],
)
def test_name_columns_are_matched_like_headers_and_redacted_from_quotes(
    tmp_path, teams, header, cell
):
    from collablib.survey.quotes import consented_quotes

    rows = [
        row(name=cell, comment="Madsen here: thanks to soren and the team.", consent="Yes"),
        row(rid="2", name="Amy Lee", comment="Søren Madsen kept us going.", consent="Yes"),
    ]
    survey, log, names = clean(tmp_path, rows, teams, header=[*HEADER[:2], header, *HEADER[3:]])
    # Read only as an identity column (for duplicate_key and redaction), never a survey field.
    assert header.strip() in {log.columns_used.get("name"), log.columns_used.get("email")}
    assert set(survey.columns).isdisjoint({"name", "email", header.strip()})
    quotes = consented_quotes(survey, names)["quote"].tolist()
    assert quotes == [
        "[name removed] here: thanks to [name removed] and the team.",
        "[name removed] kept us going.",
    ]
    assert not any("Madsen" in q or "soren" in q.casefold() for q in quotes)


@pytest.mark.parametrize(
    ("configured", "header"),
    [
        ("Name", "name"),
        ("name", "Name"),
        ("Respondent name", "RESPONDENT-NAME"),
        ("Email", "E-mail"),
    ],
    ids=["Name finds name", "name finds Name", "punctuation and case", "Email finds E-mail"],
)
def test_test_columns_are_matched_like_headers(tmp_path, teams, configured, header):
    from dataclasses import replace

    mapping = replace(load_mapping(DEMO_DATA), test_columns=(configured,))
    rows = [row(rid="1", name="test"), row(rid="2", name="Amy Lee"), row(rid="3", name=" TEST ")]
    survey, log, names = clean(
        tmp_path, rows, teams, header=[*HEADER[:2], header, *HEADER[3:]], mapping=mapping
    )
    assert log.test_rows == [2, 4]
    assert survey["response_id"].tolist() == ["2"]
    assert names == {"Amy Lee"}  # names are collected from real respondents only


def test_test_columns_may_name_a_canonical_field_in_any_case(tmp_path, teams):
    from dataclasses import replace

    mapping = replace(load_mapping(DEMO_DATA), test_columns=("Team ID",))
    survey, log, _ = clean(
        tmp_path, [row(rid="1", team="Test"), row(rid="2")], teams, mapping=mapping
    )
    assert log.test_rows == [2]
    assert survey["response_id"].tolist() == ["2"]


def test_respondent_names_reads_every_matching_column():
    from collablib.data.cleaning import respondent_names
    from collablib.data.survey_mapping import SurveyMapping

    raw = pd.DataFrame(
        {
            "Respondent Name": ["Zoë Hartley", "Anonymous", ""],
            " E-MAIL ADDRESS ": ["", "bjorn.lindqvist@example.org", "n/a"],
            "Comments": ["Zoë was here", "", ""],
        }
    )
    mapping = SurveyMapping(
        name_columns=("Respondent name", "Email address"), redact_names=("Dr Okafor",)
    )
    assert respondent_names(raw, mapping) == {"Zoë Hartley", "bjorn lindqvist", "Dr Okafor"}


def test_a_long_cell_that_folds_to_a_marker_is_still_a_test_submission(tmp_path, teams):
    # Only ASCII letters and digits count towards ruling a cell out as too long to be a marker.
    rows = [row(comment="TEST" + "!" * 200 + " \u2014" * 50), row(rid="2")]
    _, log, _ = clean(tmp_path, rows, teams)
    assert log.test_rows == [2]
