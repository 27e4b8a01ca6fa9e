"""`collablib.analyse` and `collablib.analyse_programme_year`: one analysis, computed once."""

from __future__ import annotations

import dataclasses

import pytest

import collablib
from collablib.analysis import CohortAnalysis, ProgrammeYear, summary_json
from collablib.data.loaders import load_programme_year, pool
from collablib.errors import CollabError
from collablib.survey import metrics
from tests.conftest import DEMO_DATA


@pytest.fixture(scope="module")
def cohort2() -> CohortAnalysis:
    return collablib.analyse("cohort-2", DEMO_DATA)


def test_the_analysis_is_frozen_and_typed(cohort2):
    assert isinstance(cohort2, CohortAnalysis)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cohort2.cohort = None  # type: ignore[misc]
    head = cohort2.survey.headline
    assert isinstance(head, metrics.Headline) and head.teams == len(cohort2.teams)
    assert cohort2 == cohort2 and cohort2 != collablib.analyse("cohort-2", DEMO_DATA)  # identity


def test_participation_counts_every_team_once(cohort2):
    for counts, column in (
        (cohort2.participation.by_tumour_group, "tumour_group"),
        (cohort2.participation.by_region, "region"),
    ):
        assert counts.sum() == len(cohort2.teams)
        assert set(counts.index) == set(cohort2.teams[column])
        assert list(counts) == sorted(counts, reverse=True)


def test_status_counts_cover_every_primary_measure(cohort2):
    improvement = cohort2.improvement
    primaries = [m for m in improvement.measures if m.primary]
    assert improvement.status_counts.sum() == len(primaries) == improvement.headline.teams


def test_a_measure_is_found_by_team_and_id_and_an_unknown_one_is_named(cohort2):
    measure = cohort2.improvement.measures[0]
    assert cohort2.improvement.measure(measure.team_id, measure.measure_id) is measure
    with pytest.raises(KeyError, match="no measure C2-01/nope; the cohort has"):
        cohort2.improvement.measure("C2-01", "nope")


def test_a_programme_year_is_its_cohorts_answers_pooled():
    year = collablib.analyse_programme_year("2020/21", DEMO_DATA)
    assert isinstance(year, ProgrammeYear)
    assert [c.cohort_id for c in year.cohorts] == ["cohort-2", "rare-cancers"]
    teams, survey = pool(load_programme_year("2020/21", DEMO_DATA))
    assert year.headline == metrics.headline(teams, survey)
    assert year.headline.teams == 23 and year.headline.recommend.pct == 100.0


def test_an_unknown_programme_year_names_the_years_there_are():
    with pytest.raises(CollabError) as info:
        collablib.analyse_programme_year("1999/00", DEMO_DATA)
    assert info.value.value == "1999/00" and "2020/21" in info.value.allowed


def test_summary_json_scope_names_the_cohort(cohort2):
    scope = summary_json(cohort2)["scope"]
    assert scope == {
        "cohort_id": "cohort-2",
        "name": "Cohort 2",
        "programme_year": "2020/21",
        "cohorts": ["cohort-2"],
    }
