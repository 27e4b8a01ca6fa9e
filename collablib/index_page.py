"""``reports/index.html``: links to every cohort's report and a cross-cohort headline table.

The table has one row per cohort and, after each programme year's cohorts,
a pooled row for the whole programme year (all its respondents counted once,
via :func:`collablib.loaders.pool`). The 2020/21 pooled row is the figure
NHS England published.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import jinja2

from collablib import improvement
from collablib.build import BuildResult, report_paths
from collablib.errors import CollabError
from collablib.fileio import atomic_write_text
from collablib.htmlexport import TEMPLATE_DIR, read_css
from collablib.loaders import CohortData, load_cohort, load_data_notice, pool
from collablib.metrics import headline
from collablib.narrative import long_date
from collablib.registry import Cohort, programme_years
from collablib.tables import cohort_headline_row

INDEX_TITLE = "Cancer Experience of Care Improvement Collaboratives: evaluation reports"


def headline_rows(
    cohorts: Sequence[Cohort], data_dir: str | os.PathLike[str] | None
) -> tuple[list[str], list[dict]]:
    """Header and rows of the cross-cohort table.

    Rows are ``{"group": "Programme year 2020/21"}`` headings, then
    ``{"cells": [...], "pooled": bool}`` for each cohort and the pooled year.

    A cohort whose data cannot be loaded gets a row of dashes, and its
    programme year's pooled row is marked as incomplete rather than silently
    pooling the other cohorts.
    """
    loaded: dict[str, CohortData | None] = {}
    for cohort in cohorts:
        try:
            loaded[cohort.cohort_id] = load_cohort(cohort, data_dir)
        except CollabError:
            loaded[cohort.cohort_id] = None
    header: list[str] = []
    rows: list[dict] = []
    for year in programme_years(list(cohorts)):
        in_year = [c for c in cohorts if c.programme_year == year]
        rows.append({"group": f"Programme year {year}"})
        for cohort in in_year:
            data = loaded[cohort.cohort_id]
            if data is None:
                cells = {"Cohort": f"{cohort.name} – data problem, see above"}
            else:
                cells = cohort_headline_row(cohort.name, headline(data.teams, data.survey))
                header = header or list(cells)
            rows.append({"cells": cells, "pooled": False})
        available = [loaded[c.cohort_id] for c in in_year]
        label = f"{year}: all cohorts (pooled)"
        if all(d is not None for d in available):
            teams, survey = pool([d for d in available if d is not None])
            cells = cohort_headline_row(label, headline(teams, survey))
        else:
            cells = {"Cohort": label + " – not available: a cohort's data has a problem"}
        rows.append({"cells": cells, "pooled": True})
    if not header:
        header = ["Cohort"]
    for row in rows:
        if "cells" in row:
            row["cells"] = [row["cells"].get(h, "–") for h in header]
    return header, rows


def improvement_rows(
    cohorts: Sequence[Cohort], data_dir: str | os.PathLike[str] | None
) -> list[dict[str, str]]:
    """Per cohort: "N of M teams showed special-cause improvement in their primary measure"."""
    rows = []
    for cohort in cohorts:
        try:
            data = load_cohort(cohort, data_dir)
        except CollabError:
            rows.append(
                {
                    "name": cohort.name,
                    "headline": "Data problem: see above",
                    "teams": "–",
                    "improved": "–",
                    "sustained": "–",
                    "not_judged": "–",
                }
            )
            continue
        head = improvement.headline(
            improvement.analyse_cohort(data.measures, data.teams, cohort.start_date)
        )
        rows.append(
            {
                "name": cohort.name,
                "headline": improvement.headline_sentence(head),
                "teams": str(head["teams"]),
                "improved": str(head["improved"]),
                "sustained": str(head["sustained"]),
                "not_judged": str(head["not_judged"]),
            }
        )
    return rows


def render_index(
    cohorts: Sequence[Cohort],
    *,
    data_dir: str | os.PathLike[str] | None,
    output_dir: Path,
    results: Sequence[BuildResult] = (),
) -> str:
    """The index page as HTML text (self-contained: inline CSS, no scripts)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        keep_trailing_newline=True,
    )
    listing = []
    for cohort in cohorts:
        paths = report_paths(output_dir, cohort.cohort_id)
        listing.append(
            {
                "name": cohort.name,
                "programme_year": cohort.programme_year,
                "dates": f"{long_date(cohort.start_date)} to {long_date(cohort.end_date)}",
                "report": paths["report"].name if paths["report"].exists() else None,
                "code": paths["code"].name if paths["code"].exists() else None,
            }
        )
    names = {c.cohort_id: c.name for c in cohorts}
    problems = [
        {"name": names.get(r.cohort_id, r.cohort_id), "reason": r.reason}
        for r in results
        if r.status == "failed"
    ]
    header, rows = headline_rows(cohorts, data_dir)
    return env.get_template("index.html.j2").render(
        title=INDEX_TITLE,
        notice=load_data_notice(data_dir),
        css=read_css(),
        cohorts=listing,
        problems=problems,
        headers=header,
        rows=rows,
        improvement=improvement_rows(cohorts, data_dir),
    )


def write_index(
    cohorts: Sequence[Cohort],
    *,
    data_dir: str | os.PathLike[str] | None,
    output_dir: Path,
    results: Sequence[BuildResult] = (),
) -> Path:
    """Write ``index.html`` atomically into ``output_dir`` and return its path."""
    page = render_index(cohorts, data_dir=data_dir, output_dir=output_dir, results=results)
    target = Path(output_dir) / "index.html"
    atomic_write_text(target, page)
    return target
