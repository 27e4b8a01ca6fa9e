"""Reading raw files as they really arrive: encodings, workbooks, and files that are neither."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from collablib.data.ingest import drop_blank_rows, read_csv_text, read_table, sniff
from collablib.errors import CollabError


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


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("a,b\nZoë,2\n".encode(), "UTF-8"),
        (b"\xef\xbb\xbf" + "a,b\nZoë,2\n".encode(), "UTF-8 with BOM"),
        ("a,b\nZoë,2\n".encode("cp1252"), "Windows-1252"),
    ],
)
def test_accepted_encodings_decode_accented_names(tmp_path: Path, data, encoding):
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    frame, info = read_table(path)
    assert list(frame.columns) == ["a", "b"]
    assert frame.loc[2, "a"] == "Zoë"
    assert info.encoding == encoding and info.format == "CSV"


def test_text_outside_both_encodings_is_refused(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n\x81\x8d,2\n")  # bytes undefined in Windows-1252, invalid UTF-8
    with pytest.raises(CollabError, match="unexpected text encoding") as info:
        read_table(path)
    assert "UTF-8" in info.value.allowed


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        ("a,b\n1,2\n".encode("utf-16"), "UTF-16"),
        (b"%PDF-1.7\n%binary", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (b"abc\x00\x00def", "binary"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_named_as_what_they_are(tmp_path, data, looks_like):
    path = tmp_path / "final_survey.csv"
    path.write_bytes(data)
    with pytest.raises(CollabError, match="is not a CSV or XLSX file") as info:
        read_table(path)
    assert looks_like in str(info.value)


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in names:
            z.writestr(name, "x")
    return buffer.getvalue()


def test_word_document_and_plain_zip_are_refused(tmp_path):
    assert sniff(_zip(["word/document.xml"])) == "a Word document (.docx)"
    path = tmp_path / "survey.xlsx"
    path.write_bytes(_zip(["readme.txt"]))
    with pytest.raises(CollabError, match="zip archive"):
        read_table(path)


def test_wrong_extension_either_way(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["a"])
    workbook = tmp_path / "survey.csv"
    book.save(workbook)
    with pytest.raises(CollabError, match=r"is an Excel workbook but is named \.csv"):
        read_table(workbook)
    text = tmp_path / "survey.xlsx"
    text.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CollabError, match="not an Excel workbook"):
        read_table(text)
    other = tmp_path / "survey.txt"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CollabError, match=r"unsupported file type \.txt"):
        read_table(other)


def test_xlsx_cells_become_text_with_spreadsheet_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    sheet.append(["ID", "When", "Rating", "Comment"])
    sheet.append([1, dt.datetime(2021, 4, 6, 10, 42), 3, " good "])
    sheet.append([None, None, None, None])
    sheet.append([2.0, dt.date(2021, 4, 7), "4 - Greatly improved", "Zoë"])
    sheet.append([None, None, None, None])  # trailing empty rows are trimmed
    path = tmp_path / "export.xlsx"
    book.save(path)
    frame, info = read_table(path)
    assert info.format == "XLSX" and info.sheet == "Responses"
    assert list(frame.index) == [2, 3, 4]
    assert frame.loc[2].tolist() == ["1", "2021-04-06 10:42:00", "3", "good"]
    assert (frame.loc[3] == "").all()
    assert frame.loc[4].tolist() == ["2", "2021-04-07", "4 - Greatly improved", "Zoë"]


def test_xlsx_sheet_choice(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["a"])
    second = book.create_sheet("Data")
    second.append(["b"])
    second.append(["x"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    assert list(read_table(path, sheet="Data")[0].columns) == ["b"]
    assert list(read_table(path, sheet=1)[0].columns) == ["b"]
    with pytest.raises(CollabError, match="no sheet called Nope"):
        read_table(path, sheet="Nope")


def test_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CollabError, match="not found"):
        read_csv_text(tmp_path / "nope.csv")


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
