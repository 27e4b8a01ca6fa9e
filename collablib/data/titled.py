"""Tables with a title above them: the header is found, not assumed to be row 1.

UK official statistics spreadsheets put a title (and notes) above each table, and
a cover or contents sheet first. :func:`collablib.data.ingest.read_table` reads such
files through the functions here when it is given a header test or a header row:
the header is the first of the first :data:`~collablib.data.ingest.HEADER_SEARCH_ROWS`
rows that passes the test, and a workbook is read from the one sheet that has one.
Rows keep their spreadsheet numbers, so messages name the row the user sees.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from collablib.data.ingest import (
    HEADER_SEARCH_ROWS,
    SourceInfo,
    _cell_text,
    _tidy,
    csv_codec,
    open_workbook,
)
from collablib.errors import CollabError

__all__ = ["first_header", "read_csv_below_title", "read_xlsx_below_title"]


def first_header(
    rows: list[list[str]], test: Callable[[list[str]], int | bool] | None
) -> int | None:
    """The 1-based number of the header among the first rows, by ``test``'s rank.

    ``test`` ranks a row (0 or False: not a header; higher: a better one, e.g. 2 for a
    row with every required column and 1 for one with most of them). The header is the
    first row of the best rank, so a row naming every required column wins over an
    earlier one that names only some.
    """
    best = _best(rows, test)
    return best[0] if best else None


def _best(
    rows: list[list[str]], test: Callable[[list[str]], int | bool] | None
) -> tuple[int, int] | None:
    """(row number, rank) of the first row of the best rank, or None when no row passes."""
    if test is None:
        return None
    best: tuple[int, int] | None = None
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        rank = int(test([c.strip() for c in row]))
        if rank > 0 and (best is None or rank > best[1]):
            best = (number, rank)
    return best


def _unique(header: list[str]) -> list[str]:
    """Repeated headings made unique as pandas' CSV reader does: "Score", "Score.1"."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(f"{name}.{count}" if count else name)
    return out


def _frame_below(rows: list[list[str]], header_row: int) -> pd.DataFrame:
    """The table whose header is spreadsheet row ``header_row`` of ``rows``."""
    header = [h.strip() for h in rows[header_row - 1]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = [(list(r) + [""] * width)[:width] for r in rows[header_row:]]
    while body and not any(c.strip() for c in body[-1]):
        body.pop()
    return _tidy(pd.DataFrame(body, columns=_unique(header), dtype="string"), header_row)


def _no_header(
    label: str, path: Path, where: str, header_row: int | None, setting: str
) -> CollabError:
    if header_row is not None:
        return CollabError(
            f"row {header_row} of {where}, the header row set in {setting}, is empty",
            file=path,
            allowed=f"the number of the row that names the columns, in {setting}",
        )
    return CollabError(
        "no header row with the required columns in the first "
        f"{HEADER_SEARCH_ROWS} rows of {where}",
        file=path,
        allowed=f"a header row naming the required columns, or set the header row in "
        f"{setting} (e.g. header_row = 4)",
    )


def read_csv_below_title(
    data: bytes,
    path: Path,
    label: str,
    test: Callable[[list[str]], int | bool] | None,
    header_row: int | None,
    setting: str,
) -> tuple[pd.DataFrame, SourceInfo]:
    codec, encoding = csv_codec(data, path, label)
    try:
        rows = list(csv.reader(io.StringIO(data.decode(codec))))
    except csv.Error as exc:
        raise CollabError(
            f"{label} could not be read as CSV ({exc})",
            file=path,
            allowed="comma-separated text with one header row",
        ) from None
    found = header_row is None
    number = header_row if header_row is not None else first_header(rows, test)
    if number is None or number > len(rows) or not any(c.strip() for c in rows[number - 1]):
        raise _no_header(label, path, "the file", header_row, setting)
    return _frame_below(rows, number), SourceInfo(
        path, "CSV", encoding, None, header_row=number, header_found=found
    )


def read_xlsx_below_title(
    data: bytes,
    path: Path,
    label: str,
    sheet: str | int | None,
    test: Callable[[list[str]], int | bool] | None,
    header_row: int | None,
    setting: str,
) -> tuple[pd.DataFrame, SourceInfo]:
    book = open_workbook(data, path, label)

    def top(name: str) -> list[list[str]]:
        return [
            [_cell_text(v) for v in row]
            for row in book[name].iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
        ]

    try:
        names = book.sheetnames
        quoted = ", ".join(f"\u201c{n}\u201d" for n in names)
        if isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise CollabError(
                    f"the workbook has no sheet number {sheet + 1}",
                    file=path,
                    allowed=f"1 to {len(names)}: {quoted}",
                )
            sheet = names[sheet]
        if sheet is not None and sheet not in names:
            raise CollabError(
                f"the workbook has no sheet called \u201c{sheet}\u201d (names must match exactly, "
                "capitals and spaces included)",
                file=path,
                allowed=quoted,
            )
        chosen = False
        number: int | None = header_row
        if sheet is None and test is not None:
            sheet, number = _choose_sheet(
                {n: top(n) for n in names}, test, header_row, label, path, setting
            )
            chosen = len(names) > 1
        elif sheet is None:
            sheet = names[0]
        rows = [[_cell_text(v) for v in row] for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
    found = header_row is None
    if number is None:
        number = first_header(rows, test)
    if number is None or number > len(rows) or not any(c.strip() for c in rows[number - 1]):
        raise _no_header(label, path, f"the sheet \u201c{sheet}\u201d", header_row, setting)
    return _frame_below(rows, number), SourceInfo(
        path, "XLSX", None, sheet, tuple(names), chosen, number, found
    )


def _choose_sheet(
    tops: dict[str, list[list[str]]],
    test: Callable[[list[str]], int | bool],
    header_row: int | None,
    label: str,
    path: Path,
    setting: str,
) -> tuple[str, int]:
    """The one sheet whose header (found, or in ``header_row``) ranks best, and that row.

    No sheet with a header, or several equally good, is an error naming the sheets
    looked at and the setting that says which to read.
    """
    hits: dict[str, tuple[int, int]] = {}
    for name, rows in tops.items():
        if header_row is None:
            best = _best(rows, test)
        elif header_row <= len(rows):
            best = (header_row, int(test([c.strip() for c in rows[header_row - 1]])))
        else:
            best = None
        if best is not None and best[1] > 0:
            hits[name] = best
    top_rank = max((rank for _, rank in hits.values()), default=0)
    passing = [n for n, (_, rank) in hits.items() if rank == top_rank]
    if len(passing) == 1:
        return passing[0], hits[passing[0]][0]
    looked = ", ".join(f"\u201c{n}\u201d" for n in tops)
    where = (
        "in its first " + str(HEADER_SEARCH_ROWS) + " rows"
        if header_row is None
        else (f"in row {header_row}")
    )
    what = (
        f"{len(passing)} sheets have a header row with the required columns {where} ("
        + ", ".join(f"\u201c{n}\u201d" for n in passing)
        + f"); sheets looked at: {looked}"
        if passing
        else f"no sheet has a header row with the required columns {where} (sheets looked "
        f"at: {looked})"
    )
    example = passing[0] if passing else list(tops)[-1]
    return_hint = "" if header_row is not None else " (and, if needed, the header row)"
    raise CollabError(
        what,
        file=path,
        allowed=f'name the sheet{return_hint} in {setting}, e.g. sheet = "{example}"',
    )
