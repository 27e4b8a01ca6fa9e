"""Reading and validating every input: the only package that reads input files.

==================  ===========================================================================
``inputs``          reading input bytes, and recording their SHA-256, for the build record
``registry``        ``data/cohorts.csv``: which cohorts exist and when they ran
``ingest``          raw CSV and XLSX files into all-text tables that remember spreadsheet rows
``schemas``         the pandera rules of the data dictionary
``measure_schemas`` the same for ``measures.csv`` and ``changes.csv``
``survey_mapping``  how a survey tool's export maps onto the canonical survey table
``cleaning``        blank, test and duplicate rows, answer labels, "not answered"
``measures``        ``measures.csv`` and ``changes.csv``: teams' improvement measures
``cpes``            the national CPES extract as published
``policy``          ``data/disclosure.toml``: the disclosure-control policy
``loaders``         :func:`~collablib.data.loaders.load_cohort`: all of the above for one cohort
==================  ===========================================================================
"""

__all__ = [
    "cleaning",
    "cpes",
    "ingest",
    "inputs",
    "loaders",
    "measure_schemas",
    "measures",
    "policy",
    "registry",
    "schemas",
    "survey_mapping",
]
