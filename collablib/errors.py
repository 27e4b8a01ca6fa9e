"""The single error type for bad input.

Every problem with the data a user supplies is raised as :class:`CollabError`.
Its message is one short paragraph that names the file, the row as the user sees
it in a spreadsheet (the header is row 1, so the first data row is row 2), the
column, the bad value and what is allowed. The ``collab`` command prints that
paragraph without a traceback.
"""

from __future__ import annotations

import difflib
import errno
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "MAX_PROBLEMS_SHOWN",
    "CollabError",
    "describe_os_error",
    "display_path",
    "refuse_unknown",
]

_NO_VALUE = object()

#: How many problems one error lists before summarising the rest.
MAX_PROBLEMS_SHOWN = 5


def display_path(path: str | os.PathLike[str] | None) -> str | None:
    """Return ``path`` relative to the working directory when it lies below it.

    Users recognise ``data/raw/cohort-2/teams.csv`` more easily than a long
    absolute path, so messages use the shortest faithful form.
    """
    if path is None:
        return None
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


class CollabError(Exception):
    """Bad input: a missing or unreadable file, or a value that breaks the data dictionary.

    Parameters
    ----------
    problem:
        What is wrong, in plain English (for example ``"value is not allowed"``).
    file, row, column, value, allowed:
        Where the problem is and what would have been accepted. ``row`` is the
        spreadsheet row number (header = row 1).
    detail:
        Lines printed as they are after the paragraph, such as the offending
        line of a settings file with a caret under the column.
    others:
        Further problems found in the same pass, listed after the first.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | os.PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = _NO_VALUE,
        allowed: str | None = None,
        detail: str | None = None,
        others: Sequence[CollabError] = (),
    ) -> None:
        self.problem = problem
        self.detail = detail
        self.file = display_path(file)
        self.row = row
        self.column = column
        self.value = value
        self.allowed = allowed
        self.others = list(others)
        super().__init__(self.message)

    @property
    def has_value(self) -> bool:
        """Whether a specific bad value was recorded."""
        return self.value is not _NO_VALUE

    def paragraph(self) -> str:
        """One short paragraph: where, what, the bad value and what is allowed (then any detail)."""
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f'column "{self.column}"')
        text = (", ".join(where) + ": " if where else "") + self.problem.rstrip(".") + "."
        if self.has_value:
            text += f" Found: {_quote(self.value)}."
        if self.allowed:
            text += f" Allowed: {self.allowed.rstrip('.')}."
        if self.detail:
            text += "\n" + self.detail.rstrip("\n")
        return text

    @property
    def message(self) -> str:
        """The full message: the first problem, then any others, summarised past a limit."""
        paragraphs = [self.paragraph()]
        shown = self.others[: MAX_PROBLEMS_SHOWN - 1]
        paragraphs += [p.paragraph() for p in shown]
        hidden = len(self.others) - len(shown)
        if hidden > 0:
            paragraphs.append(f"... and {hidden} more problem(s) of the same kind.")
        return "\n".join(paragraphs)

    def __str__(self) -> str:
        return self.message

    @classmethod
    def combine(cls, errors: Sequence[CollabError]) -> CollabError:
        """Chain several problems into one error, keeping their order."""
        if not errors:
            raise ValueError("combine() needs at least one error")
        first, rest = errors[0], list(errors[1:])
        combined = cls(
            first.problem,
            file=first.file,
            row=first.row,
            column=first.column,
            value=first.value,
            allowed=first.allowed,
            detail=first.detail,
            others=[*first.others, *rest],
        )
        return combined


def _quote(value: object) -> str:
    if value is None:
        return "(nothing)"
    text = str(value)
    if text == "":
        return "(blank)"
    if len(text) > 80:
        text = text[:77] + "..."
    return f'"{text}"'


def describe_os_error(exc: OSError) -> str:
    """A short plain-English reason why a file could not be read or written."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the folder is on a read-only filesystem",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
    }
    return reasons.get(exc.errno or -1, exc.strerror or type(exc).__name__)


def refuse_unknown(
    names: Iterable[str],
    known: Sequence[str],
    problem: str,
    file: str | os.PathLike[str],
    column_prefix: str | None = None,
) -> None:
    """Raise for the first of ``names`` (settings, sections, fields) that is not in ``known``.

    A misspelt setting silently ignored is a setting not applied, so settings
    files refuse what they do not know, say what they do, and suggest the
    nearest known name (``date_fromat``: did you mean ``date_format``?). With
    ``column_prefix``, the error's column is the setting's full name (``files.results``).
    """
    for name in names:
        if name not in known:
            near = difflib.get_close_matches(str(name), list(known), n=1)
            raise CollabError(
                problem + (f" (did you mean {near[0]}?)" if near else ""),
                file=file,
                column=None if column_prefix is None else f"{column_prefix}{name}",
                value=name,
                allowed=", ".join(known),
            )
