"""The CPES analysis: each team's targeted questions at its trust, before and after the cohort.

``analysis`` relates the national CPES extract (read by :mod:`collablib.data.cpes`) to the
teams: trust scores against England and the expected range, and the change from the
baseline survey to the follow-up with a Newcombe interval.
"""

__all__ = ["analysis"]
