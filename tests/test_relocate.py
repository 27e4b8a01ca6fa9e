"""Moving a remembered result to a copy of its data folder (:mod:`collablib.data.relocate`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from collablib.data.relocate import CannotMove, moved, same_layout

OLD, NEW = Path("/srv/one/data"), Path("/srv/two/data")


@dataclasses.dataclass(frozen=True)
class Source:
    path: Path
    rows: int


@dataclasses.dataclass
class Loaded:
    table: pd.DataFrame
    source: Source
    files: dict[str, Path]
    names: frozenset[str]
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Extra:
    path: Path

    def __post_init__(self) -> None:
        self.note = f"{self.path} as read"


def test_paths_inside_containers_in_cells_and_object_arrays_move():
    table = pd.DataFrame({"k": [(OLD / "a.csv", "x"), {"file": f"{OLD}/b.csv"}, None]})
    out = moved(table, OLD, NEW)
    assert list(out["k"]) == [(NEW / "a.csv", "x"), {"file": f"{NEW}/b.csv"}, None]
    array = np.empty(2, dtype=object)
    array[0], array[1] = (OLD / "a.csv", 1), (OLD / "b.csv", 2)
    assert list(moved(array, OLD, NEW)) == [(NEW / "a.csv", 1), (NEW / "b.csv", 2)]


def test_paths_and_path_text_move_and_everything_else_is_kept():
    table = pd.DataFrame(
        {
            "file": pd.array([f"{OLD}/a.csv", f"{OLD}/b.csv"], dtype="string"),
            "where": np.array([OLD / "a.csv", "elsewhere"], dtype=object),
            "score": [1.5, 2.0],
        },
        index=pd.Index([f"{OLD}/a.csv", "x"]),
    )
    value = Loaded(
        table=table,
        source=Source(OLD / "raw" / "a.csv", 2),
        files={"teams": OLD / "teams.csv", "other": Path("/etc/collab.toml")},
        names=frozenset({"Team A"}),
        notes=["2 rows read", str(OLD)],
    )
    out = moved(value, OLD, NEW)
    assert out.source == Source(NEW / "raw" / "a.csv", 2)
    assert out.files == {"teams": NEW / "teams.csv", "other": Path("/etc/collab.toml")}
    assert out.notes == ["2 rows read", str(NEW)] and out.names is value.names
    assert list(out.table["file"]) == [f"{NEW}/a.csv", f"{NEW}/b.csv"]
    assert out.table["file"].dtype == "string" and out.table.dtypes.equals(table.dtypes)
    assert out.table["score"].to_numpy().tolist() == [1.5, 2.0]
    assert list(out.table["where"]) == [NEW / "a.csv", "elsewhere"]
    assert list(out.table.index) == [f"{NEW}/a.csv", "x"]
    # the input is not changed
    assert value.source.path == OLD / "raw" / "a.csv" and table["file"].iloc[0] == f"{OLD}/a.csv"


def test_what_names_no_path_is_returned_itself():
    table = pd.DataFrame({"team": ["A", "B"], "n": [1, 2]})
    value = {"table": table, "when": pd.Timestamp("2021-04-01"), "ids": ("A", "B")}
    out = moved(value, OLD, NEW)
    assert out is value and out["table"] is table


@pytest.mark.parametrize(
    "value",
    [
        f"read from {OLD}/a.csv",  # the folder inside a message
        f"{OLD}/a.csv and {OLD}/b.csv",
        pd.DataFrame({"k": pd.Categorical([f"{OLD}/a.csv"])}),
        pd.DataFrame({"k": [1]}, index=pd.Index(["x"], name=f"{OLD}/a.csv")),  # an axis name
        pd.Series([1], name=f"{OLD}/a.csv"),
        pd.DataFrame({"k": [("x", f"read from {OLD}/a.csv")]}),  # a message in a tuple in a cell
        Extra(OLD / "a.csv"),  # a dataclass holding more than its fields
        object(),  # a kind of value it does not know
    ],
    ids=["message", "two paths", "categorical", "axis", "name", "cell", "extra", "unknown"],
)
def test_what_cannot_be_moved_with_certainty_is_refused(value):
    with pytest.raises(CannotMove):
        moved(value, OLD, NEW)


def test_only_real_folders_of_the_same_name_apart_from_each_other_share(tmp_path):
    one, two = tmp_path / "one" / "data", tmp_path / "two" / "data"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    assert same_layout(one, two)
    assert not same_layout(one, one)
    renamed = tmp_path / "two" / "inputs"
    renamed.mkdir()
    assert not same_layout(one, renamed)
    inner = one / "copy" / "data"
    inner.mkdir(parents=True)
    assert not same_layout(one, inner) and not same_layout(inner, one)
    link = tmp_path / "link" / "data"
    link.parent.mkdir()
    link.symlink_to(two)
    assert not same_layout(one, link) and not same_layout(link, one)


def test_a_copy_that_differs_is_compared_without_logging_and_a_match_is_logged(tmp_path):
    from collablib.data.inputs import recording, sha256_bytes
    from collablib.data.relocate import moved_here

    one, two = tmp_path / "one" / "data", tmp_path / "two" / "data"
    for folder in (one, two):
        folder.mkdir(parents=True)
        (folder / "a.csv").write_text("one")
    hashes = {str(one / "a.csv"): sha256_bytes(b"one")}
    kept = {"teams": one / "a.csv"}
    (two / "a.csv").write_text("six")
    with recording() as log:
        assert moved_here(hashes, kept, one, two, {}) is None
    assert log.hashes == {}
    (two / "a.csv").write_text("one")
    with recording() as log:
        here, result = moved_here(hashes, kept, one, two, {})
    assert result == {"teams": two / "a.csv"} and kept == {"teams": one / "a.csv"}
    assert here == log.hashes == {str(two / "a.csv"): sha256_bytes(b"one")}
