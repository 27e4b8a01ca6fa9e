"""A cohort's analysis as tidy data: CSV files and a Frictionless Data Package.

NHS RAP asks for tidy data outputs, and reviewers who build dashboards (Power
BI is common in the NHS) need the SPC icon states and the survey rates as
tables. :func:`analysis_tables` turns a :class:`~collablib.analysis.CohortAnalysis`
into tidy tables (one row per observation, snake_case columns);
:func:`export_files` serialises them, byte-reproducibly, as
``<table>.csv`` (UTF-8, ISO dates, ``\\n`` line ends) plus a
``datapackage.json`` (the Frictionless Data Package standard: each field's
name, type and description).

**Disclosure.** The tables publish exactly what the report does: below cohort
level (``survey_by_role``) a hidden count is empty, with a ``*_suppressed``
flag, and a percentage is given only where the report gives it; quotes are the
consented, redacted ones the report shows, with their role group only.
**Spreadsheets.** A text cell that begins with ``=``, ``+``, ``-`` or ``@``
is what Excel and LibreOffice run as a formula ("CSV injection"); such cells
are written with a leading apostrophe, as OWASP recommends.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from collablib.build.descriptions import DESCRIPTIONS
from collablib.cpes.analysis import CpesSummary, SurveyYears
from collablib.cpes.analysis import summary as cpes_summary
from collablib.survey.metrics import Headline, Share

if TYPE_CHECKING:
    from collablib.analysis import CohortAnalysis

__all__ = [
    "DESCRIPTIONS",
    "FIELD_TYPES",
    "FORMULA_PREFIXES",
    "analysis_tables",
    "cpes_summary_from_table",
    "data_package",
    "export_files",
    "field_type",
    "headline_from_tables",
    "progress_table",
    "read_tables",
    "resources",
    "survey_items_table",
    "table_csv",
    "write_export",
]

#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


_TYPED_COLUMNS = {
    "integer": (
        *("teams", "teams_responding", "respondents", "n", "positive", "points", "rows"),
        *("this_positive", "this_n", "other_positive", "other_n"),
        *("baseline_year", "baseline_n", "followup_year", "followup_n"),
        *("primary_measures", "teams_improved", "teams_sustained", "teams_scored", "n_ge_4"),
    ),
    "number": (
        *("pct", "this_pct", "other_pct", "ci_low", "ci_high", "diff", "p_value"),
        *("value", "centre", "lower_limit", "upper_limit", "target"),
        *("baseline_score", "followup_score", "change", "change_ci_low", "change_ci_high"),
        *("score", "recommend_pct", "team_working_pct", "patient_carer_experience_pct"),
        *("staff_experience_pct", "pct_ge_4"),
    ),
    "boolean": (
        *("respondents_suppressed", "n_suppressed", "positive_suppressed"),
        *("significant", "small_numbers", "missing", "primary", "judged"),
        *("improved_after_change", "sustained", "method_change", "counted", "latest"),
    ),
    "date": ("start_date", "end_date", "data_as_of", "period"),
}
#: The Frictionless type of each published column (any other column is a string). A column
#: has one type in every table and every cohort, empty tables included, so the files of
#: several cohorts append cleanly in a spreadsheet or a dashboard (Power BI, say).
FIELD_TYPES: Mapping[str, str] = MappingProxyType(
    {column: kind for kind, columns in _TYPED_COLUMNS.items() for column in columns}
)


def field_type(column: str) -> str:
    """The Frictionless type of a published column (:data:`FIELD_TYPES`)."""
    return FIELD_TYPES.get(column, "string")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column cast to its declared type (nullable, so empty stays empty)."""
    out = frame.copy()
    for column in out.columns:
        kind, series = field_type(column), out[column]
        if kind == "integer":
            out[column] = pd.to_numeric(series).astype("Int64")
        elif kind == "number":
            out[column] = pd.to_numeric(series).astype(float)
        elif kind == "boolean":
            out[column] = series.astype("boolean")
        elif kind == "date":
            out[column] = pd.to_datetime(series)
        else:
            out[column] = series.astype("string")
    return out


def survey_items_table(head: Headline) -> pd.DataFrame:
    """The ``survey_items`` table of a headline: each rated item and recommending."""
    measures = [*head.items, "recommend"]
    shares = [head.share(m) for m in measures]
    return pd.DataFrame(
        {
            "item": measures,
            "n": [s.n for s in shares],
            "positive": [s.positive for s in shares],
            "pct": [s.pct for s in shares],
            "ci_low": [s.ci_low for s in shares],
            "ci_high": [s.ci_high for s in shares],
        }
    )


def _survey_by_role(analysis: CohortAnalysis) -> pd.DataFrame:
    by_role = analysis.survey.by_role
    symbol = analysis.policy.symbol
    out = pd.DataFrame(
        {
            "role": by_role["role"].astype(str),
            "roles": ["; ".join(m) for m in by_role["members"]],
            "measure": by_role["measure"].astype(str),
        }
    )
    for count in ("respondents", "n", "positive"):
        hidden = (by_role[f"{count}_shown"].astype(str) == symbol).to_numpy()
        out[count] = pd.array(
            [None if h else int(v) for v, h in zip(by_role[count], hidden, strict=True)],
            dtype="Int64",
        )
        out[f"{count}_suppressed"] = hidden
    shown = by_role["pct_shown"].to_numpy(dtype=bool)
    for column in ("pct", "ci_low", "ci_high"):
        out[column] = by_role[column].where(shown)
    return out


def _overview(analysis: CohortAnalysis) -> pd.DataFrame:
    cohort, head = analysis.cohort, analysis.survey.headline
    return pd.DataFrame(
        [
            {
                "cohort_id": cohort.cohort_id,
                "name": cohort.name,
                "programme_year": cohort.programme_year,
                "start_date": cohort.start_date.isoformat(),
                "end_date": cohort.end_date.isoformat(),
                "teams": head.teams,
                "teams_responding": head.teams_responding,
                "respondents": head.respondents,
                "data_as_of": analysis.provenance.data_as_of,
            }
        ]
    )


def _cpes(analysis: CohortAnalysis) -> pd.DataFrame:
    from collablib.cpes.analysis import as_json

    columns = list(DESCRIPTIONS["cpes"][1])
    if analysis.cpes is None:
        return pd.DataFrame(columns=columns)
    rows = as_json(analysis.cpes.table)
    method_change = bool(analysis.cpes.years.method_change)
    return pd.DataFrame([{**r, "method_change": method_change} for r in rows], columns=columns)


def _progress(analysis: CohortAnalysis) -> pd.DataFrame:
    return progress_table(analysis.progress, analysis.teams, list(DESCRIPTIONS["progress"][1]))


def progress_table(progress: Any, teams: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The ``progress`` table: every score as given, with whether it counted (see DESCRIPTIONS).

    ``progress`` is a :class:`~collablib.ihi.scores.ProgressSummary` or ``None``;
    for a programme year, ``columns`` starts with ``cohort_id``.
    """
    if progress is None:
        return pd.DataFrame(columns=columns)
    scores = progress.scores
    keys = ["cohort_id", "team_id"] if "cohort_id" in columns else ["team_id"]
    names = teams.set_index(keys)["team_name"]
    index = pd.MultiIndex.from_frame(scores[keys]) if len(keys) > 1 else scores["team_id"]
    out = pd.DataFrame(
        {
            "team_id": scores["team_id"],
            "team_name": names.reindex(index).to_numpy(),
            "month": scores["month"].astype(str),
            "assessed_by": scores["assessed_by"],
            "score": scores["score"],
            "counted": scores["counted"],
            "latest": scores["latest"],
        },
    ).reset_index(drop=True)
    if "cohort_id" in columns:
        out.insert(0, "cohort_id", scores["cohort_id"].to_numpy())
    return out.loc[:, columns]


def analysis_tables(analysis: CohortAnalysis) -> dict[str, pd.DataFrame]:
    """The tidy tables of :meth:`~collablib.analysis.CohortAnalysis.tables` (see DESCRIPTIONS)."""
    log = analysis.survey.data_quality.steps()
    tables = {
        "overview": _overview(analysis),
        "survey_items": survey_items_table(analysis.survey.headline),
        "survey_by_role": _survey_by_role(analysis),
        "comparisons": analysis.survey.comparisons.copy(),
        "spc_points": analysis.improvement.points.copy(),
        "spc_summary": analysis.improvement.summary.copy(),
        "cpes": _cpes(analysis),
        "quotes": analysis.survey.quotes[["role", "quote"]].astype(str).reset_index(drop=True),
        "progress": _progress(analysis),
        "data_quality": pd.DataFrame(
            {
                "step": log["step"],
                "rows": log["rows"].abs(),
                "spreadsheet_rows": log["spreadsheet_rows"],
            }
        ),
    }
    for name, frame in tables.items():
        expected = list(DESCRIPTIONS[name][1])
        if list(frame.columns) != expected:
            raise AssertionError(f"table {name} has columns {list(frame.columns)}, not {expected}")
    return {name: _typed(frame) for name, frame in tables.items()}


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def table_csv(frame: pd.DataFrame) -> bytes:
    """A table as CSV bytes: UTF-8, ``\\n``, ISO dates, booleans ``true``/``false``, empty = null.

    Text cells that a spreadsheet would run as a formula get a leading apostrophe.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series):
            out[column] = series.map({True: "true", False: "false"}).astype("string")
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d")
        elif not pd.api.types.is_numeric_dtype(series):
            out[column] = series.map(_safe_text)
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n", na_rep="")
    return buffer.getvalue().encode("utf-8")


def resources(
    tables: Mapping[str, pd.DataFrame],
    descriptions: Mapping[str, tuple[str, Mapping[str, str]]],
    first_shown: int,
) -> list[dict[str, Any]]:
    """The Frictionless resources describing ``tables``, from their ``descriptions``."""
    out = []
    for name, frame in tables.items():
        description, columns = descriptions[name]
        fields = [
            {"name": column, "type": field_type(column), "description": columns[column]}
            for column in frame.columns
        ]
        out.append(
            {
                "name": name.replace("_", "-"),
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": description.format(first_shown=first_shown),
                "schema": {"fields": fields, "missingValues": [""]},
            }
        )
    return out


def data_package(analysis: CohortAnalysis, tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The Frictionless Data Package describing ``tables`` (no dates, no random ids)."""
    cohort, policy = analysis.cohort, analysis.policy
    return {
        "profile": "tabular-data-package",
        "name": f"collab-{cohort.cohort_id}".lower(),
        "title": f"{cohort.name}: evaluation data",
        "description": (
            "Tidy tables behind the cohort's evaluation report, with the report's disclosure "
            f"control (counts of people from {policy.smallest_suppressed} to "
            f"{policy.largest_suppressed} below cohort level are hidden). Produced by collab."
        ),
        "resources": resources(tables, DESCRIPTIONS, policy.largest_suppressed + 1),
    }


def export_files(analysis: Any) -> dict[str, bytes]:
    """File name -> bytes of everything :func:`write_export` writes for one report.

    The CSV tables, ``datapackage.json`` and a page listing them
    (:mod:`collablib.build.data_listing`). ``analysis`` is a cohort's
    :class:`~collablib.analysis.CohortAnalysis` or a programme year's
    :class:`~collablib.programme.ProgrammeAnalysis`.
    """
    from collablib.build.data_listing import LISTING_NAME, listing_page

    tables = analysis.tables()
    files = {f"{name}.csv": table_csv(frame) for name, frame in tables.items()}
    if hasattr(analysis, "programme_year") and not hasattr(analysis, "cohort"):
        from collablib.build.programme_export import programme_package

        package = programme_package(analysis, tables)
    else:
        package = data_package(analysis, tables)
    files["datapackage.json"] = (json.dumps(package, indent=1, sort_keys=True) + "\n").encode()
    files[LISTING_NAME] = listing_page(package, analysis.notice).encode("utf-8")
    return files


def write_export(analysis: CohortAnalysis, folder: Path) -> list[Path]:
    """Write the cohort's tidy tables and data package into ``folder`` (atomically, per file)."""
    from collablib.build.fileio import atomic_write_bytes

    folder = Path(folder)
    written = []
    for name, data in export_files(analysis).items():
        atomic_write_bytes(folder / name, data)
        written.append(folder / name)
    return written


def read_tables(folder: Path, names: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Published tables read back from ``folder`` (booleans and numbers typed, empty = missing)."""
    return {
        name: pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""])
        for name in names
    }


def headline_from_tables(overview: pd.DataFrame, items: pd.DataFrame) -> Headline:
    """The cohort's :class:`~collablib.survey.metrics.Headline` from its published tables."""

    def share(row: Any) -> Share:
        return Share(
            int(row.n),
            int(row.positive),
            *(None if pd.isna(v) else float(v) for v in (row.pct, row.ci_low, row.ci_high)),
        )

    cohort = overview.iloc[0]
    shares = {str(r.item): share(r) for r in items.itertuples()}
    return Headline(
        teams=int(cohort["teams"]),
        respondents=int(cohort["respondents"]),
        teams_responding=int(cohort["teams_responding"]),
        recommend=shares.pop("recommend"),
        items=shares,
    )


def cpes_summary_from_table(table: pd.DataFrame) -> CpesSummary | None:
    """The cohort's :class:`~collablib.cpes.analysis.CpesSummary` from its published ``cpes``.

    ``None`` when no team targeted a question (or there was no CPES extract).
    """
    if table.empty:
        return None
    first = table.iloc[0]
    years = SurveyYears(
        int(first["baseline_year"]) if pd.notna(first["baseline_year"]) else None,
        int(first["followup_year"]) if pd.notna(first["followup_year"]) else None,
        bool(first["method_change"]),
    )
    return cpes_summary(table, years)
