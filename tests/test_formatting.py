import math

import pytest

from collablib.report.formatting import fmt_ci, fmt_int, fmt_pct, round_half_up


@pytest.mark.parametrize(
    ("value", "ndigits", "expected"),
    [
        (92.5, 0, 93.0),
        (81.5, 0, 82.0),
        (0.5, 0, 1.0),
        (80.4999, 0, 80.0),
        (2.675, 2, 2.68),
        (100.0, 0, 100.0),
        (-0.5, 0, -1.0),
    ],
)
def test_round_half_up(value, ndigits, expected):
    assert round_half_up(value, ndigits) == expected


def test_python_round_would_differ():
    assert round(92.5) == 92  # banker's rounding: why round_half_up exists
    assert round_half_up(92.5) == 93


def test_nan_stays_nan():
    assert math.isnan(round_half_up(float("nan")))


def test_formatters():
    assert fmt_pct(81.0344) == "81%"
    assert fmt_pct(88.5) == "89%"
    assert fmt_pct(float("nan")) == "–"
    assert fmt_pct(None) == "–"
    assert fmt_ci(69.1, 89.06) == "69% to 89%"
    assert fmt_ci(float("nan"), 3.0) == "–"
    assert fmt_int(20000) == "20,000"
