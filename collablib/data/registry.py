"""The cohort registry, ``data/cohorts.csv``: which cohorts exist and when they ran.

Adding a cohort is adding a row here plus a folder ``data/raw/<cohort_id>/``;
no code changes. The registry is validated on every read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from collablib.data.ingest import drop_blank_rows, read_csv_text
from collablib.data.schemas import REGISTRY_COLUMNS, REGISTRY_SCHEMA, require_columns, validate
from collablib.errors import CollabError
from collablib.paths import REGISTRY_FILE, resolve_data_dir

__all__ = [
    "RESERVED_IDS",
    "Cohort",
    "get_cohort",
    "load_registry",
    "programme_years",
    "registry_path",
    "select_cohorts",
]

#: Cohort ids that would overwrite collab's own files: ``index.html``, and the build state
#: ``.build/state.json`` beside the cohorts' ``.build/<id>.json``. The id pattern
#: (:data:`collablib.data.schemas.REGISTRY_SCHEMA`) already refuses ids starting with ``.`` or
#: ``_`` (``.build/``, ``_failed/``). Compared without case, for case-insensitive disks.
RESERVED_IDS = frozenset({"index", "state"})


@dataclass(frozen=True, order=True)
class Cohort:
    """One row of the registry: a cohort of project teams in one collaborative."""

    cohort_id: str
    name: str
    programme_year: str
    start_date: date
    end_date: date
    #: Its row in cohorts.csv as a spreadsheet shows it (header = row 1), for messages.
    row: int | None = field(default=None, compare=False)

    def raw_dir(self, data_dir: str | os.PathLike[str] | None = None) -> Path:
        """The folder that holds this cohort's raw input files."""
        return resolve_data_dir(data_dir) / "raw" / self.cohort_id

    def as_dict(self) -> dict[str, str]:
        """The registry row as text, in registry column order (used for hashing and JSON)."""
        return {
            "cohort_id": self.cohort_id,
            "name": self.name,
            "programme_year": self.programme_year,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
        }


def registry_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Path of ``cohorts.csv`` inside the data folder."""
    return resolve_data_dir(data_dir) / REGISTRY_FILE


def load_registry(data_dir: str | os.PathLike[str] | None = None) -> list[Cohort]:
    """Read and validate ``cohorts.csv``; return the cohorts in file order.

    Checks (see ``data/README.md``): required columns present; ``cohort_id``
    unique and usable as a folder name; ``programme_year`` written YYYY/YY;
    dates written YYYY-MM-DD with the end on or after the start.
    """
    path = registry_path(data_dir)
    frame = drop_blank_rows(read_csv_text(path, what="The cohort registry"))
    require_columns(frame, REGISTRY_COLUMNS, path)
    if frame.empty:
        raise CollabError(
            "the cohort registry lists no cohorts",
            file=path,
            allowed="one row per cohort under the header row",
        )
    validate(frame, REGISTRY_SCHEMA, path)
    cohorts = []
    seen: dict[str, str] = {}
    for row, rec in frame.iterrows():
        folded = str(rec["cohort_id"]).casefold()
        if folded in RESERVED_IDS:
            raise CollabError(
                "this cohort id is the name of one of collab's own files",
                file=path,
                row=int(row),
                column="cohort_id",
                value=rec["cohort_id"],
                allowed="any other id ('index' and 'state', in any case, and ids starting with "
                "'.' or '_' are reserved for collab's own files in reports/)",
            )
        if folded in seen:
            raise CollabError(
                f"this cohort id differs from {seen[folded]} only in case, so their reports "
                "would be one file on Windows and macOS",
                file=path,
                row=int(row),
                column="cohort_id",
                value=rec["cohort_id"],
                allowed="ids that differ in more than upper and lower case",
            )
        seen[folded] = str(rec["cohort_id"])
        start = date.fromisoformat(rec["start_date"])
        end = date.fromisoformat(rec["end_date"])
        if end < start:
            raise CollabError(
                "the cohort ends before it starts",
                file=path,
                row=int(row),
                column="end_date",
                value=rec["end_date"],
                allowed=f"a date on or after the start_date {rec['start_date']}",
            )
        cohorts.append(
            Cohort(
                cohort_id=str(rec["cohort_id"]),
                name=str(rec["name"]),
                programme_year=str(rec["programme_year"]),
                start_date=start,
                end_date=end,
                row=int(row),
            )
        )
    return cohorts


def get_cohort(cohort_id: str, data_dir: str | os.PathLike[str] | None = None) -> Cohort:
    """Return the registry entry for ``cohort_id``, or raise a clear error listing the known ids."""
    cohorts = load_registry(data_dir)
    for cohort in cohorts:
        if cohort.cohort_id == cohort_id:
            return cohort
    raise CollabError(
        "no such cohort in the registry",
        file=registry_path(data_dir),
        column="cohort_id",
        value=cohort_id,
        allowed=", ".join(c.cohort_id for c in cohorts),
    )


def select_cohorts(
    cohorts: Sequence[Cohort],
    cohort_ids: Sequence[str] | None,
    data_dir: str | os.PathLike[str] | None,
) -> list[Cohort]:
    """The registry cohorts named in ``cohort_ids`` (all when ``None``), in registry order."""
    if not cohort_ids:
        return list(cohorts)
    known = {c.cohort_id for c in cohorts}
    unknown = [c for c in cohort_ids if c not in known]
    if unknown:
        raise CollabError(
            "no such cohort in the registry",
            file=registry_path(data_dir),
            column="cohort_id",
            value=unknown[0],
            allowed=", ".join(c.cohort_id for c in cohorts),
        )
    wanted = set(cohort_ids)
    return [c for c in cohorts if c.cohort_id in wanted]


def programme_years(cohorts: list[Cohort]) -> list[str]:
    """The distinct programme years, in chronological order."""
    return sorted({c.programme_year for c in cohorts})
