"""Remembered loaders (:func:`collablib.data.inputs.remembered`): never stale, always logged."""

from __future__ import annotations

from pathlib import Path

import pytest

from collablib.data.inputs import (
    ABSENT,
    INPUT_LOG,
    input_exists,
    list_inputs,
    read_input,
    recording,
    remembered,
    sha256_bytes,
)
from collablib.data.loaders import load_cohort
from collablib.errors import CollabError
from tests.conftest import read_rows, write_canonical_survey, write_rows


def make_loader():
    """A loader reading a folder's *.csv files and an optional note, counting its runs."""
    runs = []

    @remembered(lambda folder: str(folder))
    def load(folder: Path) -> dict:
        runs.append(folder)
        note = folder / "note.txt"
        text = {p.name: read_input(p).decode() for p in list_inputs(folder, "*.csv")}
        if input_exists(note):
            text["note"] = read_input(note).decode()
        if "bad" in text.values():
            raise CollabError("bad value", file=folder, allowed="anything but bad")
        return text

    return load, runs


def test_an_unchanged_input_gives_the_remembered_result_and_is_logged_again(tmp_path):
    load, runs = make_loader()
    (tmp_path / "a.csv").write_text("one")
    first = load(tmp_path)
    first["a.csv"] = "changed by the caller"
    INPUT_LOG.clear()
    with recording() as log:
        second = load(tmp_path)
    assert second == {"a.csv": "one"} and len(runs) == 1  # a copy, not the caller's object
    path = str((tmp_path / "a.csv").absolute())
    assert INPUT_LOG.hashes[path] == log.hashes[path] == sha256_bytes(b"one")
    assert log.hashes[str((tmp_path / "note.txt").absolute())] == ABSENT
    assert any(key.endswith("[*.csv]") for key in log.hashes)  # the listing, too


@pytest.mark.parametrize(
    "change",
    [
        lambda d: (d / "a.csv").write_text("two"),  # a file's bytes
        lambda d: (d / "b.csv").write_text("new"),  # a file appears in a listed folder
        lambda d: (d / "a.csv").unlink(),  # or leaves it
        lambda d: (d / "note.txt").write_text("hello"),  # an input found absent appears
    ],
    ids=["edited", "added", "removed", "absent-now-present"],
)
def test_any_change_to_what_was_read_runs_the_loader_again(tmp_path, change):
    load, runs = make_loader()
    (tmp_path / "a.csv").write_text("one")
    load(tmp_path)
    change(tmp_path)
    again = load(tmp_path)
    assert len(runs) == 2
    expected = {p.name: p.read_text() for p in sorted(tmp_path.glob("*.csv"))}
    if (tmp_path / "note.txt").exists():
        expected["note"] = "hello"
    assert again == expected


def test_a_loader_that_raises_is_not_remembered(tmp_path):
    load, runs = make_loader()
    (tmp_path / "a.csv").write_text("bad")
    for _ in range(2):
        with pytest.raises(CollabError):
            load(tmp_path)
    assert len(runs) == 2


def test_a_cohort_edited_between_loads_is_read_as_it_is_now(data_copy):
    path = write_canonical_survey(data_copy, "cohort-1")
    before = load_cohort("cohort-1", data_copy)
    assert load_cohort("cohort-1", data_copy).survey.equals(before.survey)
    rows = read_rows(path)
    rows[0]["comment"] = "Edited after the first load."
    write_rows(path, rows)
    after = load_cohort("cohort-1", data_copy)
    assert "Edited after the first load." in set(after.survey["comment"].dropna())
    assert not after.survey.equals(before.survey)


def test_a_listing_whose_pattern_names_a_subfolder_is_checked_in_that_subfolder(tmp_path):
    runs = []

    @remembered(lambda folder: str(folder))
    def load(folder: Path) -> list[str]:
        runs.append(folder)
        return [p.name for p in list_inputs(folder, "exports/*.csv")]

    (tmp_path / "exports").mkdir()
    assert load(tmp_path) == [] and load(tmp_path) == [] and len(runs) == 1
    (tmp_path / "exports" / "survey.csv").write_text("x")
    assert load(tmp_path) == ["survey.csv"] and len(runs) == 2
