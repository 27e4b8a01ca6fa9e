"""Loading a cohort's raw files into validated, typed, tidy tables.

This is the data-ingestion step of the pipeline: read (``ingest``), check
against the data dictionary (``schemas``), then convert text to types. The
raw files are only ever read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from collablib.data.cleaning import CleaningLog, clean_survey, has_survey_headers
from collablib.data.ingest import drop_blank_rows, read_csv_text, read_table
from collablib.data.inputs import input_exists, read_input_text, remembered
from collablib.data.measures import CHANGES_FILE, MEASURES_FILE, MeasuresData, load_measures
from collablib.data.progress import PROGRESS_FILE, ProgressData, load_progress
from collablib.data.registry import Cohort, get_cohort, load_registry, registry_path
from collablib.data.schemas import (
    RATING_COLUMNS,
    TEAMS_COLUMNS,
    TEAMS_OPTIONAL_COLUMNS,
    TEAMS_SCHEMA,
    require_columns,
    validate,
)
from collablib.data.survey_mapping import SurveyMapping, find_survey_file, load_mapping
from collablib.errors import CollabError, display_path
from collablib.paths import resolve_data_dir

__all__ = [
    "NOTICE_FILE",
    "TEAMS_FILE",
    "CohortData",
    "import_survey",
    "load_cohort",
    "load_data_notice",
    "load_programme_year",
    "load_teams",
    "pool",
]

TEAMS_FILE = "teams.csv"


@dataclass
class CohortData:
    """Everything loaded for one cohort: its registry entry and its validated tables.

    ``teams`` has one row per project team and ``survey`` one row per
    respondent used; both carry a ``cohort_id`` column so that cohorts can be
    pooled. ``files`` maps each input's role to the file it came from;
    ``survey_log`` records how the survey export was cleaned. ``names`` holds
    respondent names found in the export, kept in memory only to redact them
    from quoted comments.
    """

    cohort: Cohort
    teams: pd.DataFrame
    survey: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    survey_log: CleaningLog | None = None
    names: frozenset[str] = frozenset()
    measures: MeasuresData | None = None
    progress: ProgressData | None = None


def load_teams(path: str | os.PathLike[str], cohort_id: str | None = None) -> pd.DataFrame:
    """Read and validate a ``teams.csv``: one row per project team, ``team_id`` unique."""
    path = Path(path)
    frame = drop_blank_rows(read_csv_text(path, what=TEAMS_FILE))
    require_columns(frame, TEAMS_COLUMNS, path)
    for column in TEAMS_OPTIONAL_COLUMNS:
        if column not in frame:
            frame[column] = pd.array([""] * len(frame), dtype="string")
    if frame.empty:
        raise CollabError("teams.csv lists no teams", file=path, allowed="one row per project team")
    validate(frame, TEAMS_SCHEMA, path)
    teams = frame.loc[:, [*TEAMS_COLUMNS, *TEAMS_OPTIONAL_COLUMNS]].copy()
    if cohort_id is not None:
        teams.insert(0, "cohort_id", pd.array([cohort_id] * len(teams), dtype="string"))
    return teams.reset_index(drop=False)


def import_survey(
    path: str | os.PathLike[str],
    teams: pd.DataFrame,
    mapping: SurveyMapping | None = None,
    cohort_id: str | None = None,
) -> tuple[pd.DataFrame, CleaningLog, set[str]]:
    """Read a survey file or export, clean it (:mod:`~collablib.data.cleaning`), convert types.

    Ratings become nullable integers (``Int64``, ``<NA>`` = not answered);
    ``recommend`` and ``consent_to_quote`` stay text ("Yes", "No" or ``<NA>``);
    ``submitted_at`` becomes a timestamp. A blank consent is treated as "No":
    a comment is quoted only with an explicit "Yes". Returns the table, the
    cleaning log and the respondent names found in the export.
    """
    mapping = mapping or SurveyMapping()
    raw, source = read_table(
        path,
        what=Path(path).name,
        sheet=mapping.sheet,
        sheet_test=has_survey_headers(mapping),
        sheet_setting="[survey] sheet in the cohort's survey_mapping.toml",
    )
    text, log, names = clean_survey(raw, source, mapping, teams)
    survey = text.copy()
    survey["submitted_at"] = pd.to_datetime(survey["submitted_at"], format="ISO8601")
    for col in RATING_COLUMNS:
        survey[col] = pd.to_numeric(survey[col].replace("", pd.NA)).astype("Int64")
    survey["recommend"] = survey["recommend"].replace("", pd.NA)
    survey["consent_to_quote"] = survey["consent_to_quote"].replace("", "No")
    if cohort_id is not None:
        survey.insert(0, "cohort_id", pd.array([cohort_id] * len(survey), dtype="string"))
    return survey.reset_index(drop=False), log, names


@remembered(
    # Cohort compares equal whatever its row in cohorts.csv, which its messages name
    lambda cohort, data_dir=None: (
        cohort,
        getattr(cohort, "row", None),
        resolve_data_dir(data_dir),
    ),
    folder=lambda cohort, data_dir=None: resolve_data_dir(data_dir),
    size=64,  # a few data folders of several cohorts each (a session of tests, say)
)
def load_cohort(cohort: str | Cohort, data_dir: str | os.PathLike[str] | None = None) -> CohortData:
    """Load and validate every input for one cohort.

    ``cohort`` is a cohort id or a :class:`~collablib.data.registry.Cohort`. The
    survey is ``final_survey.csv`` or, failing that, the export named by the
    survey mapping. Raises :class:`CollabError` on the first file with a problem.
    """
    data_dir = resolve_data_dir(data_dir)
    if isinstance(cohort, str):
        cohort = get_cohort(cohort, data_dir)
    folder = cohort.raw_dir(data_dir)
    if not folder.is_dir():
        raise _missing_folder(cohort, folder, data_dir)
    teams_path = folder / TEAMS_FILE
    teams = load_teams(teams_path, cohort.cohort_id)
    mapping = load_mapping(data_dir, folder)
    survey_path = find_survey_file(
        folder, mapping, (TEAMS_FILE, MEASURES_FILE, CHANGES_FILE, PROGRESS_FILE)
    )
    survey, log, names = import_survey(survey_path, teams, mapping, cohort.cohort_id)
    measures = load_measures(folder, teams)
    progress = load_progress(folder, teams, cohort)
    return CohortData(
        cohort=cohort,
        teams=teams,
        survey=survey,
        files={
            "teams": teams_path,
            "final_survey": survey_path,
            **(measures.files if measures else {}),
            **({"progress": progress.file} if progress else {}),
        },
        survey_log=log,
        names=frozenset(names),
        measures=measures,
        progress=progress,
    )


def _missing_folder(cohort: Cohort, folder: Path, data_dir: Path) -> CollabError:
    """The cohorts.csv row of a cohort whose data folder is missing, and what folders there are."""
    raw = folder.parent
    present = sorted(p.name for p in raw.iterdir() if p.is_dir()) if raw.is_dir() else []
    near = [p for p in present if p.casefold() == cohort.cohort_id.casefold()]
    unused = [p for p in present if p not in {c.cohort_id for c in load_registry(data_dir)}]
    allowed = f"a folder {display_path(folder)}/ holding {TEAMS_FILE} and the survey export"
    if near:
        allowed += (
            f", or the cohort_id spelt as its folder is ({near[0]}): upper and lower case "
            "must match"
        )
    elif unused:
        allowed += ", or the cohort_id of a folder no cohort uses: " + ", ".join(unused)
    return CollabError(
        f"this cohort's data folder {display_path(folder)}/ does not exist",
        file=registry_path(data_dir),
        row=cohort.row,
        column="cohort_id",
        value=cohort.cohort_id,
        allowed=allowed,
    )


NOTICE_FILE = "NOTICE.txt"


def load_data_notice(data_dir: str | os.PathLike[str] | None = None) -> str | None:
    """The text of ``data/NOTICE.txt``, shown as a banner on every report, or ``None``.

    The demo data use it to say that they are synthetic, so that nobody
    mistakes a demo report for a real evaluation.
    """
    path = resolve_data_dir(data_dir) / NOTICE_FILE
    if not input_exists(path):
        return None
    text = " ".join(read_input_text(path, "notice").split())
    return text or None


def load_programme_year(
    programme_year: str, data_dir: str | os.PathLike[str] | None = None
) -> list[CohortData]:
    """Load every cohort in one programme year (e.g. ``"2020/21"``), in registry order."""
    cohorts = [c for c in load_registry(data_dir) if c.programme_year == programme_year]
    if not cohorts:
        years = sorted({c.programme_year for c in load_registry(data_dir)})
        raise CollabError(
            "no cohorts in that programme year",
            column="programme_year",
            value=programme_year,
            allowed=", ".join(years),
        )
    return [load_cohort(c, data_dir) for c in cohorts]


def pool(cohorts: Sequence[CohortData]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stack several cohorts' teams and survey tables for pooled metrics.

    Teams stay distinct by ``(cohort_id, team_id)``, so two cohorts may reuse
    the same team id without being merged.
    """
    if not cohorts:
        raise ValueError("pool() needs at least one cohort")
    teams = pd.concat([c.teams for c in cohorts], ignore_index=True)
    survey = pd.concat([c.survey for c in cohorts], ignore_index=True)
    return teams, survey
