"""The survey mapping: how a survey tool's export becomes the canonical survey table.

Survey tools export question wording as column headers and answer labels
instead of codes. A mapping file in TOML says which header is which
canonical field and which label is which value. The project-wide file is
``data/survey_mapping.toml``; a cohort may add ``data/raw/<cohort_id>/survey_mapping.toml``,
whose entries override the project's key by key (a cohort's list of header
texts for a field replaces the project's list for that field).

Headers and labels are matched after :func:`normalise`: case, accents,
spacing and punctuation are ignored, so ``"Would you recommend taking part?"``
matches ``"would you recommend taking part"``. Canonical column names and
values (``team_working``, ``Yes``, ``3``) always match as well, so a tidy
``final_survey.csv`` needs no mapping at all.

The file format is documented in ``data/README.md``.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collablib.data.inputs import input_exists, list_inputs, read_input_text
from collablib.data.schemas import RATING_COLUMNS, RATING_VALUES, ROLES, SURVEY_COLUMNS, YES_NO
from collablib.errors import CollabError

__all__ = [
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
#: Fields that may be absent from an export; they are then blank (consent blank = No).
OPTIONAL_FIELDS: tuple[str, ...] = ("comment", "consent_to_quote")

#: Fields whose answers are labels mapped to canonical values, and those values.
VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    "role": ROLES,
    "recommend": YES_NO,
    "consent_to_quote": YES_NO,
    **{col: RATING_VALUES for col in RATING_COLUMNS},
}


def normalise(text: object) -> str:
    """Fold text for matching: no accents, lower case, punctuation as spaces, single spaces.

    ``"  4 - Greatly IMPROVED! "`` and ``"4 greatly improved"`` both become
    ``"4 greatly improved"``. Apostrophes are dropped rather than spaced, so
    ``"Don't know"`` and ``"dont know"`` both become ``"dont know"``.
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = re.sub(r"['\u2019\u2018`]", "", stripped)
    return re.sub(r"[\W_]+", " ", stripped.casefold()).strip()


@dataclass(frozen=True)
class SurveyMapping:
    """A merged survey mapping (project-wide file plus any cohort override)."""

    files: tuple[str, ...] = ("final_survey.csv",)
    sheet: str | int | None = None
    date_format: str | None = None
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    not_answered: tuple[str, ...] = ()
    test_columns: tuple[str, ...] = ()
    test_markers: tuple[str, ...] = ()
    name_columns: tuple[str, ...] = ()
    redact_names: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()

    def header_lookup(self) -> dict[str, str]:
        """Normalised header text -> canonical field (canonical names always included)."""
        lookup = {normalise(f): f for f in (*SURVEY_COLUMNS,)}
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
    try:
        return tomllib.loads(read_input_text(path, "survey mapping"))
    except tomllib.TOMLDecodeError as exc:
        raise CollabError(
            f"the survey mapping is not valid TOML ({exc})",
            file=path,
            allowed="the layout documented in data/README.md",
        ) from None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


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
    columns: dict[str, tuple[str, ...]] = {}
    for fld, headers in raw.get("columns", {}).items():
        if fld not in SURVEY_COLUMNS:
            raise CollabError(
                "unknown field in [columns] of the survey mapping",
                file=path,
                value=fld,
                allowed=", ".join(SURVEY_COLUMNS),
            )
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
    return SurveyMapping(
        files=_file_patterns(survey.get("files", ["final_survey.csv"]), path),
        sheet=sheet - 1 if isinstance(sheet, int) else sheet,
        date_format=survey.get("date_format"),
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


def load_mapping(
    data_dir: str | os.PathLike[str], cohort_folder: str | os.PathLike[str] | None = None
) -> SurveyMapping:
    """The project mapping merged with the cohort's override (either may be absent)."""
    raw: dict[str, Any] = {}
    sources: list[Path] = []
    for path in (
        Path(data_dir) / MAPPING_FILE,
        Path(cohort_folder) / MAPPING_FILE if cohort_folder else None,
    ):
        if path is not None and input_exists(path):
            raw = _merge(raw, _read_toml(path))
            sources.append(path)
    return _build(raw, tuple(sources))


def find_survey_file(folder: Path, mapping: SurveyMapping) -> Path:
    """The survey file in a cohort folder: the first of ``[survey] files`` patterns that matches.

    ``final_survey.csv`` wins if present. A pattern matching several files is an
    error, because guessing which export is current could silently use the wrong one.
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
    raise CollabError(
        "no survey file found in the cohort folder",
        file=folder,
        allowed="final_survey.csv, or a survey export matching " + ", ".join(patterns[1:])
        if len(patterns) > 1
        else "final_survey.csv",
    )
