"""The national Cancer Patient Experience Survey (CPES): every file of ``data/cpes/``.

``data/cpes/`` holds:

- results files, in any of the layouts CPES is published in (a plain trust table, the
  public dashboard data, an official-statistics workbook): read by
  :mod:`collablib.data.cpes_files`. A file is a results file when its name matches one
  of the ``[files] results`` patterns of ``cpes.toml`` (by default ``*results*``,
  ``*ncpes*``, ``*dashboard*``) or it has a ``[file."<name>"]`` section there;
- ``question_map.csv``: ``question_key, year, question_number, question_text`` and
  optionally ``score_type`` (``percent``, the default, or ``mean_0_10``), because the
  same question has different numbers in different years (the questionnaire was reviewed
  and renumbered in 2021) and the overall rating of care is a mean out of 10;
- ``cpes_years.csv``: ``year, sample_start, sample_end, method``: when each survey's
  patients were treated, and how the survey was run, so that comparisons across the
  2019 to 2021 change (new questionnaire and contractor; no 2020 survey) carry a caveat;
- ``cpes.toml``: the suppression thresholds, the results-file patterns, the year pattern
  for files with no year column, and per-file sheet, header row and year;
- optionally ``trust_successors.csv``: ``old_code, new_code, from_year``: a trust that
  merged into another, whose results are followed to its successor from that year.

Every file found is listed with what it was read as (:attr:`CpesData.listing`); a file
that matches no pattern, a survey year with no results, and settings for a file that
is not there are warnings (:attr:`CpesData.warnings`), shown by ``collab validate``.

Bad input raises :class:`~collablib.errors.CollabError` naming file, row, column and value.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from collablib.data.cpes_files import (
    DEFAULT_MIN_RESPONSES,
    ResultsFile,
    read_results,
    read_results_file,
)
from collablib.data.cpes_layout import (
    FIELDS,
    NUMBERS,
    PERCENT,
    PERFORMANCE,
    REQUIRED,
    SCORE_TYPES,
    SUPPRESSED_MARKERS,
    is_suppressed_marker,
    numbers,
)
from collablib.data.cpes_settings import DEFAULT_RESULTS_PATTERNS, CpesSettings, load_settings
from collablib.data.ingest import drop_blank_rows, read_table
from collablib.data.inputs import input_exists, input_folder_exists, list_inputs, remembered
from collablib.data.schemas import row_error, text_column, validate
from collablib.errors import CollabError, display_path
from collablib.paths import resolve_data_dir

__all__ = [
    "CPES_DIR",
    "DEFAULT_MIN_RESPONSES",
    "DEFAULT_RESULTS_PATTERNS",
    "FIELDS",
    "NUMBERS",
    "PERFORMANCE",
    "QUESTION_MAP",
    "REQUIRED",
    "SCORE_TYPES",
    "SETTINGS_FILE",
    "SUCCESSORS_FILE",
    "SUPPRESSED_MARKERS",
    "YEARS_FILE",
    "CpesData",
    "CpesFile",
    "CpesSettings",
    "is_suppressed_marker",
    "load_cpes",
    "load_settings",
    "numbers",
    "read_results",
]

CPES_DIR = "cpes"
QUESTION_MAP = "question_map.csv"
YEARS_FILE = "cpes_years.csv"
SETTINGS_FILE = "cpes.toml"
SUCCESSORS_FILE = "trust_successors.csv"
#: What each project file of data/cpes/ is.
PROJECT_FILES = {
    QUESTION_MAP: "question map (question numbers and score types by year)",
    YEARS_FILE: "survey years (sample periods and methods)",
    SETTINGS_FILE: "CPES settings",
    SUCCESSORS_FILE: "trust successors (merged trusts)",
}
_ODS = r"^[A-Z0-9]{3,5}$"


@dataclass(frozen=True)
class CpesFile:
    """A file of data/cpes/ and what it was read as (or why it was not)."""

    path: Path
    read_as: str
    read: bool = True


@dataclass
class CpesData:
    """All CPES inputs: tidy results, the question map, the survey years, the thresholds."""

    results: pd.DataFrame
    questions: pd.DataFrame
    years: pd.DataFrame
    min_responses: int = DEFAULT_MIN_RESPONSES
    files: list[Path] = field(default_factory=list)
    #: whole-trust rows by cancer type (tumour-group context), own small-numbers rule
    breakdowns: pd.DataFrame = field(default_factory=pd.DataFrame)
    breakdown_min_responses: int = DEFAULT_MIN_RESPONSES
    #: ``trust_successors.csv``: old_code, new_code, from_year (empty when absent)
    successors: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["old_code", "new_code", "from_year"])
    )
    listing: list[CpesFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: survey years of cpes_years.csv with no results in any file
    missing_years: list[int] = field(default_factory=list)

    def national(self) -> pd.DataFrame:
        return self.results[self.results["national"]]

    def trusts(self) -> pd.DataFrame:
        return self.results[~self.results["national"]]

    @functools.cached_property
    def _steps(self) -> dict[str, tuple[str, int]]:
        """old code -> (new code, from year), built once for every :meth:`successor` call."""
        return {r.old_code: (r.new_code, int(r.from_year)) for r in self.successors.itertuples()}

    def successor(self, org_code: str, year: int) -> str:
        """The trust whose results stand for ``org_code`` in ``year``, following mergers."""
        step = self._steps
        code = org_code
        for _ in range(len(step) + 1):  # chains are acyclic (checked when read)
            nxt = step.get(code)
            if nxt is None or year < nxt[1]:
                return code
            code = nxt[0]
        return code


@remembered(
    lambda data_dir=None: resolve_data_dir(data_dir),
    folder=lambda data_dir=None: resolve_data_dir(data_dir),
)
def load_cpes(data_dir: str | os.PathLike[str] | None = None) -> CpesData | None:
    """Read and validate every CPES file; ``None`` when the project has no data/cpes/ folder."""
    folder = resolve_data_dir(data_dir) / CPES_DIR
    if not input_folder_exists(folder):
        return None
    settings = load_settings(folder / SETTINGS_FILE)
    questions = _question_map(folder / QUESTION_MAP)
    years = _years(folder / YEARS_FILE)
    successors = _successors(folder / SUCCESSORS_FILE)
    score_types = {(int(r.year), r.question_number): r.score_type for r in questions.itertuples()}
    listing: list[CpesFile] = []
    warnings: list[str] = []
    result_files = []
    patterns = ", ".join(f'"{p}"' for p in settings.results_patterns)
    found = list_inputs(folder)
    for path in found:
        if path.name in PROJECT_FILES:
            listing.append(CpesFile(path, PROJECT_FILES[path.name]))
        elif not settings.is_results(path.name):
            listing.append(CpesFile(path, "not read: matches no results-file pattern", False))
            warnings.append(
                f"{display_path(path)} was not read: its name matches no results-file pattern "
                f"({patterns}). If it holds CPES results, add a pattern for it to "
                f"[files] results in {SETTINGS_FILE}."
            )
        elif path.suffix.lower() not in (".csv", ".xlsx"):
            listing.append(CpesFile(path, "not read: not a .csv or .xlsx file", False))
            warnings.append(
                f"{display_path(path)} was not read: its name matches a results-file pattern "
                "but it is not a .csv or .xlsx file."
            )
        else:
            result_files.append(path)
    names = {p.name for p in found}
    for name in sorted(set(settings.files) - names):
        warnings.append(
            f'{SETTINGS_FILE} has settings for [file."{name}"], but {display_path(folder)} '
            "has no such file, so they were not used."
        )
    if not result_files:
        raise CollabError(
            "no CPES results files",
            file=folder,
            allowed=f"files whose names match a results-file pattern ({patterns}; set in "
            f"[files] results in {SETTINGS_FILE}), .csv or .xlsx",
        )
    survey_years = set(int(y) for y in years["year"])
    read: list[ResultsFile] = [
        read_results_file(
            path,
            settings.min_responses,
            score_types=score_types,
            settings=settings.files.get(path.name),
            survey_years=survey_years,
            year_pattern=settings.year_pattern,
            breakdown_min_responses=settings.breakdown_min_responses,
            settings_file=SETTINGS_FILE,
        )
        for path in result_files
    ]
    listing.extend(CpesFile(r.path, r.describe()) for r in read)
    warnings.extend(w for r in read for w in r.warnings)
    listing.sort(key=lambda f: (f.path.name.lower(), f.path.name))
    results = pd.concat([r.rows for r in read], ignore_index=True)
    key = {(int(r.year), r.question_number): r.question_key for r in questions.itertuples()}
    results["question_key"] = [
        key.get((int(y), q))
        for y, q in zip(results["year"], results["question_number"], strict=True)
    ]
    key_columns = ["year", "org_code", "question_number", "national"]
    dup = results.duplicated(key_columns, keep="first")
    if dup.any():
        second = results[dup].iloc[0]
        same = (results[key_columns] == second[key_columns]).all(axis=1)
        first = results[same].iloc[0]
        who = "England" if second["national"] else f"trust {second['org_code']}"
        raise CollabError(
            f"{who}, {second['year']}, question {second['question_number']} appears twice: "
            f"here and in {display_path(first['file'])}, row {int(first['row'])}",
            file=second["file"],
            row=int(second["row"]),
            column="question_number",
            value=second["question_number"],
            allowed="one row per trust, question and year across the results files (a file "
            "downloaded twice, or a year set in cpes.toml that another file already has?)",
        )
    breakdowns = pd.concat([r.breakdowns for r in read], ignore_index=True)
    breakdowns["question_key"] = [
        key.get((int(y), q))
        for y, q in zip(breakdowns["year"], breakdowns["question_number"], strict=True)
    ]
    with_data = set(int(y) for y in results.loc[~results["national"], "year"])
    for year in sorted(with_data - survey_years):
        where = sorted({display_path(f) for f in results.loc[results["year"] == year, "file"]})
        warnings.append(
            f"{', '.join(where)} has results for {year}, which is not a survey year in "
            f"{YEARS_FILE}, so they are never a baseline or follow-up. Add the year, with its "
            "sample dates, to use them."
        )
    for old, new, start in successors.itertuples(index=False):
        later = results[(results["org_code"] == old) & (results["year"] >= start)]
        if len(later):
            warnings.append(
                f"{SUCCESSORS_FILE} says {old} became {new} from {start}, but the results still "
                f"have {old} in {int(later['year'].min())}; {new}'s results are used from "
                f"{start}. Check from_year."
            )
    missing = sorted(survey_years - with_data)
    for year in missing:
        warnings.append(
            f"CPES {year} is a survey year in {YEARS_FILE}, but no results file has trust "
            "results for it."
        )
    return CpesData(
        results,
        questions,
        years,
        settings.min_responses,
        [
            *result_files,
            *(folder / f for f in PROJECT_FILES if (folder / f).is_file()),
        ],
        breakdowns,
        settings.breakdown_min_responses,
        successors,
        listing,
        warnings,
        missing,
    )


def _successors(path: Path) -> pd.DataFrame:
    """``trust_successors.csv``, if present: each merged trust once, chains without loops."""
    empty = pd.DataFrame(
        {
            "old_code": pd.Series(dtype=str),
            "new_code": pd.Series(dtype=str),
            "from_year": pd.Series(dtype=int),
        }
    )
    if not input_exists(path):
        return empty
    frame, _ = read_table(path, what=SUCCESSORS_FILE)
    frame = drop_blank_rows(frame)
    code = pa.Check.str_matches(_ODS, error="an ODS code: 3 to 5 capital letters and digits")
    schema = pa.DataFrameSchema(
        {
            "old_code": text_column(code),
            "new_code": text_column(code),
            "from_year": text_column(pa.Check.str_matches(r"^\d{4}$", error="a year, e.g. 2021")),
        },
        strict=False,
    )
    validate(frame, schema, path)
    problems = [
        (frame["old_code"] == frame["new_code"], "a trust cannot succeed itself"),
        (
            frame.duplicated(["old_code"], keep="first"),
            "a trust has two successors (each old_code once)",
        ),
    ]
    for bad, why in problems:
        if bad.any():
            raise row_error(
                frame,
                bad,
                why,
                path,
                "old_code",
                "one row per merged trust, naming a different trust as its successor",
            )
    step = dict(zip(frame["old_code"], frame["new_code"], strict=True))
    for row, start in zip(frame.index, frame["old_code"], strict=True):
        seen, code = {start}, step[start]
        while code in step:
            if code in seen:
                raise CollabError(
                    "the successors go round in a circle",
                    file=path,
                    row=int(row),
                    column="new_code",
                    value=step[start],
                    allowed="chains of mergers that end at a trust with no successor",
                )
            seen.add(code)
            code = step[code]
    return pd.DataFrame(
        {
            "old_code": frame["old_code"].to_numpy(),
            "new_code": frame["new_code"].to_numpy(),
            "from_year": frame["from_year"].astype(int).to_numpy(),
        }
    )


def _question_map(path: Path) -> pd.DataFrame:
    frame, _ = read_table(path, what=QUESTION_MAP)
    frame = drop_blank_rows(frame)
    schema = pa.DataFrameSchema(
        {
            "question_key": text_column(
                pa.Check.str_matches(r"^[A-Za-z0-9_-]+$", error="letters, digits, - and _"),
            ),
            "year": text_column(pa.Check.str_matches(r"^\d{4}$", error="a year, e.g. 2021")),
            "question_number": text_column(
                pa.Check.str_matches(r"^Q\d+$", error="a question number such as Q17")
            ),
            "question_text": text_column(),
        },
        strict=False,
    )
    validate(frame, schema, path)
    dup = frame.duplicated(["year", "question_number"], keep="first")
    if dup.any():
        raise row_error(
            frame,
            dup,
            "a question number is mapped twice in the same year",
            path,
            "question_number",
            "each year's question numbers once",
        )
    if "score_type" not in frame:
        frame["score_type"] = pd.array([""] * len(frame), dtype="string")
    frame["score_type"] = frame["score_type"].where(frame["score_type"] != "", PERCENT)
    bad = ~frame["score_type"].isin(SCORE_TYPES)
    if bad.any():
        raise row_error(
            frame,
            bad,
            "unknown score type",
            path,
            "score_type",
            "percent (the share of positive answers; the default when blank) or "
            "mean_0_10 (a mean score out of 10, such as the overall rating of care)",
        )
    mixed = frame.groupby("question_key")["score_type"].transform("nunique") > 1
    if mixed.any():
        raise row_error(
            frame,
            mixed,
            "a question has different score types in different years",
            path,
            "score_type",
            "one score type for each question_key: a percentage and a mean out of 10 cannot "
            "be compared",
            last=True,
        )
    return frame.reset_index(drop=True)


def _years(path: Path) -> pd.DataFrame:
    frame, _ = read_table(path, what=YEARS_FILE)
    frame = drop_blank_rows(frame)
    iso = r"^\d{4}-\d{2}-\d{2}$"
    schema = pa.DataFrameSchema(
        {
            "year": text_column(pa.Check.str_matches(r"^\d{4}$", error="a year"), unique=True),
            "sample_start": text_column(pa.Check.str_matches(iso, error="YYYY-MM-DD")),
            "sample_end": text_column(pa.Check.str_matches(iso, error="YYYY-MM-DD")),
            "method": text_column(pa.Check(lambda s: s != "", error="not blank")),
        },
        strict=False,
    )
    validate(frame, schema, path)
    out = pd.DataFrame(
        {
            "year": frame["year"].astype(int).to_numpy(),
            "sample_start": pd.to_datetime(frame["sample_start"]).to_numpy(),
            "sample_end": pd.to_datetime(frame["sample_end"]).to_numpy(),
            "method": frame["method"].to_numpy(),
        }
    )
    return out.sort_values("year").reset_index(drop=True)
