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


def _load_all(
    cohorts: Sequence[Cohort], data_dir: str | os.PathLike[str] | None
) -> dict[str, CohortData | CollabError]:
    loaded: dict[str, CohortData | CollabError] = {}
    for cohort in cohorts:
        try:
            loaded[cohort.cohort_id] = load_cohort(cohort, data_dir)
        except CollabError as exc:
            loaded[cohort.cohort_id] = exc
    return loaded


def headline_rows(
    cohorts: Sequence[Cohort], loaded: dict[str, CohortData | CollabError]
) -> tuple[list[str], list[dict]]:
    """Header and rows of the cross-cohort table.

    Rows are ``{"group": "Programme year 2020/21"}`` headings, then
    ``{"cells": [...], "pooled": bool}`` for each cohort and the pooled year.

    A cohort whose data cannot be loaded gets a row of dashes, and its
    programme year's pooled row is marked as incomplete rather than silently
    pooling the other cohorts.
    """
    header: list[str] = []
    rows: list[dict] = []
    for year in programme_years(list(cohorts)):
        in_year = [c for c in cohorts if c.programme_year == year]
        rows.append({"group": f"Programme year {year}"})
        for cohort in in_year:
            data = loaded[cohort.cohort_id]
            if not isinstance(data, CohortData):
                cells = {"Cohort": f"{cohort.name} – data problem, see above"}
            else:
                cells = cohort_headline_row(cohort.name, headline(data.teams, data.survey))
                header = header or list(cells)
            rows.append({"cells": cells, "pooled": False})
        available = [loaded[c.cohort_id] for c in in_year]
        label = f"{year}: all cohorts (pooled)"
        if all(isinstance(d, CohortData) for d in available):
            teams, survey = pool([d for d in available if isinstance(d, CohortData)])
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
    cohorts: Sequence[Cohort],
    loaded: dict[str, CohortData | CollabError],
    output_dir: Path,
) -> list[dict[str, str]]:
    """Per cohort: "N of M teams showed special-cause improvement in their primary measure".

    Uses the figures saved with each cohort's last successful build where they
    are current, and calculates them otherwise.
    """
    from collablib.buildstate import read_record

    rows = []
    for cohort in cohorts:
        data = loaded[cohort.cohort_id]
        if not isinstance(data, CohortData):
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
        record = read_record(output_dir, cohort.cohort_id) or {}
        head = (record.get("summary") or {}).get("improvement")
        if head is None:
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


def cpes_rows(
    cohorts: Sequence[Cohort],
    loaded: dict[str, CohortData | CollabError],
    output_dir: Path,
    data_dir: str | os.PathLike[str] | None,
) -> list[dict[str, str]]:
    """Per cohort: targeted CPES questions below the expected range at baseline and after."""
    from collablib import cpes_analysis
    from collablib.buildstate import read_record
    from collablib.cpes import load_cpes

    cpes = None
    rows = []
    for cohort in cohorts:
        data = loaded[cohort.cohort_id]
        if not isinstance(data, CohortData):
            continue
        record = read_record(output_dir, cohort.cohort_id) or {}
        summary = (record.get("summary") or {}).get("cpes")
        if summary is None:
            cpes = cpes if cpes is not None else load_cpes(data_dir)
            result = cpes_analysis.analyse_cohort(
                cpes, data.teams, cohort.start_date, cohort.end_date
            )
            summary = result.summary if result else None
        if summary is None:
            continue
        rows.append(
            {
                "name": cohort.name,
                "baseline": str(summary["baseline_year"] or "–"),
                "followup": str(summary["followup_year"] or "–"),
                "questions": str(summary["questions"]),
                "below_before": str(summary["below_at_baseline"]),
                "below_after": str(summary["below_at_followup"]),
                "rises": str(summary["significant_rises"]),
                "caveat": "method changed in between" if summary.get("method_change") else "",
            }
        )
    return rows


def render_index(
    cohorts: Sequence[Cohort],
    *,
    data_dir: str | os.PathLike[str] | None,
    output_dir: Path,
    results: Sequence[BuildResult] = (),
    loaded: dict[str, CohortData | CollabError] | None = None,
) -> str:
    """The index page as HTML text (self-contained: inline CSS, no scripts)."""
    loaded = loaded if loaded is not None else _load_all(cohorts, data_dir)
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
    header, rows = headline_rows(cohorts, loaded)
    return env.get_template("index.html.j2").render(
        title=INDEX_TITLE,
        notice=load_data_notice(data_dir),
        css=read_css(),
        cohorts=listing,
        problems=problems,
        headers=header,
        rows=rows,
        improvement=improvement_rows(cohorts, loaded, output_dir),
        cpes=cpes_rows(cohorts, loaded, output_dir, data_dir),
    )


def write_index(
    cohorts: Sequence[Cohort],
    *,
    data_dir: str | os.PathLike[str] | None,
    output_dir: Path,
    results: Sequence[BuildResult] = (),
    loaded: dict[str, CohortData | CollabError] | None = None,
) -> Path:
    """Write ``index.html`` atomically into ``output_dir`` and return its path."""
    page = render_index(
        cohorts, data_dir=data_dir, output_dir=output_dir, results=results, loaded=loaded
    )
    target = Path(output_dir) / "index.html"
    atomic_write_text(target, page)
    return target
