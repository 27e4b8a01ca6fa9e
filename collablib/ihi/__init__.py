"""IHI progress scores: team progress on the IHI Breakthrough Series assessment scale.

Pure calculations on the validated scores of :mod:`collablib.data.progress`:
no I/O, no plotting. See :mod:`collablib.ihi.scores`.
"""

from collablib.ihi.scores import LEVELS, ProgressSummary, summarise_progress

__all__ = ["LEVELS", "ProgressSummary", "summarise_progress"]
