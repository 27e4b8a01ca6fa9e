"""``reports/index.html``: links to every cohort's report and a cross-cohort headline table.

The table has one row per cohort and, after each programme year's cohorts,
a pooled row for the whole programme year (all its respondents counted once,
:func:`collablib.survey.metrics.pool_headlines`). The 2020/21 pooled row is the
figure NHS England published. Every figure comes from the tidy data that the
reports in place published (``reports/data/<cohort_id>/``), so the index
always agrees with the reports it links.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from collablib.build.data_listing import LISTING_NAME
from collablib.build.export import cpes_summary_from_table, headline_from_tables, read_tables
from collablib.build.fileio import atomic_write_text
from collablib.build.pages import render
from collablib.build.render import BuildResult, report_paths
from collablib.build.state import data_folder
from collablib.cpes.analysis import CpesSummary
from collablib.data.loaders import load_data_notice
from collablib.data.registry import Cohort, programme_years
from collablib.ihi.scores import ProgressHeadline, progress_headline
from collablib.paths import programme_report_id
from collablib.report.narrative import long_date
from collablib.report.tables import cohort_headline_row, progress_cell_text
from collablib.spc import improvement
from collablib.spc import summary as spc_summary
from collablib.spc.summary import ImprovementHeadline
from collablib.survey.metrics import Headline, pool_headlines

__all__ = [
    "INDEX_TITLE",
    "Published",
    "cpes_rows",
    "headline_rows",
    "improvement_rows",
    "published",
    "render_index",
    "write_index",
]

INDEX_TITLE = "Cancer Experience of Care Improvement Collaboratives: evaluation reports"


@dataclass(frozen=True)
class Published:
    """What a cohort's report in place published, read back from its tidy data files."""

    headline: Headline
    improvement: ImprovementHeadline
    cpes: CpesSummary | None
    #: the teams' IHI progress results; ``None`` when the cohort has no progress scores
    progress: ProgressHeadline | None = None


def published(cohorts: Sequence[Cohort], output_dir: Path) -> dict[str, Published]:
    """Per cohort with a report in place, the figures it published (``data/<cohort_id>/``).

    The index shows only these, never figures recomputed from the data now: a
    cohort whose latest build failed keeps its previous report, and the index
    must show that report's figures, not newer ones that appear in no report
    (two versions side by side would let a reader subtract one from the other).
    The figures are derived from the tables with the same functions the report
    uses. A cohort whose files cannot be read is shown as having no report.
    """
    out: dict[str, Published] = {}
    for cohort in cohorts:
        paths = report_paths(output_dir, cohort.cohort_id)
        folder = data_folder(output_dir, cohort.cohort_id)
        if not all(p.exists() for p in paths.values()):
            continue
        try:
            tables = read_tables(folder, ("overview", "survey_items", "spc_summary", "cpes"))
            out[cohort.cohort_id] = Published(
                headline=headline_from_tables(tables["overview"], tables["survey_items"]),
                improvement=spc_summary.headline(tables["spc_summary"]),
                cpes=cpes_summary_from_table(tables["cpes"]),
                progress=_published_progress(folder),
            )
        except (OSError, KeyError, TypeError, ValueError, IndexError, pd.errors.ParserError):
            continue
    return out


def _published_progress(folder: Path) -> ProgressHeadline | None:
    """The teams' IHI results a report published; ``None`` without scores (or, for a report
    built before progress scores existed, without the table)."""
    if not (folder / "progress.csv").exists():
        return None
    table = read_tables(folder, ("progress",))["progress"]
    return progress_headline(table.loc[table["latest"].astype(bool), "score"])


def _published_cohorts(folder: Path) -> list[str] | None:
    """The names of the cohorts a programme-year report in place covers (its published table)."""
    try:
        return [str(n) for n in read_tables(folder, ("cohorts",))["cohorts"]["name"]]
    except (OSError, KeyError, ValueError, pd.errors.ParserError):
        return None


def headline_rows(
    cohorts: Sequence[Cohort], figures: dict[str, Published]
) -> tuple[list[str], list[dict]]:
    """Header and rows of the cross-cohort table.

    Rows are ``{"group": "Programme year 2020/21"}`` headings, then
    ``{"cells": [...], "pooled": bool}`` for each cohort and the pooled year.

    A cohort with no report gets a row of dashes, and its programme year's
    pooled row is marked as incomplete rather than silently pooling the other
    cohorts.
    """
    header: list[str] = []
    rows: list[dict] = []
    for year in programme_years(list(cohorts)):
        in_year = [c for c in cohorts if c.programme_year == year]
        rows.append({"group": f"Programme year {year}"})
        for cohort in in_year:
            if cohort.cohort_id in figures:
                cells = cohort_headline_row(cohort.name, figures[cohort.cohort_id].headline)
                header = header or list(cells)
            else:
                cells = {"Cohort": f"{cohort.name} – no report yet"}
            rows.append({"cells": cells, "pooled": False})
        label = f"{year}: all cohorts (pooled)"
        if all(c.cohort_id in figures for c in in_year):
            pooled = pool_headlines([figures[c.cohort_id].headline for c in in_year])
            cells = cohort_headline_row(label, pooled)
        else:
            cells = {"Cohort": label + " – not available: a cohort has no report yet"}
        rows.append({"cells": cells, "pooled": True})
    if not header:
        header = ["Cohort"]
    for row in rows:
        if "cells" in row:
            row["cells"] = [row["cells"].get(h, "–") for h in header]
    return header, rows


def improvement_rows(
    cohorts: Sequence[Cohort], figures: dict[str, Published]
) -> list[dict[str, str]]:
    """Per cohort: "N of M teams showed special-cause improvement in their primary measure"."""
    rows = []
    for cohort in cohorts:
        if cohort.cohort_id not in figures:
            rows.append(
                {
                    "name": cohort.name,
                    "headline": "No report yet",
                    "teams": "–",
                    "improved": "–",
                    "sustained": "–",
                    "not_judged": "–",
                    "progress": "–",
                }
            )
            continue
        head = figures[cohort.cohort_id].improvement
        rows.append(
            {
                "name": cohort.name,
                "headline": improvement.headline_sentence(head),
                "teams": str(head.teams),
                "improved": str(head.improved),
                "sustained": str(head.sustained),
                "not_judged": str(head.not_judged),
                "progress": progress_cell_text(figures[cohort.cohort_id].progress),
            }
        )
    return rows


def cpes_rows(cohorts: Sequence[Cohort], figures: dict[str, Published]) -> list[dict[str, str]]:
    """Per cohort: targeted CPES questions below the expected range at baseline and after."""
    rows = []
    for cohort in cohorts:
        summary = figures[cohort.cohort_id].cpes if cohort.cohort_id in figures else None
        if summary is None:
            continue
        rows.append(
            {
                "name": cohort.name,
                "baseline": str(summary.baseline_year or "–"),
                "followup": str(summary.followup_year or "–"),
                "questions": str(summary.questions),
                "below_before": str(summary.below_at_baseline),
                "below_after": str(summary.below_at_followup),
                "rises": str(summary.significant_rises),
                "caveat": "survey changed in between (new questionnaire and contractor)"
                if summary.method_change
                else "",
            }
        )
    return rows


def render_index(
    cohorts: Sequence[Cohort],
    *,
    data_dir: str | os.PathLike[str] | None,
    output_dir: Path,
    results: Sequence[BuildResult] = (),
    notes: Sequence[str] = (),
) -> str:
    """The index page as HTML text (self-contained: inline CSS, no scripts).

    ``notes`` are the build's notes on programme years it could not rebuild; each such
    year is marked out of date.

    Every figure on it comes from the tidy data the reports in place published
    (:func:`published`).
    """
    figures = published(cohorts, output_dir)
    listing = []
    for cohort in cohorts:
        paths = report_paths(output_dir, cohort.cohort_id)
        folder = data_folder(output_dir, cohort.cohort_id)
        listing.append(
            {
                "name": cohort.name,
                "programme_year": cohort.programme_year,
                "dates": f"{long_date(cohort.start_date)} to {long_date(cohort.end_date)}",
                "report": paths["report"].name if paths["report"].exists() else None,
                "code": paths["code"].name if paths["code"].exists() else None,
                "data": (
                    f"{folder.relative_to(output_dir).as_posix()}/{LISTING_NAME}"
                    if cohort.cohort_id in figures and (folder / LISTING_NAME).exists()
                    else None
                ),
            }
        )
    programmes = []
    for year in programme_years(list(cohorts)):
        rid = programme_report_id(year)
        paths = report_paths(output_dir, rid)
        folder = data_folder(output_dir, rid)
        built = all(p.exists() for p in paths.values())
        members = [c.name for c in cohorts if c.programme_year == year]
        shown = _published_cohorts(folder) if built else None
        stale = any(n.startswith(f"{rid} ") for n in notes) or (
            shown is not None and shown != members
        )
        programmes.append(
            {
                "year": year,
                "cohorts": ", ".join(shown if shown is not None else members)
                + (
                    " (out of date: the next full make reports rebuilds it with "
                    + ", ".join(members)
                    + ")"
                    if stale
                    else ""
                ),
                "report": paths["report"].name if built else None,
                "code": paths["code"].name if built else None,
                "data": (
                    f"{folder.relative_to(output_dir).as_posix()}/{LISTING_NAME}"
                    if built and (folder / LISTING_NAME).exists()
                    else None
                ),
            }
        )
    names = {c.cohort_id: c.name for c in cohorts}
    names |= {programme_report_id(y): f"Programme year {y}" for y in programme_years(cohorts)}
    problems = [
        {"name": names.get(r.cohort_id, r.cohort_id), "reason": r.reason}
        for r in results
        if r.status == "failed"
    ]
    header, rows = headline_rows(cohorts, figures)
    return render(
        "index.html.j2",
        title=INDEX_TITLE,
        notice=load_data_notice(data_dir),
        cohorts=listing,
        programmes=programmes if any(p["report"] for p in programmes) else [],
        problems=problems,
        headers=header,
        rows=rows,
        improvement=improvement_rows(cohorts, figures),
        cpes=cpes_rows(cohorts, figures),
    )


def write_index(
    cohorts: Sequence[Cohort],
    *,
    data_dir: str | os.PathLike[str] | None,
    output_dir: Path,
    results: Sequence[BuildResult] = (),
    notes: Sequence[str] = (),
) -> Path:
    """Write ``index.html`` atomically into ``output_dir`` and return its path."""
    page = render_index(
        cohorts, data_dir=data_dir, output_dir=output_dir, results=results, notes=notes
    )
    target = Path(output_dir) / "index.html"
    atomic_write_text(target, page)
    return target
