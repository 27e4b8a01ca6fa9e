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
7. **Resubmissions by one person**: rows with the same ``[survey]
   duplicate_key`` (by default the respondent's e-mail) keep only the latest
   by ``submitted_at`` (on a tie, the lower row), counted apart from step 6.
   A row whose key is blank or "anonymous" is never matched, and a key field
   the export lacks means the check is not made, which the report says.

**Response ids.** An export without a response-id column (Google Forms has
none) gets ids built from each row's submission time and its spreadsheet row,
``"<submitted_at> row <n>"``, which stay the same when later responses are
appended. ``[survey] id_columns`` names other columns to build them from
instead (their texts, matched as above and hashed); a row with any of them
blank or "anonymous" falls back to the time-and-row id, because a partial
identity is no identity. The report says which.

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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from collablib.data.ingest import SourceInfo
from collablib.data.matching import matching_columns, normalise, normalise_values
from collablib.data.respondents import ANONYMOUS, build_ids, field_words, latest, person_key
from collablib.data.schemas import SURVEY_COLUMNS, survey_schema, validate
from collablib.data.submission_dates import check_dates, recode_dates
from collablib.data.survey_mapping import (
    HEADER_FIELDS,
    IDENTITY_FIELDS,
    OPTIONAL_FIELDS,
    VALUE_FIELDS,
    SurveyMapping,
)
from collablib.errors import CollabError

__all__ = [
    "CleaningLog",
    "clean_survey",
    "find_test_rows",
    "has_survey_headers",
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
    resubmission_rows: list[int] = field(default_factory=list)
    rows_used: int = 0
    #: How response ids were made: () = the export's own column; ``DERIVED_ID`` = submission
    #: time and row; otherwise the ``[survey] id_columns`` they were built from.
    ids_built_from: tuple[str, ...] = ()
    #: ``[survey] duplicate_key``, and the fields of it the export lacks (then not checked).
    duplicate_key: tuple[str, ...] = ()
    duplicate_key_missing: tuple[str, ...] = ()
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
                *(
                    [
                        (
                            "Earlier submissions by the same person dropped (same "
                            f"{field_words(self.duplicate_key)})",
                            -len(self.resubmission_rows),
                            rows_text(self.resubmission_rows),
                        )
                    ]
                    if self.resubmissions_checked
                    else []
                ),
                ("Responses used in this report", self.rows_used, ""),
            ],
            columns=["step", "rows", "spreadsheet_rows"],
        )

    @property
    def resubmissions_checked(self) -> bool:
        """Whether resubmissions by one person were looked for (a key, all of it in the export)."""
        return bool(self.duplicate_key) and not self.duplicate_key_missing

    def not_answered_table(self) -> pd.DataFrame:
        """Tidy counts of answers treated as not answered: field, label, count."""
        rows = [
            (fld, label, count)
            for fld, labels in self.not_answered.items()
            for label, count in labels.items()
            if count
        ]
        return pd.DataFrame(rows, columns=["field", "label", "count"])


def has_survey_headers(mapping: SurveyMapping) -> Callable[[list[str]], bool]:
    """A test of a header row: does it hold every required field (a response id aside)?

    Used to choose a workbook's sheet when exactly one sheet holds the survey.
    """
    lookup = mapping.header_lookup()
    needed = set(HEADER_FIELDS)

    def test(headers: list[str]) -> bool:
        return needed <= {lookup.get(normalise(h)) for h in headers}

    return test


def _sheet_hint(source: SourceInfo | None) -> str:
    """For a workbook: which sheet was read, which others there are, and the setting."""
    if source is None or source.format != "XLSX":
        return ""
    others = [s for s in source.sheets if s != source.sheet]
    text = f" Read sheet \u201c{source.sheet}\u201d"
    if not others:
        return text + ", the workbook's only sheet"
    return (
        text
        + " of "
        + ", ".join(f"\u201c{s}\u201d" for s in source.sheets)
        + f'; to read another, set sheet = "{others[0]}" (or its number) under [survey] '
        "in the cohort's survey_mapping.toml"
    )


def map_headers(
    frame: pd.DataFrame, mapping: SurveyMapping, file: Path, source: SourceInfo | None = None
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Rename the export's columns to canonical fields.

    Returns the renamed frame, the header used for each field, and the ignored headers.
    A response id is not required here: :func:`clean_survey` builds one when the
    export has none. ``source`` lets a missing-field message name the sheet read.
    """
    lookup = mapping.header_lookup()
    used: dict[str, str] = {}
    ignored: list[str] = []
    for header in frame.columns:
        fld = lookup.get(normalise(header))
        if fld is None or (fld in used and fld in IDENTITY_FIELDS):
            ignored.append(header)  # a second e-mail or name column: the first identifies
        elif fld in used:
            raise CollabError(
                f"two columns both look like the field {fld}: \u201c{used[fld]}\u201d and "
                f"\u201c{header}\u201d",
                file=file,
                column=header,
                allowed="one column per field; leave the export as it is and list the header "
                f"of the one not to use under [columns] remove = [...] in the cohort's "
                f"survey_mapping.toml (a column headed {fld} itself is always read)",
            )
        else:
            used[fld] = header
    missing = [f for f in HEADER_FIELDS if f not in used]
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
            + f"; for a question worded otherwise, add its header under [columns] {fld} in the "
            "cohort's survey_mapping.toml"
            + f". Headers found: {'; '.join(frame.columns)}."
            + _sheet_hint(source),
        )
    renamed = frame.rename(columns={h: f for f, h in used.items()})
    for fld in OPTIONAL_FIELDS:
        if fld not in renamed:
            renamed[fld] = pd.array([""] * len(renamed), dtype="string")
    return renamed, used, ignored


#: ASCII bytes that are not letters or digits, deleted to count the ones that are.
_ASCII_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())


def _ascii_alnum_count(text: str) -> int:
    """How many ASCII letters and digits ``text`` has.

    Each survives :func:`normalise` as one character, so a cell with more of
    them than the longest marker cannot be a marker: a long comment is never
    folded just to be ruled out.
    """
    return len(text.encode("ascii", "ignore").translate(None, _ASCII_NOT_ALNUM))


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
    longest = max(len(m) for m in markers)
    columns = matching_columns(frame, mapping.test_columns)  # canonical fields
    columns += matching_columns(raw.loc[frame.index], mapping.test_columns)  # export headers
    for values in columns:
        hits = {
            value
            for value in values.unique()
            if _ascii_alnum_count(value) <= longest and normalise(value) in markers
        }
        is_test |= values.isin(hits)
    return is_test


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
    frame, log.columns_used, log.columns_ignored = map_headers(raw, mapping, file, source)

    blank = (raw == "").all(axis=1) if len(raw.columns) else pd.Series(True, index=raw.index)
    log.blank_rows = [int(r) for r in raw.index[blank]]
    frame = frame.loc[~blank]

    tests = find_test_rows(frame, raw, mapping)
    log.test_rows = [int(r) for r in frame.index[tests]]
    frame = frame.loc[~tests]
    identity_headers = [log.columns_used[f] for f in IDENTITY_FIELDS if f in log.columns_used]
    names = respondent_names(raw.loc[frame.index], mapping, identity_headers)  # real only

    identity = frame.loc[:, [f for f in IDENTITY_FIELDS if f in frame.columns]]
    if "response_id" not in frame.columns:
        frame["response_id"] = pd.array([""] * len(frame), dtype="string")
    frame = frame.loc[:, list(SURVEY_COLUMNS)].copy()
    missing = mapping.not_answered_lookup()
    for fld in VALUE_FIELDS:
        labels = mapping.label_lookup(fld)
        folded = normalise_values(frame[fld])
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
    frame["submitted_at"] = recode_dates(frame["submitted_at"], mapping.date_format)
    stamp = check_dates(frame["submitted_at"], mapping.date_format, file, log.columns_used)
    if "response_id" not in log.columns_used or mapping.id_columns:
        frame["response_id"], log.ids_built_from = build_ids(frame, identity, raw, mapping)

    team_ids = teams["team_id"].tolist()
    schema = survey_schema(
        team_ids,
        date_format=mapping.date_format,
        label_hints={f: mapping.label_examples(f) for f in VALUE_FIELDS},
    )
    validate(frame, schema, file)

    keep = latest(frame["response_id"], stamp)
    log.duplicate_rows = sorted(int(r) for r in frame.index.difference(keep))
    frame = frame.loc[keep]

    log.duplicate_key = mapping.duplicate_key
    log.duplicate_key_missing = tuple(
        f for f in mapping.duplicate_key if f not in frame.columns and f not in identity.columns
    )
    if log.resubmissions_checked:
        person = person_key(frame, identity, mapping.duplicate_key)
        keep = latest(person, stamp.loc[frame.index], unmatched=person == "")
        log.resubmission_rows = sorted(int(r) for r in frame.index.difference(keep))
        frame = frame.loc[keep]

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
    recoded = normalise_values(values).map(lookup)
    return values.where(recoded.isna(), recoded).astype("string")


def respondent_names(
    raw: pd.DataFrame, mapping: SurveyMapping, headers: Iterable[str] = ()
) -> set[str]:
    """Names (and e-mail local parts) from the export's name columns, for redaction only.

    The ``[privacy] name_columns`` are matched to the export's headers with
    case, accents, spacing and punctuation ignored, so ``Respondent name``
    finds ``Respondent Name`` and ``Email address`` finds ``E-mail address``.
    ``headers`` adds the export's own headers of the columns mapped to ``email``
    and ``name``, so a header that the mapping knows as a name is always redacted.
    """
    names: set[str] = set(mapping.redact_names)
    for column in matching_columns(raw, [*mapping.name_columns, *headers]):
        for text in {str(cell).strip() for cell in column.unique()}:
            if not text:
                continue
            if "@" in text:
                text = text.split("@", 1)[0].replace(".", " ").replace("_", " ")
            if normalise(text) in ANONYMOUS:
                continue
            names.add(text)
    return {n for n in names if n.strip()}
