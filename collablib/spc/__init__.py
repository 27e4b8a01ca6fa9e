"""Statistical process control (SPC) as Making Data Count does it (temporary re-export)."""

from collablib.spc.core import *  # noqa: F403
from collablib.spc.core import (  # noqa: F401
    MIN_FIX_POINTS,
    MIN_SPC_POINTS,
    POINT_TYPES,
    RUN_LENGTH,
    assurance,
    choose_chart,
    crossings_min,
    longest_run_max,
    p_chart,
    run_chart,
    xmr,
)
