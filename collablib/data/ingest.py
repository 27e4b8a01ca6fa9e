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

import codecs
import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from collablib.data.inputs import read_input
from collablib.errors import CollabError

__all__ = [
    "CP1252_UNDEFINED",
    "HEADER_SEARCH_ROWS",
    "ROW_INDEX_NAME",
    "SUPPORTED_SUFFIXES",
    "SourceInfo",
    "csv_codec",
    "drop_blank_rows",
    "open_workbook",
    "read_csv_text",
    "read_table",
    "sniff",
]

ROW_INDEX_NAME = "row"
#: How far down a sheet a header row below a title is looked for.
HEADER_SEARCH_ROWS = 30

#: File extensions the readers accept.
SUPPORTED_SUFFIXES = (".csv", ".xlsx")

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
    sheets: tuple[str, ...] = ()  # for XLSX: every sheet in the workbook, in order
    sheet_chosen: bool = False  # for XLSX: chosen as the only sheet with the wanted headers
    header_row: int = 1  # the spreadsheet row of the header (below any title rows)
    header_found: bool = False  # the header row was found by searching, not given

    def describe(self, what: str = "the survey\u2019s columns") -> str:
        if self.format == "XLSX":
            text = f"Excel workbook (XLSX), sheet \u201c{self.sheet}\u201d"
            if self.sheet_chosen:
                text += f" of {len(self.sheets)}, the only one with {what}"
        else:
            text = f"CSV text, {self.encoding} encoding"
        if self.header_row != 1:
            how = "found in" if self.header_found else "set to"
            text += f", header {how} row {self.header_row}"
        return text


def read_table(
    path: str | os.PathLike[str],
    *,
    what: str | None = None,
    sheet: str | int | None = None,
    sheet_test: Callable[[list[str]], bool] | None = None,
    sheet_setting: str = "sheet",
    header_test: Callable[[list[str]], int | bool] | None = None,
    header_row: int | None = None,
) -> tuple[pd.DataFrame, SourceInfo]:
    """Read a CSV or XLSX file as text, indexed by spreadsheet row number.

    **Title rows.** UK official statistics tables have a title (and notes) above the
    header, and workbooks have a cover or contents sheet first. With ``header_test``,
    the header is the first of the first :data:`HEADER_SEARCH_ROWS` rows that passes
    it, and a workbook is read from the one sheet that has such a row (unless
    ``sheet`` names it); ``header_row`` (1-based) sets the header row instead. No
    sheet, or several, with such a header is an error naming the sheets looked at and
    ``sheet_setting``, the setting that resolves it.

    The format is decided by the file's content as well as its name, so a
    workbook renamed ``.csv`` or a PDF renamed ``.xlsx`` gets a clear message.
    A workbook is read from ``sheet`` (a 0-based number or a name) when given.
    Otherwise, when ``sheet_test`` is given and the workbook has several sheets,
    the one sheet whose header row passes the test is read; when none does,
    the first sheet is read (the caller's header check then names the sheets);
    when several do, that is an error naming them and ``sheet_setting``.
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
        if header_test is not None or header_row is not None:
            from collablib.data.titled import read_xlsx_below_title

            return read_xlsx_below_title(
                data, path, label, sheet, header_test, header_row, sheet_setting
            )
        return _read_xlsx(data, path, label, sheet, sheet_test, sheet_setting)
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
    if header_test is not None or header_row is not None:
        from collablib.data.titled import read_csv_below_title

        return read_csv_below_title(data, path, label, header_test, header_row, sheet_setting)
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


#: The five bytes Windows-1252 leaves undefined: text holding one is not Windows-1252.
CP1252_UNDEFINED: tuple[bytes, ...] = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")

_CHUNK = 1 << 20


def csv_codec(data: bytes, path: Path, label: str) -> tuple[str, str]:
    """The codec that decodes CSV bytes, and how to describe it: UTF-8 (BOM or not) or cp1252.

    UTF-8 is checked chunk by chunk and nothing decoded is kept, so a 50 MB
    export is never held as a second, decoded copy (Python keeps text with a
    curly apostrophe at 2 to 4 bytes a character). Windows-1252 decodes every
    byte except five, so it is the fallback; a file with one of those five is
    in neither encoding.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), _CHUNK):
            decoder.decode(data[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        pass
    else:
        bom = data.startswith(codecs.BOM_UTF8)
        return "utf-8-sig", "UTF-8 with BOM" if bom else "UTF-8"
    if not any(byte in data for byte in CP1252_UNDEFINED):
        return "cp1252", "Windows-1252"
    raise CollabError(
        f"{label} is in an unexpected text encoding (neither UTF-8 nor Windows-1252)",
        file=path,
        allowed="a CSV saved as UTF-8 (in Excel: Save As > CSV UTF-8) or as Windows-1252",
    )


def _is_blank(data: bytes, codec: str) -> bool:
    """Whether the decoded text is only white space, decoding no more than it must."""
    if data[:_CHUNK].decode(codec, errors="ignore").strip():
        return False
    return not data.decode(codec).strip()


def _read_csv(data: bytes, path: Path, label: str) -> tuple[pd.DataFrame, SourceInfo]:
    codec, encoding = csv_codec(data, path, label)
    if _is_blank(data, codec):
        raise CollabError(
            f"{label} is empty: it has no header row",
            file=path,
            allowed="a header row naming the columns, then one row per record",
        )
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding=codec,
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
    data: bytes,
    path: Path,
    label: str,
    sheet: str | int | None,
    sheet_test: Callable[[list[str]], bool] | None = None,
    sheet_setting: str = "sheet",
) -> tuple[pd.DataFrame, SourceInfo]:
    book = open_workbook(data, path, label)
    try:
        names = book.sheetnames
        chosen = False
        if sheet is None and sheet_test is not None and len(names) > 1:
            passing = [n for n in names if sheet_test(_header_row(book[n]))]
            if len(passing) > 1:
                raise CollabError(
                    f"{label} has {len(passing)} sheets that could be the one to read ("
                    + ", ".join(f"\u201c{n}\u201d" for n in passing)
                    + ")",
                    file=path,
                    allowed=f"name the sheet to read with {sheet_setting}, e.g. "
                    f'sheet = "{passing[0]}" (or its number, {names.index(passing[0]) + 1})',
                )
            sheet_name = passing[0] if passing else names[0]
            chosen = bool(passing)
        elif sheet is None:
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
    return _tidy(frame), SourceInfo(path, "XLSX", None, sheet_name, tuple(names), chosen)


def open_workbook(data: bytes, path: Path, label: str) -> Any:
    """An XLSX workbook opened read-only, values not formulas; a damaged file is a clear error."""
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise CollabError(
            f"{label} could not be opened as an Excel workbook ({type(exc).__name__}: {exc})",
            file=path,
            allowed="an .xlsx workbook saved by Excel, a survey tool or a statistics publisher",
        ) from None


def _header_row(worksheet: Any) -> list[str]:
    """The first row of a worksheet as text (empty for an empty sheet)."""
    for row in worksheet.iter_rows(min_row=1, max_row=1, values_only=True):
        return [_cell_text(v).strip() for v in row]
    return []


def _tidy(frame: pd.DataFrame, header_row: int = 1) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.astype("string").str.strip())
    first = header_row + 1
    frame.index = pd.RangeIndex(first, len(frame) + first, name=ROW_INDEX_NAME)
    return frame


def drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove rows in which every cell is blank, keeping the others' row numbers."""
    if frame.empty:
        return frame
    blank = (frame == "").all(axis=1)
    return frame.loc[~blank]
