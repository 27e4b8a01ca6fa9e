"""The national Cancer Patient Experience Survey (CPES): reading trust-level results as published.

``data/cpes/`` holds:

- one or more results files (``*results*.csv`` or ``.xlsx``), trust-level rows and national
  rows, in the published layout;
- ``question_map.csv``: ``question_key, year, question_number, question_text``, because the
  same question can have different numbers in different years (Q17 in 2019, Q19 in 2021);
- ``cpes_years.csv``: ``year, sample_start, sample_end, method``: when each survey's patients
  were treated, and the survey method, which changed between 2019 and 2021 (there was no 2020
  survey), so that comparisons across the change carry a caveat;
- ``cpes.toml``: ``[suppression] min_responses``, the smallest number of responses a published
  score may rest on (the CPES threshold is a setting, not a hard-coded number).

The importer accepts the files as they are really published:

- headers in their original form ("Number of responses") or the R-mangled form of the public
  dashboard file (``Number.of.responses``): headers are matched after normalising case,
  spacing and punctuation;
- counts with thousands separators ("1,234");
- scores as fractions in some rows and percentages in others. **Rule**: a row whose score,
  confidence limits and expected-range limits are all at most 1 is in fractions and is
  multiplied by 100; any other row is already in percent;
- suppressed results (blank, ``*``, or fewer responses than ``min_responses``) are kept as
  **suppressed**: the score and its limits are missing, never zero.

Bad input raises :class:`~collablib.errors.CollabError` naming file, row, column and value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from collablib.data.ingest import drop_blank_rows, read_table
from collablib.data.inputs import input_exists, input_folder_exists, list_inputs, read_toml
from collablib.data.matching import normalise
from collablib.data.schemas import validate
from collablib.errors import CollabError
from collablib.paths import resolve_data_dir

__all__ = [
    "CPES_DIR",
    "DEFAULT_MIN_RESPONSES",
    "FIELDS",
    "NUMBERS",
    "PERFORMANCE",
    "QUESTION_MAP",
    "REQUIRED",
    "SETTINGS_FILE",
    "SUPPRESSED_MARKERS",
    "YEARS_FILE",
    "CpesData",
    "is_suppressed_marker",
    "load_cpes",
    "numbers",
    "read_results",
]

CPES_DIR = "cpes"
QUESTION_MAP = "question_map.csv"
YEARS_FILE = "cpes_years.csv"
SETTINGS_FILE = "cpes.toml"
DEFAULT_MIN_RESPONSES = 21

#: Canonical field -> header texts seen in published files (matched after normalising).
FIELDS: dict[str, tuple[str, ...]] = {
    "geog": ("Geog", "Geography", "Level"),
    "org_code": ("Trust Code", "Organisation code", "Org code", "ODS code", "Provider code"),
    "org_name": ("Trust Name", "Organisation name", "Org name", "Provider name"),
    "year": ("Year", "Survey year"),
    "question_number": ("Question Number", "Question number", "Question"),
    "question_text": ("Question Text",),
    "responses": ("Number of responses", "Responses", "Number of respondents", "Base"),
    "score": ("Scored percentage", "Score", "Case-mix adjusted score", "Adjusted score"),
    "ci_low": ("Lower 95% confidence interval", "Lower 95 confidence interval", "Lower CI"),
    "ci_high": ("Upper 95% confidence interval", "Upper 95 confidence interval", "Upper CI"),
    "expected_low": ("Expected Range (lower)", "Expected range lower", "Lower expected range"),
    "expected_high": ("Expected Range (upper)", "Expected range upper", "Upper expected range"),
    "performance": ("Performance", "Performance category"),
}
REQUIRED = ("org_code", "year", "question_number", "responses", "score")
NUMBERS = ("score", "ci_low", "ci_high", "expected_low", "expected_high")
SUPPRESSED_MARKERS = {"", "*", "-", "n/a", "na", "s", "suppressed"}
PERFORMANCE = {
    "adjusted score above expected upper range": "above",
    "adjusted score between expected upper and lower ranges": "within",
    "adjusted score below expected lower range": "below",
}


@dataclass
class CpesData:
    """All CPES inputs: tidy results, the question map, the survey years, the threshold."""

    results: pd.DataFrame
    questions: pd.DataFrame
    years: pd.DataFrame
    min_responses: int = DEFAULT_MIN_RESPONSES
    files: list[Path] = field(default_factory=list)

    def national(self) -> pd.DataFrame:
        return self.results[self.results["national"]]

    def trusts(self) -> pd.DataFrame:
        return self.results[~self.results["national"]]


def load_cpes(data_dir: str | os.PathLike[str] | None = None) -> CpesData | None:
    """Read and validate every CPES file; ``None`` when the project has no data/cpes/ folder."""
    folder = resolve_data_dir(data_dir) / CPES_DIR
    if not input_folder_exists(folder):
        return None
    min_responses = _settings(folder / SETTINGS_FILE)
    questions = _question_map(folder / QUESTION_MAP)
    years = _years(folder / YEARS_FILE)
    result_files = [
        p
        for p in list_inputs(folder)
        if "results" in p.name.lower() and p.suffix.lower() in (".csv", ".xlsx")
    ]
    if not result_files:
        raise CollabError(
            "no CPES results files",
            file=folder,
            allowed="files whose names contain 'results' (.csv or .xlsx)",
        )
    frames = [read_results(path, min_responses) for path in result_files]
    results = pd.concat(frames, ignore_index=True)
    key = {(int(r.year), r.question_number): r.question_key for r in questions.itertuples()}
    results["question_key"] = [
        key.get((int(y), q))
        for y, q in zip(results["year"], results["question_number"], strict=True)
    ]
    dup = results.duplicated(["year", "org_code", "question_number", "national"], keep=False)
    if dup.any():
        first = results[dup].iloc[0]
        raise CollabError(
            "the same trust, year and question appears twice",
            file=first["file"],
            row=int(first["row"]),
            column="question_number",
            value=first["question_number"],
            allowed="one row per trust, question and year across the results files",
        )
    return CpesData(
        results,
        questions,
        years,
        min_responses,
        [
            *result_files,
            *(
                folder / f
                for f in (QUESTION_MAP, YEARS_FILE, SETTINGS_FILE)
                if (folder / f).is_file()
            ),
        ],
    )


def _settings(path: Path) -> int:
    if not input_exists(path):
        return DEFAULT_MIN_RESPONSES
    settings = read_toml(path, "CPES settings file")
    value = settings.get("suppression", {}).get("min_responses", DEFAULT_MIN_RESPONSES)
    if not isinstance(value, int) or value < 1:
        raise CollabError(
            "min_responses must be a whole number of at least 1",
            file=path,
            column="min_responses",
            value=value,
            allowed="e.g. 21",
        )
    return value


def _question_map(path: Path) -> pd.DataFrame:
    frame, _ = read_table(path, what=QUESTION_MAP)
    frame = drop_blank_rows(frame)
    schema = pa.DataFrameSchema(
        {
            "question_key": pa.Column(
                "string",
                pa.Check.str_matches(r"^[A-Za-z0-9_-]+$", error="letters, digits, - and _"),
            ),
            "year": pa.Column(
                "string", pa.Check.str_matches(r"^\d{4}$", error="a year, e.g. 2021")
            ),
            "question_number": pa.Column(
                "string", pa.Check.str_matches(r"^Q\d+$", error="a question number such as Q17")
            ),
            "question_text": pa.Column("string"),
        },
        strict=False,
    )
    validate(frame, schema, path)
    dup = frame.duplicated(["year", "question_number"], keep="first")
    if dup.any():
        row = frame.index[dup][0]
        raise CollabError(
            "a question number is mapped twice in the same year",
            file=path,
            row=int(row),
            column="question_number",
            value=frame.at[row, "question_number"],
            allowed="each year's question numbers once",
        )
    return frame.reset_index(drop=True)


def _years(path: Path) -> pd.DataFrame:
    frame, _ = read_table(path, what=YEARS_FILE)
    frame = drop_blank_rows(frame)
    iso = r"^\d{4}-\d{2}-\d{2}$"
    schema = pa.DataFrameSchema(
        {
            "year": pa.Column(
                "string", pa.Check.str_matches(r"^\d{4}$", error="a year"), unique=True
            ),
            "sample_start": pa.Column("string", pa.Check.str_matches(iso, error="YYYY-MM-DD")),
            "sample_end": pa.Column("string", pa.Check.str_matches(iso, error="YYYY-MM-DD")),
            "method": pa.Column("string", pa.Check(lambda s: s != "", error="not blank")),
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


def is_suppressed_marker(series: pd.Series) -> pd.Series:
    """Cells that mark a suppressed result: blank, ``*``, ``-``, "n/a"..."""
    return series.str.strip().str.lower().isin(SUPPRESSED_MARKERS)


def numbers(series: pd.Series) -> pd.Series:
    """Published numbers as floats (thousands separators and % allowed); NaN if suppressed or
    not a number."""
    cleaned = (
        series.str.strip()
        .str.replace(",", "", regex=False)
        .str.replace("%", "", regex=False)
        .str.strip()
    )
    return pd.to_numeric(cleaned.where(~is_suppressed_marker(series)), errors="coerce").astype(
        float
    )


def read_results(path: Path, min_responses: int = DEFAULT_MIN_RESPONSES) -> pd.DataFrame:
    """Read one published results file into tidy rows, scores in percent (see module rules)."""
    raw, _ = read_table(path, what=path.name)
    raw = drop_blank_rows(raw)
    lookup = {normalise(h): f for f, headers in FIELDS.items() for h in (f, *headers)}
    columns = {}
    for header in raw.columns:
        fld = lookup.get(normalise(header))
        if fld and fld not in columns:
            columns[fld] = header
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise CollabError(
            f"no column found for {missing[0]}",
            file=path,
            column=missing[0],
            allowed="a column headed "
            + " or ".join(f"\u201c{h}\u201d" for h in FIELDS[missing[0]])
            + f". Headers found: {'; '.join(raw.columns)}",
        )
    frame = raw.rename(columns={h: f for f, h in columns.items()})
    for fld in FIELDS:
        if fld not in frame:
            frame[fld] = pd.array([""] * len(frame), dtype="string")

    def parses(series: pd.Series) -> pd.Series:
        return numbers(series).notna() | is_suppressed_marker(series)

    number_check = pa.Check(
        parses, error="a number (thousands separators and % allowed), or blank or * when suppressed"
    )
    schema = pa.DataFrameSchema(
        {
            "year": pa.Column(
                "string", pa.Check.str_matches(r"^\d{4}$", error="a year, e.g. 2019")
            ),
            "question_number": pa.Column(
                "string", pa.Check.str_matches(r"^Q\d+$", error="a question number such as Q17")
            ),
            "responses": pa.Column("string", number_check),
            **{f: pa.Column("string", number_check) for f in NUMBERS},
        },
        strict=False,
    )
    validate(frame, schema, path)

    values = {f: numbers(frame[f]).to_numpy() for f in NUMBERS}
    stack = np.vstack([values[f] for f in NUMBERS])
    with np.errstate(invalid="ignore"):
        top = np.nanmax(np.where(np.isnan(stack), -np.inf, stack), axis=0)
    as_fraction = np.isfinite(top) & (top <= 1.0)
    for f in NUMBERS:
        values[f] = np.where(as_fraction, values[f] * 100, values[f])
    responses = numbers(frame["responses"]).to_numpy()
    national = (frame["geog"].map(normalise) == "national") | (
        (frame["org_code"] == "") & (frame["org_name"].map(normalise).isin({"england", "national"}))
    )
    suppressed = np.isnan(values["score"]) | (
        ~national.to_numpy() & (np.nan_to_num(responses, nan=0) < min_responses)
    )
    for f in ("score", "ci_low", "ci_high"):
        values[f] = np.where(suppressed, np.nan, values[f])
    performance = frame["performance"].map(
        lambda t: PERFORMANCE.get(normalise(t).replace("  ", " "), "")
    )
    bad_code = ~national & ~frame["org_code"].str.match(r"^[A-Z0-9]{3,5}$")
    if bad_code.any():
        row = frame.index[bad_code][0]
        raise CollabError(
            "value is not an organisation (ODS) code",
            file=path,
            row=int(row),
            column=columns.get("org_code", "org_code"),
            value=frame.at[row, "org_code"],
            allowed="3 to 5 capital letters and digits, e.g. RXX",
        )
    return pd.DataFrame(
        {
            "file": str(path),
            "row": frame.index.to_numpy(),
            "national": national.to_numpy(),
            "org_code": frame["org_code"].to_numpy(),
            "org_name": frame["org_name"].to_numpy(),
            "year": frame["year"].astype(int).to_numpy(),
            "question_number": frame["question_number"].to_numpy(),
            "question_text": frame["question_text"].to_numpy(),
            "responses": responses,
            "score": values["score"],
            "ci_low": values["ci_low"],
            "ci_high": values["ci_high"],
            "expected_low": values["expected_low"],
            "expected_high": values["expected_high"],
            "performance": performance.to_numpy(),
            "suppressed": suppressed,
            "was_fraction": as_fraction,
        }
    )
