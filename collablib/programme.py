"""A programme year's cohorts together: :func:`analyse_programme` -> :class:`ProgrammeAnalysis`.

NHS England publishes its account of the collaboratives by programme year
(April to March), not by cohort: the 2020/21 account covers Cohort 2 and the
rare and less common cancers collaborative together. The programme-year
report (``notebooks/programme_report.ipynb``) shows that account, built
from the same analyses as the cohort reports: each cohort is analysed once
by :func:`collablib.analysis.analyse`, and everything here is pooled from
those analyses, never recomputed another way:

- the survey headline from the cohorts' headlines
  (:func:`collablib.survey.metrics.pool_headlines`: every respondent once);
- the quotes each cohort's report shows (same consent, redaction and role
  grouping), labelled with their cohort;
- the improvement headline from the cohorts' SPC summaries;
- the IHI progress scores of every team (teams distinct by cohort);
- the targeted CPES questions and what happened at each team's trust.

``collab summary --programme-year`` keeps using
:func:`collablib.analysis.analyse_programme_year`, whose pooled headline is
the same figure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from collablib.analysis import CohortAnalysis, analyse
from collablib.build import provenance as provenance_facts
from collablib.cpes.analysis import CpesSummary
from collablib.data.registry import Cohort, load_registry
from collablib.errors import CollabError
from collablib.ihi.scores import ProgressSummary, summarise_progress
from collablib.paths import programme_notebook, programme_report_id
from collablib.spc import summary as spc_summary
from collablib.spc.summary import ImprovementHeadline
from collablib.survey.metrics import Headline, pool_headlines

__all__ = [
    "ProgrammeAnalysis",
    "analyse_programme",
    "programme_report_id",
]


@dataclass(frozen=True, eq=False)
class ProgrammeAnalysis:
    """Every result of one programme year's report, pooled from its cohorts' analyses.

    ``cohorts`` are the cohorts' own analyses, in registry order; ``headline``
    the pooled survey headline; ``improvement`` the pooled SPC headline;
    ``progress`` the IHI progress scores of every team (``None`` when no
    cohort has any); ``quotes`` the quotes the cohort reports show, with a
    ``cohort`` column; ``cpes`` every targeted CPES question, with ``cohort``.
    """

    programme_year: str
    cohorts: tuple[CohortAnalysis, ...]
    headline: Headline
    improvement: ImprovementHeadline
    progress: ProgressSummary | None
    quotes: pd.DataFrame
    cpes: pd.DataFrame
    provenance: Mapping[str, Any]
    notice: str | None

    @property
    def report_id(self) -> str:
        return programme_report_id(self.programme_year)

    @property
    def data_as_of(self) -> str | None:
        """The latest date in any of the cohorts' data (YYYY-MM-DD)."""
        dates = [a.provenance.data_as_of for a in self.cohorts if a.provenance.data_as_of]
        return max(dates) if dates else None

    @property
    def teams(self) -> pd.DataFrame:
        """Every team of the year, with its ``cohort_id``."""
        return pd.concat([a.teams for a in self.cohorts], ignore_index=True)

    def cpes_summaries(self) -> list[tuple[Cohort, CpesSummary]]:
        """Each cohort's CPES summary (cohorts without CPES results are left out)."""
        return [(a.cohort, a.cpes.summary) for a in self.cohorts if a.cpes is not None]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy tables published beside the report (:mod:`collablib.build.programme_export`)."""
        from collablib.build.programme_export import programme_tables

        return programme_tables(self)


def analyse_programme(
    programme_year: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    provenance: str | None = None,
) -> ProgrammeAnalysis:
    """Analyse every cohort of ``programme_year`` (``"2020/21"``) once, and pool the results.

    ``provenance`` is what the build pipeline passes (the facts of every input
    of the year's cohorts); interactively, leave it out. Comparisons between
    cohorts are not part of the programme-year report, so the cohorts are
    analysed without loading the other cohorts for them. Raises
    :class:`CollabError` for an unknown year or bad input.
    """
    registry = load_registry(data_dir)
    cohorts = [c for c in registry if c.programme_year == programme_year]
    if not cohorts:
        years = sorted({c.programme_year for c in registry})
        raise CollabError(
            "no cohorts in that programme year",
            column="programme_year",
            value=programme_year,
            allowed=", ".join(years),
        )
    analyses = tuple(
        analyse(c.cohort_id, data_dir, comparators="[]", provenance=provenance) for c in cohorts
    )
    facts = (
        json.loads(provenance)
        if provenance
        else provenance_facts.programme_facts(cohorts, data_dir, programme_notebook())
    )
    return ProgrammeAnalysis(
        programme_year=programme_year,
        cohorts=analyses,
        headline=pool_headlines([a.survey.headline for a in analyses]),
        improvement=spc_summary.headline(
            pd.concat([a.improvement.summary for a in analyses], ignore_index=True)
        ),
        progress=_pooled_progress(analyses),
        quotes=_labelled([(a.cohort.name, _with_roles(a)) for a in analyses]),
        cpes=_labelled(
            [(a.cohort.name, a.cpes.table) for a in analyses if a.cpes is not None],
        ),
        provenance=facts,
        notice=analyses[0].notice,
    )


def _pooled_progress(analyses: tuple[CohortAnalysis, ...]) -> ProgressSummary | None:
    """Every team's scores together, teams kept distinct by cohort."""
    scored = [a for a in analyses if a.progress is not None]
    if not scored:
        return None
    scores = pd.concat(
        [
            a.progress.scores.loc[:, ["team_id", "month", "score", "assessed_by"]].assign(
                cohort_id=a.cohort.cohort_id
            )
            for a in scored
            if a.progress is not None
        ],
        ignore_index=True,
    )
    teams = pd.concat([a.teams for a in analyses], ignore_index=True)
    return summarise_progress(scores, teams)


def _with_roles(analysis: CohortAnalysis) -> pd.DataFrame:
    """The cohort's quotes with ``roles``: the roles in each quote's role group, "; "-joined."""
    by_role = analysis.survey.by_role.drop_duplicates("role")
    members = {
        str(r): "; ".join(m) for r, m in zip(by_role["role"], by_role["members"], strict=True)
    }
    quotes = analysis.survey.quotes
    return quotes.assign(roles=quotes["role"].astype(str).map(members).fillna(quotes["role"]))


def _labelled(frames: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """The frames stacked, each row labelled with its cohort's name in a first ``cohort`` column."""
    if not frames:
        return pd.DataFrame({"cohort": pd.Series(dtype="string")})
    return pd.concat(
        [frame.assign(cohort=name).loc[:, ["cohort", *frame.columns]] for name, frame in frames],
        ignore_index=True,
    )
