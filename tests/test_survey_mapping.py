from pathlib import Path

import pytest

from collablib.data.matching import normalise
from collablib.data.survey_mapping import find_survey_file, load_mapping
from collablib.errors import CollabError


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("  4 - Greatly IMPROVED! ", "4 greatly improved"),
        ("Don't know", "dont know"),
        ("Don\u2019t know", "dont know"),
        (
            "Would you recommend taking part in the collaborative to others?",
            "would you recommend taking part in the collaborative to others",
        ),
        ("Zoë", "zoe"),
        (" yes ", "yes"),
    ],
)
def test_normalise_ignores_case_accents_spacing_and_punctuation(text, folded):
    assert normalise(text) == folded


def test_project_mapping_matches_headers_loosely(demo_data):
    mapping = load_mapping(demo_data)
    lookup = mapping.header_lookup()
    assert lookup[normalise("WOULD YOU RECOMMEND taking part in the collaborative to others")] == (
        "recommend"
    )
    assert lookup[normalise("team_working")] == "team_working"  # canonical names always match


def test_labels_map_to_values(demo_data):
    mapping = load_mapping(demo_data)
    rating = mapping.label_lookup("team_working")
    assert rating[normalise("4 - Greatly improved")] == "4"
    assert rating[normalise("Strongly agree")] == "4"
    assert rating[normalise("1")] == "1"
    recommend = mapping.label_lookup("recommend")
    assert recommend[normalise(" yes ")] == "Yes"
    assert recommend[normalise("Y")] == "Yes"
    assert recommend[normalise("n")] == "No"
    assert normalise("Prefer not to say") in mapping.not_answered_lookup()


def test_cohort_file_adds_to_project_lists_and_replaces_named_settings(tmp_path: Path):
    (tmp_path / "survey_mapping.toml").write_text(
        '[columns]\nteam_working = ["Team working"]\nrole = ["Role"]\n'
        '[survey]\nfiles = ["*.csv"]\n',
        encoding="utf-8",
    )
    cohort = tmp_path / "raw" / "c"
    cohort.mkdir(parents=True)
    (cohort / "survey_mapping.toml").write_text(
        '[columns]\nteam_working = ["Our team works better together"]\n'
        '[survey]\ndate_format = "%d/%m/%Y %H:%M"\n',
        encoding="utf-8",
    )
    mapping = load_mapping(tmp_path, cohort)
    # A cohort's headers are added to the project's (its own first), never in place of them.
    assert mapping.columns["team_working"] == ("Our team works better together", "Team working")
    assert mapping.columns["role"] == ("Role",)
    assert mapping.files == ("*.csv",)
    assert mapping.date_format == "%d/%m/%Y %H:%M"
    assert [p.name for p in mapping.sources] == ["survey_mapping.toml"] * 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[columns]\nteam_wrking = ["x"]\n', "unknown field"),
        ('[values.rating]\n"5" = ["Excellent"]\n', "not allowed"),
        ('[values.mood]\nhappy = ["x"]\n', "unknown answer set"),
        ("[colums]\n", "unknown section"),
        ("[columns\n", "not valid TOML"),
        ("[columns]\nrole = 3\n", "must be a text or a list"),
    ],
)
def test_bad_mapping_files_are_clear_errors(tmp_path, text, message):
    (tmp_path / "survey_mapping.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CollabError, match=message) as info:
        load_mapping(tmp_path)
    assert info.value.file.endswith("survey_mapping.toml")


def test_finding_the_survey_file(tmp_path, demo_data):
    mapping = load_mapping(demo_data)
    (tmp_path / "teams.csv").write_text("x", encoding="utf-8")
    with pytest.raises(CollabError, match="no survey file found"):
        find_survey_file(tmp_path, mapping)
    (tmp_path / "Final Survey export.xlsx").write_bytes(b"")
    assert find_survey_file(tmp_path, mapping).name == "Final Survey export.xlsx"
    (tmp_path / "final_survey.csv").write_text("x", encoding="utf-8")
    assert find_survey_file(tmp_path, mapping).name == "final_survey.csv"  # canonical wins


def test_two_candidate_exports_are_not_guessed_between(tmp_path, demo_data):
    mapping = load_mapping(demo_data)
    (tmp_path / "survey March.csv").write_text("x", encoding="utf-8")
    (tmp_path / "survey April.csv").write_text("x", encoding="utf-8")
    with pytest.raises(CollabError, match="several files could be the survey"):
        find_survey_file(tmp_path, mapping)


@pytest.mark.parametrize("pattern", ["../shared/*.csv", "/tmp/export.csv", "", "sub/../../x.csv"])
def test_survey_file_patterns_stay_inside_the_cohort_folder(tmp_path, pattern):
    from collablib.data.survey_mapping import load_mapping
    from collablib.errors import CollabError

    (tmp_path / "survey_mapping.toml").write_text(
        f'[survey]\nfiles = ["{pattern}"]\n', encoding="utf-8"
    )
    with pytest.raises(CollabError, match="inside the cohort's folder"):
        load_mapping(tmp_path)
