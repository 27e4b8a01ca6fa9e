"""collablib: evaluation of NHS cancer Experience of Care Improvement Collaboratives.

Start with :func:`analyse`, which gives every result of one cohort's report,
computed once::

    import collablib
    a = collablib.analyse("cohort-2")
    a.survey.headline, a.improvement.summary, a.tables()["spc_points"]

and :func:`analyse_programme_year` for a programme year's cohorts taken together.

The package is laid out by stage, and data flows one way through them:

===========================  ====================================================================
``collablib.data``           reading and validating inputs: the registry, survey exports and
                             their mapping, cleaning, measures, the CPES extract, the disclosure
                             policy (the only package that reads input files)
``collablib.survey``         survey calculations: metrics, comparisons, disclosure control,
                             redaction, quotes
``collablib.spc``            statistical process control, one module per step (options, rules,
                             XmR, p chart, run chart, assurance), and its use on team measures
``collablib.cpes``           the CPES analysis: trust scores against England, before and after
``collablib.report``         what a reader sees: charts, tables, sentences, HTML pieces, style
``collablib.build``          making the reports: pipeline, kernels, build state, provenance, HTML
                             export, index, tidy data export
``collablib.analysis``       :func:`analyse`: one cohort's analysis, assembled from the above;
                             :func:`analyse_programme_year`: a year's cohorts pooled
``collablib.cli``            the ``collab`` command
===========================  ====================================================================

``data``, ``survey``, ``spc`` and ``cpes`` never import ``report``, ``build`` or
``cli``, and never import matplotlib; a test enforces it. Importing collablib
changes no global state (no plotting backend, no warnings filters).
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from collablib.errors import CollabError

try:
    __version__ = version("collablib")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

#: The public API, imported on first use, so that ``import collablib`` (and the
#: ``collab`` command's quick "up to date" check) does not load pandas and scipy.
_LAZY = {
    "analyse": "collablib.analysis",
    "CohortAnalysis": "collablib.analysis",
    "analyse_programme_year": "collablib.analysis",
    "load_cohort": "collablib.data.loaders",
    "xmr": "collablib.spc",
    "p_chart": "collablib.spc",
    "run_chart": "collablib.spc",
    "assurance": "collablib.spc",
}

__all__ = [
    "CohortAnalysis",
    "CollabError",
    "__version__",
    "analyse",
    "analyse_programme_year",
    "assurance",
    "load_cohort",
    "p_chart",
    "run_chart",
    "xmr",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'collablib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
