"""``data/cpes/cpes.toml``: CPES thresholds, which files are results, and where their tables are.

::

    [suppression]
    min_responses = 21             # fewer responses: the result is suppressed
    breakdown_min_responses = 21   # the same for results by cancer type (context)

    [files]
    results = ["*results*", "*ncpes*", "*dashboard*"]   # results-file name patterns
    year_pattern = '(?<![0-9])(20[0-9]{2})(?![0-9])'   # the year in a file's name

    [file."NCPES_2022_trust_level_data.xlsx"]   # when detection cannot tell
    sheet = "Trust results"                     # or its number, 1 for the first
    header_row = 4
    year = 2022

Every key is checked: an unknown section or key (a typo) is an error naming what is
allowed, so a setting is never silently ignored.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from collablib.data.cpes_files import DEFAULT_MIN_RESPONSES, DEFAULT_YEAR_PATTERN, FileSettings
from collablib.data.inputs import input_exists, read_toml
from collablib.errors import CollabError, refuse_unknown

__all__ = ["DEFAULT_RESULTS_PATTERNS", "SMALLEST_THRESHOLD", "CpesSettings", "load_settings"]

#: The smallest suppression threshold allowed: counts of 1 to 7 are never shown.
SMALLEST_THRESHOLD = 8
#: Results-file name patterns (case-insensitive globs) when ``cpes.toml`` names none.
DEFAULT_RESULTS_PATTERNS = ("*results*", "*ncpes*", "*dashboard*")


@dataclass(frozen=True)
class CpesSettings:
    """``cpes.toml``: thresholds, which files are results, and where their tables are."""

    min_responses: int = DEFAULT_MIN_RESPONSES
    breakdown_min_responses: int = DEFAULT_MIN_RESPONSES
    results_patterns: tuple[str, ...] = DEFAULT_RESULTS_PATTERNS
    year_pattern: str = DEFAULT_YEAR_PATTERN
    files: dict[str, FileSettings] = field(default_factory=dict)

    def is_results(self, name: str) -> bool:
        lowered = name.lower()
        return name in self.files or any(
            fnmatch.fnmatchcase(lowered, p.lower()) for p in self.results_patterns
        )


def load_settings(path: Path) -> CpesSettings:
    """``cpes.toml``, checked: unknown sections or keys are errors naming what is allowed."""
    if not input_exists(path):
        return CpesSettings()
    raw = read_toml(path, "CPES settings file")
    _known(raw, {"suppression", "files", "file"}, path, "")
    suppression = raw.get("suppression", {})
    _known(suppression, {"min_responses", "breakdown_min_responses"}, path, "suppression")
    minimum = _whole(suppression, "min_responses", DEFAULT_MIN_RESPONSES, path)
    breakdown = _whole(suppression, "breakdown_min_responses", minimum, path)
    files = raw.get("files", {})
    _known(files, {"results", "year_pattern"}, path, "files")
    patterns = files.get("results", list(DEFAULT_RESULTS_PATTERNS))
    if (
        not isinstance(patterns, list)
        or not patterns
        or not all(isinstance(p, str) and p.strip() for p in patterns)
    ):
        raise CollabError(
            "results must be a list of file-name patterns",
            file=path,
            column="files.results",
            value=patterns,
            allowed='e.g. results = ["*results*", "*ncpes*"]',
        )
    year_pattern = files.get("year_pattern", DEFAULT_YEAR_PATTERN)
    try:
        compiled = re.compile(str(year_pattern))
    except re.error as exc:
        raise CollabError(
            f"year_pattern is not a valid regular expression ({exc})",
            file=path,
            column="files.year_pattern",
            value=year_pattern,
            allowed="a regular expression whose first group (or whole match) is the year, "
            f"e.g. {DEFAULT_YEAR_PATTERN!r}",
        ) from None
    per_file: dict[str, FileSettings] = {}
    for name, entry in raw.get("file", {}).items():
        section = f'file."{name}"'
        if not isinstance(entry, dict):
            raise CollabError(
                f"[{section}] must be a section",
                file=path,
                column=section,
                value=entry,
                allowed='a section such as [file."NCPES_2022.xlsx"] with sheet, header_row, year',
            )
        _known(entry, {"sheet", "header_row", "year"}, path, section)
        sheet = entry.get("sheet")
        if sheet is not None and not (
            (isinstance(sheet, str) and sheet) or (isinstance(sheet, int) and sheet >= 1)
        ):
            raise CollabError(
                "sheet must be a sheet's name or its number (1 for the first)",
                file=path,
                column=f"{section}.sheet",
                value=sheet,
                allowed='e.g. sheet = "Trust results" or sheet = 3',
            )
        per_file[name] = FileSettings(
            sheet - 1 if isinstance(sheet, int) else sheet,
            _whole(entry, "header_row", None, path, section),
            _whole(entry, "year", None, path, section),
        )
    del compiled
    return CpesSettings(
        minimum, breakdown, tuple(str(p) for p in patterns), str(year_pattern), per_file
    )


def _known(table: object, keys: set[str], path: Path, section: str) -> None:
    if not isinstance(table, dict):
        raise CollabError(f"[{section}] must be a section", file=path, column=section, value=table)
    where = f"[{section}]" if section else "the top level"
    refuse_unknown(
        sorted(table),
        sorted(keys),
        f"unknown setting in {where}",
        path,
        column_prefix=f"{section}." if section else "",
    )


def _whole(
    table: dict, key: str, default: int | None, path: Path, section: str = "suppression"
) -> int | None:
    """A whole-number setting. Thresholds are at least 8, so no count from 1 to 7 is ever
    shown beside a result (the NHS small-numbers convention); other numbers at least 1."""
    value = table.get(key, default)
    if value is None:
        return None
    least = SMALLEST_THRESHOLD if section == "suppression" else 1
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        why = (
            " (results are shown with their count, and counts from 1 to 7 are never shown)"
            if least > 1
            else ""
        )
        if isinstance(value, str):
            why += ", written without quotes"
        raise CollabError(
            f"{key} must be a whole number of at least {least}{why}",
            file=path,
            column=f"{section}.{key}" if section != "suppression" else key,
            value=value,
            allowed={"header_row": "e.g. 4", "year": "e.g. 2022"}.get(key, "e.g. 21"),
        )
    return value
