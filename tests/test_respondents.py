"""Response ids for exports without them, and keying rows by person (collablib.data.respondents)."""

from __future__ import annotations

import pandas as pd
import pytest

from collablib.data.respondents import (
    DERIVED_ID,
    build_ids,
    field_words,
    joined_key,
    latest,
    person_key,
)
from collablib.data.survey_mapping import SurveyMapping
from collablib.errors import CollabError


def text(values: list[str], start: int = 2) -> pd.Series:
    return pd.Series(values, index=range(start, start + len(values)), dtype="string")


def test_latest_keeps_the_latest_by_time_then_the_lower_row():
    key = text(["a", "a", "b", "b", "c"])
    stamp = pd.Series(
        pd.to_datetime(["2021-03-02", "2021-03-01", "2021-03-01", "2021-03-01", "2021-03-05"]),
        index=key.index,
    )
    # "a": row 2 is later in time though higher in the file; "b": a tie, so the lower row 5.
    assert latest(key, stamp).tolist() == [2, 5, 6]


def test_latest_keeps_every_unmatched_row():
    key = text(["", "", "x", "x"])
    stamp = pd.Series(pd.to_datetime(["2021-03-01"] * 4), index=key.index)
    assert latest(key, stamp, unmatched=key == "").tolist() == [2, 3, 5]


def test_identity_texts_ignore_case_and_spacing_but_not_punctuation():
    emails = text(["Amy.Lee@NHS.net", " amy.lee@nhs.net ", "amy_lee@nhs.net", "amy@lee.nhs.net"])
    key = joined_key([emails])
    assert key.iloc[0] == key.iloc[1]
    assert key.nunique() == 3  # three different people, though normalise() folds them alike
    names = text(["Amy  Lee", "AMY LEE", "Amy-Lee", "\uff21my Lee"])  # full-width A (NFKC)
    folded = joined_key([names])
    assert folded.iloc[0] == folded.iloc[1] == folded.iloc[3] != folded.iloc[2]


def test_joined_key_folds_case_and_never_matches_blank_or_anonymous_parts():
    email = text(["Amy.Lee@NHS.net", "amy.lee@nhs.net", "anonymous", "", "ANON", "N/A"])
    team = text(["T1", "t1", "T1", "T1", "T1", "T1"])
    key = joined_key([email, team])
    assert key.iloc[0] == key.iloc[1] != ""
    assert key.iloc[2:].tolist() == ["", "", "", ""]
    assert joined_key([team, text(["x", "", "x", "x", "x", "x"])]).iloc[1] == ""


def test_person_key_reads_identity_columns_before_survey_fields():
    frame = pd.DataFrame({"team_id": text(["T1", "T1"]), "role": text(["a", "b"])})
    identity = pd.DataFrame({"name": text(["Amy", "AMY"])})
    key = person_key(frame, identity, ("name", "team_id"))
    assert key.iloc[0] == key.iloc[1]
    assert person_key(frame, identity, ("name", "role")).nunique() == 2


def test_build_ids_from_time_and_row_and_from_named_columns():
    frame = pd.DataFrame(
        {
            "submitted_at": text(["2021-03-12 09:15:02", "2021-03-12 10:40:51", "2021-03-13"]),
            "team_id": text(["T1", "T2", "T2"]),
        }
    )
    raw = pd.DataFrame({"Email address": text(["a@x", "", "b@x"])})
    none = pd.DataFrame(index=frame.index)
    ids, source = build_ids(frame, none, raw, SurveyMapping())
    assert source == DERIVED_ID
    assert ids.tolist() == [
        "2021-03-12 09:15:02 row 2",
        "2021-03-12 10:40:51 row 3",
        "2021-03-13 row 4",
    ]
    ids, source = build_ids(
        frame, none, raw, SurveyMapping(id_columns=("email-address", "team_id"))
    )
    assert source == ("email-address", "team_id")
    assert ids[2].startswith("id-") and len(ids[2]) == 19 and "a@x" not in ids[2]
    assert ids[3] == "2021-03-12 10:40:51 row 3"  # no e-mail: a partial identity is none
    assert ids[4] != ids[2]
    with pytest.raises(CollabError, match="id_columns names a column the export does not have"):
        build_ids(frame, none, raw, SurveyMapping(id_columns=("Respondent",)))
    # A mapped identity field is found by its name, whatever the export called it.
    identity = pd.DataFrame({"email": text(["a@x", "A@X ", "b@x"])})
    ids, _ = build_ids(frame, identity, raw, SurveyMapping(id_columns=("email",)))
    assert ids[2] == ids[3] != ids[4]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (("email",), "e-mail address"),
        (("name", "team_id"), "name and team"),
        (("name", "role", "team_id"), "name, role and team"),
    ],
)
def test_field_words(fields, words):
    assert field_words(fields) == words
