"""Reading raw input files into all-text tables that remember spreadsheet row numbers.

Raw files are read, never written. Every cell is kept as text so that a
validation message can quote exactly what the user typed; conversion to
numbers and dates happens only after validation (see :mod:`collablib.data.schemas`).

The index of every table returned here *is* the spreadsheet row number
(header = row 1, first data row = row 2), so a problem found anywhere
downstream can be reported at the row the user sees.

Accepted inputs, as survey tools and Excel really produce them:

- CSV in UTF-8, UTF-8 with a byte-order mark (Excel's "CSV UTF-8"), or
  Windows-1252 (Excel's plain "CSV" on a UK Windows machine);
- XLSX workbooks (the first sheet unless told otherwise).

Anything else (UTF-16 "Unicode text", old binary ``.xls``, PDF, Word, a
renamed zip) is refused with a message saying what the file appears to be.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from collablib.data.inputs import read_input
from collablib.errors import CollabError

__all__ = [
    "CSV_ENCODINGS",
    "ROW_INDEX_NAME",
    "SUPPORTED_SUFFIXES",
    "SourceInfo",
    "decode_text",
    "drop_blank_rows",
    "read_csv_text",
    "read_table",
    "sniff",
]

ROW_INDEX_NAME = "row"

#: File extensions the readers accept.
SUPPORTED_SUFFIXES = (".csv", ".xlsx")

#: Encodings tried in order for CSV text. Windows-1252 decodes almost any byte,
#: so it must come last; its five undefined bytes still fail.
CSV_ENCODINGS: tuple[tuple[str, str], ...] = (
    ("utf-8-sig", "UTF-8"),
    ("cp1252", "Windows-1252"),
)

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel 97-2003 (.xls) or Word (.doc) file"),
    (b"\xff\xfe", "text saved as UTF-16 ('Unicode text')"),
    (b"\xfe\xff", "text saved as UTF-16 ('Unicode text')"),
    (b"{\\rtf", "a rich-text (RTF) document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


@dataclass(frozen=True)
class SourceInfo:
    """How a file was read: shown in the report's data-quality section."""

    path: Path
    format: str  # "CSV" or "XLSX"
    encoding: str | None  # for CSV: "UTF-8", "UTF-8 with BOM" or "Windows-1252"
    sheet: str | None  # for XLSX: the sheet read

    def describe(self) -> str:
        if self.format == "XLSX":
            return f"Excel workbook (XLSX), sheet \u201c{self.sheet}\u201d"
        return f"CSV text, {self.encoding} encoding"


def read_table(
    path: str | os.PathLike[str], *, what: str | None = None, sheet: str | int | None = None
) -> tuple[pd.DataFrame, SourceInfo]:
    """Read a CSV or XLSX file as text, indexed by spreadsheet row number.

    The format is decided by the file's content as well as its name, so a
    workbook renamed ``.csv`` or a PDF renamed ``.xlsx`` gets a clear message.
    Raises :class:`CollabError` for a missing, unreadable or unsupported file.
    """
    path = Path(path)
    label = what or path.name
    if not path.is_file():
        raise CollabError(
            f"{label} not found", file=path, allowed=f"a file named {path.name} in {path.parent}"
        )
    data = read_input(path)
    kind = sniff(data)
    suffix = path.suffix.lower()
    if kind == "xlsx":
        if suffix != ".xlsx":
            raise CollabError(
                f"{label} is an Excel workbook but is named "
                f"{path.suffix or 'without an extension'}",
                file=path,
                allowed="CSV files named .csv, or Excel workbooks named .xlsx",
            )
        return _read_xlsx(data, path, label, sheet)
    if kind not in ("text",):
        raise CollabError(
            f"{label} is not a CSV or XLSX file: it looks like {kind}",
            file=path,
            allowed="a CSV file (UTF-8 or Windows-1252 text) or an Excel workbook (.xlsx)",
        )
    if suffix not in SUPPORTED_SUFFIXES:
        raise CollabError(
            f"{label} has an unsupported file type {path.suffix or '(none)'}",
            file=path,
            allowed="a .csv or .xlsx file",
        )
    if suffix == ".xlsx":
        raise CollabError(
            f"{label} is named .xlsx but is not an Excel workbook (it contains plain text)",
            file=path,
            allowed="an Excel workbook saved as .xlsx, or rename a text file to .csv",
        )
    return _read_csv(data, path, label)


def sniff(data: bytes) -> str:
    """Guess what a file is from its first bytes: ``"xlsx"``, ``"text"`` or a description."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "a damaged zip archive"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            return "a Word document (.docx)"
        return "a zip archive"
    for signature, description in _SIGNATURES:
        if head.startswith(signature):
            return description
    if b"\x00" in data[:4096]:
        return "a binary file or UTF-16/UTF-32 text"
    return "text"


def read_csv_text(path: str | os.PathLike[str], *, what: str | None = None) -> pd.DataFrame:
    """Read a CSV file as text, indexed by spreadsheet row number (see :func:`read_table`)."""
    frame, _ = read_table(path, what=what)
    return frame


def decode_text(data: bytes, path: Path, label: str) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or else Windows-1252.

    Returns the text and a description of the encoding used.
    """
    for codec, name in CSV_ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
            name = "UTF-8 with BOM"
        return text, name
    raise CollabError(
        f"{label} is in an unexpected text encoding (neither UTF-8 nor Windows-1252)",
        file=path,
        allowed="a CSV saved as UTF-8 (in Excel: Save As > CSV UTF-8) or as Windows-1252",
    )


def _read_csv(data: bytes, path: Path, label: str) -> tuple[pd.DataFrame, SourceInfo]:
    text, encoding = decode_text(data, path, label)
    if not text.strip():
        raise CollabError(
            f"{label} is empty: it has no header row",
            file=path,
            allowed="a header row naming the columns, then one row per record",
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype="string",
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise CollabError(
            f"{label} could not be read as CSV ({' '.join(str(exc).split())})",
            file=path,
            allowed="comma-separated text with one header row",
        ) from None
    return _tidy(frame), SourceInfo(path, "CSV", encoding, None)


def _cell_text(value: object) -> str:
    """Spreadsheet cell value to text, as a person would read it in Excel."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds").replace(" 00:00:00", "")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    return str(value)


def _read_xlsx(
    data: bytes, path: Path, label: str, sheet: str | int | None
) -> tuple[pd.DataFrame, SourceInfo]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise CollabError(
            f"{label} could not be opened as an Excel workbook ({type(exc).__name__}: {exc})",
            file=path,
            allowed="an .xlsx workbook saved by Excel or a survey tool",
        ) from None
    try:
        names = book.sheetnames
        if sheet is None:
            sheet_name = names[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise CollabError(
                    f"{label} has no sheet number {sheet + 1}",
                    file=path,
                    allowed=", ".join(names),
                )
            sheet_name = names[sheet]
        else:
            if sheet not in names:
                raise CollabError(
                    f"{label} has no sheet called {sheet}", file=path, allowed=", ".join(names)
                )
            sheet_name = sheet
        rows = [
            [_cell_text(v) for v in row] for row in book[sheet_name].iter_rows(values_only=True)
        ]
    finally:
        book.close()
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise CollabError(
            f"{label} is empty: the sheet \u201c{sheet_name}\u201d has no header row",
            file=path,
            allowed="a header row naming the columns in row 1, then one row per record",
        )
    header = [h.strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    while body and not any(c.strip() for c in body[-1]):
        body.pop()  # trailing empty rows Excel keeps in the used range
    frame = pd.DataFrame(body, columns=header, dtype="string")
    return _tidy(frame), SourceInfo(path, "XLSX", None, sheet_name)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.astype("string").str.strip())
    frame.index = pd.RangeIndex(2, len(frame) + 2, name=ROW_INDEX_NAME)
    return frame


def drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove rows in which every cell is blank, keeping the others' row numbers."""
    if frame.empty:
        return frame
    blank = (frame == "").all(axis=1)
    return frame.loc[~blank]
