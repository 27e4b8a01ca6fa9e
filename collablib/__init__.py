"""collablib: evaluation of NHS cancer Experience of Care Improvement Collaboratives.

The library holds every calculation behind the cohort reports, so that the
notebooks stay thin and every number can be unit-tested:

- :mod:`collablib.data.registry` and :mod:`collablib.data.loaders` read and validate the raw data;
- :mod:`collablib.survey.metrics` computes the survey metrics;
- :mod:`collablib.report.survey_plots` draws the charts (and nothing else);
- :mod:`collablib.report.display` and :mod:`collablib.report.narrative` turn results into HTML and plain English;
- :mod:`collablib.build.pipeline` builds the HTML reports; :mod:`collablib.cli` is the ``collab`` command.
"""

from importlib.metadata import PackageNotFoundError, version

from collablib.errors import CollabError

try:
    __version__ = version("collablib")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["CollabError", "__version__"]
