"""Headline summaries for ``collab summary``: one cohort, or a programme year pooled."""

from __future__ import annotations

import os
from typing import Any

from collablib.loaders import load_cohort, load_programme_year, pool
from collablib.metrics import headline


def cohort_summary(
    cohort_id: str, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Headline metrics of one cohort, plus which cohort they describe."""
    data = load_cohort(cohort_id, data_dir)
    out = headline(data.teams, data.survey)
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
