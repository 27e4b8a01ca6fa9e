"""Who answered: response ids for exports without them, and resubmissions by one person.

Survey tools identify responses differently. Microsoft Forms and SmartSurvey
give each submission an id; Google Forms gives none. Microsoft Forms gives a
person who submits twice two ids, so an id alone cannot tell a resubmission.
This module builds ids where the export has none, and keys rows by person
(``[survey] duplicate_key``, by default the e-mail address) so that cleaning
keeps each person's latest submission (:mod:`collablib.data.cleaning`, the
duplicate and resubmission rules; ``data/README.md``).

Identity texts are compared with case and spacing ignored (:func:`identity_text`),
so ``Amy.Lee@NHS.net`` and ``amy.lee@nhs.net`` are one person, but punctuation
counts: ``amy_lee@nhs.net`` is someone else. A blank or
"anonymous" part (Microsoft Forms writes ``anonymous`` when it does not record
who answered) identifies nobody, so that row is never matched with another.

Built ids: ``"<submitted_at> row <n>"`` (e.g. ``"2021-03-12 09:15:02 row 2"``, the
spreadsheet row), which stays the same when later responses are appended; or,
with ``[survey] id_columns``, ``"id-"`` and 16 hex digits of the SHA-256 of the
named columns' identity texts, so that an e-mail used to build an id is not
readable in it. A row with any of those columns unknown keeps the time-and-row id.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable

import pandas as pd

from collablib.data.matching import matching_columns, normalise_values
from collablib.data.schemas import or_list
from collablib.data.survey_mapping import SurveyMapping
from collablib.errors import CollabError

__all__ = [
    "ANONYMOUS",
    "DERIVED_ID",
    "build_ids",
    "field_words",
    "identity_text",
    "joined_key",
    "latest",
    "person_key",
]

#: ``CleaningLog.ids_built_from`` when ids come from the submission time and the row.
DERIVED_ID: tuple[str, ...] = ("submitted_at", "row")


#: Plain words for mapped fields in the Data quality section.
_FIELD_WORDS = {"email": "e-mail address", "team_id": "team", "submitted_at": "submission time"}


def field_words(fields: Iterable[str]) -> str:
    """``("name", "team_id")`` -> ``"name and team"``: fields as a reader says them."""
    words = [_FIELD_WORDS.get(f, f.replace("_", " ")) for f in fields]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


#: Texts (normalised) that survey tools put in an identity column when nobody is identified.
ANONYMOUS = frozenset({"anonymous", "anon", "n a", "none", "unknown"})


def identity_text(values: pd.Series) -> pd.Series:
    """Identity texts compared as a person would: case and spacing ignored, nothing else.

    Unlike :func:`~collablib.data.survey_mapping.normalise`, punctuation
    counts, because ``amy.lee@nhs.net`` and ``amy_lee@nhs.net`` are two people.
    Unicode compatibility forms are folded (NFKC), so full-width or ligature
    characters compare equal to their plain forms.
    """
    distinct = values.unique()
    folded = {
        v: " ".join(unicodedata.normalize("NFKC", str(v)).casefold().split()) for v in distinct
    }
    return values.map(folded).astype("string")


def joined_key(parts: list[pd.Series]) -> pd.Series:
    """The identity texts of ``parts`` joined per row; blank when any part is unknown.

    A blank or "anonymous" part means the person is not known, so that row is
    never taken for somebody else's.
    """
    key = pd.Series("", index=parts[0].index, dtype="string")
    unknown = pd.Series(False, index=parts[0].index)
    for n, part in enumerate(parts):
        text = identity_text(part)
        unknown |= (text == "") | normalise_values(part).isin(ANONYMOUS)
        key = text if n == 0 else key + "\x1f" + text
    return key.where(~unknown, "").astype("string")


def _field(name: str, frame: pd.DataFrame, identity: pd.DataFrame) -> pd.Series:
    """A mapped field's column: an identity field (email, name) or a survey field."""
    return (identity[name] if name in identity.columns else frame[name]).loc[frame.index]


def person_key(frame: pd.DataFrame, identity: pd.DataFrame, fields: tuple[str, ...]) -> pd.Series:
    """One text per row naming the person by ``fields``; blank when any is not known."""
    return joined_key([_field(f, frame, identity) for f in fields])


def build_ids(
    frame: pd.DataFrame, identity: pd.DataFrame, raw: pd.DataFrame, mapping: SurveyMapping
) -> tuple[pd.Series, tuple[str, ...]]:
    """Response ids for an export without them, and what they were built from (module docstring).

    From ``[survey] id_columns`` when set (each a mapped field, ``email`` and
    ``name`` included, or an export header matched as headers are), else from
    the submission time and row.
    """
    rows = pd.Series(frame.index, index=frame.index)
    derived = (frame["submitted_at"] + " row " + rows.astype(str)).astype("string")
    if not mapping.id_columns:
        return derived, DERIVED_ID
    parts: list[pd.Series] = []
    for name in mapping.id_columns:
        found = (
            [_field(name, frame, identity)]
            if name in identity.columns or name in frame.columns
            else matching_columns(raw.loc[frame.index], [name])
        )
        if not found:
            raise CollabError(
                "[survey] id_columns names a column the export does not have",
                file=mapping.setting_files.get("id_columns"),
                column="[survey] id_columns",
                value=name,
                allowed="a mapped field or one of the export's headers: " + or_list(raw.columns),
            )
        parts.append(found[0].loc[frame.index])
    joined = joined_key(parts)
    hashed = joined.map(lambda t: "id-" + hashlib.sha256(t.encode()).hexdigest()[:16])
    return hashed.where(joined != "", derived).astype("string"), tuple(mapping.id_columns)


def latest(key: pd.Series, stamp: pd.Series, unmatched: pd.Series | None = None) -> pd.Index:
    """The rows to keep: the latest by ``stamp`` for each ``key`` (on a tie, the lower row).

    Rows flagged ``unmatched`` are all kept. Returned in spreadsheet-row order.
    """
    order = pd.DataFrame(
        {"key": key.to_numpy(), "stamp": stamp.to_numpy(), "position": key.index.to_numpy()},
        index=key.index.to_numpy(),
    ).sort_values(["stamp", "position"], kind="stable")
    keep = ~order["key"].duplicated(keep="last")
    if unmatched is not None:
        keep |= unmatched.loc[order.index].to_numpy()
    return pd.Index(sorted(order.index[keep.to_numpy()]))
