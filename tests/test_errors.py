import pytest

from collablib.errors import CollabError


def test_paragraph_names_file_row_column_value_and_allowed():
    err = CollabError(
        "value is not allowed",
        file="data/raw/c/final_survey.csv",
        row=14,
        column="recommend",
        value="Maybe",
        allowed="Yes or No",
    )
    assert str(err) == (
        'data/raw/c/final_survey.csv, row 14, column "recommend": value is not allowed. '
        'Found: "Maybe". Allowed: Yes or No.'
    )


def test_blank_value_is_spelled_out():
    err = CollabError("value is not allowed", column="role", value="")
    assert "Found: (blank)." in str(err)


def test_no_value_means_no_found_clause():
    err = CollabError("teams.csv not found", file="x/teams.csv")
    assert "Found" not in str(err)
    assert str(err) == "x/teams.csv: teams.csv not found."


def test_combine_lists_further_problems_and_summarises_the_rest():
    errors = [CollabError("bad", row=r, column="c", value=str(r)) for r in range(2, 12)]
    combined = CollabError.combine(errors)
    lines = str(combined).splitlines()
    assert lines[0].startswith("row 2,")
    assert len(lines) == 6  # five problems, then a summary line
    assert lines[-1] == "... and 5 more problem(s) of the same kind."


def test_refuse_unknown_names_the_setting_and_suggests_the_nearest():
    from collablib.errors import refuse_unknown

    refuse_unknown(["date_format"], ["files", "date_format"], "unknown setting", "m.toml")
    with pytest.raises(CollabError) as info:
        refuse_unknown(
            ["files", "date_fromat"], ["files", "date_format"], "unknown setting", "m.toml"
        )
    assert info.value.message == (
        'm.toml: unknown setting (did you mean date_format?). Found: "date_fromat". '
        "Allowed: files, date_format."
    )
    with pytest.raises(CollabError, match=r"^m.toml: unknown setting\. Found"):
        refuse_unknown(["zzz"], ["files", "date_format"], "unknown setting", "m.toml")
