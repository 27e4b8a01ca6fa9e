from pathlib import Path

import pytest

from collablib.errors import CollabError
from collablib.ingest import drop_blank_rows, read_csv_text


def test_index_is_spreadsheet_row_and_survives_blank_lines(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,x\n\n2, y \n", encoding="utf-8")
    frame = drop_blank_rows(read_csv_text(path))
    assert list(frame.index) == [2, 4]
    assert frame.loc[4, "b"] == "y"  # surrounding spaces removed


def test_multiline_cell_is_one_spreadsheet_row(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text('a,b\n1,"two\nlines"\n2,z\n', encoding="utf-8")
    frame = read_csv_text(path)
    assert list(frame.index) == [2, 3]
    assert frame.loc[3, "b"] == "z"


def test_byte_order_mark_is_accepted(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_bytes("\ufeffa,b\n1,2\n".encode())
    assert list(read_csv_text(path).columns) == ["a", "b"]


def test_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CollabError, match="not found"):
        read_csv_text(tmp_path / "nope.csv")


def test_non_utf8_file_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_bytes("a,b\nZo\xeb,2\n".encode("cp1252"))
    with pytest.raises(CollabError, match="not UTF-8") as info:
        read_csv_text(path)
    assert "CSV UTF-8" in str(info.value)


def test_empty_file_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(CollabError, match="empty"):
        read_csv_text(path)


def test_cells_are_text_never_nan(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n,NA\n", encoding="utf-8")
    frame = read_csv_text(path)
    assert frame.loc[2, "a"] == ""
    assert frame.loc[2, "b"] == "NA"
    assert str(frame["a"].dtype) == "string"
