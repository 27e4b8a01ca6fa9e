"""Reading raw input files into all-text tables that remember spreadsheet row numbers.

Raw files are read, never written. Every cell is kept as text so that a
validation message can quote exactly what the user typed; conversion to
numbers and dates happens only after validation (see :mod:`collablib.schemas`).

The index of every table returned here *is* the spreadsheet row number
(header = row 1, first data row = row 2), so a problem found anywhere
downstream can be reported at the row the user sees.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from collablib.errors import CollabError

ROW_INDEX_NAME = "row"


def read_csv_text(path: str | os.PathLike[str], *, what: str | None = None) -> pd.DataFrame:
    """Read a CSV file as text, indexed by spreadsheet row number.

    - Cells are pandas ``string`` dtype with surrounding spaces removed; an
      empty cell is the empty string, never NaN, so "blank" has one meaning.
    - Blank lines are kept as all-blank rows so that row numbers stay those a
      spreadsheet shows; callers decide what to do with them.
    - A byte-order mark (UTF-8 with BOM, as Excel writes) is accepted.

    Raises :class:`CollabError` if the file is missing, is not UTF-8 text, or
    cannot be parsed as CSV.
    """
    path = Path(path)
    label = what or path.name
    if not path.is_file():
        raise CollabError(
            f"{label} not found",
            file=path,
            allowed=f"a file named {path.name} in {path.parent}",
        )
    try:
        frame = pd.read_csv(
            path,
            dtype="string",
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except UnicodeDecodeError as exc:
        raise CollabError(
            f"{label} is not UTF-8 text (byte {exc.start} could not be decoded)",
            file=path,
            allowed="a CSV file saved as UTF-8 (in Excel: Save As > CSV UTF-8)",
        ) from None
    except pd.errors.EmptyDataError:
        raise CollabError(
            f"{label} is empty: it has no header row",
            file=path,
            allowed="a header row naming the columns, then one row per record",
        ) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise CollabError(
            f"{label} could not be read as CSV ({exc})",
            file=path,
            allowed="comma-separated text with one header row",
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.str.strip())
    frame.index = pd.RangeIndex(2, len(frame) + 2, name=ROW_INDEX_NAME)
    return frame


def drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove rows in which every cell is blank, keeping the others' row numbers."""
    if frame.empty:
        return frame
    blank = (frame == "").all(axis=1)
    return frame.loc[~blank]
