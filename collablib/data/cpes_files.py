"""One published CPES results file, in whichever layout it was published: tidy trust rows.

CPES results reach analysts in three layouts, all read here
(see ``../shared/reference/cpes-and-disclosure.md`` and ``data/README.md``):

- **A plain trust table**: one row per trust (and England), question and year, as
  the earlier extracts and many downloads are laid out.
- **The public dashboard data** (the Centre for Cancer Outcomes' NCPES dashboard): one
  row per geography level (``Geog``: Trust, CCG, Cancer Alliance, National; the national
  row's code is ``All``), kind of score (``adjusted``, ``unadjusted``, ``yearonyear``)
  and breakdown (``Cancer.Type``, ``Gender``, ``IMD``; "All" or blank is the whole
  trust). For each trust, question and year the **case-mix-adjusted whole-trust** row
  gives the score, interval, expected range and flag; the **unadjusted** whole-trust row
  is the fallback, and the choice is logged. England comes from the national row. CCG,
  ICB and Cancer Alliance rows, year-on-year rows and other breakdowns are left out and
  counted. Whole-trust rows by cancer type are kept apart as tumour-group context.
- **UK official-statistics workbooks**: a title above the header, a cover or contents
  sheet first. The header is the first of the first 30 rows that names the CPES
  columns, and the sheet is the one that has it; ``cpes.toml`` can name both. A file
  with no year column takes its year from its name.

**Scores.** A question's score type comes from ``question_map.csv``: ``percent``
(the default) or ``mean_0_10`` (the overall rating of care, a mean out of 10). Percent
rows whose score, limits and expected range are all at most 1 are fractions and are
multiplied by 100; a mean score never is. Scores outside 0 to 100 (percent) or 0 to 10
(mean) are errors.

**Suppression.** A trust result with fewer than ``min_responses`` responses, or with no
published score, is suppressed: the count is kept, the score and its limits are missing
(never 0), and any performance text on the row ("Adjusted Score below Expected Lower
Range" is published on suppressed dashboard rows) is not used as a flag.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from collablib.data.cpes_layout import (
    FIELDS,
    KINDS,
    NUMBERS,
    PERCENT,
    PERFORMANCE,
    REQUIRED,
    WHOLE,
    check_ranges,
    choose,
    is_suppressed_marker,
    kinds,
    levels,
    numbers,
    tumour_rows,
)
from collablib.data.ingest import SourceInfo, drop_blank_rows, read_table
from collablib.data.matching import normalise, normalise_values
from collablib.data.schemas import row_error, text_column, validate
from collablib.errors import CollabError

__all__ = [
    "DEFAULT_MIN_RESPONSES",
    "DEFAULT_YEAR_PATTERN",
    "FileSettings",
    "ResultsFile",
    "read_results",
    "read_results_file",
]

DEFAULT_MIN_RESPONSES = 21
#: A year in a file name: four digits starting 20, not part of a longer number.
DEFAULT_YEAR_PATTERN = r"(?<![0-9])(20[0-9]{2})(?![0-9])"


@dataclass(frozen=True)
class FileSettings:
    """``cpes.toml`` ``[file."<name>"]``: where the table is when detection cannot tell."""

    sheet: str | int | None = None
    header_row: int | None = None
    year: int | None = None


@dataclass
class ResultsFile:
    """One results file as read: tidy rows, tumour-group rows, and what was read or left out."""

    path: Path
    rows: pd.DataFrame
    breakdowns: pd.DataFrame
    source: SourceInfo
    layout: str  # "dashboard" or "trust table"
    year_from: str  # "column", "file name" or "cpes.toml"
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # settings that did not apply

    def describe(self) -> str:
        """What the file was read as, for ``collab validate`` and the data-quality log."""
        c = self.counts
        years = sorted({int(y) for y in self.rows["year"]})
        year_text = ", ".join(str(y) for y in years) or "no rows"
        if self.year_from != "column":
            year_text += f" (from the {self.year_from})"
        text = (
            f"CPES results, {self.layout} layout, {year_text}: "
            f"{self.source.describe('the CPES columns')}; "
            f"{c.get('trust', 0):,} trust results"
        )
        if self.layout == "dashboard":
            fallback = c.get("unadjusted", 0)
            text += (
                f" ({fallback:,} unadjusted, as no case-mix-adjusted row was published for them)"
                if fallback
                else " (all case-mix adjusted)"
            )
        text += f", {c.get('national', 0):,} national"
        left = [
            f"{n:,} {label} rows"
            for label, n in sorted(c.items())
            if label.startswith("level:") and n
            for label in [label.removeprefix("level:")]
        ]
        if c.get("yearonyear"):
            left.append(f"{c['yearonyear']:,} year-on-year rows")
        if c.get("other_breakdowns"):
            left.append(f"{c['other_breakdowns']:,} rows broken down by gender or IMD")
        if left:
            text += "; left out: " + ", ".join(left)
        if c.get("tumour"):
            text += f"; {c['tumour']:,} cancer-type rows kept as tumour-group context"
        return text


@functools.cache
def _lookup() -> dict[str, str]:
    """Normalised header text -> canonical field (built once: every row searched uses it)."""
    return {normalise(h): f for f, headers in FIELDS.items() for h in (f, *headers)}


def _looks_like_header(cells: list[str]) -> int:
    """How much a row looks like the CPES header: 2 if it names every required column, 1 if
    it names at least four CPES columns with the trust code among them (a header missing a
    column, which the column check then names), else 0."""
    lookup = _lookup()
    found = {lookup.get(normalise(c)) for c in cells if c}
    found.discard(None)
    if all(f in found for f in REQUIRED):
        return 2
    return int("org_code" in found and len(found) >= 4)


def read_results(
    path: Path,
    min_responses: int = DEFAULT_MIN_RESPONSES,
    score_types: dict[tuple[int, str], str] | None = None,
) -> pd.DataFrame:
    """The tidy trust and national rows of one results file (see :func:`read_results_file`)."""
    return read_results_file(path, min_responses, score_types=score_types).rows


def read_results_file(
    path: Path,
    min_responses: int = DEFAULT_MIN_RESPONSES,
    *,
    score_types: dict[tuple[int, str], str] | None = None,
    settings: FileSettings | None = None,
    survey_years: set[int] | None = None,
    year_pattern: str = DEFAULT_YEAR_PATTERN,
    breakdown_min_responses: int | None = None,
    settings_file: str = "cpes.toml",
) -> ResultsFile:
    """Read one published results file into tidy rows, scores in percent or out of 10.

    ``score_types`` maps (year, question number) to a score type of
    :data:`SCORE_TYPES` (``percent`` when absent). ``survey_years`` are the years of
    ``cpes_years.csv``: a year taken from the file name must be one of them.
    Raises :class:`CollabError` naming the file, row, column and value.
    """
    settings = settings or FileSettings()
    where = f'{settings_file} [file."{path.name}"]'
    raw, source = read_table(
        path,
        what=path.name,
        sheet=settings.sheet,
        header_test=_looks_like_header,
        header_row=settings.header_row,
        sheet_setting=where,
    )
    raw = drop_blank_rows(raw)
    lookup = _lookup()
    columns: dict[str, str] = {}
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
    year_from = "column"
    if "year" not in columns:
        year, year_from = _year_of_file(path, settings, year_pattern, survey_years, where)
        frame["year"] = pd.array([str(year)] * len(frame), dtype="string")

    parsed = {f: numbers(frame[f]) for f in (*NUMBERS, "responses")}

    def number_check(fld: str) -> pa.Check:
        return pa.Check(
            lambda series: parsed[fld].notna() | is_suppressed_marker(series),
            error="a number (thousands separators and % allowed), or blank or * when suppressed",
        )

    schema = pa.DataFrameSchema(
        {
            "year": text_column(pa.Check.str_matches(r"^\d{4}$", error="a year, e.g. 2019")),
            "question_number": text_column(
                pa.Check.str_matches(r"^Q\d+$", error="a question number such as Q17")
            ),
            "responses": text_column(number_check("responses")),
            **{f: text_column(number_check(f)) for f in NUMBERS},
        },
        strict=False,
    )
    validate(frame, schema, path)

    level = levels(frame, path, columns)
    kind = kinds(frame, path, columns)
    whole = {c: normalise_values(frame[c]).isin(WHOLE) for c in ("cancer_type", "gender", "imd")}
    whole_row = whole["cancer_type"] & whole["gender"] & whole["imd"]
    tumour_row = ~whole["cancer_type"] & whole["gender"] & whole["imd"]
    national = level == "National"
    trust = level == "Trust"

    years = frame["year"].astype(int).to_numpy()
    qnums = frame["question_number"].to_numpy()
    types = score_types or {}
    score_type = np.array(
        [types.get((int(y), q), PERCENT) for y, q in zip(years, qnums, strict=True)], dtype=object
    )
    values = {f: parsed[f].to_numpy() for f in NUMBERS}
    stack = np.vstack([values[f] for f in NUMBERS])
    with np.errstate(invalid="ignore"):
        top = np.nanmax(np.where(np.isnan(stack), -np.inf, stack), axis=0)
    as_fraction = np.isfinite(top) & (top <= 1.0) & (score_type == PERCENT)
    for f in NUMBERS:
        values[f] = np.where(as_fraction, values[f] * 100, values[f])
    responses = parsed["responses"].to_numpy()
    rank = kind.map(KINDS).to_numpy(dtype=object)
    read = (trust | national).to_numpy() & whole_row.to_numpy() & pd.notna(rank)
    check_ranges(frame, values, score_type, read, path, columns)

    no_score = np.isnan(values["score"])
    small = ~national.to_numpy() & (np.nan_to_num(responses, nan=0) < min_responses)
    suppressed = no_score | small
    published = {f: values[f] for f in ("score", "ci_low", "ci_high")}  # for breakdown rows
    for f in ("score", "ci_low", "ci_high"):
        values[f] = np.where(suppressed, np.nan, values[f])
    performance = normalise_values(frame["performance"]).map(
        lambda t: PERFORMANCE.get(t.replace("  ", " "), "")
    )
    performance = performance.where(~suppressed, "")
    bad_code = trust & ~frame["org_code"].str.match(r"^[A-Z0-9]{3,5}$")
    if bad_code.any():
        raise row_error(
            frame,
            bad_code,
            "value is not an organisation (ODS) code",
            path,
            columns.get("org_code", "org_code"),
            "3 to 5 capital letters and digits, e.g. RXX, on a Trust row (rows of other "
            "geographies, such as CCG or Cancer Alliance, need a Geog column saying so)",
            field="org_code",
        )
    org_code = frame["org_code"].where(~national, "").to_numpy()
    tidy = pd.DataFrame(
        {
            "file": str(path),
            "row": frame.index.to_numpy(),
            "national": national.to_numpy(),
            "org_code": org_code,
            "org_name": frame["org_name"].to_numpy(),
            "year": years,
            "question_number": qnums,
            "question_text": frame["question_text"].to_numpy(),
            "score_type": score_type,
            "kind": kind.to_numpy(),
            "responses": responses,
            "score": values["score"],
            "ci_low": values["ci_low"],
            "ci_high": values["ci_high"],
            "expected_low": values["expected_low"],
            "expected_high": values["expected_high"],
            "performance": performance.to_numpy(),
            "suppressed": suppressed,
            "was_fraction": as_fraction,
            "rank": rank,
        }
    )
    chosen = choose(tidy[read], path, columns)
    counts = {
        "trust": int((~chosen["national"]).sum()),
        "unadjusted": int(((~chosen["national"]) & (chosen["rank"] == 1)).sum()),
        "national": int(chosen["national"].sum()),
        "yearonyear": int(((trust | national).to_numpy() & pd.isna(rank)).sum()),
        "other_breakdowns": int(((trust | national) & ~whole_row & ~tumour_row).sum()),
    }
    for label, n in level[~(trust | national)].value_counts().items():
        counts[f"level:{label}"] = int(n)
    by_type = (trust & tumour_row).to_numpy() & pd.notna(rank)
    tumour = tidy[by_type].copy()
    tumour["cancer_type"] = frame.loc[by_type, "cancer_type"].to_numpy()
    for f, v in published.items():  # their own small-numbers rule, not min_responses
        tumour[f] = v[by_type]
    floor = breakdown_min_responses if breakdown_min_responses is not None else min_responses
    tumour = tumour_rows(tumour, floor)
    counts["tumour"] = len(tumour)
    counts["national_breakdowns"] = int((national & ~whole_row).sum())
    layout = (
        "dashboard"
        if any(f in columns for f in ("score_kind", "cancer_type", "gender", "imd"))
        else "trust table"
    )
    rows = chosen.assign(unadjusted=(chosen["rank"] == 1) & ~chosen["national"])
    rows = rows.drop(columns=["rank", "kind"]).reset_index(drop=True)
    unused = []
    if settings.year is not None and year_from == "column":
        unused.append(f"year = {settings.year} was not used: the file has a Year column")
    if settings.sheet is not None and source.format != "XLSX":
        unused.append("sheet was not used: the file is not a workbook")
    notes = [f"{where} in {path.parent.name}/: {text}." for text in unused]
    return ResultsFile(path, rows, tumour, source, layout, year_from, counts, notes)


def _year_of_file(
    path: Path,
    settings: FileSettings,
    pattern: str,
    survey_years: set[int] | None,
    where: str,
) -> tuple[int, str]:
    """The survey year of a file with no year column: from ``cpes.toml`` or the file name."""
    if settings.year is not None:
        if survey_years is not None and settings.year not in survey_years:
            raise CollabError(
                f"the year set for this file, {settings.year}, is not a survey year in "
                "cpes_years.csv",
                file=path,
                column=f"{where} year",
                value=settings.year,
                allowed=", ".join(str(y) for y in sorted(survey_years)),
            )
        return settings.year, "cpes.toml"
    match = re.search(pattern, path.name)
    if not match:
        raise CollabError(
            "the file has no Year column and its name has no survey year",
            file=path,
            value=path.name,
            allowed=f"a Year column, a year in the file name (found with [files] year_pattern "
            f"in cpes.toml, now {pattern!r}), or year = 2022 under {where}",
        )
    found = match.group(1) if match.re.groups else match.group(0)
    if not (found or "").isdigit() or len(found) != 4:
        raise CollabError(
            "the year pattern found something in the file name that is not a year",
            file=path,
            value=found,
            allowed=f"a pattern whose first group (or whole match) is the four-digit year, "
            f"in [files] year_pattern of cpes.toml (now {pattern!r}), or year = 2022 under "
            f"{where}",
        )
    year = int(found)
    if survey_years is not None and year not in survey_years:
        raise CollabError(
            f"the file has no Year column, and the year in its name, {year}, is not a survey "
            "year in cpes_years.csv",
            file=path,
            value=path.name,
            allowed=", ".join(str(y) for y in sorted(survey_years))
            + f" (add the year to cpes_years.csv, or set year = ... under {where})",
        )
    return year, "file name"
