"""One analysis per cohort, computed once: :func:`analyse` returns a :class:`CohortAnalysis`.

Everything a cohort's report shows is worked out here, once, from the
validated data: the survey's headline figures and breakdowns (with disclosure
control applied), the comparisons with other cohorts, the quotes ready to
show, the SPC analysis of every improvement measure, the CPES analysis, and
the provenance. The report notebook calls :func:`analyse` and then only
renders; ``collab summary`` prints from it; ``collab export`` and the
pipeline publish its :meth:`CohortAnalysis.tables`, which the index reads.
So no figure is computed in two places.

The stages flow one way: :mod:`collablib.data` reads and validates,
:mod:`collablib.survey`, :mod:`collablib.spc` and :mod:`collablib.cpes`
calculate, and :mod:`collablib.report` draws and writes; this module only
assembles.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from collablib.build import provenance as provenance_facts
from collablib.cpes import analysis as cpes_analysis
from collablib.cpes.analysis import CohortCpes
from collablib.data.cleaning import CleaningLog
from collablib.data.cpes import load_cpes
from collablib.data.loaders import CohortData, load_cohort, load_data_notice, load_programme_year
from collablib.data.policy import DisclosurePolicy, load_policy
from collablib.data.registry import Cohort, load_registry
from collablib.errors import CollabError
from collablib.ihi.scores import ProgressSummary, summarise_progress
from collablib.spc import improvement
from collablib.spc import summary as spc_summary
from collablib.spc.improvement import MeasureAnalysis
from collablib.spc.summary import ImprovementHeadline
from collablib.survey import comparisons, metrics, quotes
from collablib.survey.comparisons import CohortFigures, cohort_figures
from collablib.survey.metrics import Headline
from collablib.survey.quotes import CommentCounts

__all__ = [
    "CohortAnalysis",
    "ImprovementResults",
    "Participation",
    "ProgrammeYear",
    "Provenance",
    "SurveyResults",
    "analyse",
    "analyse_programme_year",
    "load_comparators",
    "programme_year_json",
    "summary_json",
]


@dataclass(frozen=True)
class SurveyResults:
    """What the end-of-collaborative survey says, below and at cohort level.

    ``by_role`` is the breakdown by role group with disclosure control applied
    (:func:`collablib.survey.disclosure.protect_role_breakdown`): its ``*_shown``
    columns are what the report shows, while ``respondents``, ``n`` and
    ``positive`` keep the true counts for analysis. Publish
    ``tables()["survey_by_role"]``, never these columns; ``quotes``
    are the consented, redacted comments to show, attributed as the role table
    allows; ``not_compared`` names cohorts left out of the comparisons because
    their data have a problem (interactive use only: the pipeline compares
    with their last figures that validated).
    """

    headline: Headline
    items: pd.DataFrame
    rating_counts: pd.DataFrame
    recommend: pd.DataFrame
    by_role: pd.DataFrame
    comparisons: pd.DataFrame
    not_compared: tuple[str, ...]
    quotes: pd.DataFrame
    comments: CommentCounts
    data_quality: CleaningLog


@dataclass(frozen=True)
class ImprovementResults:
    """Every team's improvement measures through SPC.

    ``summary`` has one row per measure (icons, whether it improved after the
    first change and whether that was sustained); ``points`` one row per
    period (value, centre line, limits, point type and the rule that flagged
    it); ``headline`` is counted from ``summary``; ``status_counts`` counts the
    primary measures in each status (:data:`collablib.spc.vocabulary.STATUS_ORDER`),
    for the status chart of a large cohort.
    """

    measures: tuple[MeasureAnalysis, ...]
    summary: pd.DataFrame
    points: pd.DataFrame
    headline: ImprovementHeadline
    status_counts: pd.Series

    def measure(self, team_id: str, measure_id: str) -> MeasureAnalysis:
        """One team's measure; a :class:`KeyError` names the ones there are if it is not found."""
        for m in self.measures:
            if (m.team_id, m.measure_id) == (team_id, measure_id):
                return m
        known = ", ".join(f"{m.team_id}/{m.measure_id}" for m in self.measures)
        raise KeyError(f"no measure {team_id}/{measure_id}; the cohort has {known or 'none'}")


@dataclass(frozen=True)
class Participation:
    """Who took part: the number of project teams by tumour group and by NHS England region.

    Each is a count per value, most teams first (ties in order of first appearance).
    """

    by_tumour_group: pd.Series
    by_region: pd.Series

    @classmethod
    def of(cls, teams: pd.DataFrame) -> Participation:
        """Count the teams of a cohort's ``teams.csv``."""
        return cls(teams["tumour_group"].value_counts(), teams["region"].value_counts())


@dataclass(frozen=True)
class Provenance:
    """Which inputs, code and packages produced the analysis (:mod:`collablib.build.provenance`).

    ``facts`` is the JSON document the pipeline passes to the report notebook
    (input files and their SHA-256, git state, versions); ``data_as_of`` is the
    latest date in the data itself.
    """

    facts: Mapping[str, Any]
    data_as_of: str | None


@dataclass(frozen=True, eq=False)
class CohortAnalysis:
    """Everything about one cohort that a report, a summary or an export shows.

    Frozen so that nothing rebinds a result after :func:`analyse`; the frames
    inside are ordinary pandas objects, so treat them as read-only (copy before
    changing one). Compared by identity: two analyses of the same data are not
    ``==``, compare their :meth:`tables` instead.
    """

    cohort: Cohort
    teams: pd.DataFrame
    participation: Participation
    survey: SurveyResults
    improvement: ImprovementResults
    cpes: CohortCpes | None
    provenance: Provenance
    policy: DisclosurePolicy
    notice: str | None
    #: the IHI progress scores summarised; ``None`` when the cohort has no progress.csv
    progress: ProgressSummary | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The analysis as tidy tables: one row per observation, snake_case columns.

        Percentages are 0-100 (columns ``pct``, ``ci_low``, ``ci_high``,
        ``*_pct``); differences are in percentage points. Tables below cohort
        level carry the report's disclosure control: a hidden count is empty,
        with a ``*_suppressed`` flag. The columns are described in
        :data:`collablib.build.export.DESCRIPTIONS`.
        """
        from collablib.build.export import analysis_tables

        return analysis_tables(self)


def load_comparators(
    cohort_id: str,
    data_dir: str | os.PathLike[str] | None = None,
    recorded: str | Sequence[CohortFigures] | None = None,
) -> tuple[list[CohortFigures], list[str]]:
    """The figures of every other cohort to compare with, and the names of those left out.

    ``recorded`` is what the pipeline passes to the report notebook (JSON, or
    :class:`CohortFigures`): the figures recorded when each other cohort's data
    last validated. Without it (interactive use), every other cohort in the
    registry is loaded now, and those whose data have a problem are left out
    and named.
    """
    if recorded is not None:
        if isinstance(recorded, str):
            recorded = [CohortFigures.from_json(v) for v in json.loads(recorded)]
        return [f for f in recorded if f.cohort_id != cohort_id], []
    loaded: list[CohortFigures] = []
    skipped: list[str] = []
    for cohort in load_registry(data_dir):
        if cohort.cohort_id == cohort_id:
            continue
        try:
            loaded.append(cohort_figures(load_cohort(cohort, data_dir)))
        except CollabError:
            skipped.append(cohort.name)
    return loaded, skipped


def analyse(
    cohort_id: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    comparators: str | Sequence[CohortFigures] | None = None,
    provenance: str | None = None,
) -> CohortAnalysis:
    """Load, validate and analyse one cohort; every result its report shows, computed once.

    The result holds the cohort and its teams, ``participation``, ``survey``,
    ``improvement``, ``cpes`` and ``provenance`` (see :class:`CohortAnalysis`);
    its :meth:`~CohortAnalysis.tables` are the tidy tables ``make reports``
    publishes, with the report's disclosure control. ``data_dir`` defaults to
    the project's ``data/`` (or ``$COLLAB_DATA_DIR``).

    ``comparators`` and ``provenance`` are for the build pipeline, which passes
    the other cohorts' figures as they last validated and the facts the build
    was keyed on; interactively, leave them out and they are worked out from
    the data as they are now. Raises :class:`CollabError` for bad input.
    """
    data = load_cohort(cohort_id, data_dir)
    policy = load_policy(data_dir)
    notice = load_data_notice(data_dir)
    others, not_compared = load_comparators(cohort_id, data_dir, comparators)
    survey = _survey(data, others, not_compared, policy)
    measures = tuple(improvement.analyse_cohort(data.measures, data.teams, data.cohort.start_date))
    summary = spc_summary.summary_table(measures)
    cpes = cpes_analysis.analyse_cohort(
        load_cpes(data_dir),
        data.teams,
        data.cohort.start_date,
        data.cohort.end_date,
        str(data.files["teams"]),
    )
    facts = (
        json.loads(provenance)
        if provenance
        else provenance_facts.collect(cohort_id, data_dir, registry_row=data.cohort.as_dict())
    )
    return CohortAnalysis(
        cohort=data.cohort,
        teams=data.teams,
        participation=Participation.of(data.teams),
        survey=survey,
        improvement=ImprovementResults(
            measures=measures,
            summary=summary,
            points=spc_summary.points_table(measures),
            headline=spc_summary.headline(summary),
            status_counts=improvement.status_counts(measures),
        ),
        cpes=cpes,
        provenance=Provenance(facts, provenance_facts.data_as_of_cohort(data)),
        policy=policy,
        notice=notice,
        progress=_progress(data),
    )


def _progress(data: CohortData) -> ProgressSummary | None:
    """The cohort's progress scores summarised (:mod:`collablib.ihi.scores`), if it has any."""
    if data.progress is None:
        return None
    return summarise_progress(data.progress.scores, data.teams)


def _survey(
    data: CohortData,
    others: Sequence[CohortFigures],
    not_compared: Sequence[str],
    policy: DisclosurePolicy,
) -> SurveyResults:
    head = metrics.headline(data.teams, data.survey)
    by_role, voices = quotes.protected_roles_and_quotes(data.survey, data.names, policy, head)
    if data.survey_log is None:  # load_cohort always cleans; a hand-built CohortData may not
        raise CollabError(
            "the cohort's survey has no cleaning log",
            file=data.files.get("survey"),
            allowed="a CohortData from collablib.load_cohort",
        )
    own = cohort_figures(data)  # this cohort's counts, once, for both comparisons
    return SurveyResults(
        headline=head,
        items=metrics.item_summary(data.survey),
        rating_counts=metrics.rating_counts(data.survey),
        recommend=comparisons.recommend_context(own, others),
        by_role=by_role,
        comparisons=comparisons.compare_cohort(own, others),
        not_compared=tuple(not_compared),
        quotes=voices,
        comments=quotes.comment_counts(data.survey),
        data_quality=data.survey_log,
    )


def summary_json(analysis: CohortAnalysis) -> dict[str, Any]:
    """What ``collab summary --cohort ID --json`` prints: the headline, CPES and scope."""
    out = analysis.survey.headline.as_json()
    out["cpes"] = cpes_analysis.as_json(analysis.cpes.table) if analysis.cpes else []
    out["progress"] = analysis.progress.as_json() if analysis.progress else None
    out["scope"] = {
        "cohort_id": analysis.cohort.cohort_id,
        "name": analysis.cohort.name,
        "programme_year": analysis.cohort.programme_year,
        "cohorts": [analysis.cohort.cohort_id],
    }
    return out


@dataclass(frozen=True)
class ProgrammeYear:
    """A programme year's cohorts taken together: the survey headline, every respondent once."""

    programme_year: str
    cohorts: tuple[Cohort, ...]
    headline: Headline


def analyse_programme_year(
    programme_year: str, data_dir: str | os.PathLike[str] | None = None
) -> ProgrammeYear:
    """Pool every cohort of a programme year (``"2020/21"``, say), as NHS England reports a year.

    Pooled from each cohort's headline (:func:`collablib.survey.metrics.pool_headlines`):
    every figure is a count or follows from counts, so this equals the headline of all
    the year's answers together, each respondent counted once. Raises
    :class:`CollabError` for an unknown year or bad input.
    """
    cohorts = load_programme_year(programme_year, data_dir)
    heads = [metrics.headline(c.teams, c.survey) for c in cohorts]
    return ProgrammeYear(
        programme_year, tuple(c.cohort for c in cohorts), metrics.pool_headlines(heads)
    )


def programme_year_json(
    programme_year: str, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """What ``collab summary --programme-year YYYY/YY --json`` prints.

    The headline of :func:`analyse_programme_year`, with its scope.
    """
    year = analyse_programme_year(programme_year, data_dir)
    out = year.headline.as_json()
    out["scope"] = {
        "programme_year": programme_year,
        "cohorts": [c.cohort_id for c in year.cohorts],
    }
    return out
