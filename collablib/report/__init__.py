"""Everything a reader sees: charts, tables, sentences, HTML pieces and their style.

====================  =============================================================================
``survey_plots``      survey charts (% positive, the 1-4 scale, recommending, roles, comparisons)
``spc_plots``         Making Data Count SPC charts, small multiples and their alt text
``cpes_plots``        CPES results by year against England and the expected range
``spc_matrix``        the teams x measures matrix of Making Data Count icons, linking to each chart
``progress_plots``    IHI progress scores: the trajectory chart, its findings and the scale
``programme_tables``  sentences and tables of the programme-year report
``tables``            the report's tables, as text
``narrative``         sentences and alt text in plain English
``display``           HTML pieces for the notebook (figures, tables, notes), all text escaped
``formatting``        numbers as reviewers read them (rounding half up)
``style``             NHS colours and the chart style
====================  =============================================================================

These functions take results (:mod:`collablib.analysis`) and compute no statistic of their own:
what they work out is only for display (percentages of a bar's segments, counts for alt text).
"""

__all__ = [
    "cpes_plots",
    "display",
    "formatting",
    "narrative",
    "programme_tables",
    "progress_plots",
    "spc_matrix",
    "spc_plots",
    "style",
    "survey_plots",
    "tables",
]
