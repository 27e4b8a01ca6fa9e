"""The survey mapping: how a survey tool's export becomes the canonical survey table.

Survey tools export question wording as column headers and answer labels
instead of codes. A mapping file in TOML says which header is which
canonical field and which label is which value. The project-wide file is
``data/survey_mapping.toml``; a cohort may add ``data/raw/<cohort_id>/survey_mapping.toml``.

Merging works the same way for every list table (``[columns]``, each
``[values.*]``, ``[not_answered]``, ``[test_submissions]``, ``[privacy]``):
the cohort's texts are *added* to the project's, and a project text is
dropped only when the cohort lists it under ``remove = [...]`` in that table.
In ``[columns]`` and ``[values.*]`` a text means one thing only, so a cohort
that lists a header or label under another key moves it there (the cohort's
key wins for that text, and only for it). ``[survey]`` holds settings, not
lists: a setting the cohort names replaces the project's.

Headers and labels are matched after :func:`~collablib.data.matching.normalise`:
case, accents, spacing and punctuation are ignored, so ``"Would you recommend
taking part?"`` matches ``"would you recommend taking part"``. Canonical column names and
values (``team_working``, ``Yes``, ``3``) always match as well, so a tidy
``final_survey.csv`` needs no mapping at all.

The file format is documented in ``data/README.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from collablib.data.inputs import input_exists, list_inputs, read_toml
from collablib.data.matching import normalise  # also re-exported: it was defined here
from collablib.data.schemas import RATING_COLUMNS, RATING_VALUES, ROLES, SURVEY_COLUMNS, YES_NO
from collablib.errors import CollabError, refuse_unknown

__all__ = [
    "HEADER_FIELDS",
    "IDENTITY_FIELDS",
    "MAPPED_FIELDS",
    "MAPPING_FILE",
    "OPTIONAL_FIELDS",
    "REQUIRED_FIELDS",
    "VALUE_FIELDS",
    "SurveyMapping",
    "find_survey_file",
    "load_mapping",
    "normalise",
]

MAPPING_FILE = "survey_mapping.toml"

#: Fields every survey must provide (after mapping).
REQUIRED_FIELDS: tuple[str, ...] = (
    "response_id",
    "submitted_at",
    "team_id",
    "role",
    "recommend",
    *RATING_COLUMNS,
)
#: Fields an export must have a column for: all the required ones but the response id,
#: which is built when an export has none (Google Forms).
HEADER_FIELDS: tuple[str, ...] = tuple(f for f in REQUIRED_FIELDS if f != "response_id")

#: Fields that may be absent from an export; they are then blank (consent blank = No).
OPTIONAL_FIELDS: tuple[str, ...] = ("comment", "consent_to_quote")

#: Columns that identify the respondent. They are mapped like the survey fields so that
#: ``[survey] duplicate_key`` can name them, but they never enter the survey table.
IDENTITY_FIELDS: tuple[str, ...] = ("email", "name")

#: Every field a ``[columns]`` key may name.
MAPPED_FIELDS: tuple[str, ...] = (*SURVEY_COLUMNS, *IDENTITY_FIELDS)

#: The settings of ``[survey]``: a cohort's value replaces the project's.
SURVEY_SETTINGS: tuple[str, ...] = ("files", "sheet", "date_format", "id_columns", "duplicate_key")

#: Fields whose answers are labels mapped to canonical values, and those values.
VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    "role": ROLES,
    "recommend": YES_NO,
    "consent_to_quote": YES_NO,
    **{col: RATING_VALUES for col in RATING_COLUMNS},
}


@dataclass(frozen=True)
class SurveyMapping:
    """A merged survey mapping (project-wide file plus any cohort override)."""

    files: tuple[str, ...] = ("final_survey.csv",)
    sheet: str | int | None = None
    date_format: str | None = None
    id_columns: tuple[str, ...] = ()
    duplicate_key: tuple[str, ...] = ()
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    not_answered: tuple[str, ...] = ()
    test_columns: tuple[str, ...] = ()
    test_markers: tuple[str, ...] = ()
    name_columns: tuple[str, ...] = ()
    redact_names: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()
    #: For each ``[survey]`` setting given, the file that set it (for messages).
    setting_files: Mapping[str, Path] = field(default_factory=dict)

    def header_lookup(self) -> dict[str, str]:
        """Normalised header text -> canonical field (canonical names always included)."""
        lookup = {normalise(f): f for f in MAPPED_FIELDS}
        for fld, headers in self.columns.items():
            for header in headers:
                lookup[normalise(header)] = fld
        return lookup

    def label_lookup(self, fld: str) -> dict[str, str]:
        """Normalised answer label -> canonical value for one field."""
        canonical = VALUE_FIELDS[fld]
        set_name = "rating" if fld in RATING_COLUMNS else fld
        lookup = {normalise(v): v for v in canonical}
        for value, labels in self.values.get(set_name, {}).items():
            for label in labels:
                lookup[normalise(label)] = value
        return lookup

    def not_answered_lookup(self) -> dict[str, str]:
        """Normalised "not answered" label -> the label as written in the mapping."""
        return {normalise(label): label for label in self.not_answered}

    def label_examples(self, fld: str, limit: int = 4) -> list[str]:
        """A few of the labels accepted for ``fld``, for error messages."""
        set_name = "rating" if fld in RATING_COLUMNS else fld
        examples = [lab for labels in self.values.get(set_name, {}).values() for lab in labels]
        return examples[:limit]


def _as_tuple(value: Any, where: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise CollabError(
        f"{where} must be a text or a list of texts",
        file=path,
        value=value,
        allowed='["text", ...]',
    )


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, "survey mapping")


REMOVE = "remove"


def _merge_list_table(
    base: Mapping[str, Any], over: Mapping[str, Any], where: str, exclusive: bool, path: Path
) -> dict[str, list[str]]:
    """Merge one list table of a cohort file into the project's (see the module docstring).

    ``exclusive`` tables (``[columns]``, ``[values.*]``) let a text belong to one
    key only, so a cohort that lists a text under another key moves it there.
    """
    merged = {k: list(_as_tuple(v, f"[{where}] {k}", path)) for k, v in base.items()}
    over = dict(over)
    for text in _as_tuple(over.pop(REMOVE, []), f"[{where}] {REMOVE}", path):
        key = normalise(text)
        present = [item for items in merged.values() for item in items]
        if not any(normalise(item) == key for item in present):
            raise CollabError(
                f"[{where}] {REMOVE} names a text the project mapping does not list there",
                file=path,
                column=f"[{where}] {REMOVE}",
                value=text,
                allowed="one of " + "; ".join(f"\u201c{t}\u201d" for t in present)
                if present
                else "nothing: the project mapping lists nothing there",
            )
        merged = {k: [i for i in items if normalise(i) != key] for k, items in merged.items()}
    for k, value in over.items():
        new = list(_as_tuple(value, f"[{where}] {k}", path))
        folded = {normalise(t) for t in new}
        if exclusive:
            merged = {
                other: [i for i in items if other == k or normalise(i) not in folded]
                for other, items in merged.items()
            }
        merged[k] = new + [i for i in merged.get(k, []) if normalise(i) not in folded]
    return merged


def _merge(base: dict[str, Any], over: dict[str, Any], path: Path) -> dict[str, Any]:
    """The project mapping ``base`` with a cohort's ``over`` merged in (module docstring)."""
    merged = dict(base)
    for table, value in over.items():
        if not isinstance(value, dict):
            merged[table] = value  # _build reports it
        elif table == "survey":
            merged[table] = {**base.get(table, {}), **value}
        elif table == "values":
            sets = dict(base.get("values", {}))
            for set_name, labels in value.items():
                if not isinstance(labels, dict):
                    sets[set_name] = labels  # _build reports it
                    continue
                sets[set_name] = _merge_list_table(
                    sets.get(set_name, {}), labels, f"values.{set_name}", True, path
                )
            merged[table] = sets
        else:
            merged[table] = _merge_list_table(
                base.get(table, {}), value, table, table == "columns", path
            )
    return merged


def _without_remove(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` without its ``remove`` lists, to check the rest of a cohort file on its own."""
    out: dict[str, Any] = {}
    for table, value in raw.items():
        if table == "values" and isinstance(value, dict):
            out[table] = {
                k: {kk: vv for kk, vv in v.items() if kk != REMOVE} if isinstance(v, dict) else v
                for k, v in value.items()
            }
        elif table != "survey" and isinstance(value, dict):
            out[table] = {k: v for k, v in value.items() if k != REMOVE}
        else:
            out[table] = value
    return out


def _has_remove(raw: dict[str, Any]) -> str | None:
    """The first table of ``raw`` that has a ``remove`` list, if any."""
    for table, value in raw.items():
        if not isinstance(value, dict):
            continue
        if table == "values":
            for set_name, labels in value.items():
                if isinstance(labels, dict) and REMOVE in labels:
                    return f"values.{set_name}"
        elif REMOVE in value:
            return table
    return None


_KNOWN_TABLES = {"survey", "columns", "values", "not_answered", "test_submissions", "privacy"}


def _file_patterns(value: object, path: Path) -> tuple[str, ...]:
    """``[survey] files``: file-name patterns inside the cohort's own folder.

    A pattern that could reach outside the folder (absolute, or with ``..``) is
    refused: the survey must be one of the cohort's own recorded inputs.
    """
    patterns = _as_tuple(value, "[survey] files", path)
    for pattern in patterns:
        parts = Path(pattern).parts
        if not pattern.strip() or Path(pattern).is_absolute() or ".." in parts:
            raise CollabError(
                "a survey file pattern must name files inside the cohort's folder",
                file=path,
                column="[survey] files",
                value=pattern,
                allowed='a file name or pattern such as "*Survey*.xlsx", without folders above it',
            )
    return patterns


def _build(raw: dict[str, Any], sources: tuple[Path, ...]) -> SurveyMapping:
    path = sources[-1] if sources else Path(MAPPING_FILE)
    unknown = set(raw) - _KNOWN_TABLES
    if unknown:
        raise CollabError(
            f"unknown section [{sorted(unknown)[0]}] in the survey mapping",
            file=path,
            allowed=", ".join(f"[{t}]" for t in sorted(_KNOWN_TABLES)),
        )
    survey = raw.get("survey", {})
    refuse_unknown(
        survey, SURVEY_SETTINGS, "unknown setting in [survey] of the survey mapping", path
    )
    columns: dict[str, tuple[str, ...]] = {}
    refuse_unknown(
        raw.get("columns", {}),
        MAPPED_FIELDS,
        "unknown field in [columns] of the survey mapping",
        path,
    )
    for fld, headers in raw.get("columns", {}).items():
        columns[fld] = _as_tuple(headers, f"[columns] {fld}", path)
    values: dict[str, dict[str, tuple[str, ...]]] = {}
    allowed_sets = {
        "rating": RATING_VALUES,
        "role": ROLES,
        "recommend": YES_NO,
        "consent_to_quote": YES_NO,
    }
    for set_name, table in raw.get("values", {}).items():
        if set_name not in allowed_sets:
            raise CollabError(
                "unknown answer set in [values] of the survey mapping",
                file=path,
                value=set_name,
                allowed=", ".join(allowed_sets),
            )
        values[set_name] = {}
        for value, labels in table.items():
            if value not in allowed_sets[set_name]:
                raise CollabError(
                    f"[values.{set_name}] maps labels to a value that is not allowed",
                    file=path,
                    value=value,
                    allowed=", ".join(allowed_sets[set_name]),
                )
            values[set_name][value] = _as_tuple(labels, f"[values.{set_name}] {value}", path)
    tests = raw.get("test_submissions", {})
    privacy = raw.get("privacy", {})
    sheet = survey.get("sheet")
    duplicate_key = _as_tuple(survey.get("duplicate_key", []), "[survey] duplicate_key", path)
    for fld in duplicate_key:
        if fld not in MAPPED_FIELDS:
            raise CollabError(
                "[survey] duplicate_key names a field that is not mapped",
                file=path,
                column="[survey] duplicate_key",
                value=fld,
                allowed="fields named in [columns]: " + ", ".join(MAPPED_FIELDS),
            )
    id_columns = _as_tuple(survey.get("id_columns", []), "[survey] id_columns", path)
    date_format = survey.get("date_format")
    if date_format is not None:
        _check_date_format(date_format, path)
    return SurveyMapping(
        files=_file_patterns(survey.get("files", ["final_survey.csv"]), path),
        sheet=sheet - 1 if isinstance(sheet, int) else sheet,
        date_format=date_format,
        id_columns=id_columns,
        duplicate_key=duplicate_key,
        columns=columns,
        values=values,
        not_answered=_as_tuple(
            raw.get("not_answered", {}).get("labels", []), "[not_answered] labels", path
        ),
        test_columns=_as_tuple(tests.get("columns", []), "[test_submissions] columns", path),
        test_markers=_as_tuple(tests.get("markers", []), "[test_submissions] markers", path),
        name_columns=_as_tuple(privacy.get("name_columns", []), "[privacy] name_columns", path),
        redact_names=_as_tuple(privacy.get("redact_names", []), "[privacy] redact_names", path),
        sources=sources,
    )


def _check_date_format(date_format: object, path: Path) -> None:
    """``[survey] date_format`` must be ``strptime`` codes that can read a time they write.

    ``%-d`` (a common web example), ``%s`` or a typo would otherwise fail on
    every row, or crash the parser, rather than be named here once.
    """
    sample = datetime(2021, 4, 12, 14, 5, 6)
    try:
        if not isinstance(date_format, str) or not date_format.strip():
            raise ValueError
        datetime.strptime(sample.strftime(date_format), date_format)
    except ValueError:
        raise CollabError(
            "[survey] date_format is not a layout Python's strptime can read",
            file=path,
            column="[survey] date_format",
            value=date_format,
            allowed='strptime codes such as "%d/%m/%Y %H:%M" (12/04/2021 14:05) or '
            '"%d/%m/%Y %H:%M:%S"; %-d and %s are not strptime codes',
        ) from None


def load_mapping(
    data_dir: str | os.PathLike[str], cohort_folder: str | os.PathLike[str] | None = None
) -> SurveyMapping:
    """The project mapping merged with the cohort's own file (either may be absent).

    Each file is checked on its own first, so a problem is reported in the file
    that has it; then the cohort's file is merged in as the module docstring says.
    """
    raw: dict[str, Any] = {}
    sources: list[Path] = []
    setting_files: dict[str, Path] = {}
    project = Path(data_dir) / MAPPING_FILE
    if input_exists(project):
        raw = _read_toml(project)
        table = _has_remove(raw)
        if table is not None:
            raise CollabError(
                f"[{table}] {REMOVE} is for a cohort's own mapping file",
                file=project,
                column=f"[{table}] {REMOVE}",
                allowed="remove the entry from the list itself in the project mapping",
            )
        _build(raw, (project,))
        sources.append(project)
        setting_files.update(dict.fromkeys(raw.get("survey", {}), project))
    if cohort_folder is not None:
        cohort = Path(cohort_folder) / MAPPING_FILE
        if input_exists(cohort):
            own = _read_toml(cohort)
            _build(_without_remove(own), (cohort,))
            raw = _merge(raw, own, cohort)
            sources.append(cohort)
            setting_files.update(dict.fromkeys(own.get("survey", {}), cohort))
    return replace(_build(raw, tuple(sources)), setting_files=setting_files)


def find_survey_file(
    folder: Path, mapping: SurveyMapping, other_inputs: Iterable[str] = ()
) -> Path:
    """The survey file in a cohort folder: the first of ``[survey] files`` patterns that matches.

    ``final_survey.csv`` wins if present. A pattern matching several files is an
    error, because guessing which export is current could silently use the wrong one.
    When nothing matches, the message lists the folder's CSV and XLSX files, less
    ``other_inputs`` (the cohort's other files), and how to name the export.
    """
    patterns = ("final_survey.csv", *[p for p in mapping.files if p != "final_survey.csv"])
    for pattern in patterns:
        matches = list_inputs(folder, pattern)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise CollabError(
                f"several files could be the survey export ({', '.join(m.name for m in matches)})",
                file=folder,
                allowed=f"exactly one file matching {pattern}; name the one to use under "
                "[survey] files in the cohort's survey_mapping.toml",
            )
    others = [
        p.name
        for suffix in ("*.csv", "*.xlsx")
        for p in list_inputs(folder, suffix)
        if p.name not in set(other_inputs)
    ]
    allowed = "final_survey.csv, or a survey export matching " + ", ".join(patterns[1:])
    if others:
        example = others[0].split("(")[0].rstrip() or others[0]
        allowed += (
            f". Files here: {', '.join(sorted(others))}; to read one, name it under [survey] "
            f'in the cohort\'s survey_mapping.toml, e.g. files = ["{example}*"], leaving the '
            "file as downloaded"
        )
    raise CollabError("no survey file found in the cohort folder", file=folder, allowed=allowed)
