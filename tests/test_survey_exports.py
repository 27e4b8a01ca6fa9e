"""Survey exports exactly as Microsoft Forms, Google Forms and SmartSurvey give them.

Each test writes a small export in the tool's real layout into a tiny data
folder (one cohort, two teams), then checks either the figures collab reports
(``collab summary --json``) or the exact message and exit status 2 of
``collab validate``. The layouts:

- **Microsoft Forms** (XLSX, sheet "Sheet1"): ``ID``, ``Start time``,
  ``Completion time``, ``Email``, ``Name``, then one column per question. Each
  submission gets a new ``ID``, so a person who submits twice has two ids.
- **Google Forms** (CSV from the linked sheet, UK locale): ``Timestamp``,
  ``Email address``, then one column per question with its full wording. No id.
- **SmartSurvey** (CSV, often saved from Excel as Windows-1252): ``Response ID``,
  ``Date started``, ``Date ended``, ``Respondent name``, ``Email address``, ...
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from collablib.cli import main
from collablib.data.loaders import load_cohort
from collablib.data.matching import normalise
from collablib.data.survey_mapping import load_mapping
from collablib.errors import CollabError
from collablib.report.narrative import data_quality_sentence
from collablib.report.tables import cleaning_table
from tests.conftest import make_tiny_data
from tests.test_cleaning import HEADER

COHORT = "alpha"
TEAM = "Alpha cohort team 1"  # team names as a dropdown gives them (tiny data: A1, A2)
OTHER = "Alpha cohort team 2"

#: One column per question, headed by its full wording, as every tool exports them.
QUESTIONS = HEADER[3:]


def answers(team=TEAM, role="Team member", tw="4 - Greatly improved", rec="Yes", comment=""):
    return [team, role, tw, "3 - Improved", "2 - Slightly improved", rec, comment, "No"]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A tiny data folder with one cohort and its canonical survey removed."""
    root = make_tiny_data(tmp_path, {COHORT: ("Alpha cohort", "2020/21")})
    (root / "raw" / COHORT / "final_survey.csv").unlink()
    return root


def folder(data: Path) -> Path:
    return data / "raw" / COHORT


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding="utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def ms_forms(data: Path, rows: list[list[object]], sheets: dict[str, list[list]] | None = None):
    """A Microsoft Forms workbook: its one sheet, or ``sheets`` before it (cover sheets)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, cells in (sheets or {}).items():
        sheet = book.create_sheet(title)
        for line in cells:
            sheet.append(line)
    sheet = book.create_sheet("Sheet1")
    sheet.append(["ID", "Start time", "Completion time", "Email", "Name", *QUESTIONS])
    for line in rows:
        sheet.append(line)
    path = folder(data) / "Alpha final survey(1-3).xlsx"
    book.save(path)
    return path


def ms_row(rid, when: dt.datetime, email, name, **kw):
    return [rid, when - dt.timedelta(minutes=9), when, email, name, *answers(**kw)]


def google_forms(data: Path, rows: list[list[str]]) -> Path:
    header = ["Timestamp", "Email address", *QUESTIONS]
    return write_csv(
        folder(data) / "Alpha final survey (Responses) - Form responses 1.csv", header, rows
    )


def cohort_mapping(data: Path, text: str) -> None:
    (folder(data) / "survey_mapping.toml").write_text(text, encoding="utf-8")


def summary(data: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["--data-dir", str(data), "summary", "--cohort", COHORT, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def refused(data: Path, capsys) -> str:
    """``collab validate`` on the cohort: exit 2, no traceback; returns the message."""
    capsys.readouterr()
    assert main(["--data-dir", str(data), "validate", "--cohort", COHORT]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.replace(f"{COHORT}: PROBLEM\n", "").strip()


# --- 1. A cohort mapping adds to the project's lists ----------------------------------------


def test_a_cohort_role_label_is_added_not_put_in_place_of_the_project_labels(data, capsys):
    cohort_mapping(data, '[values.role]\n"Lived experience partner" = ["Service user partner"]\n')
    ms_forms(
        data,
        [
            ms_row(1, dt.datetime(2021, 3, 20, 10), "a@x.nhs.uk", "A B", role="Patient partner"),
            ms_row(
                2, dt.datetime(2021, 3, 20, 11), "c@x.nhs.uk", "C D", role="Service user partner"
            ),
            ms_row(3, dt.datetime(2021, 3, 20, 12), "e@x.nhs.uk", "E F", role="Team member"),
        ],
    )
    loaded = load_cohort(COHORT, data)
    assert loaded.survey["role"].tolist() == [
        "Lived experience partner",  # the project's label, still accepted
        "Lived experience partner",  # the cohort's new one
        "Project team member",
    ]
    assert summary(data, capsys)["respondents"] == 3


def test_a_cohort_not_answered_phrase_keeps_the_project_phrases(data, capsys):
    cohort_mapping(data, '[not_answered]\nlabels = ["Rather not say"]\n')
    ms_forms(
        data,
        [
            ms_row(1, dt.datetime(2021, 3, 20, 10), "a@x", "A", tw="Prefer not to say"),
            ms_row(2, dt.datetime(2021, 3, 20, 11), "b@x", "B", tw="Rather not say"),
            ms_row(3, dt.datetime(2021, 3, 20, 12), "c@x", "C", tw="4 - Greatly improved"),
        ],
    )
    loaded = load_cohort(COHORT, data)
    assert loaded.survey_log.not_answered == {
        "team_working": {"Prefer not to say": 1, "Rather not say": 1}
    }
    team_working = summary(data, capsys)["items"]["team_working"]
    assert (team_working["n"], team_working["positive"]) == (1, 1)


def test_every_list_table_merges_the_same_way(data):
    cohort_mapping(
        data,
        '[columns]\nteam_id = ["Service"]\n'
        '[values.recommend]\n"Yes" = ["Yes please"]\n'
        '[test_submissions]\nmarkers = ["dummy entry"]\ncolumns = ["Notes"]\n'
        '[privacy]\nname_columns = ["Full legal name"]\nredact_names = ["Dr Quill"]\n',
    )
    project = load_mapping(data)
    merged = load_mapping(data, folder(data))
    assert merged.columns["team_id"] == ("Service", *project.columns["team_id"])
    assert merged.values["recommend"]["Yes"] == ("Yes please", *project.values["recommend"]["Yes"])
    assert merged.values["role"] == project.values["role"]  # untouched tables are inherited
    assert merged.test_markers == ("dummy entry", *project.test_markers)
    assert merged.test_columns == ("Notes", *project.test_columns)
    assert merged.name_columns == ("Full legal name", *project.name_columns)
    assert merged.redact_names == ("Dr Quill", *project.redact_names)
    assert merged.not_answered == project.not_answered


def test_a_text_the_cohort_lists_under_another_key_moves_there(data):
    # The project reads "Agree" as 3; this cohort's scale has it as the top answer.
    cohort_mapping(data, '[values.rating]\n"4" = ["agree"]\n')
    ratings = load_mapping(data, folder(data)).label_lookup("team_working")
    assert ratings[normalise("Agree")] == "4"
    assert ratings[normalise("Strongly agree")] == "4"  # the project's other labels stay
    assert ratings[normalise("Disagree")] == "2"


def test_remove_drops_a_project_label_which_is_then_refused(data, capsys):
    cohort_mapping(data, '[values.role]\nremove = ["Patient partner"]\n')
    merged = load_mapping(data, folder(data))
    assert "Patient partner" not in merged.values["role"]["Lived experience partner"]
    assert "Carer partner" in merged.values["role"]["Lived experience partner"]
    ms_forms(data, [ms_row(1, dt.datetime(2021, 3, 20, 10), "a@x", "A", role="Patient partner")])
    message = refused(data, capsys)
    assert 'row 2, column "role": value is not allowed. Found: "Patient partner".' in message


def test_remove_of_a_text_the_project_does_not_list_is_an_error(data, capsys):
    cohort_mapping(data, '[not_answered]\nremove = ["Prefer not to sya"]\n')
    ms_forms(data, [ms_row(1, dt.datetime(2021, 3, 20, 10), "a@x", "A")])
    message = refused(data, capsys)
    assert message.startswith(
        f'{folder(data) / "survey_mapping.toml"}, column "[not_answered] remove": '
        "[not_answered] remove names a text the project mapping does not list there. "
        'Found: "Prefer not to sya". Allowed: one of \u201cPrefer not to say\u201d; '
    )


def test_remove_in_the_project_file_is_refused(data):
    path = data / "survey_mapping.toml"
    path.write_text(path.read_text() + "\n[privacy.extra]\n", encoding="utf-8")
    path.write_text(
        path.read_text()
        .replace("[privacy.extra]\n", "")
        .replace("redact_names = []", 'redact_names = []\nremove = ["Name"]'),
        encoding="utf-8",
    )
    with pytest.raises(CollabError, match=r"\[privacy\] remove is for a cohort's own mapping"):
        load_mapping(data)


def test_survey_settings_are_replaced_and_unknown_ones_refused(data):
    cohort_mapping(data, '[survey]\nduplicate_key = ["name", "team_id"]\n')
    assert load_mapping(data, folder(data)).duplicate_key == ("name", "team_id")
    assert load_mapping(data).duplicate_key == ("email",)
    cohort_mapping(data, '[survey]\nduplicate_keys = ["email"]\n')
    with pytest.raises(CollabError, match="unknown setting in \\[survey\\]") as info:
        load_mapping(data, folder(data))
    assert "duplicate_key" in info.value.allowed
    cohort_mapping(data, '[survey]\nduplicate_key = ["e-mail"]\n')
    with pytest.raises(CollabError, match="duplicate_key names a field that is not mapped"):
        load_mapping(data, folder(data))


# --- 2. Exports without a response id (Google Forms) ----------------------------------------


GOOGLE_ROWS = [
    ["12/03/2021 09:15:02", "amy.lee@example.nhs.uk", *answers()],
    ["12/03/2021 10:40:51", "", *answers(team=OTHER, rec="No", tw="2 - Slightly improved")],
    ["13/03/2021 16:05:33", "raj.patel@example.nhs.uk", *answers(role="Patient partner")],
]
GOOGLE_MAPPING = '[survey]\ndate_format = "%d/%m/%Y %H:%M:%S"\n'


def test_google_forms_export_is_used_as_downloaded_with_derived_ids(data, capsys):
    cohort_mapping(data, GOOGLE_MAPPING)
    google_forms(data, GOOGLE_ROWS)
    loaded = load_cohort(COHORT, data)
    assert loaded.survey["response_id"].tolist() == [
        "2021-03-12 09:15:02 row 2",
        "2021-03-12 10:40:51 row 3",
        "2021-03-13 16:05:33 row 4",
    ]
    figures = summary(data, capsys)
    assert figures["respondents"] == 3
    assert (figures["recommend"]["yes"], figures["recommend"]["n"]) == (2, 3)
    assert (
        figures["items"]["team_working"]["positive"],
        figures["items"]["team_working"]["n"],
    ) == (
        2,
        3,
    )
    sentence = data_quality_sentence(loaded.survey_log)
    assert (
        "The export has no response-id column, so each response was identified by its "
        "submission time and its row in the file." in sentence
    )


def test_derived_ids_stay_the_same_when_responses_are_appended(data):
    cohort_mapping(data, GOOGLE_MAPPING)
    google_forms(data, GOOGLE_ROWS[:2])
    before = load_cohort(COHORT, data).survey["response_id"].tolist()
    google_forms(data, GOOGLE_ROWS)
    after = load_cohort(COHORT, data).survey["response_id"].tolist()
    assert after[:2] == before and len(after) == 3


def test_id_columns_build_ids_and_a_repeated_id_keeps_the_latest(data, capsys):
    cohort_mapping(
        data, GOOGLE_MAPPING + 'id_columns = ["Email address", "team_id"]\nduplicate_key = []\n'
    )
    rows = [
        GOOGLE_ROWS[2],  # Raj, later in time but higher in the file
        [
            "12/03/2021 08:00:00",
            "raj.patel@example.nhs.uk",
            *answers(role="Patient partner", rec="No"),
        ],
        GOOGLE_ROWS[1],  # no e-mail: keeps a time-and-row id, never matched
        ["12/03/2021 11:00:00", "", *answers(team=OTHER)],
    ]
    google_forms(data, rows)
    loaded = load_cohort(COHORT, data)
    ids = loaded.survey.set_index("row")["response_id"]
    assert ids[2].startswith("id-") and len(ids[2]) == 19
    assert ids[4] == "2021-03-12 10:40:51 row 4" and ids[5] == "2021-03-12 11:00:00 row 5"
    assert loaded.survey_log.duplicate_rows == [3]  # Raj's earlier answer, lower in the file
    assert loaded.survey_log.ids_built_from == ("Email address", "team_id")
    assert "identified by their Email address and team (the survey mapping's id_columns)" in (
        data_quality_sentence(loaded.survey_log)
    )
    assert summary(data, capsys)["respondents"] == 3


def test_id_columns_naming_a_missing_column_is_an_error(data, capsys):
    cohort_mapping(data, GOOGLE_MAPPING + 'id_columns = ["Respondent number"]\n')
    google_forms(data, GOOGLE_ROWS)
    message = refused(data, capsys)
    assert message.startswith(
        f'{folder(data) / "survey_mapping.toml"}, column "[survey] id_columns": '
        "[survey] id_columns names a column the export does not have. "
        'Found: "Respondent number". Allowed: a mapped field or one of the export\'s headers: '
        "Timestamp, Email address, Which project team are you part of?"
    )


# --- 3. Resubmissions by one person ---------------------------------------------------------


def test_microsoft_forms_resubmission_keeps_the_latest_by_time_not_row(data, capsys):
    rows = [
        # Amy's second go (later) is ABOVE her first in the file: time decides, not order.
        ms_row(3, dt.datetime(2021, 3, 22, 9), "Amy.Lee@example.nhs.uk", "Amy Lee", rec="Yes"),
        ms_row(1, dt.datetime(2021, 3, 20, 10), "amy.lee@example.nhs.uk", "Amy Lee", rec="No"),
        ms_row(2, dt.datetime(2021, 3, 20, 11), "anonymous", "", rec="No"),
        ms_row(4, dt.datetime(2021, 3, 21, 11), "anonymous", "", rec="Yes"),
        ms_row(5, dt.datetime(2021, 3, 21, 12), "", "", rec="Yes"),
        ms_row(6, dt.datetime(2021, 3, 21, 13), "", "", rec="Yes"),
    ]
    ms_forms(data, rows)
    loaded = load_cohort(COHORT, data)
    log = loaded.survey_log
    assert log.resubmission_rows == [3]  # Amy's first submission, row 3 of the sheet
    assert log.duplicate_rows == []  # different ids: not an id duplicate
    assert loaded.survey["response_id"].tolist() == ["3", "2", "4", "5", "6"]
    figures = summary(data, capsys)
    assert figures["respondents"] == 5  # anonymous and blank e-mails are never matched
    assert (figures["recommend"]["yes"], figures["recommend"]["n"]) == (4, 5)
    steps = cleaning_table(log)
    assert steps.iloc[4].tolist() == [
        "Earlier submissions by the same person dropped (same e-mail address)",
        "1",
        "3",
    ]
    assert (
        "Cleaning removed 1 earlier submission by someone who answered again "
        "(same e-mail address), leaving 5 responses for this report."
    ) in data_quality_sentence(log)


def test_id_duplicates_and_resubmissions_are_counted_separately(data):
    rows = [
        ms_row(1, dt.datetime(2021, 3, 20, 10), "amy@x", "Amy", rec="No"),
        ms_row(1, dt.datetime(2021, 3, 20, 12), "amy@x", "Amy", rec="No"),  # exported twice
        ms_row(2, dt.datetime(2021, 3, 21, 9), "amy@x", "Amy", rec="Yes"),  # submitted again
        ms_row(3, dt.datetime(2021, 3, 21, 10), "bo@x", "Bo"),
    ]
    ms_forms(data, rows)
    log = load_cohort(COHORT, data).survey_log
    assert (log.duplicate_rows, log.resubmission_rows, log.rows_used) == ([2], [3], 2)


def test_duplicate_key_may_be_any_mapped_fields(data, capsys):
    cohort_mapping(data, '[survey]\nduplicate_key = ["name", "team_id"]\n')
    rows = [
        ms_row(1, dt.datetime(2021, 3, 20, 10), "", "Amy Lee", rec="No"),
        ms_row(2, dt.datetime(2021, 3, 21, 10), "", "AMY LEE", team="A1", rec="Yes"),  # id
        ms_row(3, dt.datetime(2021, 3, 21, 11), "", "Amy Lee", team=OTHER),  # another team
    ]
    ms_forms(data, rows)
    log = load_cohort(COHORT, data).survey_log
    assert log.resubmission_rows == [2]
    assert summary(data, capsys)["respondents"] == 2
    assert "(same name and team)" in data_quality_sentence(log)


def test_an_export_without_the_key_column_says_it_was_not_checked(data, capsys):
    header = ["Timestamp", *QUESTIONS]  # a Google Form that does not collect e-mails
    rows = [["2021-03-12 09:15:02", *answers()], ["2021-03-12 09:15:02", *answers()]]
    write_csv(folder(data) / "Alpha survey (Responses).csv", header, rows)
    log = load_cohort(COHORT, data).survey_log
    assert not log.resubmissions_checked and log.duplicate_key_missing == ("email",)
    assert (
        "Whether anyone answered twice could not be checked: the export has no e-mail address "
        "column." in data_quality_sentence(log)
    )
    assert "same person" not in " ".join(cleaning_table(log)["Step"])
    assert summary(data, capsys)["respondents"] == 2  # same time, two rows: two responses


# --- 4. Messages that point at the fix ------------------------------------------------------


def test_the_only_sheet_with_the_survey_is_chosen(data, capsys):
    cover = {
        "Cover": [["Alpha cohort final survey"], ["Exported 2021-03-31"]],
        "Notes": [["Question", "Notes"]],
    }
    ms_forms(data, [ms_row(1, dt.datetime(2021, 3, 20, 10), "a@x", "A")], sheets=cover)
    loaded = load_cohort(COHORT, data)
    source = loaded.survey_log.source
    assert (source.sheet, source.sheets, source.sheet_chosen) == (
        "Sheet1",
        ("Cover", "Notes", "Sheet1"),
        True,
    )
    assert "sheet \u201cSheet1\u201d of 3, the only one with the survey\u2019s columns" in (
        data_quality_sentence(loaded.survey_log)
    )
    assert summary(data, capsys)["respondents"] == 1


def test_two_sheets_with_the_survey_are_not_guessed_between(data, capsys):
    header = ["ID", "Start time", "Completion time", "Email", "Name", *QUESTIONS]
    copy = {"Old responses": [header, ms_row(9, dt.datetime(2021, 3, 1, 9), "z@x", "Z")]}
    path = ms_forms(data, [ms_row(1, dt.datetime(2021, 3, 20, 10), "a@x", "A")], sheets=copy)
    assert refused(data, capsys) == (
        f"{path}: {path.name} has 2 sheets that could be the one to read "
        "(\u201cOld responses\u201d, \u201cSheet1\u201d). Allowed: name the sheet to read with "
        '[survey] sheet in the cohort\'s survey_mapping.toml, e.g. sheet = "Old responses" '
        "(or its number, 1)."
    )
    cohort_mapping(data, '[survey]\nsheet = "Sheet1"\n')
    assert summary(data, capsys)["respondents"] == 1


def test_missing_headers_name_the_sheet_read_and_the_setting(data, capsys):
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["Alpha cohort final survey: summary of responses"])
    book.create_sheet("Responses").append(["Respondent", "When", "Team"])
    path = folder(data) / "Alpha final survey.xlsx"
    book.save(path)
    message = refused(data, capsys)
    assert message.startswith(
        f'{path}, column "submitted_at": no column found for the required '
        "field submitted_at (and 6 more: team_id, role, "
    )
    assert message.endswith(
        "Headers found: Alpha cohort final survey: summary of responses. Read sheet "
        "\u201cSummary\u201d of \u201cSummary\u201d, \u201cResponses\u201d; to read another, set "
        'sheet = "Responses" (or its number) under [survey] in the cohort\'s '
        "survey_mapping.toml."
    )


def test_uk_dates_without_date_format_name_the_setting_once(data, capsys):
    google_forms(data, GOOGLE_ROWS)
    assert refused(data, capsys) == (
        f'{next(folder(data).glob("*.csv"))}, row 2, column "submitted_at": the submission time '
        "(column \u201cTimestamp\u201d) is not a date collab can read (nor are those in 2 other "
        'rows). Found: "12/03/2021 09:15:02". Allowed: a date and time written YYYY-MM-DD HH:MM, '
        "e.g. 2021-04-12 14:05; for an export that writes dates another way, set date_format "
        "under [survey] in the cohort's survey_mapping.toml, e.g. "
        'date_format = "%d/%m/%Y %H:%M:%S", which reads all of them.'
    )


def test_ambiguous_day_month_dates_say_to_check_which(data, capsys):
    google_forms(data, [["03/04/2021 09:15:02", "", *answers()]])
    message = refused(data, capsys)
    assert (
        'e.g. date_format = "%d/%m/%Y %H:%M:%S", which reads all of them (so would the US '
        '"%m/%d/%Y %H:%M:%S": check which the survey tool used).' in message
    )


def test_a_wrong_date_format_is_named(data, capsys):
    cohort_mapping(data, '[survey]\ndate_format = "%d/%m/%Y %H:%M"\n')
    google_forms(data, GOOGLE_ROWS)
    message = refused(data, capsys)
    assert (
        'Found: "12/03/2021 09:15:02". Allowed: a date and time written like 12/04/2021 14:05, '
        'as the survey mapping\'s [survey] date_format "%d/%m/%Y %H:%M" says, or ISO 8601; '
        "correct date_format if the export writes dates another way, e.g. "
        'date_format = "%d/%m/%Y %H:%M:%S", which reads all of them.' in message
    )
    assert message.count("\n") == 0  # one paragraph, not one per row


def test_smartsurvey_windows_1252_export_with_uk_dates(data, capsys):
    cohort_mapping(data, '[survey]\ndate_format = "%d/%m/%Y %H:%M"\n')
    header = [
        "Response ID",
        "Date started",
        "Date ended",
        "Respondent name",
        "Email address",
        *QUESTIONS,
    ]
    rows = [
        [
            "84210991",
            "20/03/2021 10:01",
            "20/03/2021 10:04",
            "Zoë Brontë",
            "zoe@x.nhs.uk",
            *answers(comment="Zoë ran the sessions."),
        ],
        ["84210992", "20/03/2021 11:01", "20/03/2021 11:09", "", "", *answers(team=OTHER)],
        [
            "84210993",
            "21/03/2021 09:30",
            "21/03/2021 09:41",
            "Zoë Brontë",
            "ZOE@x.nhs.uk",
            *answers(rec="No"),
        ],
    ]
    write_csv(
        folder(data) / "Alpha final survey - SmartSurvey export.csv",
        header,
        rows,
        encoding="cp1252",
    )
    loaded = load_cohort(COHORT, data)
    assert loaded.survey_log.resubmission_rows == [2]
    assert "Zoë Brontë" in loaded.names
    figures = summary(data, capsys)
    assert (figures["respondents"], figures["recommend"]["yes"]) == (2, 1)


def test_missing_cohort_folder_names_the_cohorts_csv_row(data, capsys):
    (folder(data)).rename(folder(data).with_name("Alpha"))
    assert refused(data, capsys) == (
        f'{data / "cohorts.csv"}, row 2, column "cohort_id": this cohort\'s data folder '
        f'{folder(data)}/ does not exist. Found: "{COHORT}". Allowed: a folder {folder(data)}/ '
        "holding teams.csv and the survey export, or the cohort_id spelt as its folder is "
        "(Alpha): upper and lower case must match."
    )


def test_toml_error_shows_the_line_with_a_caret_and_names_typographic_quotes(data, capsys):
    cohort_mapping(
        data, "[survey]\n# Pasted from a Word document:\ndate_format = \u201c%d/%m/%Y %H:%M\u201d\n"
    )
    google_forms(data, GOOGLE_ROWS)
    assert refused(data, capsys) == (
        f"{folder(data) / 'survey_mapping.toml'}: the survey mapping is not valid TOML: "
        "Invalid value at line 3, column 15; the line has typographic quotes "
        "(\u201c \u201d \u2018 \u2019), which Word and some editors put in: TOML needs straight "
        "quotes (\" or '). Allowed: the layout documented in data/README.md.\n"
        "    date_format = \u201c%d/%m/%Y %H:%M\u201d\n"
        "                  ^"
    )


def test_toml_error_caret_follows_tabs_and_plain_errors_have_no_quote_hint(data, capsys):
    cohort_mapping(data, "[columns]\n\tteam_id = Team\n")
    google_forms(data, GOOGLE_ROWS)
    message = refused(data, capsys)
    assert "typographic" not in message
    assert "Invalid value at line 2, column 12." in message
    assert message.endswith("\n    \tteam_id = Team\n    \t          ^")


def test_toml_error_at_the_end_of_the_file_points_after_the_last_line(data, capsys):
    cohort_mapping(data, '[columns]\nteam_id = ["Team",\n\n')
    google_forms(data, GOOGLE_ROWS)
    message = refused(data, capsys)
    assert "Invalid value at the end of the file (line 2)." in message
    assert message.endswith('\n    team_id = ["Team",\n                      ^')


def test_every_mapping_example_in_the_data_dictionary_is_a_valid_cohort_file(data):
    text = (Path(__file__).parents[1] / "data" / "README.md").read_text(encoding="utf-8")
    section = text[text.index("**How a cohort file combines") : text.index("### Cleaning rules")]
    examples = section.split("```toml\n")[1:]
    assert len(examples) == 5  # the combined example and one per tool, plus duplicate_key
    for example in examples:
        cohort_mapping(data, example.split("```")[0])
        merged = load_mapping(data, folder(data))
        assert merged.sources[-1] == folder(data) / "survey_mapping.toml"
    cohort_mapping(data, examples[0].split("```")[0])
    merged = load_mapping(data, folder(data))
    assert "N/A" not in merged.not_answered and "Rather not say" in merged.not_answered
    assert merged.label_lookup("team_working")[normalise("Agree")] == "4"


def test_emails_that_differ_in_punctuation_are_different_people(data, capsys):
    rows = [
        ms_row(1, dt.datetime(2021, 3, 20, 10), "amy.lee@nhs.net", "Amy Lee"),
        ms_row(2, dt.datetime(2021, 3, 20, 11), "amy_lee@nhs.net", "Amy Lee"),
        ms_row(3, dt.datetime(2021, 3, 20, 12), "amy@lee.nhs.net", "Amy Lee"),
    ]
    ms_forms(data, rows)
    assert load_cohort(COHORT, data).survey_log.resubmission_rows == []
    assert summary(data, capsys)["respondents"] == 3


def test_id_columns_may_name_the_email_field(data, capsys):
    cohort_mapping(data, GOOGLE_MAPPING + 'id_columns = ["email", "submitted_at"]\n')
    google_forms(data, GOOGLE_ROWS)
    loaded = load_cohort(COHORT, data)
    ids = loaded.survey.set_index("row")["response_id"]
    assert ids[2].startswith("id-") and ids[4].startswith("id-")
    assert ids[3] == "2021-03-12 10:40:51 row 3"  # no e-mail on that row
    assert "amy" not in "".join(ids) and "raj" not in "".join(ids)
    assert summary(data, capsys)["respondents"] == 3


def test_a_second_email_or_name_column_is_ignored_not_refused(data):
    # SmartSurvey can export both the contact's e-mail and a question asking for one.
    header = [
        "Response ID",
        "Date ended",
        "Email",
        "Email address",
        "Name",
        "Full name",
        *QUESTIONS,
    ]
    rows = [
        ["1", "2021-03-20 10:00", "amy@x", "", "Amy Lee", "Amy Lee", *answers(rec="No")],
        ["2", "2021-03-21 10:00", "amy@x", "amy.lee@y", "", "Amy Lee", *answers(rec="Yes")],
    ]
    write_csv(folder(data) / "Alpha survey export.csv", header, rows)
    log = load_cohort(COHORT, data).survey_log
    assert (log.columns_used["email"], log.columns_used["name"]) == ("Email", "Name")
    assert {"Email address", "Full name"} <= set(log.columns_ignored)
    assert log.resubmission_rows == [2]  # by the first e-mail column


def test_a_header_the_mapping_knows_as_a_name_is_redacted_from_quotes(data):
    from collablib.survey.quotes import consented_quotes

    # "Full name" is in [columns] name only, not in [privacy] name_columns.
    header = ["Response ID", "Date ended", "Full name", *QUESTIONS]
    comment = "Thanks to Ottilie for keeping us going."
    row = answers(comment=comment)
    row[-1] = "Yes"
    write_csv(
        folder(data) / "Alpha survey export.csv",
        header,
        [["1", "2021-03-20 10:00", "Ottilie Brandt", *row]],
    )
    loaded = load_cohort(COHORT, data)
    assert "Ottilie Brandt" in loaded.names
    quotes = consented_quotes(loaded.survey, loaded.names)["quote"].tolist()
    assert quotes == ["Thanks to [name removed] for keeping us going."]


@pytest.mark.parametrize("bad", ["%-d/%m/%Y %H:%M", "%s", "%d/%m/%Y %T", ""])
def test_a_date_format_strptime_cannot_use_is_named_once(data, capsys, bad):
    cohort_mapping(data, f'[survey]\ndate_format = "{bad}"\n')
    google_forms(data, GOOGLE_ROWS)
    assert refused(data, capsys) == (
        f'{folder(data) / "survey_mapping.toml"}, column "[survey] date_format": [survey] '
        f"date_format is not a layout Python's strptime can read. Found: "
        + (f'"{bad}"' if bad else "(blank)")
        + '. Allowed: strptime codes such as "%d/%m/%Y %H:%M" (12/04/2021 14:05) or '
        '"%d/%m/%Y %H:%M:%S"; %-d and %s are not strptime codes.'
    )


def test_toml_hint_only_when_a_typographic_quote_is_the_fault(data, capsys):
    # A curly apostrophe inside a properly quoted label is fine; the fault is the bare N/A.
    cohort_mapping(data, '[not_answered]\nlabels = ["Don\u2019t know", N/A]\n')
    google_forms(data, GOOGLE_ROWS)
    message = refused(data, capsys)
    assert "Invalid value at line 2, column 25" in message and "typographic" not in message


def test_toml_with_a_byte_order_mark_is_read(data, capsys):
    (folder(data) / "survey_mapping.toml").write_text("\ufeff" + GOOGLE_MAPPING, encoding="utf-8")
    google_forms(data, GOOGLE_ROWS)
    assert summary(data, capsys)["respondents"] == 3


def test_a_cohort_can_switch_off_project_settings(data):
    cohort_mapping(data, "[survey]\nduplicate_key = []\nid_columns = []\n")
    merged = load_mapping(data, folder(data))
    assert (merged.duplicate_key, merged.id_columns) == ((), ())
    assert merged.setting_files["duplicate_key"] == folder(data) / "survey_mapping.toml"
    assert merged.setting_files["files"] == data / "survey_mapping.toml"


def test_an_export_named_after_the_form_is_listed_with_the_setting_to_read_it(data, capsys):
    # Microsoft Forms names its download after the form's title, without "survey" in it.
    path = ms_forms(data, [ms_row(1, dt.datetime(2021, 3, 20, 10), "a@x", "A")])
    path.rename(path.with_name("End of collaborative feedback(1-3).xlsx"))
    assert refused(data, capsys) == (
        f"{folder(data)}: no survey file found in the cohort folder. Allowed: final_survey.csv, "
        "or a survey export matching final_survey.xlsx, *[Ss]urvey*.xlsx, *[Ss]urvey*.csv. "
        "Files here: End of collaborative feedback(1-3).xlsx; to read one, name it under "
        "[survey] in the cohort's survey_mapping.toml, e.g. "
        'files = ["End of collaborative feedback*"], leaving the file as downloaded.'
    )
    cohort_mapping(data, '[survey]\nfiles = ["End of collaborative feedback*"]\n')
    assert summary(data, capsys)["respondents"] == 1


def test_a_question_worded_otherwise_is_pointed_at_the_columns_table(data, capsys):
    header = ["Timestamp", "Email address", "Which service are you from?", *QUESTIONS[1:]]
    write_csv(
        folder(data) / "Alpha survey (Responses).csv",
        header,
        [["2022-03-12 09:15:02", "", TEAM, *answers()[1:]]],
    )
    message = refused(data, capsys)
    assert (
        "; for a question worded otherwise, add its header under [columns] team_id in the "
        "cohort's survey_mapping.toml. Headers found: Timestamp; Email address; Which service"
        in message
    )
    cohort_mapping(data, '[columns]\nteam_id = ["Which service are you from?"]\n')
    assert summary(data, capsys)["respondents"] == 1


def test_no_email_name_or_built_id_reaches_any_published_table(data, capsys):
    """Identity columns feed duplicate_key, id_columns and redaction, and nothing else."""
    from collablib.analysis import analyse

    cohort_mapping(data, '[survey]\nid_columns = ["email", "submitted_at"]\n')
    people = [
        ("ottilie.brandt@example.nhs.uk", "Ottilie Brandt"),
        ("q.vance@nhs.net", "Quentin Vance"),
    ]
    rows = []
    for n, (email, name) in enumerate(people * 2):
        line = ms_row(
            n + 1,
            dt.datetime(2021, 3, 20 + n, 10),
            email,
            name,
            comment=f"{name.split()[0]} and {email} made this work.",
        )
        line[-1] = "Yes"
        rows.append(line)
    ms_forms(data, rows)
    analysis = analyse(COHORT, data)
    assert analysis.survey.data_quality.resubmission_rows == [2, 3]
    ids = set(load_cohort(COHORT, data).survey["response_id"])
    published = "\n".join(
        frame.to_csv(index=False) for frame in analysis.tables().values()
    ) + json.dumps(summary(data, capsys))
    for secret in [
        *(p for person in people for p in person),
        "Ottilie",
        "Quentin",
        "Brandt",
        "Vance",
        "ottilie",
        "vance",
        *ids,
    ]:
        assert secret not in published, secret
    assert "[name removed] and [email removed] made this work." in published
