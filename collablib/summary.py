"""Headline summaries for ``collab summary``: one cohort, or a programme year pooled."""

from __future__ import annotations

import os
from typing import Any

from collablib.data.loaders import load_cohort, load_programme_year, pool
from collablib.survey.metrics import headline


def cohort_summary(
    cohort_id: str, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Headline metrics of one cohort, which cohort they describe, and its CPES results.

    ``cpes`` lists one entry per team and targeted CPES question (see
    :func:`collablib.cpes.analysis.as_json`); it is empty without a CPES extract.
    """
    from collablib.cpes import analysis as cpes_analysis
    from collablib.data.cpes import load_cpes

    data = load_cohort(cohort_id, data_dir)
    out = headline(data.teams, data.survey)
    patients = cpes_analysis.analyse_cohort(
        load_cpes(data_dir), data.teams, data.cohort.start_date, data.cohort.end_date
    )
    out["cpes"] = cpes_analysis.as_json(patients.table) if patients else []
    out["scope"] = {
        "cohort_id": data.cohort.cohort_id,
        "name": data.cohort.name,
        "programme_year": data.cohort.programme_year,
        "cohorts": [data.cohort.cohort_id],
    }
    return out


def programme_year_summary(
    programme_year: str, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Headline metrics of every cohort in a programme year, pooled (each respondent once)."""
    cohorts = load_programme_year(programme_year, data_dir)
    teams, survey = pool(cohorts)
    out = headline(teams, survey)
    out["scope"] = {
        "programme_year": programme_year,
        "cohorts": [c.cohort.cohort_id for c in cohorts],
    }
    return out
