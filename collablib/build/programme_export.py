"""The tidy tables published beside a programme-year report, and their data package.

Every table is taken from :class:`~collablib.programme.ProgrammeAnalysis`,
which pools the cohorts' own analyses; nothing is recomputed here. The
columns are described in
:data:`collablib.build.descriptions.PROGRAMME_DESCRIPTIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from collablib.build.descriptions import PROGRAMME_DESCRIPTIONS
from collablib.build.export import _typed, progress_table, resources, survey_items_table

if TYPE_CHECKING:
    from collablib.programme import ProgrammeAnalysis

__all__ = ["programme_package", "programme_tables"]


def _cohort_row(analysis: Any) -> dict[str, Any]:
    head, spc = analysis.survey.headline, analysis.improvement.headline
    progress = analysis.progress.headline if analysis.progress is not None else None
    return {
        "cohort_id": analysis.cohort.cohort_id,
        "name": analysis.cohort.name,
        "teams": head.teams,
        "teams_responding": head.teams_responding,
        "respondents": head.respondents,
        "recommend_pct": head.recommend.pct,
        **{f"{item}_pct": share.pct for item, share in head.items.items()},
        "primary_measures": spc.teams,
        "teams_improved": spc.improved,
        "teams_sustained": spc.sustained,
        "teams_scored": progress.teams_scored if progress else None,
        "n_ge_4": progress.n_ge_4 if progress else None,
        "pct_ge_4": progress.pct_ge_4 if progress else None,
    }


def programme_tables(programme: ProgrammeAnalysis) -> dict[str, pd.DataFrame]:
    """The programme year's tidy tables: cohorts, pooled survey items, progress, quotes."""
    columns = {name: list(cols) for name, (_, cols) in PROGRAMME_DESCRIPTIONS.items()}
    quotes = programme.quotes
    tables = {
        "cohorts": pd.DataFrame(
            [_cohort_row(a) for a in programme.cohorts], columns=columns["cohorts"]
        ),
        "survey_items": survey_items_table(programme.headline),
        "progress": progress_table(programme.progress, programme.teams, columns["progress"]),
        "quotes": (
            quotes.loc[:, columns["quotes"]].astype(str).reset_index(drop=True)
            if len(quotes)
            else pd.DataFrame(columns=columns["quotes"])
        ),
    }
    for name, frame in tables.items():
        if list(frame.columns) != columns[name]:
            raise AssertionError(f"table {name} has columns {list(frame.columns)}")
    return {name: _typed(frame) for name, frame in tables.items()}


def programme_package(
    programme: ProgrammeAnalysis, tables: Mapping[str, pd.DataFrame]
) -> dict[str, Any]:
    """The Frictionless Data Package of a programme year's tables (no dates, no random ids)."""
    policy = programme.cohorts[0].policy
    return {
        "profile": "tabular-data-package",
        "name": f"collab-{programme.report_id}",
        "title": f"Programme year {programme.programme_year}: evaluation data",
        "description": (
            "Tidy tables behind the programme-year report: every cohort of the year, pooled "
            "from the cohorts' own analyses. Quotes carry the cohort reports' consent, "
            "redaction and role grouping. Produced by collab."
        ),
        "resources": resources(tables, PROGRAMME_DESCRIPTIONS, policy.largest_suppressed + 1),
    }
