"""Calculations on the end-of-collaborative survey: pure functions on data frames.

====================  =========================================================================
``metrics``           % positive with Wilson intervals, the headline, breakdowns, pooling
``comparisons``       differences between cohorts (Newcombe intervals, Fisher's exact test)
``disclosure``        small-number suppression below cohort level, with role groups
``disclosure_audit``  the audit: what a reader who knows the rules can work out
``privacy``           redaction of personal details from comments (``privacy_numbers``,
                      ``privacy_names``)
``quotes``            which comments may be quoted, and how they are attributed
====================  =========================================================================

Nothing here reads an input file, draws a chart or writes HTML (the only file read is
the package's own list of first names, ``resources/first_names.txt``, for redaction).
"""

__all__ = [
    "comparisons",
    "disclosure",
    "disclosure_audit",
    "metrics",
    "privacy",
    "privacy_names",
    "privacy_numbers",
    "quotes",
]
