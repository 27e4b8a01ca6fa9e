"""Cleaning a survey export into the canonical survey table, counting every change.

Rules, applied in this order on every build (the raw file is never changed):

1. **Headers** are matched to canonical fields through the survey mapping
   (:mod:`collablib.data.survey_mapping`), ignoring case, accents, spacing and
   punctuation. Unmatched columns (names, e-mail addresses, start times) are
   left out of the survey table and listed by header only.
2. **Blank rows** (every cell empty) are dropped.
3. **Test submissions** are excluded. A row is a test submission when, in any
   column listed under ``[test_submissions] columns`` (a canonical field or
   the export's own header), the *whole* cell equals one of the ``markers``
   once normalised (so "TEST - please ignore" matches the marker "test please
   ignore", but a comment that merely mentions a test does not).
4. **Answer labels** become canonical values ("4 - Greatly improved" -> 4,
   " yes " -> Yes). Labels listed under ``[not_answered]`` ("Prefer not to
   say", "Don't know") become blank, so they leave the denominator, and are
   counted. Teams may be given by id or by team name. Dates are read with
   ``[survey] date_format`` if set, else as ISO 8601. A label that matches
   nothing is left as typed, so validation reports it with its row.
5. **Validation** against the data dictionary (pandera, :mod:`collablib.data.schemas`).
6. **Duplicate submissions** (the same ``response_id`` more than once) keep
   only the latest by ``submitted_at``; on a tie, the lower row in the file.

The optional columns, ``[test_submissions] columns`` and ``[privacy]
name_columns``, are not matched exactly either: a configured name finds a
header that differs only in case, accents, spacing or punctuation, spaces
ignored altogether, so ``Name`` finds ``NAME``, ``Respondent name`` finds
``Respondent  Name`` and ``Email address`` finds ``E-mail address`` and
``email_address``. A configured column the export lacks is skipped. The name
columns are read only for the respondent names, which are kept in memory
for redacting quoted comments (:mod:`collablib.survey.privacy`) and never shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from collablib.data.ingest import SourceInfo
from collablib.data.schemas import SURVEY_COLUMNS, survey_schema, validate
from collablib.data.survey_mapping import (
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    VALUE_FIELDS,
    SurveyMapping,
    normalise,
)
from collablib.errors import CollabError

__all__ = [
    "CleaningLog",
    "clean_survey",
    "find_test_rows",
    "map_headers",
    "respondent_names",
]


@dataclass
class CleaningLog:
    """What arrived, what was excluded and why, and what was used (the data-quality record)."""

    source: SourceInfo
    mapping_files: list[str] = field(default_factory=list)
    columns_used: dict[str, str] = field(default_factory=dict)  # field -> header in the file
    columns_ignored: list[str] = field(default_factory=list)
    rows_in_file: int = 0
    blank_rows: list[int] = field(default_factory=list)
    test_rows: list[int] = field(default_factory=list)
    duplicate_rows: list[int] = field(default_factory=list)
    rows_used: int = 0
    # field -> label as written in the mapping -> how many answers carried it
    not_answered: dict[str, dict[str, int]] = field(default_factory=dict)
    labels_recoded: dict[str, int] = field(default_factory=dict)  # field -> answers recoded

    def steps(self) -> pd.DataFrame:
        """The cleaning steps as a tidy table: step, rows, spreadsheet rows affected."""

        def rows_text(rows: list[int]) -> str:
            if not rows:
                return ""
            shown = ", ".join(str(r) for r in rows[:12])
            return shown + (f" and {len(rows) - 12} more" if len(rows) > 12 else "")

        return pd.DataFrame(
            [
                ("Rows in the file (after the header)", self.rows_in_file, ""),
                ("Blank rows dropped", -len(self.blank_rows), rows_text(self.blank_rows)),
                ("Test submissions excluded", -len(self.test_rows), rows_text(self.test_rows)),
                (
                    "Earlier duplicate submissions dropped",
                    -len(self.duplicate_rows),
                    rows_text(self.duplicate_rows),
                ),
                ("Responses used in this report", self.rows_used, ""),
            ],
            columns=["step", "rows", "spreadsheet_rows"],
        )

    def not_answered_table(self) -> pd.DataFrame:
        """Tidy counts of answers treated as not answered: field, label, count."""
        rows = [
            (fld, label, count)
            for fld, labels in self.not_answered.items()
            for label, count in labels.items()
            if count
        ]
        return pd.DataFrame(rows, columns=["field", "label", "count"])


def map_headers(
    frame: pd.DataFrame, mapping: SurveyMapping, file: Path
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Rename the export's columns to canonical fields.

    Returns the renamed frame, the header used for each field, and the ignored headers.
    """
    lookup = mapping.header_lookup()
    used: dict[str, str] = {}
    ignored: list[str] = []
    for header in frame.columns:
        fld = lookup.get(normalise(header))
        if fld is None:
            ignored.append(header)
        elif fld in used:
            raise CollabError(
                f"two columns both look like the field {fld}: \u201c{used[fld]}\u201d and "
                f"\u201c{header}\u201d",
                file=file,
                column=header,
                allowed="one column per field; remove or rename the extra column",
            )
        else:
            used[fld] = header
    missing = [f for f in REQUIRED_FIELDS if f not in used]
    if missing:
        fld = missing[0]
        known = mapping.columns.get(fld, ())
        raise CollabError(
            f"no column found for the required field {fld}"
            + (
                f" (and {len(missing) - 1} more: {', '.join(missing[1:])})"
                if len(missing) > 1
                else ""
            ),
            file=file,
            column=fld,
            allowed=f"a column headed {fld}"
            + (" or one of: " + "; ".join(f"\u201c{h}\u201d" for h in known) if known else "")
            + f". Headers found: {'; '.join(frame.columns)}",
        )
    renamed = frame.rename(columns={h: f for f, h in used.items()})
    for fld in OPTIONAL_FIELDS:
        if fld not in renamed:
            renamed[fld] = pd.array([""] * len(renamed), dtype="string")
    return renamed, used, ignored


def _column_key(header: object) -> str:
    """A header for matching a configured column: case, accents, spacing and punctuation ignored.

    ``"E-mail address"``, ``" Email Address "`` and ``"email_address"`` all
    become ``"emailaddress"``.
    """
    return normalise(header).replace(" ", "")


def _matching_columns(frame: pd.DataFrame, wanted: Iterable[str]) -> list[pd.Series]:
    """The columns of ``frame`` whose header matches one of ``wanted`` (see :func:`_column_key`)."""
    keys = {_column_key(w) for w in wanted}
    return [
        frame.iloc[:, i] for i, header in enumerate(frame.columns) if _column_key(header) in keys
    ]


def find_test_rows(frame: pd.DataFrame, raw: pd.DataFrame, mapping: SurveyMapping) -> pd.Series:
    """Boolean per row: a whole cell in a test column equals a test marker (normalised).

    A test column may be named by canonical field (``team_id``) or by the
    export's own header (``Name``); either is matched with case, accents,
    spacing and punctuation ignored, as the required headers are, so the
    configured ``Name`` finds a column headed ``name`` or ``NAME``.
    """
    markers = {normalise(m) for m in mapping.test_markers}
    is_test = pd.Series(False, index=frame.index)
    if not markers:
        return is_test
    columns = _matching_columns(frame, mapping.test_columns)  # canonical fields
    columns += _matching_columns(raw.loc[frame.index], mapping.test_columns)  # export headers
    for values in columns:
        is_test |= values.map(normalise).isin(markers)
    return is_test


def _recode_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    if not date_format:
        return values

    def convert(text: str) -> str:
        try:
            return datetime.strptime(text, date_format).isoformat(sep=" ", timespec="minutes")
        except ValueError:
            return text  # left as typed: validation reports it

    return values.map(convert).astype("string")


def clean_survey(
    raw: pd.DataFrame,
    source: SourceInfo,
    mapping: SurveyMapping,
    teams: pd.DataFrame,
) -> tuple[pd.DataFrame, CleaningLog, set[str]]:
    """Apply the cleaning rules to an all-text export (index = spreadsheet row).

    Returns the canonical text table (validated, one row per response used),
    the :class:`CleaningLog`, and the set of respondent names found in the
    export's name columns (kept only in memory, for redacting comments).
    """
    file = source.path
    log = CleaningLog(source=source, mapping_files=[str(p.name) for p in mapping.sources])
    log.rows_in_file = len(raw)
    frame, log.columns_used, log.columns_ignored = map_headers(raw, mapping, file)

    blank = (raw == "").all(axis=1) if len(raw.columns) else pd.Series(True, index=raw.index)
    log.blank_rows = [int(r) for r in raw.index[blank]]
    frame = frame.loc[~blank]

    tests = find_test_rows(frame, raw, mapping)
    log.test_rows = [int(r) for r in frame.index[tests]]
    frame = frame.loc[~tests]
    names = respondent_names(raw.loc[frame.index], mapping)  # real respondents only

    frame = frame.loc[:, list(SURVEY_COLUMNS)].copy()
    missing = mapping.not_answered_lookup()
    for fld in VALUE_FIELDS:
        labels = mapping.label_lookup(fld)
        folded = frame[fld].map(normalise)
        is_missing = folded.isin(missing) & (frame[fld] != "")
        counts: dict[str, int] = {}
        for key in folded[is_missing]:
            counts[missing[key]] = counts.get(missing[key], 0) + 1
        if counts:
            log.not_answered[fld] = dict(sorted(counts.items()))
        recoded = folded.map(labels)
        known = recoded.notna() & ~is_missing
        log.labels_recoded[fld] = int((known & (frame[fld] != recoded)).sum())
        frame[fld] = frame[fld].where(~known, recoded).where(~is_missing, "").astype("string")
    frame["team_id"] = _recode_teams(frame["team_id"], teams)
    frame["submitted_at"] = _recode_dates(frame["submitted_at"], mapping.date_format)

    team_ids = teams["team_id"].tolist()
    schema = survey_schema(
        team_ids,
        date_format=mapping.date_format,
        label_hints={f: mapping.label_examples(f) for f in VALUE_FIELDS},
    )
    validate(frame, schema, file)

    stamp = pd.to_datetime(frame["submitted_at"], format="ISO8601")
    order = pd.DataFrame(
        {"stamp": stamp.to_numpy(), "position": frame.index.to_numpy()},
        index=frame.index.to_numpy(),
    )
    order = order.sort_values(["stamp", "position"], kind="stable")
    latest = ~frame.loc[order.index, "response_id"].duplicated(keep="last")
    keep = order.index[latest.to_numpy()]
    log.duplicate_rows = sorted(int(r) for r in frame.index.difference(keep))
    frame = frame.loc[sorted(keep)]
    log.rows_used = len(frame)
    if frame.empty:
        raise CollabError(
            "the survey has no responses left to analyse "
            f"({log.rows_in_file} rows in the file: {len(log.blank_rows)} blank, "
            f"{len(log.test_rows)} test submissions)",
            file=file,
            allowed="at least one real response under the header row",
        )
    return frame, log, names


def _recode_teams(values: pd.Series, teams: pd.DataFrame) -> pd.Series:
    """Accept a team's id or its name (as a dropdown in a survey tool would give it)."""
    lookup = {normalise(t): t for t in teams["team_id"]}
    lookup.update(
        {normalise(n): t for n, t in zip(teams["team_name"], teams["team_id"], strict=True)}
    )
    recoded = values.map(normalise).map(lookup)
    return values.where(recoded.isna(), recoded).astype("string")


def respondent_names(raw: pd.DataFrame, mapping: SurveyMapping) -> set[str]:
    """Names (and e-mail local parts) from the export's name columns, for redaction only.

    The ``[privacy] name_columns`` are matched to the export's headers with
    case, accents, spacing and punctuation ignored, so ``Respondent name``
    finds ``Respondent Name`` and ``Email address`` finds ``E-mail address``.
    """
    names: set[str] = set(mapping.redact_names)
    for column in _matching_columns(raw, mapping.name_columns):
        for cell in column:
            text = str(cell).strip()
            if not text:
                continue
            if "@" in text:
                text = text.split("@", 1)[0].replace(".", " ").replace("_", " ")
            if normalise(text) in {"anonymous", "anon", "n a", "none"}:
                continue
            names.add(text)
    return {n for n in names if n.strip()}
