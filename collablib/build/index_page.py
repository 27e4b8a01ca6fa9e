"""``reports/index.html``: links to every cohort's report and a cross-cohort headline table.

The table has one row per cohort and, after each programme year's cohorts,
a pooled row for the whole programme year (all its respondents counted once,
:func:`collablib.survey.metrics.pool_headlines`). The 2020/21 pooled row is the
figure NHS England published. Every figure comes from the build records of
the reports in place, so the index always agrees with the reports it links.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

import jinja2

from collablib.build.fileio import atomic_write_text
from collablib.build.htmlexport import TEMPLATE_DIR, read_css
from collablib.build.render import BuildResult, report_paths
from collablib.data.loaders import load_data_notice
from collablib.data.registry import Cohort, programme_years
from collablib.report.narrative import long_date
from collablib.report.tables import cohort_headline_row
from collablib.spc import improvement
from collablib.survey.metrics import pool_headlines

INDEX_TITLE = "Cancer Experience of Care Improvement Collaboratives: evaluation reports"


def published_summaries(cohorts: Sequence[Cohort], output_dir: Path) -> dict[str, dict]:
    """Per cohort, the figures its report in place published (from its build record).

    The index shows only these, never figures recomputed from the data now: a
    cohort whose latest build failed keeps its previous report, and the index
    must show that report's figures, not newer ones that appear in no report
    (two versions side by side would let a reader subtract one from the other).
    """
    from collablib.build.state import read_record

    out: dict[str, dict] = {}
    for cohort in cohorts:
        record = read_record(output_dir, cohort.cohort_id)
        paths = report_paths(output_dir, cohort.cohort_id)
        summary = (record or {}).get("summary")
        if summary and all(p.exists() for p in paths.values()) and _readable(summary):
            out[cohort.cohort_id] = summary
    return out


def _readable(summary: dict) -> bool:
    """Whether a record's figures have the shape this version of the index reads."""
    try:
        if summary.get("headline"):
            cohort_headline_row("", summary["headline"])
            pool_headlines([summary["headline"]])
        if summary.get("improvement"):
            improvement.headline_sentence(summary["improvement"])
        if summary.get("cpes"):
            cpes_rows([Cohort("x", "x", "x", dt.date.min, dt.date.min)], {"x": summary})
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return False
    return True


def headline_rows(
    cohorts: Sequence[Cohort], summaries: dict[str, dict]
) -> tuple[list[str], list[dict]]:
    """Header and rows of the cross-cohort table.

    Rows are ``{"group": "Programme year 2020/21"}`` headings, then
    ``{"cells": [...], "pooled": bool}`` for each cohort and the pooled year.

    A cohort with no report (or none recording its headline) gets a row of
    dashes, and its programme year's pooled row is marked as incomplete rather
    than silently pooling the other cohorts.
    """
    header: list[str] = []
    rows: list[dict] = []
    heads = {cid: s["headline"] for cid, s in summaries.items() if s.get("headline")}
    for year in programme_years(list(cohorts)):
        in_year = [c for c in cohorts if c.programme_year == year]
        rows.append({"group": f"Programme year {year}"})
        for cohort in in_year:
            head = heads.get(cohort.cohort_id)
            if head is None:
                cells = {"Cohort": f"{cohort.name} – no report yet"}
            else:
                cells = cohort_headline_row(cohort.name, head)
                header = header or list(cells)
            rows.append({"cells": cells, "pooled": False})
        label = f"{year}: all cohorts (pooled)"
        if all(c.cohort_id in heads for c in in_year):
            cells = cohort_headline_row(
                label, pool_headlines([heads[c.cohort_id] for c in in_year])
            )
        else:
            cells = {"Cohort": label + " – not available: a cohort has no report yet"}
        rows.append({"cells": cells, "pooled": True})
    if not header:
        header = ["Cohort"]
    for row in rows:
        if "cells" in row:
            row["cells"] = [row["cells"].get(h, "–") for h in header]
    return header, rows


def improvement_rows(cohorts: Sequence[Cohort], summaries: dict[str, dict]) -> list[dict[str, str]]:
    """Per cohort: "N of M teams showed special-cause improvement in their primary measure"."""
    rows = []
    for cohort in cohorts:
        head = (summaries.get(cohort.cohort_id) or {}).get("improvement")
        if head is None:
            rows.append(
                {
                    "name": cohort.name,
                    "headline": "No report yet",
                    "teams": "–",
                    "improved": "–",
                    "sustained": "–",
                    "not_judged": "–",
                }
            )
            continue
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


def cpes_rows(cohorts: Sequence[Cohort], summaries: dict[str, dict]) -> list[dict[str, str]]:
    """Per cohort: targeted CPES questions below the expected range at baseline and after."""
    rows = []
    for cohort in cohorts:
        summary = (summaries.get(cohort.cohort_id) or {}).get("cpes")
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
) -> str:
    """The index page as HTML text (self-contained: inline CSS, no scripts).

    Every figure on it comes from the build records of the reports in place
    (:func:`published_summaries`).
    """
    summaries = published_summaries(cohorts, output_dir)
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
    header, rows = headline_rows(cohorts, summaries)
    return env.get_template("index.html.j2").render(
        title=INDEX_TITLE,
        notice=load_data_notice(data_dir),
        css=read_css(),
        cohorts=listing,
        problems=problems,
        headers=header,
        rows=rows,
        improvement=improvement_rows(cohorts, summaries),
        cpes=cpes_rows(cohorts, summaries),
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
