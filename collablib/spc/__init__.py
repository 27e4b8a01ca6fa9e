"""Statistical process control (SPC) for improvement measures, as Making Data Count does it.

No plotting here: see :mod:`collablib.report.spc_plots`. One module per
calculation step, as the R package NHSRplotthedots has one file per step:

============================  ====================================================================
step                          module
============================  ====================================================================
options and constants         :mod:`~collablib.spc.options`: :class:`SpcOptions`,
                              :func:`validate_options`, ``LIMIT``, ``RUN_LENGTH`` ...
                              (``ptd_spc_options``, ``ptd_validate_spc_options``)
special-cause rules           :mod:`~collablib.spc.rules`: :func:`special_cause_types`,
                              :func:`point_types` (``ptd_calculate_point_type``)
XmR chart                     :mod:`~collablib.spc.xmr`: :func:`xmr` (``ptd_spc``,
                              ``ptd_spc_standard``, ``ptd_add_rebase_column`` ...)
p chart                       :mod:`~collablib.spc.p_chart`: :func:`p_chart` (qicharts2
                              ``qic.p``, ``makeparts``)
run chart                     :mod:`~collablib.spc.run_chart`: :func:`run_chart`,
                              :func:`runs_analysis` (qicharts2 ``runs.analysis``)
icons and chart choice        :mod:`~collablib.spc.assurance`: :func:`assurance`
                              (``ptd_calculate_assurance_type``), :func:`choose_chart`
words for the results         :mod:`~collablib.spc.vocabulary`: :data:`VARIATION`,
                              :data:`ASSURANCE`
each team's measures          :mod:`~collablib.spc.improvement` (import it as
                              ``from collablib.spc import improvement``)
============================  ====================================================================

Plumbing shared by the chart steps (sorting into facets and groups, tidying the
result) is in the private ``collablib.spc._common``.

Reference implementations, which ``tests/test_spc_reference.py`` checks
against to 1e-9:

- **XmR chart**: NHS England's *Making Data Count* as the R package
  NHSRplotthedots 0.2.2 computes it (mean and moving-range limits, outlier
  screening, rebase, fixed limits, the four special-cause rules, point types,
  assurance). Output column names are NHSRplotthedots' (``mean``, ``lpl``,
  ``upl``, ``outside_limits``, ``relative_to_mean``, ``close_to_limits``,
  ``point_type``), so NHS-R users feel at home.
- **p chart** and **run chart**: the R package qicharts2 0.8.1 (p-chart
  limits, ``freeze`` and ``part``; the Anhøj runs rules), with the p chart's
  points classified by the same Making Data Count rules.

Missing periods are kept and break every run: collab's extension, as neither
reference allows gaps. Bad input raises :class:`~collablib.errors.CollabError`.
"""

from collablib.spc import options
from collablib.spc.assurance import assurance, choose_chart
from collablib.spc.options import *  # noqa: F403 (its __all__ is re-exported below)
from collablib.spc.p_chart import p_chart
from collablib.spc.rules import point_types, special_cause_types
from collablib.spc.run_chart import crossings_min, longest_run_max, run_chart, runs_analysis
from collablib.spc.vocabulary import ASSURANCE, VARIATION, VARIATION_LABELS, Words
from collablib.spc.xmr import xmr

__all__ = [  # the options module's names, then every other step's
    *options.__all__,
    "ASSURANCE",
    "VARIATION",
    "VARIATION_LABELS",
    "Words",
    "assurance",
    "choose_chart",
    "crossings_min",
    "improvement",  # noqa: F405 (a submodule, imported on use)
    "longest_run_max",
    "p_chart",
    "point_types",
    "run_chart",
    "runs_analysis",
    "special_cause_types",
    "xmr",
]
