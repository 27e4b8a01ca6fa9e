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


#: Changes to a folder of inputs (holding a.csv) that must make a loader read it again.
CHANGES = {
    "edited": lambda d: (d / "a.csv").write_text("six"),  # a file's bytes
    "added": lambda d: (d / "c.csv").write_text("new"),  # a file appears in a listed folder
    "removed": lambda d: (d / "a.csv").unlink(),  # or leaves it
    "absent-now-present": lambda d: (d / "note.txt").write_text("hello"),  # an optional input
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
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


# --- a copy of the data elsewhere: the result moved, not parsed again ---------------------------


def make_moving_loader():
    """As :func:`make_loader`, but remembered with its data folder, so copies can share."""
    runs = []

    @remembered(lambda folder: Path(folder), folder=lambda folder: Path(folder))
    def load(folder: Path) -> dict:
        runs.append(folder)
        note = folder / "note.txt"
        found = {p.name: (p, read_input(p).decode()) for p in list_inputs(folder, "*.csv")}
        if input_exists(note):
            found["note"] = (note, read_input(note).decode())
        return found

    return load, runs


def copies(tmp_path: Path, n: int = 2) -> list[Path]:
    """``n`` folders called ``data`` holding the same two files."""
    folders = []
    for i in range(n):
        folder = tmp_path / f"copy{i}" / "data"
        folder.mkdir(parents=True)
        (folder / "a.csv").write_text("one")
        (folder / "b.csv").write_text("two")
        folders.append(folder)
    return folders


def test_a_copy_of_the_inputs_elsewhere_takes_the_result_with_its_own_paths(tmp_path):
    load, runs = make_moving_loader()
    first, second = copies(tmp_path)
    load(first)
    INPUT_LOG.clear()
    with recording() as log:
        moved = load(second)
    assert runs == [first] and load.stats["moved"] == 1
    assert moved == {"a.csv": (second / "a.csv", "one"), "b.csv": (second / "b.csv", "two")}
    # read and logged where it is now, as a run of the loader would have done
    assert log.hashes[str(second / "a.csv")] == sha256_bytes(b"one")
    assert log.hashes[str(second / "note.txt")] == ABSENT
    assert str(second / "[*.csv]") in log.hashes
    assert not any(str(first) in key for key in log.hashes)
    assert load(second) == moved and runs == [first]  # remembered for the copy too


@pytest.mark.parametrize(
    "change",
    [
        *CHANGES.values(),
        lambda d: ((d / "a.csv").unlink(), (d / "a.csv").symlink_to(d / "b.csv")),
    ],
    ids=[*CHANGES.keys(), "symbolic-link"],
)
def test_a_copy_that_differs_in_any_input_runs_the_loader(tmp_path, change):
    load, runs = make_moving_loader()
    first, second = copies(tmp_path)
    load(first)
    change(second)
    result = load(second)
    assert runs == [first, second] and load.stats["moved"] == 0
    expected = {p.name: (p, p.read_text()) for p in sorted(second.glob("*.csv"))}
    if (second / "note.txt").exists():
        expected["note"] = (second / "note.txt", "hello")
    assert result == expected


def test_a_copy_under_another_name_or_through_a_link_runs_the_loader(tmp_path):
    load, runs = make_moving_loader()
    first, _ = copies(tmp_path)
    load(first)
    renamed = tmp_path / "elsewhere" / "inputs"
    renamed.parent.mkdir()
    first.rename(renamed)
    assert load(renamed)["a.csv"] == (renamed / "a.csv", "one")
    linked = tmp_path / "link" / "data"
    linked.parent.mkdir()
    linked.symlink_to(renamed)
    assert load(linked)["a.csv"] == (linked / "a.csv", "one")
    assert runs == [first, renamed, linked] and load.stats["moved"] == 0


def test_a_result_naming_its_folder_in_text_is_never_moved(tmp_path):
    runs = []

    @remembered(lambda folder: Path(folder), folder=lambda folder: Path(folder))
    def load(folder: Path) -> str:
        runs.append(folder)
        read_input(folder / "a.csv")
        return f"read from {folder}/a.csv"

    first, second = copies(tmp_path)
    load(first)
    assert load(second) == f"read from {second}/a.csv" and runs == [first, second]


def demo_equal(x, y, where: str = "result") -> None:
    """Deep equality of loader results: tables with their types, dataclasses field by field."""
    import dataclasses

    import pandas as pd

    if isinstance(x, pd.DataFrame):
        assert type(y) is pd.DataFrame and list(x.dtypes) == list(y.dtypes), where
        assert x.columns.equals(y.columns) and x.index.equals(y.index) and x.equals(y), where
        assert x.attrs == y.attrs, where
    elif isinstance(x, pd.Series):
        assert x.dtype == y.dtype and x.index.equals(y.index) and x.equals(y), where
    elif dataclasses.is_dataclass(x):
        assert type(x) is type(y), where
        for f in dataclasses.fields(x):
            demo_equal(getattr(x, f.name), getattr(y, f.name), f"{where}.{f.name}")
    elif isinstance(x, dict):
        assert type(x) is type(y) and list(x) == list(y), where
        for k in x:
            demo_equal(x[k], y[k], f"{where}[{k!r}]")
    elif isinstance(x, (list, tuple)):
        assert type(x) is type(y) and len(x) == len(y), where
        for i, (a, b) in enumerate(zip(x, y, strict=True)):
            demo_equal(a, b, f"{where}[{i}]")
    else:
        assert type(x) is type(y) and x == y, (where, x, y)


def test_every_demo_loader_result_moved_to_a_copy_equals_a_fresh_read_of_the_copy(tmp_path):
    """The demo data copied twice: what the second copy gets without parsing is, table by
    table and path by path, what parsing it gives."""
    import shutil

    from collablib.data.cpes import load_cpes
    from collablib.data.registry import load_registry
    from tests.conftest import DEMO_DATA

    first, second = tmp_path / "one" / "data", tmp_path / "two" / "data"
    for folder in (first, second):
        shutil.copytree(DEMO_DATA, folder)
    ids = [c.cohort_id for c in load_registry(DEMO_DATA)]
    loaders = [(load_cohort, (i,)) for i in ids] + [(load_cpes, ())]
    for loader, args in loaders:
        loader.cache_clear()
        loader(*args, first)
        moved_before = loader.stats["moved"]
        moved = loader(*args, second)
        assert loader.stats["moved"] == moved_before + 1, args
        loader.cache_clear()
        fresh = loader(*args, second)
        demo_equal(moved, fresh, f"{loader.__name__}{args}")
        files = moved.files.values() if isinstance(moved.files, dict) else moved.files
        assert files and all(Path(p).is_relative_to(second) for p in files)


def test_an_input_whose_text_names_the_folder_is_read_anew_in_a_copy(tmp_path):
    """A value read from a file (a path typed into a spreadsheet, say) is the same text in
    both copies: moved, it would change. So a copy whose inputs name the old folder is read."""
    load, runs = make_moving_loader()
    first, second = copies(tmp_path)
    for folder in (first, second):
        (folder / "a.csv").write_text(f"see {first}/plan.docx")
    load(first)
    assert load(second)["a.csv"] == (second / "a.csv", f"see {first}/plan.docx")
    assert runs == [first, second] and load.stats["moved"] == 0


def test_a_copy_is_read_anew_when_the_working_folder_is_inside_either_folder(tmp_path, monkeypatch):
    load, runs = make_moving_loader()
    first, second = copies(tmp_path, 3)[:2]
    load(first)
    monkeypatch.chdir(second)  # messages would name its files relative to it
    assert load(second)["a.csv"] == (second / "a.csv", "one")
    assert runs == [first, second] and load.stats["moved"] == 0


def test_a_cohort_on_another_row_of_cohorts_csv_is_not_taken_for_the_same(data_copy):
    """Cohorts compare equal whatever their row, which messages name: the remembered result
    is never one for the same cohort on another row."""
    import dataclasses

    from collablib.data.registry import get_cohort

    cohort = get_cohort("cohort-1", data_copy)
    elsewhere = dataclasses.replace(cohort, row=(cohort.row or 0) + 7)
    assert elsewhere == cohort  # why the key must hold the row
    assert load_cohort(cohort, data_copy).cohort.row == cohort.row
    assert load_cohort(elsewhere, data_copy).cohort.row == elsewhere.row
