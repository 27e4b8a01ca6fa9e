"""Moving a remembered loader's result from one data folder to a byte-identical copy of it.

:func:`collablib.data.inputs.remembered` keeps a loader's result for the data folder it
read. A copy of that folder elsewhere (a test's copy of the demo data, a colleague's clone
of the same inputs) holds the same bytes, so parsing and validating it again gives the same
result but for the places it names: the paths of the files it read. :func:`moved_here`
checks that every input the remembered call read is the same in the copy, and
:func:`moved` rewrites the places; both refuse anything they cannot be sure of, so the
caller falls back to running the loader. What :func:`moved` accepts is what collab's
loaders return: dataclasses, plain containers, pandas tables, NumPy arrays, paths, text
and scalar values.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import decimal
import enum
import io
import os
import zipfile
from collections.abc import Hashable
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CannotMove", "moved", "moved_here", "no_links", "same_layout", "without"]


class CannotMove(Exception):
    """The result holds something :func:`moved` cannot rewrite with certainty."""


#: Values that name no place and hold nothing that could: kept as they are.
_PLAIN = (
    type(None),
    bool,
    int,
    float,
    complex,
    bytes,
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    enum.Enum,
    np.generic,
    pd.Timestamp,
    pd.Timedelta,
    pd.Period,
    type(pd.NA),
    type(pd.NaT),
)


def same_layout(old: Path, new: Path) -> bool:
    """Whether results read under ``old`` may be moved to ``new`` at all.

    Both folders must end in the same name (a loader could name its folder in text) and
    be real folders, not reached through a symbolic link, so that no path in a result
    could point outside the folder it was read from.
    """
    return (
        old != new
        and old.name == new.name
        and os.path.realpath(old) == str(old)
        and os.path.realpath(new) == str(new)
        and not _inside(old, new)
        and not _inside(new, old)
    )


def _inside(path: PurePath, folder: PurePath) -> bool:
    return path == folder or path.is_relative_to(folder)


def moved(value: Any, old: Path, new: Path) -> Any:
    """``value`` with every path under ``old`` (as a path or as text) now under ``new``.

    Only what changes is rebuilt; the rest is shared with ``value``, which the caller has
    already copied. Text that names ``old`` other than at its start, and objects of kinds
    not listed in this module's docstring, raise :class:`CannotMove`.
    """
    return _Mover(str(old), str(new)).move(value)


class _Mover:
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        self.prefix = old + os.sep

    def text(self, text: str) -> str:
        if self.old not in text:
            return text
        if text == self.old:
            return self.new
        if text.startswith(self.prefix) and self.old not in text[len(self.prefix) :]:
            return self.new + text[len(self.old) :]
        raise CannotMove(f"text names the data folder other than as a path: {text[:80]!r}")

    def move(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, _PLAIN):
            return value
        if isinstance(value, PurePath):
            moved_text = self.text(str(value))
            return value if moved_text == str(value) else type(value)(moved_text)
        if isinstance(value, pd.DataFrame):
            return self.frame(value)
        if isinstance(value, pd.Series):
            return self.series(value)
        if isinstance(value, pd.Index):
            return self.index(value)
        if isinstance(value, np.ndarray):
            if value.dtype.kind != "O":
                return value
            out = np.empty(value.shape, dtype=object)
            for index, item in np.ndenumerate(value):
                out[index] = self.move(item)
            return out
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = {f.name for f in dataclasses.fields(value)}
            if set(getattr(value, "__dict__", {})) - names:
                raise CannotMove(f"a {type(value).__name__} holds more than its fields")
            changed = False
            fields = {}
            for f in dataclasses.fields(value):
                before = getattr(value, f.name)
                after = self.move(before)
                fields[f.name] = after
                changed = changed or after is not before
            if not changed:
                return value
            out = object.__new__(type(value))
            state = getattr(value, "__dict__", None)
            if state is not None:
                out.__dict__.update(state)
            for name, after in fields.items():
                object.__setattr__(out, name, after)
            return out
        if type(value) in (list, tuple, set, frozenset):
            items = [self.move(v) for v in value]
            if all(a is b for a, b in zip(items, value, strict=True)):
                return value
            return type(value)(items)
        if type(value) is dict:
            pairs = [(self.move(k), self.move(v)) for k, v in value.items()]
            if all(k is a and v is b for (k, v), (a, b) in zip(pairs, value.items(), strict=True)):
                return value
            return dict(pairs)
        raise CannotMove(f"a {type(value).__name__} cannot be moved")

    def values(self, values: Any) -> Any:
        """An array of a column or index with its texts and paths moved (or itself)."""
        if isinstance(values.dtype, pd.CategoricalDtype):
            if any(self.old in str(v) for v in values.categories):
                raise CannotMove("a categorical column naming the data folder")
            return values
        if values.dtype.kind != "O" and not isinstance(values.dtype, pd.StringDtype):
            return values
        text_only = pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
        if text_only and not any(self.old in v for v in values if isinstance(v, str)):
            return values  # text only, none naming the folder: the common case, quickly
        items = [self.move(v) for v in values]
        if all(a is b for a, b in zip(items, values, strict=True)):
            return values
        return pd.array(items, dtype=values.dtype)

    def series(self, series: pd.Series) -> pd.Series:
        array = series.array
        data = self.values(array)
        index = self.index(series.index)
        if self.move(series.name) is not series.name:
            raise CannotMove("a table's name names the data folder")
        if data is array and index is series.index and not series.attrs:
            return series
        out = pd.Series(data, index=index, name=self.move(series.name), copy=False)
        out.attrs = self.move(dict(series.attrs))
        return out

    def index(self, index: pd.Index) -> pd.Index:
        if any(self.move(name) is not name for name in index.names):
            raise CannotMove("an axis name names the data folder")
        if isinstance(index, pd.MultiIndex):
            levels = [self.index(level) for level in index.levels]
            if all(a is b for a, b in zip(levels, index.levels, strict=True)):
                return index
            return index.set_levels(levels)
        array = index.array
        data = self.values(array)
        return index if data is array else pd.Index(data, name=index.name)

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        columns = self.index(frame.columns)
        index = self.index(frame.index)
        arrays = [frame.iloc[:, i].array for i in range(frame.shape[1])]
        changed = {}
        for i, array in enumerate(arrays):
            after = self.values(array)
            if after is not array:
                changed[i] = after
        if not changed and columns is frame.columns and index is frame.index and not frame.attrs:
            return frame
        out = frame.copy(deep=False)
        for i, values in changed.items():
            out.isetitem(i, values)
        out.columns, out.index = columns, index
        out.attrs = self.move(dict(frame.attrs))
        return out


# --- a remembered loader's result, taken for a copy of its folder -------------------------------

#: Stands for the data folder in a remembered loader's key (:func:`without`).
_FOLDER = object()


def without(key: tuple[Hashable, str], folder: Path) -> Hashable:
    """A remembered call's key (its arguments' key and the working folder) with its data
    folder left out, to compare with the key of a call for another folder."""
    args, cwd = key
    if args == folder:
        return _FOLDER, cwd
    if isinstance(args, tuple):
        return tuple(_FOLDER if part == folder else part for part in args), cwd
    return args, cwd


def no_links(hashes: dict[str, str], folder: Path) -> bool:
    """Whether no input read below ``folder`` was reached through a symbolic link."""
    return all(
        os.path.realpath(name) == name for name in hashes if Path(name).is_relative_to(folder)
    )


def moved_here(
    hashes: dict[str, str],
    kept: Any,
    old: Path,
    new: Path,
    seen: dict[str, tuple[str | None, bytes | None]],
) -> tuple[dict[str, str], Any] | None:
    """A result remembered for folder ``old``, moved to ``new`` if its inputs are the same there.

    ``hashes`` is what the loader's call read (:func:`collablib.data.inputs.recording`).
    Returns what the input log should hold for the new folder and the moved result, or
    ``None`` (then the loader runs). Inputs are compared as they are now, each read once per
    call however many remembered results are tried (``seen``); only those of the result
    taken are logged, as the loader would have logged them, from the bytes compared.
    """
    from collablib.data import inputs
    from collablib.errors import display_path

    if not same_layout(old, new) or display_path(old) != str(old):
        return None
    if display_path(new) != str(new):  # messages would name the new files another way
        return None
    cwd = Path.cwd().resolve()
    if cwd.is_relative_to(old) or cwd.is_relative_to(new):  # messages name files from there
        return None
    here: dict[str, str] = {}
    listings: dict[str, tuple[Path, str]] = {}
    for name, value in hashes.items():
        path = Path(name)
        if path.is_relative_to(old):
            path = new / path.relative_to(old)
        if value.startswith(inputs.LISTING):
            listed, pattern = inputs._LISTINGS.get(name, (None, None))
            if listed is None or pattern is None:
                return None
            if listed.is_relative_to(old):
                listed = new / listed.relative_to(old)
            listings[str(path)] = (listed, pattern)
        if os.path.realpath(path) != str(path):
            return None  # a symbolic link: the file may be reached another way
        if str(path) not in seen:
            seen[str(path)] = _as_now(path, value, listings.get(str(path)))
        now, data = seen[str(path)]
        if now != value or (data is not None and _mentions(data, old)):
            return None  # changed, or its text could name the old folder (moved, it would not)
        here[str(path)] = value
    try:
        result = moved(copy.deepcopy(kept), old, new)
    except Exception:  # CannotMove, or anything unforeseen: the loader runs instead
        return None
    inputs._LISTINGS.update(listings)
    for name, value in here.items():
        inputs._record(Path(name), value, None)
    return here, result


def _as_now(
    path: Path, recorded: str, listing: tuple[Path, str] | None
) -> tuple[str | None, bytes | None]:
    """What an input log would record for ``path`` if it were read now (without recording),
    and a file's bytes."""
    from collablib.data import inputs

    if recorded == inputs.ABSENT:
        return (inputs.ABSENT if not (path.is_file() or path.is_dir()) else None), None
    if listing is not None:
        return inputs.listing(*listing)[1], None
    try:
        data = path.read_bytes()
    except OSError:
        return None, None
    return inputs.sha256_bytes(data), data


def _mentions(data: bytes, folder: Path) -> bool:
    """Whether a file's text could hold ``folder``'s path: a value read from it would then
    name the old folder in both copies, and must not be moved. Searched as UTF-8 and UTF-16
    bytes, and inside a zip's members (a workbook's XML); a path that other encodings or XML
    escapes could spell otherwise always counts as mentioned."""
    text = str(folder)
    if not text.isascii() or any(c in text for c in "&<>\"'"):
        return True
    needles = [text.encode(), text.encode("utf-16-le"), text.encode("utf-16-be")]
    if any(needle in data for needle in needles):
        return True
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return any(
                    needle in archive.read(member)
                    for member in archive.infolist()
                    for needle in needles
                )
        except Exception:
            return True
    return False
