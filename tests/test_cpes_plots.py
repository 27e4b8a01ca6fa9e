"""CPES charts: the longest real question wording wraps inside the chart, never clipped."""

from __future__ import annotations

import pandas as pd
import pytest

from collablib.analysis import analyse
from collablib.report import display
from collablib.report.cpes_plots import question_alt_text, question_chart


@pytest.fixture(scope="module")
def charts(demo_data):
    patients = analyse("cohort-2", demo_data).cpes
    assert patients is not None
    return patients, patients.charts()


def _fits(title: str, rows: pd.DataFrame, patients) -> None:
    fig = question_chart(rows, title, patients.years.baseline, patients.years.followup)
    display.svg_markup(fig)
    ax = fig.axes[0]
    drawn = ax.get_title(loc="left")
    box = ax._left_title.get_window_extent(fig._get_renderer())
    assert drawn.split() == title.split(), "no word of the title may be lost"
    assert box.x0 >= 0 and box.x1 <= fig.bbox.x1, f"title runs past the chart: {drawn!r}"


def test_the_longest_real_question_title_fits_within_the_chart(charts, demo_data):
    """The longest wording in the CPES question map, for the longest team name and trust
    code in the demo data and with its renumbering note, as the report would title it."""
    patients, found = charts
    questions = pd.read_csv(demo_data / "cpes" / "question_map.csv", dtype=str)
    longest_question = max(questions["question_text"], key=len)
    teams = pd.concat(
        pd.read_csv(p, dtype=str) for p in sorted((demo_data / "raw").glob("*/teams.csv"))
    )
    longest_team = max(teams["team_name"], key=len)
    title = f"{longest_team} (XA10): Q13 (numbered Q19, Q21 in other years) {longest_question}"
    _, rows = max(found, key=lambda chart: len(chart[0]))
    _fits(title, rows, patients)


def test_every_cpes_chart_title_of_a_report_fits(charts):
    patients, found = charts
    assert len(found) >= 10
    for title, rows in found:
        _fits(title, rows, patients)
        assert title in question_alt_text(rows, title)
